package importer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// readCounter counts the environment's reads of single users and of
// pages of user states.
type readCounter struct {
	ascendkit.Environment
	gets, pwStates, pages int
}

func (c *readCounter) GetUser(ctx context.Context, k string) (ascendkit.User, error) {
	c.gets++
	return c.Environment.GetUser(ctx, k)
}

func (c *readCounter) PasswordState(ctx context.Context, k string) (ascendkit.PasswordState, error) {
	c.pwStates++
	return c.Environment.PasswordState(ctx, k)
}

func (c *readCounter) UserStates(ctx context.Context, ids []string) (map[string]ascendkit.UserState, error) {
	c.pages++
	return c.Environment.UserStates(ctx, ids)
}

// TestRerunReadsUsersByPage: a re-run of 1,000 users imported before,
// each with a username and a digest in the passwords file, reads what it
// compares of them a page at a time, not a user at a time: one read per
// page, with or without the wizard's classification, and no single-user
// reads. Before, it made 1,000 GetUser and 1,000 PasswordState calls.
func TestRerunReadsUsersByPage(t *testing.T) { eachBackend(t, testRerunReadsUsersByPage) }

func testRerunReadsUsersByPage(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	var us, pws []*clerk.User
	for i := range 1000 {
		id := fmt.Sprintf("user_%04d", i)
		us = append(us, mkUser(id, id+"@example.com", withPassword, func(u *clerk.User) { u.Username = strp(fmt.Sprintf("name%d", i)) }))
		pws = append(pws, digestOnly(id, "bcrypt", "$2a$10$abcdefghijklmnopqrstuuFyIYHTwbgdm0GZ6Jb0nYjHrmrsxzc6e"))
	}
	run(t, newSource(500, us...), env, Options{Mode: ModeRun})
	us[7].Username = strp("renamed") // one real difference, to see the reads are used
	for _, classified := range []bool{false, true} {
		rc := &readCounter{Environment: env}
		opts := Options{Mode: ModePreview, Passwords: newSource(500, pws...)}
		if classified {
			opts.OnClassified = func(c *Classified) { c.Close() }
		}
		rep := run(t, newSource(500, us...), rc, opts)
		if rc.gets != 0 || rc.pwStates != 0 || rc.pages != 2 {
			t.Errorf("classified %v: %d GetUser, %d PasswordState, %d UserStates calls for 2 pages; want 0, 0, 2",
				classified, rc.gets, rc.pwStates, rc.pages)
		}
		if rep.Passwords.AlreadyImported != 1000 || rep.ChangedSinceImport != 1 {
			t.Errorf("classified %v: %d digests not stored, %d changed; want 1000, 1", classified, rep.Passwords.AlreadyImported, rep.ChangedSinceImport)
		}
	}
}

// withSharedGoogle links the user to the Google account g-shared.
func withSharedGoogle(u *clerk.User) {
	u.ExternalAccounts = append(u.ExternalAccounts, clerk.ExternalAccount{
		ID: "eac_" + u.ID, Provider: "oauth_google", ProviderUserID: "g-shared", EmailAddress: u.EmailAddresses[0].EmailAddress,
		Verification: &clerk.Verification{Status: "verified", Strategy: "oauth_google"}})
}

// TestRerunLinkConflictIsNoChange: Day 1 gives Ada the Google account Bob
// also lists (his link is a conflict, left out). Day 2 reads the same
// source: nothing differs from what the import wrote, so Bob is not
// reported changed, in preview, run or recount.
func TestRerunLinkConflictIsNoChange(t *testing.T) { eachBackend(t, testRerunLinkConflictIsNoChange) }

