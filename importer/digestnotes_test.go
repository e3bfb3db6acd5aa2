package importer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// A user whose address is unverified is held to the end of the
// source (sawUser) and created there. Its digest notes (a cut digest, a
// digest for a user without a password, no digest at all) must still be
// counted and listed by preview and run, as Recount and the review do.
func TestHeldUsersKeepTheirDigestNotes(t *testing.T) {
	env := openEnv(t)
	pw := bcryptOf(t, "pw")
	unverified := func(u *clerk.User) *clerk.User {
		u.EmailAddresses[0].Verification = &clerk.Verification{Status: "unverified"}
		return u
	}
	main := func() clerk.Source {
		cut := unverified(mkUser("user_cut", "cut@example.com", withPassword))
		off := unverified(mkUser("user_off", "off@example.com")) // no password now
		none := unverified(mkUser("user_none", "none@example.com", withPassword))
		return newSource(5, cut, off, none, mkUser("user_ok", "ok@example.com", withPassword))
	}
	pws := func() clerk.Source {
		return newSource(5, digestOnly("user_cut", "bcrypt", pw[:40]), digestOnly("user_off", "bcrypt", pw), digestOnly("user_ok", "bcrypt", pw))
	}
	rc := recounted(t, main(), env, Options{Passwords: pws()})
	opts := Options{Mode: ModePreview, Passwords: pws()}
	entries := collect(&opts)
	pre := run(t, main(), env, opts)
	want := PasswordReport{Kept: 1, NeedsReset: 2, UnsupportedHasher: map[string]int{}, Malformed: 1, NotEnabled: 1, NotInFile: 1}
	for name, r := range map[string]Report{"recount": rc, "preview": pre} {
		p := r.Passwords
		if p.Malformed != want.Malformed || p.NotEnabled != want.NotEnabled || p.NotInFile != want.NotInFile {
			t.Errorf("%s: passwords %+v; want malformed 1, notEnabled 1, notInFile 1 (users created %d)", name, p, r.Users.ToImport)
		}
	}
	for _, c := range []struct{ id, reason string }{{"user_cut", ReasonPasswordInvalid}, {"user_off", ReasonPasswordOff}} {
		if len(entriesOf(*entries, c.id, c.reason)) != 1 {
			t.Errorf("preview: no %s entry for %s", c.reason, c.id)
		}
	}
}

// Recount and ReviewEntries agree with a fresh preview when a
// passwords file is given (digest notes, notInFile), with held users,
// banned users, repeats and merges drawn at random.
func TestRecountRandomWithPasswordsFile(t *testing.T) {
	env := recountEnv(t)
	rng := rand.New(rand.NewPCG(3, 7))
	good, other := bcryptOf(t, "pw"), bcryptOf(t, "other")
	for round := range 6 {
		var users []*clerk.User
		var recs []*clerk.User
		for range 40 + rng.IntN(40) {
			id := fmt.Sprintf("user_%d", rng.IntN(60))
			email := fmt.Sprintf("u%d@example.com", rng.IntN(45))
			if rng.IntN(15) == 0 {
				id, email = "user_old", "old@example.com"
			}
			u := mkUser(id, email)
			if rng.IntN(2) == 0 {
				u.PasswordEnabled = true
			}
			if rng.IntN(5) == 0 {
				u.Banned = true
			}
			if rng.IntN(5) == 0 { // a digest of the source's own: differs from the file's
				u.PasswordEnabled, u.PasswordHasher, u.PasswordDigest = true, "bcrypt", clerk.Secret(other)
			}
			if rng.IntN(6) == 0 {
				u.EmailAddresses[0].Verification = &clerk.Verification{Status: "unverified"}
			}
			for range rng.IntN(2) {
				shareLink(u, "oauth_google", fmt.Sprintf("acct%d", rng.IntN(15)))
			}
			users = append(users, u)
			switch rng.IntN(4) {
			case 0: // no record: notInFile when the user has a password
			case 1:
				recs = append(recs, digestOnly(id, "bcrypt", good[:40])) // cut
			default:
				recs = append(recs, digestOnly(id, "bcrypt", good))
			}
		}
		src := newSource(1+rng.IntN(7), users...)
		pws := newSource(3, recs...)
		var sets []Options
		for range 6 {
			o := Options{OnDuplicate: []Policy{PolicySkip, PolicyMerge}[rng.IntN(2)], IncludeBanned: rng.IntN(2) == 0,
				Decisions: map[string]Policy{}, Passwords: pws.clone()}
			for _, u := range users {
				if rng.IntN(4) == 0 {
					o.Decisions[u.ID] = []Policy{PolicySkip, PolicyMerge}[rng.IntN(2)]
				}
			}
			o.Phases = []Phases{{Users: true, Settings: true}, {Users: true}, {Settings: true}}[rng.IntN(3)]
			sets = append(sets, o)
		}
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			setInMemory(t, []int{DefaultClassifiedInMemory, 5}[round%2])
			checkRecountsFrom(t, func() clerk.Source { return src.clone() }, env, Options{Passwords: pws.clone()}, sets)
		})
	}
}

