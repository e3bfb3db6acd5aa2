package importer

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// unverifiedEmail marks the user's primary address as never verified.
func unverifiedEmail(u *clerk.User) {
	u.EmailAddresses[0].Verification = &clerk.Verification{Status: "unverified"}
}

// withIdentity gives the user what a merge fills into the user merged
// into when it has none: username, external id and phone.
func withIdentity(u *clerk.User) {
	u.Username, u.ExternalID = strp("mallory"), strp("ext-mallory")
	u.PrimaryPhoneNumberID = strp("ph_" + u.ID)
	u.PhoneNumbers = []clerk.PhoneNumber{{ID: "ph_" + u.ID, PhoneNumber: "+14155552671",
		Verification: &clerk.Verification{Status: "verified"}}}
}

// seedUser creates an AscendKit user that signed up on its own.
func seedUser(t *testing.T, env ascendkit.Environment, email string, verified bool, links ...ascendkit.OAuthLink) string {
	t.Helper()
	if _, err := env.ApplyImport(ctx, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{{
		User:   ascendkit.User{Email: email, Name: "Own", EmailVerified: verified, CreatedAt: now, OAuthLinks: links},
		Source: "signup", SourceID: "s-" + email}}}, now); err != nil {
		t.Fatal(err)
	}
	u, err := env.GetUser(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// previewAndRun previews src, then runs it, and fails unless both agree
// on every user count, link count and entry.
func previewAndRun(t *testing.T, mk func() clerk.Source, env ascendkit.Environment, opts Options) (Report, []Entry) {
	t.Helper()
	opts.Mode = ModePreview
	preEntries := collect(&opts)
	pre := run(t, mk(), env, opts)
	opts.Mode = ModeRun
	entries := collect(&opts)
	rep := run(t, mk(), env, opts)
	p, r := pre.Users, rep.Users
	if p.ToImport != r.Imported || p.ToMerge != r.Merged || p.Duplicates != r.Duplicates || r.Failed != 0 ||
		!maps.Equal(p.DuplicateReasons, r.DuplicateReasons) || pre.OAuthLinks != rep.OAuthLinks ||
		pre.OAuthLinkConflicts != rep.OAuthLinkConflicts || pre.Events[EventUserImported] != rep.Events[EventUserImported] {
		t.Fatalf("preview %+v (links %d, conflicts %d) and run %+v (links %d, conflicts %d) disagree",
			p, pre.OAuthLinks, pre.OAuthLinkConflicts, r, rep.OAuthLinks, rep.OAuthLinkConflicts)
	}
	if !slices.Equal(*preEntries, *entries) {
		t.Fatalf("preview entries\n%+v\nrun entries\n%+v", *preEntries, *entries)
	}
	return rep, *entries
}

// duplicateOf is the one duplicate entry of source id, or fails.
func duplicateOf(t *testing.T, entries []Entry, id string) Entry {
	t.Helper()
	var found []Entry
	for _, e := range entries {
		if e.SourceID == id && e.Kind == "duplicate" {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d duplicate entries for %s in %+v", len(found), id, entries)
	}
	return found[0]
}

func TestMergeNeedsVerifiedEmail(t *testing.T) { eachBackend(t, testMergeNeedsVerifiedEmail) }

func testMergeNeedsVerifiedEmail(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	for _, c := range []struct {
		name              string
		inClerk, inAscend bool
		decided           bool // merge chosen for the user, not by policy
		wantMerged        bool
		wantDetail        string
	}{
		{name: "verified on both sides", inClerk: true, inAscend: true, wantMerged: true},
		{name: "unverified in Clerk", inAscend: true, wantDetail: "not merged: victim@example.com is not verified in Clerk, so it does not prove the same person"},
		{name: "unverified in Clerk, merge decided", inAscend: true, decided: true, wantDetail: "is not verified in Clerk"},
		{name: "unverified in AscendKit", inClerk: true, wantDetail: "not merged: victim@example.com is not verified in AscendKit, so it does not prove the same person"},
		{name: "unverified on both sides", wantDetail: "is verified neither in Clerk nor in AscendKit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := openEnv(t)
			// The account holder's user, signed up in AscendKit (one an
			// import made from another Clerk user is never merged into:
			// TestNoMergeIntoAnotherClerkUsersImport).
			seedUser(t, env, "victim@example.com", c.inAscend)
			// Someone else's Clerk account with the victim's address in
			// another case, their own GitHub account and identity.
			mallory := mkUser("user_m", "Victim@Example.com", withOAuth("oauth_github"), withIdentity)
			if !c.inClerk {
				unverifiedEmail(mallory)
			}
			opts := Options{OnDuplicate: PolicyMerge}
			if c.decided {
				opts = Options{Decisions: map[string]Policy{"user_m": PolicyMerge}}
			}
			rep, entries := previewAndRun(t, func() clerk.Source { return newSource(1, mallory) }, env, opts)
			e := duplicateOf(t, entries, "user_m")
			u, err := env.GetUser(ctx, "victim@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if c.wantMerged {
				if rep.Users.Merged != 1 || e.Detail != "" || e.Policy != PolicyMerge || Unmergeable(e) || len(u.OAuthLinks) != 1 || u.Username != "mallory" {
					t.Fatalf("a merge of a verified address did not happen: %+v, entry %+v, user %+v", rep.Users, e, u)
				}
				return
			}
			if rep.Users.Merged != 0 || rep.Users.Duplicates != 1 || rep.Users.DuplicateReasons[ReasonEmailExists] != 1 || rep.Users.Imported != 0 {
				t.Errorf("users %+v: an unverified address must stay a duplicate, not merged", rep.Users)
			}
			if !strings.Contains(e.Detail, c.wantDetail) || e.Policy != PolicySkip || e.Reason != ReasonEmailExists || !Unmergeable(e) {
				t.Errorf("entry %+v: want policy skip and detail %q", e, c.wantDetail)
			}
			if len(u.OAuthLinks) != 0 || u.Username != "" || u.ExternalID != "" || u.Phone != "" || rep.OAuthLinks != 0 {
				t.Errorf("the account holder's user gained the other account's data: %+v", u)
			}
		})
	}
}

func TestMergeIntoEarlierListingNeedsVerifiedEmail(t *testing.T) {
	eachBackend(t, testMergeIntoEarlierListingNeedsVerifiedEmail)
}

func testMergeIntoEarlierListingNeedsVerifiedEmail(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	for _, c := range []struct {
		name          string
		first, second bool // verified
		wantDetail    string
	}{
		{name: "both verified", first: true, second: true},
		// The verified one takes the address, wherever it is in the
		// source: the earlier unverified one is the duplicate, never
		// merged into it (see TestVerifiedHolderTakesTheAddress).
		{name: "earlier unverified", second: true, wantDetail: "not merged: same@example.com is not verified in Clerk, so it does not prove the same person; the later user of this source who has it verified is imported with it"},
		{name: "later unverified", first: true, wantDetail: "not merged: same@example.com is not verified in Clerk"},
		{name: "neither verified", wantDetail: "not merged: same@example.com is verified neither in Clerk nor for the earlier user of this source with it"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := openEnv(t)
			mk := func() clerk.Source {
				a := mkUser("user_a", "same@example.com", withPassword)
				b := mkUser("user_b", "SAME@example.com", withOAuth("oauth_github"), withIdentity)
				if !c.first {
					unverifiedEmail(a)
				}
				if !c.second {
					unverifiedEmail(b)
				}
				// Users between them, so that the set holds more than the
				// pair; pages of two.
				return newSource(2, a, mkUser("user_x", "x@example.com"), mkUser("user_y", "y@example.com", unverifiedEmail), b)
			}
			rep, entries := previewAndRun(t, mk, env, Options{OnDuplicate: PolicyMerge})
			dup, kept := "user_b", "user_a"
			if !c.first && c.second {
				dup, kept = kept, dup
			}
			e := duplicateOf(t, entries, dup)
			u, _ := env.GetUser(ctx, "same@example.com")
			if e.Reason != ReasonRepeatedInSource || rep.Users.Imported != 3 {
				t.Fatalf("entry %+v, users %+v", e, rep.Users)
			}
			if src, _ := u.Metadata["import"].(map[string]any); src["sourceId"] != kept {
				t.Fatalf("same@example.com is %v, want %s", u.Metadata["import"], kept)
			}
			if kept == "user_b" {
				// It is the user with the OAuth account and identity.
				if rep.Users.Merged != 0 || !strings.Contains(e.Detail, c.wantDetail) || e.Policy != PolicySkip ||
					len(u.OAuthLinks) != 1 || u.Username != "mallory" {
					t.Fatalf("users %+v, entry %+v, user %+v: want user_b imported whole, user_a not merged, detail %q",
						rep.Users, e, u, c.wantDetail)
				}
				return
			}
			if c.wantDetail == "" {
				if rep.Users.Merged != 1 || len(u.OAuthLinks) != 1 || u.Username != "mallory" {
					t.Fatalf("a merge of a verified address did not happen: %+v, user %+v", rep.Users, u)
				}
				return
			}
			if rep.Users.Merged != 0 || !strings.Contains(e.Detail, c.wantDetail) || e.Policy != PolicySkip {
				t.Errorf("users %+v, entry %+v: want not merged, detail %q", rep.Users, e, c.wantDetail)
			}
			if len(u.OAuthLinks) != 0 || u.Username != "" || u.Phone != "" {
				t.Errorf("the earlier user gained the later one's data: %+v", u)
			}
		})
	}
	// A recount (the wizard's) applies the same rule to its choices.
	env := openEnv(t)
	mk := func() clerk.Source {
		return newSource(2,
			mkUser("user_a", "same@example.com", unverifiedEmail), mkUser("user_b", "same@example.com", withOAuth("oauth_github")),
			mkUser("user_c", "ok@example.com"), mkUser("user_d", "ok@example.com", withOAuth("oauth_gitlab")),
			mkUser("user_e", "taken@example.com", withOAuth("oauth_google")), mkUser("user_f", "open@example.com", withOAuth("oauth_google")))
	}
	seedUser(t, env, "taken@example.com", false)
	seedUser(t, env, "open@example.com", true)
	checkRecounts(t, mk, env, []Options{{OnDuplicate: PolicyMerge}, {OnDuplicate: PolicySkip},
		{Decisions: map[string]Policy{"user_b": PolicyMerge, "user_d": PolicyMerge, "user_e": PolicyMerge}}})
	c, _ := classify(t, mk(), env, Options{})
	merge, err := c.Recount(ctx, Options{OnDuplicate: PolicyMerge})
	if err != nil || merge.Users.ToMerge != 2 {
		t.Fatalf("recount with merge: toMerge %d (want user_d and user_f), %v", merge.Users.ToMerge, err)
	}
}

