package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

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
		if err != nil {
			t.Fatal(err)
		}
		review, err := cls.ReviewEntries(ctx, env, opts)
		cls.Close()
		if err != nil {
			t.Fatal(err)
		}
		if e := duplicateOf(t, review, "user_zoe"); !Unmergeable(e) || e.Policy != PolicySkip {
			t.Fatalf("the wizard's review offers zoe a merge: %+v", e)
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

// previewRunRecount recounts the preview's classification of main with
// the passwords file pws, then previews and runs them (each made anew),
// failing unless the preview and the run list the same entries. It
// returns the preview's, the run's and the recount's reports, and the
// entries.
func previewRunRecount(t *testing.T, main, pws func() clerk.Source, env ascendkit.Environment) ([]Report, []Entry) {
	t.Helper()
	rc := recounted(t, main(), env, Options{Passwords: pws()})
	var reps []Report
	var entries []Entry
	for _, mode := range []Mode{ModePreview, ModeRun} {
		opts := Options{Mode: mode, Passwords: pws()}
		got := collect(&opts)
		reps = append(reps, run(t, main(), env, opts))
		if mode == ModePreview {
			entries = slices.Clone(*got)
		} else if !slices.Equal(entries, *got) {
			t.Fatalf("preview entries %+v\nrun entries %+v", entries, *got)
		}
	}
	return append(reps, rc), entries
}

// recounted is the wizard's report for opts: a preview's classification
// recounted.
func recounted(t *testing.T, src clerk.Source, env ascendkit.Environment, opts Options) Report {
	t.Helper()
	var cls *Classified
	popts := opts
	popts.Mode, popts.OnClassified = ModePreview, func(c *Classified) { cls = c }
	run(t, src, env, popts)
	if cls == nil {
		t.Fatal("no classification")
	}
	defer cls.Close()
	rc, err := cls.Recount(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// TestDigestForAlreadyImportedUserIsReported: Day 1 imports from the API
// (which never gives digests); Day 2 runs again with the Dashboard CSV.
// The users exist, so their digests are not stored: preview, run and the
// wizard count them, warn with the way to keep them, and list each user,
// never the digest. A user whose digest is stored already is no news.
func TestDigestForAlreadyImportedUserIsReported(t *testing.T) {
	eachBackend(t, testDigestForAlreadyImportedUserIsReported)
}

func testDigestForAlreadyImportedUserIsReported(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	adaPw := bcryptOf(t, "ada-pw")
	kept := mkUser("user_kept", "kept@example.com", withPassword)
	kept.PasswordHasher, kept.PasswordDigest = "bcrypt", clerk.Secret(bcryptOf(t, "kept-pw"))
	day1 := run(t, newSource(5, mkUser("user_ada", "ada@example.com", withPassword), mkUser("user_bob", "bob@example.com", withPassword), kept),
		env, Options{Mode: ModeRun})
	if day1.Passwords.Kept != 1 {
		t.Fatalf("day 1 %+v", day1.Passwords)
	}
	main := func() clerk.Source {
		return newSource(2, mkUser("user_ada", "ada@example.com", withPassword), mkUser("user_bob", "bob@example.com", withPassword),
			mkUser("user_kept", "kept@example.com", withPassword), mkUser("user_new", "new@example.com", withPassword))
	}
	pws := func() clerk.Source {
		return newSource(2, digestOnly("user_ada", "bcrypt", adaPw), digestOnly("user_kept", "bcrypt", bcryptOf(t, "kept-pw")),
			digestOnly("user_new", "bcrypt", bcryptOf(t, "new-pw")))
	}
	reps, entries := previewRunRecount(t, main, pws, env)
	for _, r := range reps {
		p := r.Passwords
		if p.AlreadyImported != 1 || !slices.Equal(p.AlreadyImportedRuns, []string{day1.RunID}) || p.Kept != 1 {
			t.Fatalf("passwords %+v: want 1 already imported (ada) of run %s, 1 kept (new)", p, day1.RunID)
		}
		if !slices.ContainsFunc(r.Warnings, func(w string) bool {
			return strings.Contains(w, "1 user was imported by an earlier run without a password digest") &&
				strings.Contains(w, "ascendkit import undo "+day1.RunID)
		}) {
			t.Fatalf("warnings %q", r.Warnings)
		}
	}
	got := entriesOf(entries, "user_ada", ReasonPasswordAlreadyImported)
	if len(got) != 1 || got[0].Kind != "warning" || !strings.Contains(got[0].Detail, "import undo "+day1.RunID) ||
		strings.Contains(got[0].Detail, adaPw) {
		t.Fatalf("ada's entries %+v", got)
	}
	if len(entriesOf(entries, "user_kept", ReasonPasswordAlreadyImported))+len(entriesOf(entries, "user_bob", ReasonPasswordAlreadyImported)) != 0 {
		t.Fatalf("entries for users with a digest stored or none given: %+v", entries)
	}
}

// TestBannedSinceImport: a user imported on Day 1 and banned in Clerk by
// Day 3 exists, unbanned: the re-run reports them already imported (not
// skipped as banned, which reads as if they were not there) and warns that
// the ban is not applied, with or without --include-banned, alike in
// preview, run and the wizard's recount and review.
func TestBannedSinceImport(t *testing.T) { eachBackend(t, testBannedSinceImport) }

func testBannedSinceImport(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	run(t, newSource(5, mkUser("user_frank", "frank@example.com", withPassword), mkUser("user_ok", "ok@example.com")), env, Options{Mode: ModeRun})
	banned := func(u *clerk.User) { u.Banned = true }
	main := func() clerk.Source {
		return newSource(2, mkUser("user_frank", "frank@example.com", withPassword, banned), mkUser("user_ok", "ok@example.com"),
			mkUser("user_new_banned", "nb@example.com", banned))
	}
	frankPw := bcryptOf(t, "frank-pw")
	for _, include := range []bool{false, true} {
		// Frank's digest, which Day 1 did not have: not stored either.
		pws := newSource(5, digestOnly("user_frank", "bcrypt", frankPw))
		opts := Options{IncludeBanned: include, Passwords: pws.clone()}
		rc := recounted(t, main(), env, opts)
		var cls *Classified
		popts := opts
		popts.Mode, popts.OnClassified, popts.Passwords = ModePreview, func(c *Classified) { cls = c }, pws.clone()
		run(t, main(), env, popts)
		review, err := cls.ReviewEntries(ctx, env, opts)
		cls.Close()
		if err != nil {
			t.Fatal(err)
		}
		opts.Passwords = pws.clone()
		pre := run(t, main(), env, func() Options { o := opts; o.Mode = ModePreview; return o }())
		opts.Passwords = pws.clone()
		opts.Mode = ModeRun
		entriesP := collect(&opts)
		rep := run(t, main(), env, opts)
		entries := *entriesP
		for _, r := range []Report{pre, rep, rc} {
			u := r.Users
			wantSkipped := 1
			if include {
				wantSkipped = 0
			}
			if u.DuplicateReasons[ReasonAlreadyImported] != 2 || u.SkippedReasons[ReasonBanned] != wantSkipped || r.BansNotApplied != 1 ||
				r.Passwords.AlreadyImported != 1 ||
				!slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.Contains(w, "1 user is banned in Clerk now but imported unbanned") }) {
				t.Fatalf("include %v: users %+v, bansNotApplied %d, warnings %q", include, u, r.BansNotApplied, r.Warnings)
			}
		}
		if e := duplicateOf(t, entries, "user_frank"); e.Reason != ReasonAlreadyImported {
			t.Fatalf("frank %+v", e)
		}
		if w := entriesOf(entries, "user_frank", ReasonBanNotApplied); len(w) != 1 || w[0].Kind != "warning" {
			t.Fatalf("include %v: frank's entries %+v", include, entries)
		}
		if s := entriesOf(entries, "user_frank", ReasonBanned); len(s) != 0 {
			t.Fatalf("frank skipped as banned: %+v", s)
		}
		if r := entriesOf(review, "user_frank", ReasonAlreadyImported); len(r) != 1 {
			t.Fatalf("review %+v", review)
		}
	}
	// Nothing of the user was changed.
	u, _ := env.GetUser(ctx, "frank@example.com")
	if u.Banned {
		t.Fatal("the re-run banned frank")
	}
}

// TestPasswordsFileRepeatsAnID: a passwords file with two records for one
// id. A record without a digest gives way to a later one with a digest;
// of two different digests the first is kept and the repeat is reported
// (record numbers, never a digest), alike in preview, run and recount;
// the same digest with its hasher spelt otherwise is no repeat.
func TestPasswordsFileRepeatsAnID(t *testing.T) { eachBackend(t, testPasswordsFileRepeatsAnID) }

func testPasswordsFileRepeatsAnID(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	ada, bob1, bob2 := bcryptOf(t, "ada-pw"), bcryptOf(t, "bob-pw"), bcryptOf(t, "bob-other")
	main := func() clerk.Source {
		return newSource(5, mkUser("user_ada", "ada@example.com", withPassword), mkUser("user_bob", "bob@example.com", withPassword))
	}
	pws := func() clerk.Source {
		return newSource(2, digestOnly("user_ada", "", ""), digestOnly("user_bob", "bcrypt", bob1),
			digestOnly("user_ada", "bcrypt", ada), digestOnly("user_bob", "bcrypt", bob2), digestOnly("user_bob", "bcrypt", bob1),
			// The same digests under other spellings of their hasher (a
			// merged export): the same passwords, no repeat.
			digestOnly("user_ada", " BCRYPT ", ada), digestOnly("user_bob", "", bob1))
	}
	reps, entries := previewRunRecount(t, main, pws, env)
	for _, r := range reps {
		if p := r.Passwords; p.Kept != 2 || p.Repeated != 1 || p.Unmatched != 0 ||
			!slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.Contains(w, "1 record of the passwords file repeats the id") }) {
			t.Fatalf("passwords %+v, warnings %q", p, r.Warnings)
		}
	}
	rep := entriesOf(entries, "user_bob", ReasonPasswordRepeated)
	if len(rep) != 1 || rep[0].Pos != 4 || rep[0].File != EntryFilePasswords || rep[0].Kind != KindPasswordsRepeated ||
		!strings.Contains(rep[0].Detail, "record 4 has the id of record 2") || strings.Contains(rep[0].Detail, "$2") {
		t.Fatalf("repeat entries %+v", rep)
	}
	if len(entriesOf(entries, "user_ada", ReasonPasswordRepeated)) != 0 {
		t.Fatalf("a record without a digest is no repeat: %+v", entries)
	}
	for who, pw := range map[string]string{"ada@example.com": "ada-pw", "bob@example.com": "bob-pw"} {
		st, err := KeptPassword(ctx, env, who)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := CheckPassword(st, pw); !ok || err != nil {
			t.Fatalf("%s: the password of the record kept does not check: %v", who, err)
		}
	}
}

