package importer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// A Dashboard CSV given as the passwords file is read for its digests:
// a row whose created_at, banned flag or metadata cannot be read (a
// spreadsheet's doing) still gives its digest, where losing it would
// cost the user their password over a column a passwords file does not
// use. The same file as the main source still refuses the row.
func TestPasswordsFileRowWithUnusedCellsBroken(t *testing.T) {
	dir := t.TempDir()
	a, b := bcryptOf(t, "a-pw"), bcryptOf(t, "b-pw")
	csvPath := filepath.Join(dir, "users.csv")
	csvText := "id,primary_email_address,created_at,last_sign_in_at,banned,two_factor_enabled,public_metadata,password_digest,password_hasher\n" +
		"user_a,a@example.com,31/31/2020,yesterday,maybe,yes please,{broken," + a + ",bcrypt\n" +
		"user_b,b@example.com,2024-01-02T03:04:05Z,,false,false,{}," + b + ",bcrypt\n"
	if err := os.WriteFile(csvPath, []byte(csvText), 0o600); err != nil {
		t.Fatal(err)
	}
	apiPath := filepath.Join(dir, "users.json")
	api := `[` +
		`{"id":"user_a","password_enabled":true,"primary_email_address_id":"ea","email_addresses":[{"id":"ea","email_address":"a@example.com","verification":{"status":"verified"}}],"created_at":1700000000000},` +
		`{"id":"user_b","password_enabled":true,"primary_email_address_id":"eb","email_addresses":[{"id":"eb","email_address":"b@example.com","verification":{"status":"verified"}}],"created_at":1700000000000}]`
	if err := os.WriteFile(apiPath, []byte(api), 0o600); err != nil {
		t.Fatal(err)
	}
	open := func(p string) clerk.Source {
		s, err := clerk.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	env := openEnv(t)
	opts := Options{Mode: ModePreview, Passwords: open(csvPath)}
	entries := collect(&opts)
	rep := run(t, open(apiPath), env, opts)
	if rep.Passwords.Kept != 2 || rep.Passwords.NeedsReset != 0 {
		t.Errorf("passwords %+v; want both kept", rep.Passwords)
	}
	// Its second-factor cell cannot be read: it may say the user had one,
	// so they are asked to enrol again rather than lose it unsaid.
	if rep.Tags[TagMFAReenroll] != 1 {
		t.Errorf("tags %v; want user_a tagged %s", rep.Tags, TagMFAReenroll)
	}
	for _, e := range *entries {
		if e.Reason == ReasonPasswordRecordMalformed {
			t.Errorf("a passwords-file record refused for a cell it does not use: %+v", e)
		}
	}
	// As the main source, the row is refused as before: its user would be
	// imported with a wrong creation date or ban otherwise.
	main := run(t, open(csvPath), openEnv(t), Options{Mode: ModePreview})
	if main.Users.SkippedReasons[ReasonMalformed] != 1 {
		t.Errorf("main source: skipped %v; want user_a malformed", main.Users.SkippedReasons)
	}
}
