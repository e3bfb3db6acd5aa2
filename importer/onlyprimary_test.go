package importer

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// TestOnlyMatchesPrimaryEmail: --only by email selects the user imported
// with that address, not another user who holds it as a secondary one.
func TestOnlyMatchesPrimaryEmail(t *testing.T) {
	secondary := func(u *clerk.User) {
		u.EmailAddresses = append(u.EmailAddresses, clerk.EmailAddress{ID: "idn_sec2", EmailAddress: "other@example.com",
			Verification: &clerk.Verification{Status: "unverified"}})
	}
	src := newSource(10,
		mkUser("user_sec", "holder@example.com", secondary),
		mkUser("user_oth", "other@example.com"),
	)
	emails := map[string]string{"user_sec": "holder@example.com", "user_oth": "other@example.com"}
	for only, want := range map[string]string{
		"Other@Example.com":  "user_oth",
		"holder@example.com": "user_sec",
		"user_sec":           "user_sec",
	} {
		env := openEnv(t)
		r := run(t, src.clone(), env, Options{Mode: ModeRun, Only: []string{only}})
		if r.Users.Imported != 1 {
			t.Errorf("--only %s: imported %d, want 1", only, r.Users.Imported)
		}
		if _, err := env.GetUser(context.Background(), emails[want]); err != nil {
			t.Errorf("--only %s: %s not imported: %v", only, want, err)
		}
		for _, w := range r.Warnings {
			if strings.HasPrefix(w, "--only") {
				t.Errorf("--only %s: warning %q", only, w)
			}
		}
	}
}

// An address only another address of a user (not their primary one)
// selects nobody, and the failure says whose it is rather than that it
// is not in the source at all.
func TestOnlyOfAnotherAddressSaysWhose(t *testing.T) {
	secondary := func(u *clerk.User) {
		u.EmailAddresses = append(u.EmailAddresses, clerk.EmailAddress{ID: "idn_sec2", EmailAddress: "second@example.com",
			Verification: &clerk.Verification{Status: "verified"}})
	}
	src := newSource(10, mkUser("user_sec", "holder@example.com", secondary))
	_, err := Run(context.Background(), src, openEnv(t), Options{Mode: ModePreview, Only: []string{"Second@example.com"}})
	if err == nil || !strings.Contains(err.Error(), "Second@example.com (another address of user_sec, not its primary one") {
		t.Errorf("--only of another address: %v", err)
	}
}

// TestOnlyCountsAddUp: with --only, the users read but not selected are
// counted, so fetched is still the sum of the outcomes, in preview and run.
func TestOnlyCountsAddUp(t *testing.T) {
	src := newSource(10, mkUser("user_1", "a@example.com"), mkUser("user_2", "b@example.com"),
		mkUser("user_3", "c@example.com"), mkUser("user_4", "not an address"))
	for _, mode := range []Mode{ModePreview, ModeRun} {
		r := run(t, src.clone(), openEnv(t), Options{Mode: mode, Only: []string{"b@example.com", "user_4"}})
		u := r.Users
		if u.NotSelected != 2 {
			t.Errorf("%s: notSelected %d, want 2", mode, u.NotSelected)
		}
		if sum := u.ToImport + u.Duplicates + u.Skipped + u.Failed + u.NotSelected; sum != u.Fetched {
			t.Errorf("%s: fetched %d, outcomes add up to %d: %+v", mode, u.Fetched, sum, u)
		}
	}
}

// --only naming a user whose record cannot be read said "none of user_bob
// is in the source": the canary now shows the record and why it is
// malformed.
func TestOnlySelectsAMalformedRecordByItsID(t *testing.T) {
	src := newSource(10, mkUser("user_ada", "ada@example.com"))
	src.add(clerk.Record{Pos: 2, ID: "user_bob", Err: errors.New(`record 2 (id "user_bob"): field "created_at": "5/1/2024 4:37" is a spreadsheet's date`)})
	var entries []Entry
	opts := Options{Mode: ModePreview, Only: []string{"user_bob"}, OnEvent: func(ev Event) {
		if e, ok := ev.(EntryFound); ok {
			entries = append(entries, e.Entry)
		}
	}}
	rep, err := Run(context.Background(), src, openEnv(t), opts)
	if err != nil && strings.Contains(err.Error(), "none of") {
		t.Fatalf("the malformed user is called missing: %v", err)
	}
	if rep.Users.SkippedReasons[ReasonMalformed] != 1 || rep.Users.NotSelected != 1 || len(entries) != 1 ||
		entries[0].SourceID != "user_bob" || !strings.Contains(entries[0].Detail, "spreadsheet") {
		t.Errorf("skipped %v notSelected %d entries %+v (err %v)", rep.Users.SkippedReasons, rep.Users.NotSelected, entries, err)
	}
}

// A canary whose users are all in the source but none is imported (here
// banned) warns that it tries nothing, in preview and run; one that
// imports its user does not.
func TestOnlyThatImportsNobodyWarns(t *testing.T) {
	banned := mkUser("user_2", "b@example.com")
	banned.Banned = true
	src := newSource(10, mkUser("user_1", "a@example.com"), banned)
	tries := func(w string) bool { return strings.Contains(w, "so this canary tries nothing") }
	for _, mode := range []Mode{ModePreview, ModeRun} {
		r := run(t, src.clone(), openEnv(t), Options{Mode: mode, Only: []string{"b@example.com"}})
		if r.Users.Skipped != 1 || !slices.ContainsFunc(r.Warnings, tries) {
			t.Errorf("%s: skipped %d, warnings %q", mode, r.Users.Skipped, r.Warnings)
		}
		r = run(t, src.clone(), openEnv(t), Options{Mode: mode, Only: []string{"a@example.com"}})
		if slices.ContainsFunc(r.Warnings, tries) {
			t.Errorf("%s: a canary that imports its user warned: %q", mode, r.Warnings)
		}
		// Without the users phase nobody is imported by design.
		r = run(t, src.clone(), openEnv(t), Options{Mode: mode, Only: []string{"a@example.com"}, Phases: Phases{Settings: true}})
		if slices.ContainsFunc(r.Warnings, tries) {
			t.Errorf("%s: a settings-only canary warned: %q", mode, r.Warnings)
		}
	}
}