// An interrupted run's passwords block counted, in notInFile (and
// malformed, notEnabled), users it did not write, as needsReset does not:
// they are counted once written, and a run again counts the rest.
func TestInterruptedRunDigestNotes(t *testing.T) {
	env := openEnv(t)
	users := make([]*clerk.User, 0, 3000)
	for i := range 3000 {
		users = append(users, mkUser(fmt.Sprintf("user_%05d", i), fmt.Sprintf("u%d@example.com", i), withPassword))
	}
	src := newSource(500, users...)
	stop, cancel := stopAt(src, 4)
	defer cancel()
	pws := newSource(500, digestOnly("user_00000", "bcrypt", bcryptOf(t, "pw0")))
	rep, err := Run(stop, src, env, Options{Mode: ModeRun, BatchSize: 5000, Passwords: pws})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	p, u := rep.Passwords, rep.Users
	t.Logf("imported %d notWritten %d; passwords kept %d needsReset %d notInFile %d", u.Imported, u.NotWritten, p.Kept, p.NeedsReset, p.NotInFile)
	if p.NotInFile > p.NeedsReset {
		t.Errorf("notInFile %d counts users not created: needsReset %d, imported %d, notWritten %d", p.NotInFile, p.NeedsReset, u.Imported, u.NotWritten)
	}
	again := run(t, src.clone(), env, Options{Mode: ModeRun, Passwords: newSource(500, digestOnly("user_00000", "bcrypt", bcryptOf(t, "pw0")))})
	if total := p.NotInFile + again.Passwords.NotInFile; total != 2999 {
		t.Errorf("the two runs count %d+%d=%d users missing from the passwords file, of 2999", p.NotInFile, again.Passwords.NotInFile, total)
	}
}

// notInFile is for users the file lacks for no other reason given: not a
// user whose record in it cannot be read (that warning names them), nor
// the users of a file without any digest (the API export: its own
// warning says so).
func TestNotInFileOnlyWhenNoOtherWarningSaysWhy(t *testing.T) {
	main := func() clerk.Source {
		return newSource(5, mkUser("user_ada", "ada@example.com", withPassword), mkUser("user_bob", "bob@example.com", withPassword),
			mkUser("user_cat", "cat@example.com", withPassword))
	}
	broken := newSource(5, digestOnly("user_ada", "bcrypt", bcryptOf(t, "pw")))
	broken.add(clerk.Record{Pos: 2, ID: "user_bob", Err: errors.New(`record 2 (id "user_bob"): invalid character`)})
	noDigests := newSource(5, mkUser("user_ada", "ada@example.com", withPassword), mkUser("user_bob", "bob@example.com", withPassword))
	for name, c := range map[string]struct {
		pws  clerk.Source
		want int
	}{"broken record": {broken, 1}, "no digests": {noDigests, 0}} {
		rep := run(t, main(), openEnv(t), Options{Mode: ModePreview, Passwords: c.pws})
		if rep.Passwords.NotInFile != c.want {
			t.Errorf("%s: notInFile %d, want %d (user_cat only, or none)", name, rep.Passwords.NotInFile, c.want)
		}
	}
}

// A settings run lists no user, so a record it could not read is said in
// a warning (the providers counted leave it out), alike in the run, the
// wizard's recount and its confirmation (WarningsFor).
func TestSettingsRunSaysWhatItCouldNotRead(t *testing.T) {
	src := newSource(5, mkUser("user_ada", "ada@example.com", withPassword), mkUser("user_bob", "bob@example.com", withOAuth("oauth_google")))
	src.add(clerk.Record{Pos: 3, ID: "user_cat", Err: errors.New(`record 3 (id "user_cat"): field "created_at": "x" is not a date`)})
	env := openEnv(t)
	want := "1 record could not be read (malformed) and is left out of the providers counted"
	settings := run(t, src.clone(), env, Options{Mode: ModePreview, Phases: Phases{Settings: true}})
	if !slices.ContainsFunc(settings.Warnings, func(w string) bool { return strings.HasPrefix(w, want) }) {
		t.Errorf("settings run warnings %q", settings.Warnings)
	}
	full := run(t, src.clone(), env, Options{Mode: ModePreview})
	if got := WarningsFor(full, Phases{Settings: true}); !slices.Equal(got, settings.Warnings) {
		t.Errorf("WarningsFor(settings)\n%q\nthe settings run\n%q", got, settings.Warnings)
	}
	checkRecounts(t, func() clerk.Source { return src.clone() }, env, []Options{{Phases: Phases{Settings: true}}, {}})
}