func testRerunLinkConflictIsNoChange(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	mk := func() clerk.Source {
		return newSource(5, mkUser("user_ada", "ada@example.com", withSharedGoogle), mkUser("user_bob", "bob@example.com", withSharedGoogle, withPassword))
	}
	if d1 := run(t, mk(), env, Options{Mode: ModeRun}); d1.OAuthLinkConflicts != 1 || d1.Users.Imported != 2 {
		t.Fatalf("day 1: %d conflicts, %d imported; want 1, 2", d1.OAuthLinkConflicts, d1.Users.Imported)
	}
	rc := recounted(t, mk(), env, Options{})
	rep, entries := previewAndRun(t, mk, env, Options{})
	for _, r := range []Report{rep, rc} {
		if r.ChangedSinceImport != 0 || r.Users.DuplicateReasons[ReasonAlreadyImported] != 2 {
			t.Errorf("changed %d, already imported %d; want 0, 2 (warnings %q)", r.ChangedSinceImport, r.Users.DuplicateReasons[ReasonAlreadyImported], r.Warnings)
		}
	}
	if got := entriesOf(entries, "user_bob", ReasonChangedInSource); len(got) != 0 {
		t.Errorf("bob reported changed: %+v", got)
	}
}

// TestRerunMergedUserIsNoChange: Carol signed up as "robert"; Day 1
// merged her Clerk user ("bob") into her, keeping her username, as a
// merge fills only what the user lacks. Day 2 reads the same source:
// nothing differs from what the import wrote. An address changed in
// Clerk since is still said, as a difference, not as a change in Clerk.
func TestRerunMergedUserIsNoChange(t *testing.T) { eachBackend(t, testRerunMergedUserIsNoChange) }

func testRerunMergedUserIsNoChange(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	seedWith(t, env, ascendkit.ImportedUser{User: ascendkit.User{Email: "carol@example.com", EmailVerified: true, Username: "robert", CreatedAt: now}, Source: "signup", SourceID: "s-c"})
	carol := func(email string) clerk.Source {
		return newSource(5, mkUser("user_carol", email, func(u *clerk.User) { u.Username = strp("bob") }))
	}
	opts := Options{OnDuplicate: PolicyMerge}
	if d1 := run(t, carol("carol@example.com"), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge}); d1.Users.Merged != 1 {
		t.Fatalf("day 1 %+v", d1.Users)
	}
	rc := recounted(t, carol("carol@example.com"), env, opts)
	rep, entries := previewAndRun(t, func() clerk.Source { return carol("carol@example.com") }, env, opts)
	for _, r := range []Report{rep, rc} {
		if r.ChangedSinceImport != 0 {
			t.Errorf("changed %d, want 0 (warnings %q)", r.ChangedSinceImport, r.Warnings)
		}
	}
	if got := entriesOf(entries, "user_carol", ReasonChangedInSource); len(got) != 0 {
		t.Errorf("carol reported changed: %+v", got)
	}
	rep, entries = previewAndRun(t, func() clerk.Source { return carol("carol@new.example") }, env, opts)
	got := entriesOf(entries, "user_carol", ReasonChangedInSource)
	if rep.ChangedSinceImport != 1 || len(got) != 1 || !strings.Contains(got[0].Detail, "Clerk and AscendKit differ") ||
		!strings.Contains(got[0].Detail, "sign-in email: AscendKit has carol@example.com, Clerk has carol@new.example") ||
		strings.Contains(got[0].Detail, "username") {
		t.Fatalf("changed %d, entries %+v; want the address only", rep.ChangedSinceImport, got)
	}
	if !slices.ContainsFunc(rep.Warnings, func(w string) bool {
		return strings.Contains(w, "1 user imported by an earlier run differs from Clerk now") && !strings.Contains(w, "changed in Clerk since")
	}) {
		t.Errorf("warnings %q", rep.Warnings)
	}
}

// TestRerunMergedDigestAdvice: Day 1 merged Carol's Clerk user (from the
// API: no digest) into her AscendKit account; Day 2 has her digest. It
// is not stored, and undoing and importing again would merge again: the
// warning and entry say she signs in as before, and name no undo, alike
// in preview, run and recount.
func TestRerunMergedDigestAdvice(t *testing.T) { eachBackend(t, testRerunMergedDigestAdvice) }

