package clerk_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// FuzzOpenFile feeds arbitrary bytes to the export readers: whatever the
// file holds, reading it must end in records or an error, never a panic
// or a hang. `go test` runs the seeds; `go test -fuzz FuzzOpenFile` explores.
func FuzzOpenFile(f *testing.F) {
	for _, seed := range []string{
		`[]`, `{"users":[]}`, `[{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@b.co"}]}]`,
		`{"meta":1,"users":[{"id":"u","created_at":"x"},null,7]}`, `[{"id":`, `{"users":{}}`,
		"id,primary_email_address\nuser_1,a@b.co\n", "id,first_name\n\"unterminated", "\ufeff[]",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "export")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		src, err := clerk.OpenFile(path)
		if err != nil {
			return
		}
		defer src.Close()
		for range 1000 {
			recs, err := src.Next(context.Background())
			if errors.Is(err, io.EOF) || err != nil {
				return
			}
			for _, r := range recs {
				if (r.User == nil) == (r.Err == nil) {
					t.Fatalf("record %d has neither or both of User and Err", r.Pos)
				}
			}
		}
		t.Fatal("reader did not end")
	})
}
