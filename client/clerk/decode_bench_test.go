package clerk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
)

// benchUsers is the size of the decode benchmarks' export.
const benchUsers = 20_000

func benchExport(b *testing.B) (string, int64) {
	var buf bytes.Buffer
	if err := emulator.WriteJSON(&buf, benchUsers, 1); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "users.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	return path, int64(buf.Len())
}

// BenchmarkReadFile reads a Backend API export through the file source,
// as a preview does; BenchmarkDecodeFloor decodes the same file with
// encoding/json into a small struct, the floor the reader is measured
// against. Compare their ns/op (scripts/bench.sh does, at 100k users).
func BenchmarkReadFile(b *testing.B) {
	path, size := benchExport(b)
	b.SetBytes(size)
	for b.Loop() {
		src, err := clerk.OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			recs, err := src.Next(context.Background())
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range recs {
				if r.User == nil {
					b.Fatalf("record %d: %v", r.Pos, r.Err)
				}
			}
			n += len(recs)
		}
		src.Close()
		if n != benchUsers {
			b.Fatalf("read %d users of %d", n, benchUsers)
		}
	}
}

func BenchmarkDecodeFloor(b *testing.B) {
	path, size := benchExport(b)
	b.SetBytes(size)
	type small struct {
		ID        string `json:"id"`
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		CreatedAt int64  `json:"created_at"`
		Emails    []struct {
			Email string `json:"email_address"`
		} `json:"email_addresses"`
	}
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		d := json.NewDecoder(f)
		if _, err := d.Token(); err != nil {
			b.Fatal(err)
		}
		n := 0
		for d.More() {
			var u small
			if err := d.Decode(&u); err != nil {
				b.Fatal(err)
			}
			n++
		}
		f.Close()
		if n != benchUsers {
			b.Fatalf("decoded %d users of %d", n, benchUsers)
		}
	}
}

// BenchmarkDecodeRecord decodes the emulator's users one record at a time,
// as both sources do, on the fast path and on the reference path (the
// decoder as it was before the fast path, which the parity tests compare
// it with): compare the two in one run, since the machine's load moves
// both alike. One op is one user.
func BenchmarkDecodeRecord(b *testing.B) {
	var buf bytes.Buffer
	if err := emulator.WriteJSON(&buf, 2000, 1); err != nil {
		b.Fatal(err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &raws); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name      string
		reference bool
	}{{"fast", false}, {"reference", true}} {
		b.Run(mode.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(buf.Len() / len(raws)))
			i := 0
			for b.Loop() {
				if rec := clerk.DecodeRecordMode(raws[i], i+1, mode.reference); rec.User == nil {
					b.Fatal(rec.Err)
				}
				if i++; i == len(raws) {
					i = 0
				}
			}
		})
	}
}