func testRerunMergedDigestAdvice(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	seedWith(t, env, ascendkit.ImportedUser{User: ascendkit.User{Email: "carol@example.com", EmailVerified: true, CreatedAt: now}, Source: "signup", SourceID: "s-c"})
	mk := func() clerk.Source { return newSource(5, mkUser("user_carol", "carol@example.com", withPassword)) }
	if d1 := run(t, mk(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge}); d1.Users.Merged != 1 {
		t.Fatalf("day 1 %+v", d1.Users)
	}
	digest := bcryptOf(t, "c-pw")
	pws := func() clerk.Source { return newSource(5, digestOnly("user_carol", "bcrypt", digest)) }
	rc := recounted(t, mk(), env, Options{Passwords: pws()})
	var reps []Report
	var entries []Entry
	for _, mode := range []Mode{ModePreview, ModeRun} {
		opts := Options{Mode: mode, Passwords: pws()}
		got := collect(&opts)
		reps = append(reps, run(t, mk(), env, opts))
		entries = append(entries, *got...)
	}
	for _, r := range append(reps, rc) {
		p := r.Passwords
		if p.AlreadyMerged != 1 || p.AlreadyImported != 0 || len(p.AlreadyImportedRuns) != 0 {
			t.Errorf("passwords %+v: want 1 merged, none imported", p)
		}
		if !slices.ContainsFunc(r.Warnings, func(w string) bool {
			return strings.Contains(w, "1 user was merged by an earlier run") && strings.Contains(w, "sign in as they did in AscendKit before")
		}) || slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.Contains(w, "undo") }) {
			t.Errorf("warnings %q", r.Warnings)
		}
	}
	got := entriesOf(entries, "user_carol", ReasonPasswordAlreadyImported)
	if len(got) != 2 || got[0] != got[1] || !strings.Contains(got[0].Detail, "merge never sets a password") ||
		strings.Contains(got[0].Detail, "undo") || strings.Contains(got[0].Detail, digest) {
		t.Fatalf("entries %+v", got)
	}
}

// TestRerunMergedFilledUsernameCompared: Carol signed up with no
// username; Day 1 merged her Clerk user, filling "bob". By Day 2 Clerk
// says "bobby": the username the import wrote differs, and is said.
func TestRerunMergedFilledUsernameCompared(t *testing.T) {
	eachBackend(t, testRerunMergedFilledUsernameCompared)
}

func testRerunMergedFilledUsernameCompared(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	seedWith(t, env, ascendkit.ImportedUser{User: ascendkit.User{Email: "carol@example.com", EmailVerified: true, CreatedAt: now}, Source: "signup", SourceID: "s-c"})
	carol := func(name string) func() clerk.Source {
		return func() clerk.Source {
			return newSource(5, mkUser("user_carol", "carol@example.com", func(u *clerk.User) { u.Username = strp(name) }))
		}
	}
	opts := Options{OnDuplicate: PolicyMerge}
	if d1 := run(t, carol("bob")(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge}); d1.Users.Merged != 1 {
		t.Fatalf("day 1 %+v", d1.Users)
	}
	if rep, _ := previewAndRun(t, carol("bob"), env, opts); rep.ChangedSinceImport != 0 {
		t.Fatalf("unchanged: changed %d (warnings %q)", rep.ChangedSinceImport, rep.Warnings)
	}
	rc := recounted(t, carol("bobby")(), env, opts)
	rep, entries := previewAndRun(t, carol("bobby"), env, opts)
	got := entriesOf(entries, "user_carol", ReasonChangedInSource)
	if rep.ChangedSinceImport != 1 || rc.ChangedSinceImport != 1 || len(got) != 1 ||
		!strings.Contains(got[0].Detail, `username: AscendKit has "bob", Clerk has "bobby"`) {
		t.Fatalf("changed %d, recount %d, entries %+v", rep.ChangedSinceImport, rc.ChangedSinceImport, got)
	}
}

