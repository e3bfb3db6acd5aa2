package importer

import (
	"fmt"
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
