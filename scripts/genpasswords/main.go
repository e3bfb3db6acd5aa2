// Command genpasswords writes a passwords export (support-JSON style
// records: id, password_digest, password_hasher) for the first -users
// users genusers makes with the same -seed, plus -extra ids no source has,
// to measure the --passwords join. The digests are well-formed bcrypt
// strings of no real password: cheap to make, and nothing to leak.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/ascendkit/ascendkit/client/clerk/emulator"
	"github.com/ascendkit/ascendkit/scripts/internal/outfile"
)

const b64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func main() {
	users := flag.Int("users", 1000, "users of the genusers file to give a digest")
	extra := flag.Int("extra", 0, "ids that are in no source")
	seed := flag.Int64("seed", 1, "genusers seed")
	out := flag.String("o", "-", "output file (- for stdout)")
	flag.Parse()
	err := outfile.Write(*out, func(w io.Writer) error {
		return writePasswords(w, *users, *extra, *seed)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "genpasswords:", err)
		os.Exit(1)
	}
}

// writePasswords writes the records as one JSON array, a record a line.
func writePasswords(w io.Writer, users, extra int, seed int64) error {
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	digest := func() string {
		b := make([]byte, 53)
		for i := range b {
			b[i] = b64[r.IntN(len(b64))]
		}
		return "$2a$10$" + string(b)
	}
	enc := json.NewEncoder(w)
	if _, err := io.WriteString(w, "[\n"); err != nil {
		return err
	}
	for i := range users + extra {
		id := fmt.Sprintf("user_extra_%09d", i)
		if i < users {
			id = emulator.UserAt(i, users, seed).ID
		}
		if i > 0 {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		if err := enc.Encode(map[string]string{"id": id, "password_digest": digest(), "password_hasher": "bcrypt"}); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]\n")
	return err
}