// TestRerunUnlinkedAccountIsChange: Day 1 imports Dana with her Google
// account. In Clerk she then unlinks the account (or it is no longer
// verified): Day 2 says so, in preview, run and recount, as the account
// would otherwise keep signing in to AscendKit as her with nothing said.
// No difference is made up where the links need not all be hers: an
// export that carries no OAuth accounts, a user merged into (accounts of
// her own), a user two Clerk users were merged into.
func TestRerunUnlinkedAccountIsChange(t *testing.T) { eachBackend(t, testRerunUnlinkedAccountIsChange) }

func testRerunUnlinkedAccountIsChange(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	seedUser(t, env, "erin@example.com", true, ascendkit.OAuthLink{Provider: "github", ProviderUserID: "gh-erin"})
	source := func(day2 func(*clerk.User)) clerk.Source {
		d := mkUser("user_dana", "dana@example.com", withOAuth("oauth_google"), func(u *clerk.User) { u.Username = strp("dana") })
		if day2 != nil {
			day2(d)
		}
		return newSource(5, d, mkUser("user_erin", "erin@example.com", withPassword),
			// Two Clerk users of one address, merged into one user.
			mkUser("user_f1", "fay@example.com", withOAuth("oauth_google")), mkUser("user_f2", "fay@example.com", withOAuth("oauth_github")))
	}
	opts := Options{OnDuplicate: PolicyMerge}
	if d1 := run(t, source(nil), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge}); d1.Users.Imported != 2 || d1.Users.Merged != 2 {
		t.Fatalf("day 1 %+v", d1.Users)
	}
	for name, day2 := range map[string]func(*clerk.User){
		"the same":       nil,
		"no OAuth known": func(u *clerk.User) { u.ExternalAccounts, u.OAuthUnknown = nil, true },
	} {
		mk := func() clerk.Source { return source(day2) }
		rc := recounted(t, mk(), env, opts)
		rep, entries := previewAndRun(t, mk, env, opts)
		for _, r := range []Report{rep, rc} {
			if r.ChangedSinceImport != 0 {
				t.Errorf("%s: changed %d, want 0 (entries %+v)", name, r.ChangedSinceImport, entries)
			}
		}
	}
	for name, day2 := range map[string]func(*clerk.User){
		"unlinked":     func(u *clerk.User) { u.ExternalAccounts = nil },
		"not verified": func(u *clerk.User) { u.ExternalAccounts[0].Verification.Status = "unverified" },
	} {
		mk := func() clerk.Source { return source(day2) }
		rc := recounted(t, mk(), env, opts)
		rep, entries := previewAndRun(t, mk, env, opts)
		got := entriesOf(entries, "user_dana", ReasonChangedInSource)
		if len(got) != 1 || !strings.Contains(got[0].Detail, `google account "oauth_google-user_dana" is linked in AscendKit but not a verified account of the user in Clerk`) ||
			strings.Contains(got[0].Detail, "username") {
			t.Errorf("%s: entries %+v", name, got)
		}
		for _, r := range []Report{rep, rc} {
			if r.ChangedSinceImport != 1 {
				t.Errorf("%s: changed %d, want 1 (entries %+v)", name, r.ChangedSinceImport, entries)
			}
		}
	}
}

// TestRerunLockIsChange: a lock put on a user in Clerk since an import
// created them (one without an expiry, which an import keeps) is a
// difference a re-run says, as a ban is; a lockout that expires (failed
// sign-ins), which an import clears, is none; nor is a lock on a user
// merged into, whom a merge never locks.
func TestRerunLockIsChange(t *testing.T) { eachBackend(t, testRerunLockIsChange) }