func TestSameClerkUserListedTwice(t *testing.T) { eachBackend(t, testSameClerkUserListedTwice) }

func testSameClerkUserListedTwice(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	t.Run("identical listings", func(t *testing.T) {
		for _, verified := range []bool{true, false} {
			env := openEnv(t)
			mk := func() clerk.Source {
				a, b := mkUser("user_t", "t@example.com"), mkUser("user_t", "t@example.com")
				if !verified {
					// As the report's file: no verification at all.
					a.EmailAddresses[0].Verification, b.EmailAddresses[0].Verification = nil, nil
				}
				return newSource(2, a, b)
			}
			rep, entries := previewAndRun(t, mk, env, Options{OnDuplicate: PolicyMerge})
			u := rep.Users
			if u.Imported != 1 || u.Merged != 0 || u.Duplicates != 1 || u.DuplicateReasons[ReasonRepeatedInSource] != 1 ||
				u.DuplicateReasons[ReasonAlreadyImported] != 0 || rep.Events[EventUserImported] != 1 {
				t.Fatalf("verified %v: users %+v, events %v", verified, u, rep.Events)
			}
			e := duplicateOf(t, entries, "user_t")
			if e.Reason != ReasonRepeatedInSource || e.Policy != PolicySkip || !strings.Contains(e.Detail, "listed again") {
				t.Errorf("verified %v: entry %+v", verified, e)
			}
			if n, _ := env.CountUsers(ctx); n != 1 {
				t.Errorf("%d users", n)
			}
		}
	})
	t.Run("another address the second time", func(t *testing.T) {
		env := openEnv(t)
		mk := func() clerk.Source {
			// user_u has the address user_t's dropped listing had: nobody
			// holds it, so user_u is imported, not merged into nobody.
			return newSource(2, mkUser("user_t", "t@example.com"), mkUser("user_t", "t2@example.com"),
				mkUser("user_u", "T2@example.com"))
		}
		rep, entries := previewAndRun(t, mk, env, Options{OnDuplicate: PolicyMerge})
		if rep.Users.Imported != 2 || rep.Users.Merged != 0 || rep.Users.Duplicates != 1 {
			t.Fatalf("users %+v", rep.Users)
		}
		e := duplicateOf(t, entries, "user_t")
		if e.Email != "t2@example.com" || !strings.Contains(e.Detail, "listed again in the source, here with the address t2@example.com") ||
			!strings.Contains(e.Detail, "dropped") {
			t.Errorf("entry %+v does not say the second listing's data is dropped", e)
		}
		if u, err := env.GetUser(ctx, "t2@example.com"); err != nil || u.Name != "User user_u" {
			t.Errorf("t2@example.com: %+v, %v", u, err)
		}
	})
	t.Run("listed twice, address in AscendKit", func(t *testing.T) {
		env := openEnv(t)
		seedUser(t, env, "t@example.com", true)
		mk := func() clerk.Source {
			return newSource(1, mkUser("user_t", "t@example.com", withOAuth("oauth_github")), mkUser("user_t", "t@example.com", withOAuth("oauth_github")))
		}
		rep, entries := previewAndRun(t, mk, env, Options{OnDuplicate: PolicyMerge})
		if rep.Users.Merged != 1 || rep.Users.Duplicates != 2 || rep.Users.Imported != 0 || rep.OAuthLinkConflicts != 0 {
			t.Fatalf("users %+v, conflicts %d", rep.Users, rep.OAuthLinkConflicts)
		}
		var listedAgain int
		for _, e := range entries {
			if e.Kind == "duplicate" && strings.Contains(e.Detail, "listed again") {
				listedAgain++
			}
		}
		if listedAgain != 1 {
			t.Errorf("%d entries say the user is listed again: %+v", listedAgain, entries)
		}
	})
}

