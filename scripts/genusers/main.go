// Command genusers writes N synthetic Clerk users as a JSON export, for
// benchmarks and for trying `import clerk --file` by hand.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ascendkit/ascendkit/client/clerk/emulator"
	"github.com/ascendkit/ascendkit/scripts/internal/outfile"
)

func main() {
	n := flag.Int("n", 1000, "number of users")
	seed := flag.Int64("seed", 1, "generator seed")
	out := flag.String("o", "-", "output file (- for stdout)")
	flag.Parse()
	if err := outfile.Write(*out, func(w io.Writer) error { return emulator.WriteJSON(w, *n, *seed) }); err != nil {
		fmt.Fprintln(os.Stderr, "genusers:", err)
		os.Exit(1)
	}
}