func testRerunLockIsChange(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	seedUser(t, env, "erin@example.com", true)
	source := func(lock func(*clerk.User)) clerk.Source {
		gil := mkUser("user_gil", "gil@example.com", withPassword)
		erin := mkUser("user_erin", "erin@example.com", withPassword)
		if lock != nil {
			lock(gil)
			lock(erin)
		}
		return newSource(5, gil, erin)
	}
	opts := Options{OnDuplicate: PolicyMerge}
	if d1 := run(t, source(nil), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge}); d1.Users.Imported != 1 || d1.Users.Merged != 1 {
		t.Fatalf("day 1 %+v", d1.Users)
	}
	expires := int64(600)
	for name, tc := range map[string]struct {
		lock func(*clerk.User)
		want int
	}{
		"locked":     {func(u *clerk.User) { u.Locked = true }, 1},
		"locked out": {func(u *clerk.User) { u.Locked, u.LockoutExpiresInSeconds = true, &expires }, 0},
	} {
		mk := func() clerk.Source { return source(tc.lock) }
		rc := recounted(t, mk(), env, opts)
		rep, entries := previewAndRun(t, mk, env, opts)
		for _, r := range []Report{rep, rc} {
			if r.ChangedSinceImport != tc.want {
				t.Errorf("%s: changed %d, want %d (entries %+v)", name, r.ChangedSinceImport, tc.want, entries)
			}
		}
		got := entriesOf(entries, "user_gil", ReasonChangedInSource)
		if tc.want == 1 && (len(got) != 1 || !strings.Contains(got[0].Detail, "lock: Clerk locks the user (no expiry), AscendKit does not")) {
			t.Errorf("%s: entries %+v", name, got)
		}
	}
}

// TestRerunPasswordChangeIsChange: a password changed in Clerk since an
// import stored its digest (the user reset it before the cut-over), or
// removed there, was not seen: the old password still signed in here,
// the new one was refused, and the re-run said nothing. Each is now a
// difference; the same digest, a source without digests (the API) and
// a source that does not say who has a password are none.
func TestRerunPasswordChangeIsChange(t *testing.T) { eachBackend(t, testRerunPasswordChangeIsChange) }

func testRerunPasswordChangeIsChange(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	old, changed := bcryptOf(t, "old-pass"), bcryptOf(t, "new-pass")
	digest := func(d string) userOpt {
		return func(u *clerk.User) {
			u.PasswordEnabled, u.PasswordHasher, u.PasswordDigest = d != "", "bcrypt", clerk.Secret(d)
		}
	}
	source := func(ada, bo userOpt) clerk.Source {
		return newSource(5, mkUser("user_ada", "ada@example.com", ada), mkUser("user_bo", "bo@example.com", bo))
	}
	if d1 := run(t, source(digest(old), digest(old)), env, Options{Mode: ModeRun}); d1.Users.Imported != 2 || d1.Passwords.Kept != 2 {
		t.Fatalf("day 1 users %+v passwords %+v", d1.Users, d1.Passwords)
	}
	for name, c := range map[string]struct {
		ada, bo userOpt
		want    map[string]string
	}{
		"the same":         {digest(old), digest(old), nil},
		"no digests (API)": {withPassword, withPassword, nil},
		"password unknown": {withPasswordUnknown, withPasswordUnknown, nil},
		"changed, removed": {digest(changed), digest(""), map[string]string{"user_ada": "the digest in Clerk is not the one stored here", "user_bo": "Clerk has none for the user now"}},
	} {
		mk := func() clerk.Source { return source(c.ada, c.bo) }
		rc := recounted(t, mk(), env, Options{})
		rep, entries := previewAndRun(t, mk, env, Options{})
		for _, id := range []string{"user_ada", "user_bo"} {
			got := entriesOf(entries, id, ReasonChangedInSource)
			if want := c.want[id]; (want == "") != (len(got) == 0) || (want != "" && !strings.Contains(got[0].Detail, want)) {
				t.Errorf("%s: %s's entries %+v, want %q", name, id, got, want)
			}
			for _, e := range got {
				if strings.Contains(e.Detail, "$2a$") {
					t.Errorf("%s: a digest in the entry %q", name, e.Detail)
				}
			}
		}
		for _, r := range []Report{rep, rc} {
			if r.ChangedSinceImport != len(c.want) {
				t.Errorf("%s: changed %d, want %d", name, r.ChangedSinceImport, len(c.want))
			}
		}
	}
}