// TestChangedSinceImport: users imported on Day 1 whose sign-in email,
// username or OAuth accounts changed in Clerk by Day 3 are left as they
// are by the re-run, which now says so for each (environment value,
// Clerk value) and warns once, alike in preview, run and recount.
func TestChangedSinceImport(t *testing.T) { eachBackend(t, testChangedSinceImport) }

func testChangedSinceImport(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	named := func(n string) func(*clerk.User) { return func(u *clerk.User) { u.Username = strp(n) } }
	run(t, newSource(5, mkUser("user_carol", "carol@example.com"), mkUser("user_grace", "grace@example.com", named("grace")),
		mkUser("user_eve", "eve@example.com", withPassword), mkUser("user_same", "same@example.com", named("same"), withOAuth("oauth_google"))),
		env, Options{Mode: ModeRun})
	main := func() clerk.Source {
		return newSource(3, mkUser("user_carol", "carol@new.example"), mkUser("user_grace", "grace@example.com", named("grace2")),
			mkUser("user_eve", "eve@example.com", withPassword, withOAuth("oauth_google")),
			mkUser("user_same", "Same@example.com", named("same"), withOAuth("oauth_google")))
	}
	rc := recounted(t, main(), env, Options{})
	rep, entries := previewAndRun(t, main, env, Options{})
	for _, r := range []Report{rep, rc} {
		if r.ChangedSinceImport != 3 || !slices.ContainsFunc(r.Warnings, func(w string) bool {
			return strings.Contains(w, "3 users imported by an earlier run differ from Clerk now")
		}) {
			t.Fatalf("changedSinceImport %d, warnings %q", r.ChangedSinceImport, r.Warnings)
		}
	}
	for id, want := range map[string]string{
		"user_carol": "sign-in email: AscendKit has carol@example.com, Clerk has carol@new.example",
		"user_grace": `username: AscendKit has "grace", Clerk has "grace2"`,
		"user_eve":   "google account",
	} {
		if got := entriesOf(entries, id, ReasonChangedInSource); len(got) != 1 || !strings.Contains(got[0].Detail, want) || got[0].Kind != "warning" {
			t.Errorf("%s: entries %+v, want one saying %q", id, got, want)
		}
	}
	if got := entriesOf(entries, "user_same", ReasonChangedInSource); len(got) != 0 {
		t.Errorf("an unchanged user is reported changed: %+v", got)
	}
	if u, _ := env.GetUser(ctx, "carol@example.com"); u.Email != "carol@example.com" {
		t.Fatalf("the re-run changed carol: %+v", u)
	}
}

