package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// passwordsFixture writes a source of four users (the last one banned)
// and a Dashboard CSV of digests for it with a record of an id the
// source lacks (record 2), one without an id (3) and one repeating
// user_0001's id with another digest (4). It returns the two paths and
// the digests, which no screen may show.
func passwordsFixture(t *testing.T, dir string) (source, passwords string, digests []string) {
	t.Helper()
	users := makeUsers(4)
	users[3].Banned = true
	// user_0001 is flagged: an unverified link is not kept.
	users[1].ExternalAccounts = []clerk.ExternalAccount{{ID: "eac_1", Provider: "oauth_google", ProviderUserID: "g1",
		Verification: &clerk.Verification{Status: "unverified"}}}
	source = writeUsersJSON(t, dir, users)
	for _, pw := range []string{"first secret", "second secret"} {
		d, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, string(d))
	}
	content := "id,primary_email_address,password_digest,password_hasher\n" +
		"user_0001,u1@example.com," + digests[0] + ",bcrypt\n" +
		"user_ghost, Ghost@X.io ," + digests[0] + ",bcrypt\n" +
		",nobody@x.io," + digests[0] + ",bcrypt\n" +
		"user_0001,u1@example.com," + digests[1] + ",bcrypt\n" +
		"user_0002,u2@example.com," + digests[1] + ",bcrypt\n"
	passwords = filepath.Join(dir, "digests.csv")
	if err := os.WriteFile(passwords, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return source, passwords, digests
}

