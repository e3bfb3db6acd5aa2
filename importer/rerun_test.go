package importer

import (
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// seedWith creates u in env outside any import run, as a user who
// signed up in AscendKit.
func seedWith(t *testing.T, env ascendkit.Environment, u ascendkit.ImportedUser) {
	t.Helper()
	if _, err := env.ApplyImport(ctx, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{u}}, now); err != nil {
		t.Fatal(err)
	}
}

// entriesOf are the entries of source id with reason.
func entriesOf(entries []Entry, id, reason string) []Entry {
	var out []Entry
	for _, e := range entries {
		if e.SourceID == id && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// TestNoMergeIntoAnotherClerkUsersImport: Day 1 imports Carol; by Day 3
// another Clerk user, Zoe, holds Carol's address (verified) with her own
// Google account. Two Clerk ids are two accounts: merging Zoe would let
// her Google sign-in into Carol's AscendKit account. Preview, run and the
// wizard's recount agree that she is not merged, and say why.
func TestNoMergeIntoAnotherClerkUsersImport(t *testing.T) {
	eachBackend(t, testNoMergeIntoAnotherClerkUsersImport)
}

func testNoMergeIntoAnotherClerkUsersImport(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	for _, decided := range []bool{false, true} {
		env := openEnv(t)
		day1 := run(t, newSource(5, mkUser("user_carol", "carol@example.com", withPassword)), env, Options{Mode: ModeRun})
		mk := func() clerk.Source {
			return newSource(5, mkUser("user_carol", "carol@new.example", withPassword),
				mkUser("user_zoe", "Carol@example.com", withOAuth("oauth_google")))
		}
		opts := Options{OnDuplicate: PolicyMerge}
		if decided {
			opts = Options{Decisions: map[string]Policy{"user_zoe": PolicyMerge}}
		}
		// The wizard's numbers, from a preview's classification.
		var cls *Classified
		popts := opts
		popts.Mode, popts.OnClassified = ModePreview, func(c *Classified) { cls = c }
		pre := run(t, mk(), env, popts)
		if cls == nil {
			t.Fatal("no classification")
		}
		rc, err := cls.Recount(ctx, opts)
		cls.Close()
		if err != nil {
			t.Fatal(err)
		}
		rep, entries := previewAndRun(t, mk, env, opts)
		for _, r := range []Report{pre, rc, rep} {
			if r.Users.ToMerge != 0 || r.Users.Merged != 0 || r.Users.DuplicateReasons[ReasonEmailExists] != 1 || r.EmailOfOtherImport != 1 ||
				!slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.Contains(w, "another Clerk user") }) {
				t.Fatalf("decided %v: users %+v, emailOfOtherImport %d, warnings %q", decided, r.Users, r.EmailOfOtherImport, r.Warnings)
			}
		}
		e := duplicateOf(t, entries, "user_zoe")
		if e.Policy != PolicySkip || !Unmergeable(e) || !strings.Contains(e.Detail, "imported from another Clerk user (run "+day1.RunID+")") {
			t.Fatalf("entry %+v", e)
		}
		u, err := env.GetUser(ctx, "carol@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if len(u.OAuthLinks) != 0 {
			t.Fatalf("Carol's account gained another Clerk user's sign-in: %+v", u.OAuthLinks)
		}
		if rep.OAuthLinks != 0 {
			t.Fatalf("links %d", rep.OAuthLinks)
		}
	}
}