// TestNoMergeIntoUserMergedWithAnotherClerkUser: Carol signed up in
// AscendKit and Day 1 merged her Clerk account into it; by Day 3 Zoe holds
// the address in Clerk. Zoe is not merged into Carol either; a second
// run of Carol's own Clerk user is an already-imported duplicate.
func TestNoMergeIntoUserMergedWithAnotherClerkUser(t *testing.T) {
	eachBackend(t, testNoMergeIntoUserMergedWithAnotherClerkUser)
}

func testNoMergeIntoUserMergedWithAnotherClerkUser(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	seedUser(t, env, "carol@example.com", true)
	day1 := run(t, newSource(5, mkUser("user_carol", "carol@example.com", withOAuth("oauth_github"))), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if day1.Users.Merged != 1 {
		t.Fatalf("day 1 %+v", day1.Users)
	}
	mk := func() clerk.Source {
		return newSource(5, mkUser("user_zoe", "carol@example.com", withOAuth("oauth_google")))
	}
	opts := Options{OnDuplicate: PolicyMerge}
	rc := recounted(t, mk(), env, opts)
	rep, entries := previewAndRun(t, mk, env, opts)
	for _, r := range []Report{rep, rc} {
		if r.Users.ToMerge+r.Users.Merged != 0 || r.EmailOfOtherImport != 1 {
			t.Fatalf("users %+v, emailOfOtherImport %d", r.Users, r.EmailOfOtherImport)
		}
	}
	if e := duplicateOf(t, entries, "user_zoe"); !Unmergeable(e) || !strings.Contains(e.Detail, "merged with another Clerk user (user_carol)") {
		t.Fatalf("entry %+v", e)
	}
	u, _ := env.GetUser(ctx, "carol@example.com")
	if len(u.OAuthLinks) != 1 || u.OAuthLinks[0].Provider != "github" {
		t.Fatalf("carol's links %+v", u.OAuthLinks)
	}
}

// Re-running a source whose second user repeats the first's address
// (another case) says again that it is repeated in the source, not that
// the address moved to another Clerk user: the holder is the first user
// of this very source, imported by the run before.
func TestRerunRepeatedAddressIsNotAnotherImport(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		src := newSource(1,
			mkUser("user_a", "ann@example.com", withPassword),
			mkUser("user_b", "ANN@example.com", withPassword),
		)
		first := run(t, src.clone(), env, Options{Mode: ModeRun})
		if first.Users.DuplicateReasons[ReasonRepeatedInSource] != 1 {
			t.Fatalf("first run: %+v", first.Users)
		}
		c, pre := classify(t, src.clone(), env, Options{})
		again := run(t, src.clone(), env, Options{Mode: ModeRun})
		re, err := c.Recount(ctx, Options{Phases: Phases{Users: true, Settings: true}})
		if err != nil {
			t.Fatal(err)
		}
		for name, rep := range map[string]Report{"preview": pre, "run": again, "recount": re} {
			d := rep.Users.DuplicateReasons
			if d[ReasonAlreadyImported] != 1 || d[ReasonRepeatedInSource] != 1 || d[ReasonEmailExists] != 0 || rep.EmailOfOtherImport != 0 {
				t.Errorf("%s: %v, emailOfOtherImport %d", name, d, rep.EmailOfOtherImport)
			}
		}
	})
}