// cliPasswordsEntries is what `import clerk preview --passwords FILE
// --entries` lists of the passwords file's records, in the order given.
func cliPasswordsEntries(t *testing.T, source, passwords string, env envT) []importer.Entry {
	t.Helper()
	src, err := clerk.OpenFile(source)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pws, err := clerk.OpenFile(passwords)
	if err != nil {
		t.Fatal(err)
	}
	defer pws.Close()
	var out []importer.Entry
	_, err = importer.Run(context.Background(), src, env, importer.Options{
		Mode: importer.ModePreview, Phases: importer.Phases{Users: true, Settings: true}, Passwords: pws,
		OnDuplicate: importer.PolicySkip, Now: func() time.Time { return fixedNow },
		OnEvent: func(ev importer.Event) {
			if f, ok := ev.(importer.EntryFound); ok && f.Entry.File == importer.EntryFilePasswords {
				out = append(out, f.Entry)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// reviewWithPasswords drives the wizard on source with the passwords file
// (shift+tab on the Source step) to the review.
func reviewWithPasswords(t *testing.T, env envT, source, passwords string) (*driver, *duplicatesScreen) {
	t.Helper()
	d := newDriver(t, Config{Env: env, OpenFile: clerk.OpenFile}, 120, 40)
	d.press("2")
	d.press(source)
	d.press("shift+tab")
	d.send(tea.PasteMsg{Content: passwords})
	d.press("enter")
	d.waitFor("the settings", func(m Model) bool { return m.state == stateSettings })
	if d.m.pc.sess.source.Passwords != passwords {
		t.Fatalf("passwords file %q, want %q", d.m.pc.sess.source.Passwords, passwords)
	}
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	d.waitFor("the classification", func(m Model) bool { return m.pc.sess.classified != nil })
	d.press("enter")
	if d.state() != stateDuplicates {
		t.Fatalf("state %v, want review", d.state())
	}
	return d, reviewOf(d)
}

// passwordsRowsOf is the review's rows of the passwords file, in order.
func passwordsRowsOf(s *duplicatesScreen) []importer.Entry {
	var out []importer.Entry
	for _, e := range s.entries {
		if e.File == importer.EntryFilePasswords {
			out = append(out, e)
		}
	}
	return out
}

// entryLine is an entry as a comparable line.
func entryLine(e importer.Entry) string {
	return fmt.Sprintf("%s #%d %s %s %s %s: %s", e.File, e.Pos, e.Kind, e.Reason, e.SourceID, e.Email, e.Detail)
}

// The review listed no record of the passwords file, while Confirm said
// some were "listed with --entries", which the wizard has not: the
// unmatched, unreadable and repeated records are the review's rows now,
// as the CLI lists them, each under a tab of its own, after the source's
// users, named by id and address at its place in the passwords file, and
// with no skip or merge; a recount (b) keeps them.
func TestReviewListsPasswordsFileRecords(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", t.TempDir())
	source, passwords, digests := passwordsFixture(t, dir)
	env := realEnv(t, dir)
	cli := cliPasswordsEntries(t, source, passwords, env)
	kinds := map[string]int{}
	for _, e := range cli {
		kinds[e.Kind]++
	}
	if kinds[importer.KindPasswordsUnmatched] != 1 || kinds[importer.KindPasswordsMalformed] != 1 || kinds[importer.KindPasswordsRepeated] != 1 {
		t.Fatalf("fixture too weak: the CLI lists %+v", cli)
	}
	// The review lists them in the passwords file's order.
	slices.SortStableFunc(cli, func(a, b importer.Entry) int { return a.Pos - b.Pos })
	want := make([]string, len(cli))
	for i, e := range cli {
		want[i] = entryLine(e)
	}

	d, s := reviewWithPasswords(t, env, source, passwords)
	rows := passwordsRowsOf(s)
	got := make([]string, len(rows))
	for i, e := range rows {
		got[i] = entryLine(e)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("review rows of the passwords file\n%q\nthe CLI lists\n%q", got, want)
	}
	if !slices.IsSortedFunc(rows, func(a, b importer.Entry) int { return a.Pos - b.Pos }) {
		t.Fatalf("not in the passwords file's order: %q", got)
	}
	// After every user of the source: their record numbers are no
	// places in the source.
	first := slices.IndexFunc(s.entries, func(e importer.Entry) bool { return e.File == importer.EntryFilePasswords })
	if first < 0 || slices.ContainsFunc(s.entries[first:], func(e importer.Entry) bool { return e.File == "" }) {
		t.Fatalf("source rows after the passwords file's: %q", reviewed(s))
	}

	// The header and the tabs count what the CLI lists.
	d.mustSee(fmt.Sprintf("passwords file %d", len(cli)))
	for label, kind := range map[string]string{"password of no user": importer.KindPasswordsUnmatched,
		"password listed twice": importer.KindPasswordsRepeated, "passwords file row unreadable": importer.KindPasswordsMalformed} {
		d.mustSee(fmt.Sprintf("%s %d", label, kinds[kind]))
	}

	// Each tab shows its record, named by its record of the passwords
	// file, with what the CLI says of it; space changes nothing.
	for _, c := range []struct {
		reason, head string
		why          string
	}{
		{importer.ReasonPasswordUnmatched, "› passwords file record 2 · user_ghost · ghost@x.io", "Record 2 of the passwords file has an id no user of the source has"},
		{importer.ReasonPasswordRecordMalformed, "› passwords file record 3", "Record 3 of the passwords file could not be read"},
		{importer.ReasonPasswordRepeated, "› passwords file record 4 · user_0001", "Record 4 of the passwords file repeats an earlier record's id"},
	} {
		tab := slices.IndexFunc(s.reasons, func(r string) bool { return strings.HasSuffix(r, c.reason) })
		if tab < 0 {
			t.Fatalf("no tab for %s: %q", c.reason, s.reasons)
		}
		for s.reason != tab {
			d.press("tab")
		}
		if len(s.visible) != 1 {
			t.Fatalf("tab %s shows %d rows", c.reason, len(s.visible))
		}
		e := s.entries[s.visible[0]]
		d.mustSee(c.head)
		d.mustSee(strings.SplitN(e.Detail, ";", 2)[0])
		if e.Email == "" {
			d.mustSee("(none)")
		}
		if cell := s.table.Rows()[0][colPolicy]; cell != "—" {
			t.Fatalf("policy cell %q", cell)
		}
		d.press("space")
		if !strings.Contains(s.notice, c.why) || !strings.Contains(s.notice, "nothing to skip or merge") {
			t.Fatalf("space on %s: %q", c.reason, s.notice)
		}
		if len(d.m.pc.sess.decisions) != 0 {
			t.Fatalf("space on %s made a choice: %v", c.reason, d.m.pc.sess.decisions)
		}
		for _, dg := range digests {
			d.mustNotSee(dg[7:20])
		}
	}
	d.press("esc") // back to all

	// The filter finds a record by its place in the passwords file.
	d.press("/")
	d.press("record 3")
	if len(s.visible) != 1 || s.entries[s.visible[0]].Reason != importer.ReasonPasswordRecordMalformed {
		t.Fatalf("filter \"record 3\" shows %d rows", len(s.visible))
	}
	d.press("esc")

	flagged := slices.IndexFunc(s.entries, func(e importer.Entry) bool { return e.SourceID == "user_0001" && e.Kind == kindWarning })
	if flagged < 0 || s.entries[flagged].Name == "" {
		t.Fatalf("fixture too weak: user_0001 is not flagged with a name: %q", reviewed(s))
	}
	name := s.entries[flagged].Name

	// b recounts the rows from the classification, which has no record of
	// the passwords file: they stay, as the CLI lists them either way.
	d.press("b")
	d.waitFor("the rows recounted", func(Model) bool { return s.rowsBanned && s.recountID == 0 })
	rows = passwordsRowsOf(s)
	got = got[:0]
	for _, e := range rows {
		got = append(got, entryLine(e))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("after b the passwords file's rows are\n%q\nwant\n%q", got, want)
	}
	d.mustSee(fmt.Sprintf("passwords file %d", len(cli)))
	// The recount's rows take their names from the preview's rows of
	// the users, not from a record of the passwords file with that id.
	flagged = slices.IndexFunc(s.entries, func(e importer.Entry) bool { return e.SourceID == "user_0001" && e.Kind == kindWarning })
	if flagged < 0 {
		t.Fatalf("after b user_0001 is not flagged: %q", reviewed(s))
	}
	if got := s.entries[flagged].Name; got != name {
		t.Fatalf("after b user_0001's flagged row is named %q, before %q", got, name)
	}
}