func TestMergeReportsLinkConflicts(t *testing.T) { eachBackend(t, testMergeReportsLinkConflicts) }

func testMergeReportsLinkConflicts(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	owner := seedUser(t, env, "owner@example.com", true, ascendkit.OAuthLink{Provider: "github", ProviderUserID: "gh-1"})
	seedUser(t, env, "taken@example.com", true, ascendkit.OAuthLink{Provider: "google", ProviderUserID: "g-own"})
	mk := func() clerk.Source {
		t1 := mkUser("user_t", "taken@example.com")
		shareLink(t1, "oauth_github", "gh-1")    // another AscendKit user's
		shareLink(t1, "oauth_google", "g-own")   // the user merged into has it
		shareLink(t1, "oauth_gitlab", "gl-1")    // an earlier user of this source has it
		shareLink(t1, "oauth_discord", "d-new")  // nobody's: added
		r2 := mkUser("user_r2", "R@example.com") // the same person as user_r1
		shareLink(r2, "oauth_github", "gh-r")    // which user_r1 brought: nothing to do
		return newSource(2,
			shareLink(mkUser("user_e", "e@example.com"), "oauth_gitlab", "gl-1"),
			shareLink(mkUser("user_r1", "r@example.com"), "oauth_github", "gh-r"),
			t1, r2)
	}
	checkRecounts(t, mk, env, []Options{{OnDuplicate: PolicyMerge}, {OnDuplicate: PolicySkip}})
	rep, entries := previewAndRun(t, mk, env, Options{OnDuplicate: PolicyMerge})
	if rep.Users.Merged != 2 || rep.OAuthLinkConflicts != 2 || rep.OAuthLinks != 1+2 {
		t.Fatalf("users %+v, links %d, conflicts %d: want 2 merged, 2 conflicts, 3 links (2 created, 1 merged)",
			rep.Users, rep.OAuthLinks, rep.OAuthLinkConflicts)
	}
	var conflicts []Entry
	for _, e := range entries {
		if e.Reason == ReasonLinkConflict {
			conflicts = append(conflicts, e)
		}
	}
	if len(conflicts) != 2 {
		t.Fatalf("conflict entries %+v", conflicts)
	}
	for _, e := range conflicts {
		if e.Kind != "warning" || e.SourceID != "user_t" || !strings.Contains(e.Detail, "the merge does not add it") {
			t.Errorf("conflict entry %+v", e)
		}
	}
	if !strings.Contains(conflicts[0].Detail, "gh-1") || conflicts[0].ExistingUserID != owner ||
		!strings.Contains(conflicts[1].Detail, "gl-1") || !strings.Contains(conflicts[1].Detail, "an earlier user of this source") {
		t.Errorf("conflict entries %+v (owner %s)", conflicts, owner)
	}
	u, _ := env.GetUser(ctx, "taken@example.com")
	var got []string
	for _, l := range u.OAuthLinks {
		got = append(got, l.Provider+":"+l.ProviderUserID)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"discord:d-new", "google:g-own"}) {
		t.Errorf("links of the user merged into: %v", got)
	}
}