// The same when the repeat comes first, unverified, and the user with the
// address verified later: the first run held it to the end and called it
// repeated in the source; a re-run called it email_exists and warned
// that the address may have moved to another Clerk account (a false
// alarm on every re-run). It is held to the end again, and is what the
// first run said; with the other user gone from the source, it is
// email_exists, as before.
func TestRerunUnverifiedRepeatBeforeItsHolder(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		both := newSource(5, mkUser("user_a", "ann@example.com", unverifiedEmail), mkUser("user_b", "ANN@example.com", withPassword))
		if first := run(t, both.clone(), env, Options{Mode: ModeRun}); first.Users.DuplicateReasons[ReasonRepeatedInSource] != 1 || first.Users.Imported != 1 {
			t.Fatalf("first run: %+v", first.Users)
		}
		checkRecounts(t, func() clerk.Source { return both.clone() }, env, []Options{{}, {OnDuplicate: PolicyMerge}})
		c, pre := classify(t, both.clone(), env, Options{})
		re, err := c.Recount(ctx, Options{Phases: Phases{Users: true, Settings: true}})
		if err != nil {
			t.Fatal(err)
		}
		again := run(t, both.clone(), env, Options{Mode: ModeRun})
		for name, rep := range map[string]Report{"preview": pre, "run": again, "recount": re} {
			d := rep.Users.DuplicateReasons
			if d[ReasonAlreadyImported] != 1 || d[ReasonRepeatedInSource] != 1 || d[ReasonEmailExists] != 0 || rep.EmailOfOtherImport != 0 {
				t.Errorf("%s: %v, emailOfOtherImport %d", name, d, rep.EmailOfOtherImport)
			}
		}
		alone := newSource(5, mkUser("user_a", "ann@example.com", unverifiedEmail))
		checkRecounts(t, func() clerk.Source { return alone.clone() }, env, []Options{{}})
		if rep := run(t, alone.clone(), env, Options{Mode: ModePreview}); rep.Users.DuplicateReasons[ReasonEmailExists] != 1 || rep.EmailOfOtherImport != 1 {
			t.Errorf("the holder gone from the source: %v, emailOfOtherImport %d", rep.Users.DuplicateReasons, rep.EmailOfOtherImport)
		}
	})
}

// The MFA warning counts the users of the source who had MFA, a repeated
// address's too; it does not claim that each of them was tagged: only
// those imported are (here one of the two).
func TestMFAWarningSaysWhoIsTagged(t *testing.T) {
	mfa := func(u *clerk.User) { u.TOTPEnabled = true }
	rep := run(t, newSource(2,
		mkUser("user_a", "ann@example.com", withPassword, mfa),
		mkUser("user_b", "ANN@example.com", withPassword, mfa),
	), openEnv(t), Options{Mode: ModePreview})
	const want = "2 users had MFA or passkeys in Clerk (those imported are tagged import:mfa-reenroll)"
	if rep.Tags[TagMFAReenroll] != 1 || !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.HasPrefix(w, want) }) {
		t.Errorf("tags %d, warnings %q", rep.Tags[TagMFAReenroll], rep.Warnings)
	}
}

