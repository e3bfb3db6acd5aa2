// Command genusers writes N synthetic Clerk users as a JSON export, for
// benchmarks and for trying `import clerk --file` by hand.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/ascendkit/ascendkit/client/clerk/emulator"
)

func main() {
	n := flag.Int("n", 1000, "number of users")
	seed := flag.Int64("seed", 1, "generator seed")
	out := flag.String("o", "-", "output file (- for stdout)")
	flag.Parse()
	w := os.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	if err := emulator.WriteJSON(bw, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
