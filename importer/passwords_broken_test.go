package importer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// An unreadable record of a --passwords file was only counted ("1 record
// of the passwords file could not be read"), leaving the user to hunt for
// it. The staging now names the first few: position, line, reason and
// the id when readable, never the digest.
func TestBrokenPasswordsRecordsAreNamed(t *testing.T) {
	const digest = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	content := "id,primary_email_address,password_digest,password_hasher\n" +
		"user_1,a@x.io," + digest + ",bcrypt\n" +
		"user_2,Jos\xe9@x.io," + digest + ",bcrypt\n" +
		",c@x.io," + digest + ",bcrypt\n" +
		"user_4,d@x.io,\"" + digest + "\"x,bcrypt\n" +
		"user_5,e@x.io,,,\n" + // a record with too many fields
		"user_6,f@x.io," + digest + ",bcrypt\n"
	path := filepath.Join(t.TempDir(), "passwords.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := clerk.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	s, err := stagePasswords(context.Background(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if s.broken != 4 || s.ids != 2 {
		t.Fatalf("broken %d, ids %d", s.broken, s.ids)
	}
	w := s.brokenWarning()
	for _, want := range []string{
		"4 records of the passwords file could not be read; their users need a password reset (",
		`record 2 (line 3): contains bytes that are not valid UTF-8 in column "primary_email_address"; the file is probably in a legacy encoding`, `import that (id "user_2")`,
		"record 3 (line 4): empty id",
		`record 4 (line 5): malformed CSV: extraneous or missing " in quoted-field (id "user_4")`,
		"; …).",
	} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q lacks %q", w, want)
		}
	}
	if strings.Contains(w, digest[:12]) || strings.Contains(w, "user_5") {
		t.Errorf("warning %q names more than it should", w)
	}
}