// TestRerunDigestNotesOnlyForUsersCreated: on Day 2 the passwords file has
// Ada's digest cut short and says Bob has no password now. Both were
// imported on Day 1 with their passwords kept, which still sign in: the
// re-run told them they "need a password reset" (passwords.malformed,
// notEnabled, their entries). Those notes are about users an import
// creates; a new user's cut digest is still one.
func TestRerunDigestNotesOnlyForUsersCreated(t *testing.T) { eachBackend(t, testRerunDigestNotes) }

func testRerunDigestNotes(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	ada, bob, cat := bcryptOf(t, "ada-pw"), bcryptOf(t, "bob-pw"), bcryptOf(t, "cat-pw")
	day1 := newSource(5, mkUser("user_ada", "ada@example.com", withPassword), mkUser("user_bob", "bob@example.com", withPassword))
	if _, err := Run(ctx, day1, env, Options{Mode: ModeRun, Passwords: newSource(5, digestOnly("user_ada", "bcrypt", ada), digestOnly("user_bob", "bcrypt", bob))}); err != nil {
		t.Fatal(err)
	}
	main := func() clerk.Source {
		return newSource(5, mkUser("user_ada", "ada@example.com", withPassword), mkUser("user_bob", "bob@example.com"),
			mkUser("user_cat", "cat@example.com", withPassword), mkUser("user_dan", "dan@example.com", withPassword))
	}
	pws := func() clerk.Source {
		return newSource(5, digestOnly("user_ada", "bcrypt", ada[:59]), digestOnly("user_bob", "bcrypt", bob), digestOnly("user_cat", "bcrypt", cat[:59]))
	}
	// The wizard's review lists what a fresh preview does.
	checkRecountsFrom(t, main, env, Options{Passwords: pws()}, []Options{{Passwords: pws()}})
	reps, entries := previewRunRecount(t, main, pws, env)
	for i, r := range reps {
		if p := r.Passwords; p.Malformed != 1 || p.NotEnabled != 0 || p.NeedsReset != 2 || p.NotInFile != 1 {
			t.Errorf("report %d: passwords %+v, want only Cat's cut digest and Dan's missing one", i, p)
		}
	}
	for _, id := range []string{"user_ada", "user_bob"} {
		if n := len(entriesOf(entries, id, ReasonPasswordInvalid)) + len(entriesOf(entries, id, ReasonPasswordOff)); n != 0 {
			t.Errorf("%s: %d digest notes for a user imported before", id, n)
		}
	}
	if len(entriesOf(entries, "user_cat", ReasonPasswordInvalid)) != 1 {
		t.Errorf("Cat's cut digest is not noted: %+v", entries)
	}
	// The password removed in Clerk is still the re-run's difference.
	if len(entriesOf(entries, "user_bob", ReasonChangedInSource)) != 1 {
		t.Errorf("Bob's removed password is no longer a difference: %+v", entries)
	}
	for who, pw := range map[string]string{"ada@example.com": "ada-pw", "bob@example.com": "bob-pw"} {
		st, err := KeptPassword(ctx, env, who)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := CheckPassword(st, pw); !ok {
			t.Errorf("%s: the Day 1 password no longer checks", who)
		}
	}
}

// A re-run under merge, whose source has the user an earlier run imported
// and, after it, a new Clerk user with the same verified address: the
// preview promised a merge into that run's user, which the run refused as
// it wrote (two Clerk users are two accounts), listing the user twice. It
// is "not merged", saying why, alike in preview, run and the recount.
func TestRerunRepeatOfAnImportedUserIsNotMerged(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		run(t, newSource(5, mkUser("user_3", "u3@example.com")), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
		src := newSource(5, mkUser("user_3", "u3@example.com"), mkUser("user_9", "u3@example.com"))
		checkRecounts(t, func() clerk.Source { return src.clone() }, env, []Options{{OnDuplicate: PolicyMerge}})
		po := Options{Mode: ModePreview, OnDuplicate: PolicyMerge}
		pe := collect(&po)
		pre := run(t, src.clone(), env, po)
		ro := Options{Mode: ModeRun, OnDuplicate: PolicyMerge}
		re := collect(&ro)
		got := run(t, src.clone(), env, ro)
		if pre.Users.ToMerge != 0 || got.Users.Merged != 0 || len(*pe) != len(*re) || len(entriesOf(*re, "user_9", ReasonRepeatedInSource)) != 1 ||
			!strings.Contains(entriesOf(*re, "user_9", ReasonRepeatedInSource)[0].Detail, "was imported by an earlier run") {
			t.Errorf("preview toMerge %d, run merged %d\npreview %+v\nrun %+v", pre.Users.ToMerge, got.Users.Merged, *pe, *re)
		}
	})
}

