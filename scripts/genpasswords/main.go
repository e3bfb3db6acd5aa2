// Command genpasswords writes a passwords export (support-JSON style
// records: id, password_digest, password_hasher) for the first -users
// users genusers makes with the same -seed, plus -extra ids no source has,
// to measure the --passwords join. The digests are well-formed bcrypt
// strings of no real password: cheap to make, and nothing to leak.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/ascendkit/ascendkit/client/clerk/emulator"
)

const b64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func main() {
	users := flag.Int("users", 1000, "users of the genusers file to give a digest")
	extra := flag.Int("extra", 0, "ids that are in no source")
	seed := flag.Int64("seed", 1, "genusers seed")
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
	r := rand.New(rand.NewPCG(uint64(*seed), 7))
	digest := func() string {
		b := make([]byte, 53)
		for i := range b {
			b[i] = b64[r.IntN(len(b64))]
		}
		return "$2a$10$" + string(b)
	}
	enc := json.NewEncoder(bw)
	bw.WriteString("[\n")
	total := *users + *extra
	for i := range total {
		id := fmt.Sprintf("user_extra_%09d", i)
		if i < *users {
			id = emulator.UserAt(i, *users, *seed).ID
		}
		if i > 0 {
			bw.WriteString(",")
		}
		enc.Encode(map[string]string{"id": id, "password_digest": digest(), "password_hasher": "bcrypt"})
	}
	bw.WriteString("]\n")
	if err := bw.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