func TestMergeAddsNoSocialOnly(t *testing.T) { eachBackend(t, testMergeAddsNoSocialOnly) }

func testMergeAddsNoSocialOnly(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	// A user who signed up in AscendKit and is to set a password.
	seedWith(t, env, ascendkit.ImportedUser{User: ascendkit.User{Email: "v@example.com", EmailVerified: true, CreatedAt: now,
		Tags: []string{TagNeedsPasswordReset}}, Source: "signup", SourceID: "s-v"})
	// The same person's Clerk account, which only signed in with Google.
	rep := run(t, newSource(1, mkUser("user_s", "v@example.com", withOAuth("oauth_google"))), env,
		Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	u, _ := env.GetUser(ctx, "v@example.com")
	if rep.Users.Merged != 1 || len(u.OAuthLinks) != 1 {
		t.Fatalf("users %+v, user %+v", rep.Users, u)
	}
	if slices.Contains(u.Tags, TagSocialOnly) || !slices.Contains(u.Tags, TagNeedsPasswordReset) {
		t.Errorf("tags %v: the user keeps their password (and its reset), so is not social-only", u.Tags)
	}
	if got := mergeTags([]string{TagClerk, TagSocialOnly, TagSSO, TagPasswordKept}); !slices.Equal(got, []string{TagClerk, TagSSO}) {
		t.Errorf("mergeTags = %v", got)
	}
}

// hasSeen answers from the recent table and from the sorted runs alike,
// and records nothing (the merge rules ask it about earlier users).
func TestHasSeenRecordsNothing(t *testing.T) {
	s := newSeenSet()
	defer s.release()
	if s.hasSeen("k", "a") || s.addSeen("k", "a") {
		t.Fatal("hasSeen recorded a value")
	}
	for i := range 2 * seenRecentMax {
		s.addSeen("k", strconv.Itoa(i))
	}
	if len(s.runs.r) == 0 {
		t.Fatal("nothing was compacted into a run")
	}
	if !s.hasSeen("k", "a") || !s.hasSeen("k", "7") || s.hasSeen("j", "a") || s.hasSeen("k", "b") || s.addSeen("k", "b") {
		t.Fatal("hasSeen answers wrong after a compaction")
	}
	if err := s.check(); err != nil {
		t.Fatal(err)
	}
}
