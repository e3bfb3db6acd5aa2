package importer

import (
	"fmt"
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