// A merge run interrupted after it created a user, then run again, ends
// as one run of the source would: the later user of the source with the
// same verified address merges into the user the interrupted run made
// (a completed earlier run's user is never merged into: the test above).
func TestResumedMergeRunMergesRepeatAsOneRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		src := newSource(1, mkUser("user_3", "u3@example.com"), mkUser("user_4", "u4@example.com"), mkUser("user_9", "u3@example.com"))
		one := run(t, src.clone(), openEnv(t), Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
		if one.Users.Merged != 1 || one.Users.Imported != 2 {
			t.Fatalf("one run: merged %d, imported %d", one.Users.Merged, one.Users.Imported)
		}
		env := openEnv(t)
		c, cancel := context.WithCancel(ctx)
		defer cancel()
		stopped, err := Run(c, src.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, BatchSize: 1, OnEvent: func(e Event) {
			if _, ok := e.(BatchApplied); ok {
				cancel()
			}
		}})
		if !errors.Is(err, context.Canceled) || stopped.Users.Imported != 1 {
			t.Fatalf("stopped run: imported %d, %v", stopped.Users.Imported, err)
		}
		pre := run(t, src.clone(), env, Options{Mode: ModePreview, OnDuplicate: PolicyMerge})
		ro := Options{Mode: ModeRun, OnDuplicate: PolicyMerge}
		re := collect(&ro)
		got := run(t, src.clone(), env, ro)
		if pre.Users.ToMerge != 1 || got.Users.Merged != 1 || got.Users.Imported != 1 || got.EmailOfOtherImport != 0 {
			t.Errorf("resumed: preview toMerge %d; run merged %d, imported %d, emailOfOtherImport %d\n%+v",
				pre.Users.ToMerge, got.Users.Merged, got.Users.Imported, got.EmailOfOtherImport, *re)
		}
		byID, err := env.LookupSourceIDs(ctx, SourceClerk, []string{"user_3", "user_9"})
		if err != nil || byID["user_9"].UserID == "" || byID["user_9"].UserID != byID["user_3"].UserID {
			t.Errorf("user_9 not merged into user_3's user: %+v %v", byID, err)
		}
		checkRecounts(t, func() clerk.Source { return src.clone() }, env, []Options{{OnDuplicate: PolicyMerge}})
	})
}

// stopAfterFirstBatch runs src as a merge run stopped after its first
// batch (one user per batch and page): an interrupted run.
func stopAfterFirstBatch(t *testing.T, env ascendkit.Environment, src *sliceSource, at time.Time) {
	t.Helper()
	c, cancel := context.WithCancel(ctx)
	defer cancel()
	if _, err := Run(c, src, env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, BatchSize: 1, Now: func() time.Time { return at }, OnEvent: func(e Event) {
		if _, ok := e.(BatchApplied); ok {
			cancel()
		}
	}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped run: %v", err)
	}
}

// Taking up an interrupted run never merges two accounts one run would
// not: not when the address's holder was made by that run from another
// Clerk user than the earlier listing of this source (the address moved),
// nor once a completed run has taken the interrupted one up.
func TestResumeMergesOnlyWhatOneRunWould(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		// user_z had e@ when an interrupted run made its user; user_x,
		// imported by a completed run with another address, has it now.
		env := openEnv(t)
		run(t, newSource(1, mkUser("user_x", "x-old@example.com")), env, Options{Mode: ModeRun})
		stopAfterFirstBatch(t, env, newSource(1, mkUser("user_z", "e@example.com"), mkUser("user_w", "w@example.com")), now)
		src := newSource(1, mkUser("user_x", "e@example.com"), mkUser("user_y", "e@example.com"))
		pre := run(t, src.clone(), env, Options{Mode: ModePreview, OnDuplicate: PolicyMerge})
		got := run(t, src.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
		if pre.Users.ToMerge != 0 || got.Users.Merged != 0 {
			t.Errorf("address moved from user_z: preview toMerge %d, run merged %d", pre.Users.ToMerge, got.Users.Merged)
		}
		// Interrupted, then completed by a re-run: a later source's new
		// Clerk user with the address is another account's, as after one
		// uninterrupted run.
		env = openEnv(t)
		day1 := newSource(1, mkUser("user_x", "e@example.com"), mkUser("user_w", "w@example.com"))
		stopAfterFirstBatch(t, env, day1.clone(), now)
		at := func(d time.Duration) func() time.Time { return func() time.Time { return now.Add(d) } }
		if _, err := Run(ctx, day1.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Now: at(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		day3 := newSource(1, mkUser("user_x", "e@example.com"), mkUser("user_y", "e@example.com"))
		if got, err := Run(ctx, day3, env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Now: at(48 * time.Hour)}); err != nil || got.Users.Merged != 0 {
			t.Errorf("a run taken up and completed: day 3 merged %d (%v), want 0", got.Users.Merged, err)
		}
	})
}

