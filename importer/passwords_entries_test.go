package importer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// passwordsFileEntries runs a preview of main with the passwords CSV
// content joined, and returns the entries about the passwords file and
// every entry's JSON (to look for secrets in).
func passwordsFileEntries(t *testing.T, main *sliceSource, content string) (Report, []Entry, string) {
	t.Helper()
	t.Setenv("TMPDIR", t.TempDir())
	path := filepath.Join(t.TempDir(), "passwords.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	pws, err := clerk.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer pws.Close()
	var all strings.Builder
	var got []Entry
	rep, err := Run(ctx, main, openEnv(t), Options{Mode: ModePreview, Passwords: pws, OnEvent: func(ev Event) {
		e, ok := ev.(EntryFound)
		if !ok {
			return
		}
		b, err := json.Marshal(e.Entry)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
		if e.Entry.File == EntryFilePasswords {
			got = append(got, e.Entry)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	return rep, got, all.String()
}

// A passwords-file record that could not be read was named only in the
// warning (the first three of them): --entries, the per-row list, had no
// line for it. Each one is an entry now, at its place in the passwords
// file, with the id and address when readable and the reader's reason,
// never a digest.
func TestBrokenPasswordsRecordsAreEntries(t *testing.T) {
	const digest = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	content := "id,primary_email_address,password_digest,password_hasher\n" +
		"user_1,a@x.io," + digest + ",bcrypt\n" +
		"user_2,Jos\xe9@x.io," + digest + ",bcrypt\n" + // not UTF-8
		",c@x.io," + digest + ",bcrypt\n" + // no id
		"user_4,d@x.io,\"" + digest + "\"x,bcrypt\n" + // a broken quote
		"user_5,e@x.io,,,\n" + // too many fields
		"user_6,f@x.io," + digest + ",bcrypt\n"
	main := newSource(10, mkUser("user_1", "a@x.io", withPassword), mkUser("user_6", "f@x.io", withPassword))
	rep, got, all := passwordsFileEntries(t, main, content)

	want := []struct {
		pos       int
		id, email string
		detailHas string
	}{
		{2, "user_2", "", "(line 3)"},
		{3, "", "", "(line 4): empty id"},
		{4, "user_4", "", "(line 5)"},
		{5, "user_5", "", "(line 6)"},
	}
	if len(got) != len(want) {
		t.Fatalf("passwords-file entries %+v, want %d", got, len(want))
	}
	for i, w := range want {
		e := got[i]
		if e.Pos != w.pos || e.SourceID != w.id || e.Email != w.email || e.Kind != KindPasswordsMalformed ||
			e.Reason != ReasonPasswordRecordMalformed || !strings.Contains(e.Detail, w.detailHas) {
			t.Errorf("entry %d = %+v, want record %d id %q email %q, detail with %q", i, e, w.pos, w.id, w.email, w.detailHas)
		}
	}
	if strings.Contains(all, digest[7:]) {
		t.Error("an entry holds the digest")
	}
	// The warning still counts them, and the users whose rows were fine
	// keep their passwords.
	if rep.Passwords.Kept != 2 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "4 records of the passwords file could not be read") {
		t.Errorf("passwords %+v, warnings %q", rep.Passwords, rep.Warnings)
	}
}

// A passwords-file record whose id no user of the source has was listed
// with no address ("(no email)") and its record number in the pos a user
// of the source has, as if it were one. It is named by the id and the
// address its record has, and marked as the passwords file's record.
func TestUnmatchedPasswordsRecordNamedByItsFile(t *testing.T) {
	const digest = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	content := "id,primary_email_address,password_digest,password_hasher\n" +
		"user_1,a@x.io," + digest + ",bcrypt\n" +
		"user_ghost, Ghost@X.io ," + digest + ",bcrypt\n" +
		"user_noaddr,," + digest + ",bcrypt\n"
	main := newSource(10, mkUser("user_1", "a@x.io", withPassword))
	rep, got, all := passwordsFileEntries(t, main, content)
	if rep.Passwords.Unmatched != 2 || len(got) != 2 {
		t.Fatalf("unmatched %d, entries %+v", rep.Passwords.Unmatched, got)
	}
	for i, w := range []struct {
		pos       int
		id, email string
	}{{2, "user_ghost", "ghost@x.io"}, {3, "user_noaddr", ""}} {
		e := got[i]
		if e.Pos != w.pos || e.SourceID != w.id || e.Email != w.email || e.Kind != KindPasswordsUnmatched ||
			e.Reason != ReasonPasswordUnmatched || !strings.Contains(e.Detail, "passwords file record") {
			t.Errorf("entry %d = %+v, want passwords file record %d, id %q, email %q", i, e, w.pos, w.id, w.email)
		}
	}
	if !strings.Contains(all, `"file":"passwords"`) || strings.Contains(all, digest[7:]) {
		t.Errorf("entries JSON %s", all)
	}
	if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, "2 records of the passwords file match no user of the source") {
		t.Errorf("warnings %q", w)
	}
	if w := strings.Join(rep.Warnings, "\n"); strings.Contains(w, "another Clerk instance") {
		t.Errorf("warnings %q: one record matched, yet another instance suggested", w)
	}
	rep, _, _ = passwordsFileEntries(t, newSource(10, mkUser("user_1", "a@x.io", withPassword)), content[:strings.Index(content, "user_noaddr")])
	if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, "1 record of the passwords file matches no user of the source") {
		t.Errorf("warnings %q", w)
	}
	// Not one id in common (another instance's export): the warning says
	// what is likely.
	rep, _, _ = passwordsFileEntries(t, newSource(10, mkUser("user_9", "z@x.io", withPassword)), content)
	if w := strings.Join(rep.Warnings, "\n"); rep.Passwords.Unmatched != 3 ||
		!strings.Contains(w, "3 records of the passwords file match no user of the source (listed with --entries). None of its ids is a user of the source: is it the export of another Clerk instance") {
		t.Errorf("unmatched %d, warnings %q", rep.Passwords.Unmatched, w)
	}
}

// A record that decodes but has no id (a JSON passwords file's user
// without one) is named by its address; one whose id is no Clerk id is
// not named by it.
func TestBrokenEntryNamesWhatItCan(t *testing.T) {
	e := brokenEntry(clerk.Record{Pos: 7, User: mkUser("", " Ann@Example.com")})
	if e.Pos != 7 || e.File != EntryFilePasswords || e.SourceID != "" || e.Email != "ann@example.com" || !strings.Contains(e.Detail, "record 7: no id") {
		t.Errorf("no id: %+v", e)
	}
	long := strings.Repeat("x", maxStagedID+1)
	e = brokenEntry(clerk.Record{Pos: 8, User: mkUser(long, "b@example.com")})
	if e.SourceID != "" || e.Email != "b@example.com" || !strings.Contains(e.Detail, "an id over") {
		t.Errorf("long id: %+v", e)
	}
}

// A JSON passwords file's record with a digest cell that is no string is
// an entry too, named by its id, and the entry does not quote the cell.
func TestBrokenJSONPasswordsRecordIsAnEntry(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	const digest = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	path := filepath.Join(t.TempDir(), "passwords.json")
	content := `[{"id":"user_1","email_addresses":"a@x.io","password_digest":"` + digest + `","password_hasher":"bcrypt"},
		{"id":"user_2","email_addresses":"b@x.io","password_digest":["` + digest + `"],"password_hasher":"bcrypt"}]`
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	pws := openFile(t, path)
	var got []Entry
	var all strings.Builder
	run(t, newSource(10, mkUser("user_1", "a@x.io", withPassword), mkUser("user_2", "b@x.io", withPassword)), openEnv(t),
		Options{Mode: ModePreview, Passwords: pws, OnEvent: func(ev Event) {
			if e, ok := ev.(EntryFound); ok {
				b, _ := json.Marshal(e.Entry)
				all.Write(b)
				if e.Entry.File == EntryFilePasswords {
					got = append(got, e.Entry)
				}
			}
		}})
	if len(got) != 1 || got[0].Pos != 2 || got[0].SourceID != "user_2" || got[0].Kind != KindPasswordsMalformed || !strings.Contains(got[0].Detail, "password_digest") {
		t.Fatalf("entries %+v", got)
	}
	if strings.Contains(all.String(), digest[7:]) {
		t.Errorf("an entry quotes the digest: %s", all.String())
	}
}
