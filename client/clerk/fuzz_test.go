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
		`{"users":[{"id":"u","created_at":"2024-01-01T00:00:00Z"}],"clerkMigrate":1}`,
		`[{"id":"u","email_addresses":"a@b.co|c@d.co","password_digest":"$2a$10$x","totp_secret":"T"}]`,
		`[{"id":"u","primary_email_address":"a@b.co","email_addresses":["a@b.co",null,{"id":"e"}]}]`,
		`[{"id":"u","first_name":"\ud800\udc00\ud800"}]`, "[{\"id\":\"u\",\"x\":\"\xff\"}]",
		`[{"a":[{"b":"]}\"["}]},{"id":"u"}]`, `[{"id":"u"}}]`, `{"a":"b" "users":[]}`,
		"# c\nid,primary_email_address,primary_phone_number\nuser_1,,\t+1555\nuser_2,\"a\"\"b\",x,y\n",
		"id,primary_email_address\nuser_1,\"a\nb\"\r\n\r\nuser_2,b\"c\n",
		// UTF-16: with and without a byte-order mark, cut, a lone surrogate.
		"\xff\xfe[\x00{\x00\"\x00i\x00d\x00\"\x00:\x00\"\x00u\x00\"\x00}\x00]\x00", "\x00[\x00{\x00}\x00]", "\xfe\xff\x00[\xd8\x3d\xde\x00",
		"\xff\xfe[\x00\x00\xdc]\x00", "[\x00]", "\xff\xfe\r\x00\r\x00i\x00d\x00\n\x00u\x00",
		"\r\r\nid,primary_email_address\ruser_1,a@b.co,x\r",
	} {
		f.Add([]byte(seed))
	}
	// Every fixture, whole: the fuzzer mutates real shapes of each format.
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, name := range fixtures {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
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
		n := 0
		for range 1000 {
			recs, err := src.Next(context.Background())
			if err != nil {
				// The pre-run Check scans the same bytes: it must count
				// the same records and fail where reading fails.
				checked, cerr := src.(clerk.Checker).Check(context.Background())
				if errors.Is(err, io.EOF) != (cerr == nil) || (cerr == nil && checked != n) {
					t.Fatalf("read %d records (%v), Check %d (%v)", n, err, checked, cerr)
				}
				if _, ok := src.(clerk.Formatter); !ok {
					t.Fatal("no Formatter")
				}
				return
			}
			for _, r := range recs {
				n++
				if (r.User == nil) == (r.Err == nil) {
					t.Fatalf("record %d has neither or both of User and Err", r.Pos)
				}
				if r.Pos != n {
					t.Fatalf("record %d at position %d", r.Pos, n)
				}
				if r.Err != nil && len(r.Err.Error()) > 1000 {
					t.Fatalf("record %d: %d-byte error", r.Pos, len(r.Err.Error()))
				}
			}
		}
		t.Fatal("reader did not end")
	})
}
