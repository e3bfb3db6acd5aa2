package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// cutoverCSV writes a Dashboard CSV (comment line included) whose users
// ada and bob have bcrypt digests of "<name>-pw", carol no password.
func cutoverCSV(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# Exported from the Clerk Dashboard\n")
	b.WriteString("id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\n")
	for _, name := range []string{"ada", "bob", "carol"} {
		digest, hasher := "", ""
		if name != "carol" {
			h, err := bcrypt.GenerateFromPassword([]byte(name+"-pw"), bcrypt.MinCost)
			if err != nil {
				t.Fatal(err)
			}
			digest, hasher = string(h), "bcrypt"
		}
		fmt.Fprintf(&b, "user_%[1]s,%[2]s,,,%[1]s@example.com,,%[1]s@example.com,,,,,%[3]s,%[4]s\n", name, strings.ToUpper(name[:1])+name[1:], digest, hasher)
	}
	p := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// realEnv is a SQLite environment in a temporary directory.
func realEnv(t *testing.T, dir string) ascendkit.Environment {
	t.Helper()
	env, err := ascendkit.Open("local:" + filepath.Join(dir, "env.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	return env
}

// toConfirmReal walks the real importer from a CSV to the confirmation.
func toConfirmReal(t *testing.T, w, h int) (*driver, ascendkit.Environment) {
	t.Helper()
	return toConfirmRealWith(t, w, h, nil)
}

// toConfirmRealWith is toConfirmReal on an environment prepare has set
// up first (when not nil).
func toConfirmRealWith(t *testing.T, w, h int, prepare func(env ascendkit.Environment)) (*driver, ascendkit.Environment) {
	t.Helper()
	dir := t.TempDir()
	csv := cutoverCSV(t, dir)
	env := realEnv(t, dir)
	if prepare != nil {
		prepare(env)
	}
	d := newDriver(t, Config{Env: env, OpenFile: clerk.OpenFile}, w, h)
	d.press("2")
	d.press(csv)
	d.press("enter")
	d.waitFor("the settings", func(m Model) bool { return m.state == stateSettings })
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	d.mustSee("passwords kept 2 · need reset 0")
	d.press("enter", "enter")
	d.waitFor("the confirmation", func(m Model) bool {
		c, ok := m.screens[stateConfirm].(*confirmScreen)
		return ok && m.state == stateConfirm && c.report != nil
	})
	return d, env
}

func canaryOf(d *driver) *canaryScreen { return d.m.screens[stateCanary].(*canaryScreen) }

// The canary imports the one user searched for, with the real importer:
// the right password matches, a wrong one does not, the typed password
// is never on screen, and the full run then imports the others and
// reports the canary as already imported.
func TestCanaryThenFullRun(t *testing.T) {
	d, env := toConfirmReal(t, 100, 30)
	d.mustSee("c canary")
	d.press("c")
	if d.state() != stateCanary {
		t.Fatalf("c opened %v", d.state())
	}
	d.mustSee("3 Review › 4 Confirm") // a view of the confirmation step
	s := canaryOf(d)
	d.waitFor("the candidates", func(Model) bool { return !s.loading })
	if len(s.users) != 3 {
		t.Fatalf("candidates %+v", s.users)
	}
	d.press("bo")
	if len(s.matches) != 1 || s.users[s.matches[0]].email != "bob@example.com" {
		t.Fatalf("search bo matched %v", s.matches)
	}
	d.press("enter")
	d.waitFor("the canary run", func(Model) bool { return s.phase == canaryResult && (s.kept || s.noPw != "") })
	if n, _ := env.CountUsers(context.Background()); n != 1 {
		t.Fatalf("%d users after the canary, want 1", n)
	}
	d.mustSee("✓ Imported bob@example.com")
	runID := s.report.RunID
	if !strings.HasPrefix(runID, "run_") {
		t.Fatalf("canary run id %q", runID)
	}
	d.mustSee("Run " + runID)
	if !s.kept {
		t.Fatalf("no kept password: %s", s.noPw)
	}
	d.press("bob-pw!", "enter")
	d.waitFor("the check", func(Model) bool { return s.checkN == 1 })
	d.mustSee("✗ password does not match")
	d.press("bob-pw")
	if v := d.view(); strings.Contains(v, "bob-pw") {
		t.Fatalf("the password is shown:\n%s", v)
	}
	d.press("enter")
	d.waitFor("the second check", func(Model) bool { return s.checkN == 2 })
	d.mustSee("✓ password matches")
	if s.pw.Value() != "" {
		t.Fatal("the password stays in the field after the check")
	}
	// Back to the confirmation: recounted for the rest.
	d.press("esc")
	d.waitFor("a fresh confirmation", func(m Model) bool {
		c, ok := m.screens[stateConfirm].(*confirmScreen)
		return m.state == stateConfirm && ok && c.report != nil
	})
	if _, ok := d.m.screens[stateCanary]; ok {
		t.Fatal("the canary view is kept after leaving it")
	}
	final := d.m.screens[stateConfirm].(*confirmScreen).report
	if final.Users.ToImport != 2 || final.Users.DuplicateReasons[importer.ReasonAlreadyImported] != 1 {
		t.Fatalf("confirmation after the canary: %+v", final.Users)
	}
	d.press("y")
	d.waitFor("the import", func(m Model) bool { return m.pc.sess.result != nil })
	r := d.m.pc.sess.result
	if r.Users.Imported != 2 || r.Users.DuplicateReasons[importer.ReasonAlreadyImported] != 1 {
		t.Fatalf("full run: %+v", r.Users)
	}
	sum := d.m.Summary()
	if !strings.Contains(sum, "Canary bob@example.com: imported ("+runID+"); password matches") {
		t.Fatalf("summary:\n%s", sum)
	}
}

// A user without a kept password says why, and the search refuses a
// half-typed address it cannot list. Each view fits 80×24.
func TestCanaryNoKeptPassword(t *testing.T) {
	d, _ := toConfirmReal(t, 80, 24)
	d.press("c")
	s := canaryOf(d)
	d.waitFor("the candidates", func(Model) bool { return !s.loading })
	assertFits(t, d.view(), 80, 24)
	d.mustSee("ada@example.com")
	d.press("zz")
	d.press("enter")
	if s.phase != canaryPick || !strings.Contains(s.err, "whole email") {
		t.Fatalf("phase %v err %q", s.phase, s.err)
	}
	for range 2 {
		d.press("backspace")
	}
	d.press("carol")
	d.press("enter")
	d.waitFor("the canary run", func(Model) bool { return s.phase == canaryResult && (s.kept || s.noPw != "") })
	// Carol has no password in Clerk: no passwords file would bring one,
	// so none is suggested.
	if s.kept || !strings.Contains(s.noPw, "the source says this user has no password in Clerk") {
		t.Fatalf("kept %v, reason %q", s.kept, s.noPw)
	}
	d.mustSee("No password to check")
	if strings.Contains(d.view(), "takes that passwords file") {
		t.Errorf("a passwords file suggested for a user without a password:\n%s", d.view())
	}
	assertFits(t, d.view(), 80, 24)
	d.press("enter")
	d.waitFor("the confirmation", func(m Model) bool { return m.state == stateConfirm })
}

// Text from the source or the run history reaches the terminal cleaned.
func TestCanaryAndRunsCleanUserText(t *testing.T) {
	first, primary := "Eve\x1b]0;pwned\x07", "em_1"
	u, ok := candidate(&clerk.User{ID: "user_\x1b[2J1", FirstName: &first, PrimaryEmailAddressID: &primary,
		EmailAddresses: []clerk.EmailAddress{{ID: "em_0", EmailAddress: "other@example.com"}, {ID: "em_1", EmailAddress: "EVE\u202e@Example.com"}}})
	if !ok || u.email != "eve@example.com" || strings.ContainsAny(u.id+u.name, "\x1b\x07") {
		t.Fatalf("candidate %+v", u)
	}
	it := runItem{importer.RunInfo{Run: ascendkit.Run{ID: "run_1\x1b[31m", Status: "completed", SourceKind: "file", SourceFormat: "x\x9bz"},
		Options: importer.RunOptions{Only: []string{"a@example.com\x1b[2J"}}}}
	if s := it.Title() + it.Description(); strings.ContainsAny(s, "\x1b\x9b") || !strings.Contains(s, "canary: a@example.com") {
		t.Fatalf("run item %q", s)
	}
}

// The canary's search matches an address as the import stores it
// (emailaddr.Canonical): typed in another case, Unicode normal form or
// IDN spelling, whole or in part, it finds the same user; an address
// typed in full that the list lacks is imported in its canonical form.
func TestCanarySearchFindsCanonicalAddress(t *testing.T) {
	pc := &programContext{width: 100, height: 30, styles: newStyles(true)}
	s := newCanaryScreen(pc)
	for i, e := range []string{"Ana@Example.com", "jose\u0301@example.com", "zo\u00eb@example.com", "user@xn--bcher-kva.de", "max@bücher.de"} {
		u, ok := candidate(&clerk.User{ID: fmt.Sprintf("user_%d", i), EmailAddresses: []clerk.EmailAddress{{ID: "em", EmailAddress: e}}})
		if !ok {
			t.Fatalf("candidate %q", e)
		}
		s.users = append(s.users, u)
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"Ana@EXAMPLE.com", []string{"ana@example.com"}},
		{"  ANA@example.COM ", []string{"ana@example.com"}},
		{"ana", []string{"ana@example.com"}},
		{"JOS\u00c9@example.com", []string{"jos\u00e9@example.com"}}, // NFC capital, stored NFD
		{"jos\u00e9", []string{"jos\u00e9@example.com"}},
		{"zoe\u0308@example.com", []string{"zo\u00eb@example.com"}}, // NFD typed, stored NFC
		{"user@bücher.de", []string{"user@bücher.de"}},
		{"USER@XN--BCHER-KVA.DE", []string{"user@bücher.de"}},
		{"max@xn--bcher-kva.de", []string{"max@bücher.de"}},
		{"xn--bcher", []string{"user@bücher.de", "max@bücher.de"}},
		// Typed letter by letter, a punycode address finds its user all
		// the way (a cut label is no valid one: Canonical alters it).
		{"user@xn--bcher", []string{"user@bücher.de"}},
		{"USER@xn--bcher-k", []string{"user@bücher.de"}},
		{"bücher", []string{"user@bücher.de", "max@bücher.de"}},
		{"user_3", []string{"user@bücher.de"}},
	} {
		s.search.SetValue(c.query)
		s.refilter()
		var got []string
		for _, i := range s.matches {
			got = append(got, s.users[i].email)
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("search %q found %q, want %q", c.query, got, c.want)
		}
	}
	s.search.SetValue("Neu@XN--BCHER-KVA.DE")
	s.refilter()
	if u, ok := s.target(); !ok || u.email != "neu@bücher.de" || u.clerkID != "" {
		t.Errorf("typed address: %+v %v", u, ok)
	}
}

// A canary of a user imported before records a run that wrote no user:
// its line says there is nothing to undo instead of offering the undo.
func TestCanaryOfAnImportedUserWroteNothing(t *testing.T) {
	d, _ := toConfirmReal(t, 100, 30)
	d.press("c")
	s := canaryOf(d)
	d.waitFor("the candidates", func(Model) bool { return !s.loading })
	s.chosen, s.phase = "bob@example.com", canaryResult
	s.report = &importer.Report{RunID: "run_0123", Users: importer.UserCounts{Fetched: 3, Duplicates: 1,
		DuplicateReasons: map[string]int{importer.ReasonAlreadyImported: 1}}}
	d.mustSee("bob@example.com was imported before")
	d.mustSee("it wrote no user: nothing to undo")
	if strings.Contains(d.view(), "to see or undo it") {
		t.Fatalf("the undo is offered:\n%s", d.view())
	}
}