// Within one run, a later user of the source with the address of a user
// who signed up in AscendKit merges into them whether or not the merge of
// an earlier one with that address had committed when it was looked up:
// lookups see the environment as it was before the run, so the preview
// says what the run does.
func TestMergeIntoSignupDoesNotDependOnBatchTiming(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		seedWith(t, env, ascendkit.ImportedUser{Source: "signup", SourceID: "s1", User: ascendkit.User{Email: "n@example.com", EmailVerified: true, CreatedAt: now}})
		users := []*clerk.User{mkUser("user_a", "n@example.com")}
		for i := range 6 {
			users = append(users, mkUser(fmt.Sprintf("user_f%d", i), fmt.Sprintf("f%d@example.com", i)))
		}
		users = append(users, mkUser("user_b", "n@example.com"))
		src := newSource(1, users...)
		pre := run(t, src.clone(), env, Options{Mode: ModePreview, OnDuplicate: PolicyMerge, BatchSize: 1})
		got := run(t, src.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, BatchSize: 1})
		if pre.Users.ToMerge != 2 || got.Users.Merged != 2 || got.EmailOfOtherImport != 0 {
			t.Errorf("preview toMerge %d; run merged %d, emailOfOtherImport %d", pre.Users.ToMerge, got.Users.Merged, got.EmailOfOtherImport)
		}
	})
}

// A re-run of an unchanged source says nothing changed of a Clerk user
// merged into another source user's account: the username there is
// the other's, and a merge never sets it.
func TestRerunOfARepeatMergedIntoAnotherSaysNoChange(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		named := func(n string) userOpt { return func(u *clerk.User) { u.Username = &n } }
		src := newSource(5, mkUser("user_c", "c@example.com", named("chloe")), mkUser("user_n", "c@example.com", named("noah")))
		if first := run(t, src.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge}); first.Users.Merged != 1 {
			t.Fatalf("first run merged %d", first.Users.Merged)
		}
		ro := Options{Mode: ModeRun, OnDuplicate: PolicyMerge}
		es := collect(&ro)
		if again := run(t, src.clone(), env, ro); again.ChangedSinceImport != 0 {
			t.Errorf("re-run: changedSinceImport %d\n%+v", again.ChangedSinceImport, *es)
		}
	})
}

// A canary (--only) and then the full run end as the full run alone: a
// later user of the source with the canary user's address merges into
// them. After that full run, a later source's new Clerk user with the
// address is another account's.
func TestCanaryThenFullRunMergesAsOneRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		at := func(d time.Duration) func() time.Time { return func() time.Time { return now.Add(d) } }
		env := openEnv(t)
		src := newSource(5, mkUser("user_c", "c@example.com"), mkUser("user_f", "f@example.com"), mkUser("user_n", "c@example.com"))
		if _, err := Run(ctx, src.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Only: []string{"user_c"}, Now: at(0)}); err != nil {
			t.Fatal(err)
		}
		pre, err := Run(ctx, src.clone(), env, Options{Mode: ModePreview, OnDuplicate: PolicyMerge, Now: at(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		full, err := Run(ctx, src.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Now: at(time.Minute)})
		if err != nil || pre.Users.ToMerge != 1 || full.Users.Merged != 1 || full.Users.Imported != 1 {
			t.Errorf("canary then full: preview toMerge %d; run merged %d, imported %d (%v)", pre.Users.ToMerge, full.Users.Merged, full.Users.Imported, err)
		}
		later := newSource(5, mkUser("user_c", "c@example.com"), mkUser("user_z", "c@example.com"))
		if got, err := Run(ctx, later, env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Now: at(48 * time.Hour)}); err != nil || got.Users.Merged != 0 {
			t.Errorf("after the full run: merged %d (%v), want 0", got.Users.Merged, err)
		}
	})
}

// stopAfterBatches runs src as a merge run stopped after its nth batch
// (one user per batch and page), at the time given (see stoppedAt).
func stopAfterBatches(t *testing.T, env ascendkit.Environment, src *sliceSource, at time.Time, n int) {
	t.Helper()
	if !stoppedAt(env, src, at, n) {
		t.Fatalf("the run did not stop after batch %d", n)
	}
}