// TestRerunUnbanIsChange: a ban lifted in Clerk since an import created
// the user banned (--include-banned) was not seen: the user stayed banned
// here, unable to sign in, and the re-run said nothing, where a ban put
// on in Clerk is reported. A source that does not say who is banned (a
// Dashboard CSV without the column) says nothing of it.
func TestRerunUnbanIsChange(t *testing.T) { eachBackend(t, testRerunUnbanIsChange) }

func testRerunUnbanIsChange(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	banned := func(u *clerk.User) { u.Banned = true }
	opts := Options{IncludeBanned: true}
	if d1 := run(t, newSource(5, mkUser("user_jack", "jack@example.com", withPassword, banned)), env, Options{Mode: ModeRun, IncludeBanned: true}); d1.Users.Imported != 1 {
		t.Fatalf("day 1 %+v", d1.Users)
	}
	csvJack := filepath.Join(t.TempDir(), "jack.csv")
	if err := os.WriteFile(csvJack, []byte("id,primary_email_address,verified_email_addresses\nuser_jack,jack@example.com,jack@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	migrateJack := filepath.Join(t.TempDir(), "jack.json")
	if err := os.WriteFile(migrateJack, []byte(`{"clerkMigrate":1,"source":"clerk","users":[{"id":"user_jack","primary_email_address":"jack@example.com","verified_email_addresses":["jack@example.com"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		src  func() clerk.Source
		want int
	}{
		"still banned": {func() clerk.Source {
			return newSource(5, mkUser("user_jack", "jack@example.com", withPassword, banned))
		}, 0},
		"unbanned": {func() clerk.Source { return newSource(5, mkUser("user_jack", "jack@example.com", withPassword)) }, 1},
		"CSV, no column": {func() clerk.Source {
			src, err := clerk.OpenFile(csvJack)
			if err != nil {
				t.Fatal(err)
			}
			return src
		}, 0},
		// clerk migrate writes "banned" on banned users only.
		"clerk migrate": {func() clerk.Source {
			src, err := clerk.OpenFile(migrateJack)
			if err != nil {
				t.Fatal(err)
			}
			return src
		}, 1},
	} {
		rc := recounted(t, c.src(), env, opts)
		rep, entries := previewAndRun(t, c.src, env, opts)
		got := entriesOf(entries, "user_jack", ReasonChangedInSource)
		if len(got) != c.want || (c.want > 0 && !strings.Contains(got[0].Detail, "ban: AscendKit bans the user, Clerk does not")) {
			t.Errorf("%s: entries %+v", name, got)
		}
		for _, r := range []Report{rep, rc} {
			if r.ChangedSinceImport != c.want {
				t.Errorf("%s: changed %d, want %d", name, r.ChangedSinceImport, c.want)
			}
		}
	}
	if u, err := env.GetUser(ctx, "jack@example.com"); err != nil || !u.Banned {
		t.Errorf("jack %+v (%v): a re-run changes no user it imported", u, err)
	}
}

// TestRerunMergedUserHasNoOwnState: a Clerk user merged into the user an
// import created from another (the same verified address) has no lock,
// ban or password of their own here: a re-run of the same source
// compared them with the other's and reported differences nobody made.
func TestRerunMergedUserHasNoOwnState(t *testing.T) { eachBackend(t, testRerunMergedUserHasNoOwnState) }

func testRerunMergedUserHasNoOwnState(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	digest := bcryptOf(t, "a-pass")
	src := func() clerk.Source {
		a := mkUser("user_a", "ann@example.com", withPassword, func(u *clerk.User) {
			u.Banned, u.Locked, u.PasswordHasher, u.PasswordDigest = true, true, "bcrypt", clerk.Secret(digest)
		})
		b := mkUser("user_b", "ann@example.com", func(u *clerk.User) {
			u.PasswordHasher, u.PasswordDigest = "bcrypt", clerk.Secret(bcryptOf(t, "b-pass"))
		})
		return newSource(5, a, b)
	}
	opts := Options{OnDuplicate: PolicyMerge, IncludeBanned: true}
	day1 := opts
	day1.Mode = ModeRun
	if d1 := run(t, src(), env, day1); d1.Users.Imported != 1 || d1.Users.Merged != 1 {
		t.Fatalf("day 1 %+v", d1.Users)
	}
	rc := recounted(t, src(), env, opts)
	rep, entries := previewAndRun(t, src, env, opts)
	for _, r := range []Report{rep, rc} {
		if r.ChangedSinceImport != 0 {
			t.Errorf("changed %d, want 0: %+v", r.ChangedSinceImport, entriesOf(entries, "user_b", ReasonChangedInSource))
		}
	}
}

// A lock lifted in Clerk since the import is a change, as a lifted ban
// is: the user still cannot sign in to AscendKit. A source that does not
// say who is locked (a CSV without the column, a flat record without the
// field) says nothing of it.
func TestRerunUnlockIsChange(t *testing.T) { eachBackend(t, testRerunUnlockIsChange) }

func testRerunUnlockIsChange(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	locked := func(u *clerk.User) { u.Locked = true }
	if d1 := run(t, newSource(5, mkUser("user_kim", "kim@example.com", withPassword, locked)), env, Options{Mode: ModeRun}); d1.Users.Imported != 1 {
		t.Fatalf("day 1 %+v", d1.Users)
	}
	if u, err := env.GetUser(ctx, "kim@example.com"); err != nil || !u.Locked {
		t.Fatalf("day 1: %+v %v: not imported locked", u, err)
	}
	dir := t.TempDir()
	file := func(name, body string) func() clerk.Source {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return func() clerk.Source {
			src, err := clerk.OpenFile(p)
			if err != nil {
				t.Fatal(err)
			}
			return src
		}
	}
	for name, c := range map[string]struct {
		src  func() clerk.Source
		want int
	}{
		"still locked":        {func() clerk.Source { return newSource(5, mkUser("user_kim", "kim@example.com", withPassword, locked)) }, 0},
		"unlocked":            {func() clerk.Source { return newSource(5, mkUser("user_kim", "kim@example.com", withPassword)) }, 1},
		"CSV, no column":      {file("kim.csv", "id,primary_email_address,verified_email_addresses\nuser_kim,kim@example.com,kim@example.com\n"), 0},
		"CSV, unlocked":       {file("kim2.csv", "id,primary_email_address,verified_email_addresses,locked\nuser_kim,kim@example.com,kim@example.com,false\n"), 1},
		"flat JSON, no field": {file("kim.json", `[{"id":"user_kim","primary_email_address":"kim@example.com","verified_email_addresses":["kim@example.com"]}]`), 0},
	} {
		rep, entries := previewAndRun(t, c.src, env, Options{})
		got := entriesOf(entries, "user_kim", ReasonChangedInSource)
		if len(got) != c.want || (c.want > 0 && !strings.Contains(got[0].Detail, "lock: AscendKit locks the user, Clerk does not")) {
			t.Errorf("%s: entries %+v", name, got)
		}
		if rep.ChangedSinceImport != c.want {
			t.Errorf("%s: changed %d, want %d", name, rep.ChangedSinceImport, c.want)
		}
	}
}
