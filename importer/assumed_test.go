package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// The warning about passwords taken on no evidence sits with the
// passwords file's warnings: the wizard's recount keeps it in its place.
func TestRecountWithAssumedPassword(t *testing.T) {
	env := recountEnv(t)
	src := recountSource()
	unk := mkUser("user_unknownpw", "unk@example.com")
	unk.PasswordUnknown = true
	src.add(clerk.Record{User: unk})
	c, base := classify(t, src.fresh(), env, Options{})
	got, err := c.Recount(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sameReport(t, "same options", got, base)
}

// Only users the run imports or analyses are counted as taken to have a
// password: not a banned one left out, one with an invalid address, or
// a second listing of one user.
func TestAssumedPasswordsCountsUsers(t *testing.T) {
	env := openEnv(t)
	mk := func(id, email string) *clerk.User {
		u := mkUser(id, email)
		u.PasswordUnknown = true
		return u
	}
	banned := mk("user_banned", "banned@example.com")
	banned.Banned = true
	rep := run(t, newSource(10, mk("user_a", "a@example.com"), banned, mk("user_bad", "not an address"), mk("user_a", "a@example.com")), env, Options{Mode: ModePreview})
	if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, "does not say whether 1 user had a password") {
		t.Errorf("warnings %q", w)
	}
}

// The count depends on the choices (a banned user included or not): the
// recount counts afresh and says what a fresh preview says.
func TestRecountAssumedWithBanned(t *testing.T) {
	env := recountEnv(t)
	src := recountSource()
	for i, banned := range []bool{false, true} {
		u := mkUser(fmt.Sprintf("user_unknown%d", i), fmt.Sprintf("unknown%d@example.com", i))
		u.PasswordUnknown, u.Banned = true, banned
		src.add(clerk.Record{User: u})
	}
	c, _ := classify(t, src.fresh(), env, Options{})
	for _, opts := range []Options{{IncludeBanned: true}, {}} {
		got, err := c.Recount(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.Mode = ModePreview
		sameReport(t, fmt.Sprintf("include banned %v", opts.IncludeBanned), got, run(t, src.fresh(), env, opts))
	}
}

// A passwords file decides only what it says: an API export's
// password_enabled does, a file that does not say (clerk migrate's, a
// CSV without digests) leaves the user to the assumption rather than
// making them passwordless.
func TestPasswordsFileDecidesOnlyWhatItSays(t *testing.T) {
	env := openEnv(t)
	unknown := func(id string) *clerk.User {
		u := mkUser(id, id+"@example.com")
		u.PasswordUnknown = true
		return u
	}
	main := newSource(10, unknown("user_yes"), unknown("user_no"), unknown("user_silent"))
	yes := mkUser("user_yes", "user_yes@example.com", withPassword) // API export: had one, no digest
	no := mkUser("user_no", "user_no@example.com")                  // API export: had none
	silent := mkUser("user_silent", "user_silent@example.com")
	silent.PasswordUnknown = true // clerk migrate's record
	rep := run(t, main, env, Options{Mode: ModeRun, Passwords: newSource(10, yes, no, silent)})
	if rep.Passwords.NeedsReset != 2 {
		t.Errorf("needs reset %d, want 2 (the user who had one and the one nothing decides)", rep.Passwords.NeedsReset)
	}
	for email, want := range map[string]bool{"user_yes@example.com": true, "user_no@example.com": false, "user_silent@example.com": true} {
		u, err := env.GetUser(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(u.Tags, TagNeedsPasswordReset); got != want {
			t.Errorf("%s: reset tag %v, want %v", email, got, want)
		}
	}
	if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, "does not say whether 1 user had a password") {
		t.Errorf("warnings %q", w)
	}
}

// WarningsFor gives, from a preview of both phases, the warnings a
// preview of each phase set gives.
func TestWarningsForPhases(t *testing.T) {
	env := recountEnv(t)
	src := recountSource()
	both := run(t, src.fresh(), env, Options{Mode: ModePreview, Phases: Phases{Users: true, Settings: true}})
	for _, ph := range []Phases{{Users: true}, {Settings: true}, {Users: true, Settings: true}} {
		want := run(t, src.fresh(), env, Options{Mode: ModePreview, Phases: ph}).Warnings
		if got := WarningsFor(both, ph); !slices.Equal(got, want) {
			t.Errorf("%+v:\n got %q\nwant %q", ph, got, want)
		}
	}
}

// TestClerkMigrateWithDashboardCSV: the cut-over README recommends, a
// clerk migrate file with the Dashboard CSV as --passwords. The CSV's TOTP
// secret is the only sign of a second factor (clerk migrate has no MFA
// field), and the file's note does not say passwords are missing when the
// CSV brings them.
func TestClerkMigrateWithDashboardCSV(t *testing.T) {
	env := openEnv(t)
	dir := t.TempDir()
	mig := filepath.Join(dir, "migrate.json")
	csv := filepath.Join(dir, "users.csv")
	os.WriteFile(mig, []byte(`{"clerkMigrate":1,"source":"clerk","users":[
		{"id":"user_grace","primary_email_address":"grace@example.com","verified_email_addresses":["grace@example.com"],"created_at":"2024-06-01T12:00:00Z"},
		{"id":"user_bob","primary_email_address":"bob@example.com","created_at":"2024-06-01T12:00:00Z"}]}`), 0o600)
	os.WriteFile(csv, []byte("id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\n"+
		"user_grace,Grace,Hopper,,grace@example.com,,grace@example.com,,,,JBSWY3DPEHPK3PXP,"+bcryptOf(t, "pw")+",bcrypt\n"+
		"user_bob,Bob,,,bob@example.com,,bob@example.com,,,,,"+bcryptOf(t, "pw2")+",bcrypt\n"), 0o600)
	open := func(p string) clerk.Source {
		src, err := clerk.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { src.Close() })
		return src
	}
	rep := run(t, open(mig), env, Options{Mode: ModeRun, Passwords: open(csv)})
	if rep.Passwords.Kept != 2 || rep.Tags[TagMFAReenroll] != 1 || rep.Settings.MFAUsers != 1 {
		t.Fatalf("passwords %+v, mfa tags %d, mfa users %d", rep.Passwords, rep.Tags[TagMFAReenroll], rep.Settings.MFAUsers)
	}
	if g, err := env.GetUser(ctx, "grace@example.com"); err != nil || !slices.Contains(g.Tags, TagMFAReenroll) {
		t.Errorf("grace: %v %v", g.Tags, err)
	}
	w := strings.Join(rep.Warnings, "\n")
	if !strings.Contains(w, "This clerk migrate export has no OAuth accounts") || strings.Contains(w, "password digests") || strings.Contains(w, "pass the Dashboard CSV export as --passwords") {
		t.Errorf("warnings %q", w)
	}
}