// A user who signed up in AscendKit, into whom an interrupted run merged
// Carol: taking that run up merges a later listing with the address only
// when Carol is an earlier listing of this source with it, as one run
// would have; and a second interruption (the run that took the first up)
// changes nothing of that.
func TestResumedMergeIntoSignupNeedsTheSameListing(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		at := func(d time.Duration) func() time.Time { return func() time.Time { return now.Add(d) } }
		signup := ascendkit.ImportedUser{Source: "signup", SourceID: "s1", User: ascendkit.User{Email: "n@example.com", EmailVerified: true, CreatedAt: now}}
		for name, later := range map[string]*sliceSource{
			"carol has another address": newSource(1, mkUser("user_c", "c-new@example.com"), mkUser("user_z", "n@example.com")),
			"carol is not listed":       newSource(1, mkUser("user_z", "n@example.com")),
		} {
			env := openEnv(t)
			seedWith(t, env, signup)
			stopAfterFirstBatch(t, env, newSource(1, mkUser("user_c", "n@example.com"), mkUser("user_f", "f@example.com")), now)
			pre, err := Run(ctx, later.clone(), env, Options{Mode: ModePreview, OnDuplicate: PolicyMerge, Now: at(time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			got, err := Run(ctx, later.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Now: at(time.Minute)})
			if err != nil || pre.Users.ToMerge != 0 || got.Users.Merged != 0 || got.EmailOfOtherImport != 1 {
				t.Errorf("%s: preview toMerge %d; run merged %d, emailOfOtherImport %d (%v); want Zoe not merged into Carol's account",
					name, pre.Users.ToMerge, got.Users.Merged, got.EmailOfOtherImport, err)
			}
		}

		env := openEnv(t)
		seedWith(t, env, signup)
		src := newSource(1, mkUser("user_c", "n@example.com"), mkUser("user_f1", "f1@example.com"),
			mkUser("user_z", "n@example.com"), mkUser("user_f2", "f2@example.com"), mkUser("user_x", "n@example.com"))
		stopAfterBatches(t, env, src.clone(), now, 1)               // Carol merged
		stopAfterBatches(t, env, src.clone(), at(time.Minute)(), 2) // f1 created, Zoe merged
		pre, err := Run(ctx, src.clone(), env, Options{Mode: ModePreview, OnDuplicate: PolicyMerge, Now: at(2 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		ro := Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Now: at(2 * time.Minute)}
		es := collect(&ro)
		got, err := Run(ctx, src.clone(), env, ro)
		if err != nil || pre.Users.ToMerge != 1 || got.Users.Merged != 1 || got.Users.Imported != 1 || got.EmailOfOtherImport != 0 {
			t.Errorf("twice interrupted: preview toMerge %d; run merged %d, imported %d, emailOfOtherImport %d (%v)\n%+v",
				pre.Users.ToMerge, got.Users.Merged, got.Users.Imported, got.EmailOfOtherImport, err, *es)
		}
		byID, err := env.LookupSourceIDs(ctx, SourceClerk, []string{"user_c", "user_z", "user_x"})
		if err != nil || byID["user_x"].UserID == "" || byID["user_x"].UserID != byID["user_c"].UserID || byID["user_z"].UserID != byID["user_c"].UserID {
			t.Errorf("not all merged into the signup: %+v %v", byID, err)
		}
	})
}

// A Clerk user listed twice (two exports joined) whose first listing is
// banned is skipped as banned; the later listing is a repeat, not the
// user: nothing of them is imported, and a re-run says nothing changed.
func TestBannedFirstListingCounts(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		banned := func(u *clerk.User) { u.Banned = true }
		src := newSource(5, mkUser("user_1", "ann@example.com", banned), mkUser("user_2", "ben@example.com"), mkUser("user_1", "ann@example.com"))
		env := openEnv(t)
		checkRecounts(t, func() clerk.Source { return src.clone() }, env, []Options{{}})
		first := run(t, src.clone(), env, Options{Mode: ModeRun})
		if first.Users.Imported != 1 || first.Users.SkippedReasons[ReasonBanned] != 1 || first.Users.DuplicateReasons[ReasonRepeatedInSource] != 1 {
			t.Errorf("first run: %+v", first.Users)
		}
		if byID, err := env.LookupSourceIDs(ctx, SourceClerk, []string{"user_1"}); err != nil || len(byID) != 0 {
			t.Errorf("banned user_1 imported by its later listing: %+v %v", byID, err)
		}
		again := run(t, src.clone(), env, Options{Mode: ModeRun})
		if again.Users.Imported != 0 || again.BansNotApplied != 0 || again.ChangedSinceImport != 0 {
			t.Errorf("re-run: imported %d, bansNotApplied %d, changedSinceImport %d", again.Users.Imported, again.BansNotApplied, again.ChangedSinceImport)
		}
	})
}

// A Clerk user listed twice is a repeat on a re-run too, not a user
// whose address moved to another Clerk account.
func TestRerunOfARepeatedIDSaysTheSame(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		unverified := func(u *clerk.User) { u.EmailAddresses[0].Verification.Status = "unverified" }
		src := newSource(1, mkUser("user_0", "a@example.com", unverified), mkUser("user_0", "a@example.com"), mkUser("user_2", "a@example.com"))
		env := openEnv(t)
		first := run(t, src.clone(), env, Options{Mode: ModeRun})
		checkRecounts(t, func() clerk.Source { return src.clone() }, env, []Options{{}})
		again := run(t, src.clone(), env, Options{Mode: ModeRun})
		if again.EmailOfOtherImport != 0 || again.Users.DuplicateReasons[ReasonRepeatedInSource] != first.Users.DuplicateReasons[ReasonRepeatedInSource] {
			t.Errorf("first %v; re-run %v, emailOfOtherImport %d", first.Users.DuplicateReasons, again.Users.DuplicateReasons, again.EmailOfOtherImport)
		}
	})
}
