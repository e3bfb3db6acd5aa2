package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// classify runs a preview that keeps its classification.
func classify(t *testing.T, src clerk.Source, env ascendkit.Environment, opts Options) (*Classified, Report) {
	t.Helper()
	var c *Classified
	opts.Mode = ModePreview
	opts.OnClassified = func(k *Classified) { c = k }
	rep := run(t, src, env, opts)
	if c == nil {
		t.Fatal("a full preview handed over no classification")
	}
	t.Cleanup(func() { c.Close() })
	return c, rep
}

// recountSource mixes every case a choice can change: duplicates of each
// reason, banned users who repeat or own links of others, merges whose
// links a later user also has, kept and unkept passwords, skips, SSO, MFA
// and unverified accounts; its total is announced wrong.
func recountSource() *shortTotalSource {
	bad := mkUser("user_badpw", "badpw@example.com", withPassword)
	bad.PasswordHasher, bad.PasswordDigest = "bcrypt", "$2a$10$tooshort"
	md5 := mkUser("user_md5", "md5@example.com", withPassword)
	md5.PasswordHasher, md5.PasswordDigest = "md5", "5f4dcc3b5aa765d61d8327deb882cf99"
	sso := mkUser("user_sso", "sso@corp.example", func(u *clerk.User) {
		u.SAMLAccounts = []clerk.SAMLAccount{{Provider: "saml_okta", Active: true, Verification: &clerk.Verification{Status: "verified"}, SAMLConnection: &clerk.Connection{Active: true}}}
		u.TOTPEnabled = true
	})
	unv := mkUser("user_unv", "unv@example.com", withOAuth("oauth_github"))
	unv.ExternalAccounts[0].Verification.Status = "unverified"
	banned := func(u *clerk.User) { u.Banned = true }
	s := newSource(4,
		mkUser("user_old", "old@example.com", withPassword),                        // already imported
		mkUser("user_taken", "taken@example.com", withOAuth("oauth_google")),       // email exists, merge adds a link
		mkUser("user_b1", "first@example.com", withOAuth("oauth_discord"), banned), // banned, owns a link later users have
		mkUser("user_pw", "pw@example.com", withPassword, withLogin),
		mkUser("user_dup", "PW@example.com", withPassword, withOAuth("oauth_apple")), // repeated in source
		mkUser("user_b2", "pw2@example.com", withPassword, banned, withLogin),
		mkUser("user_b2dup", "pw2@example.com", withOAuth("oauth_x")), // repeats a banned user's email
		bad, md5, sso, unv,
		mkUser("user_owner", "owner42@example.com", withOAuth("oauth_github")), // its github account is owned in the env
		mkUser("user_noemail", ""),
		mkUser("user_invalid", "nope"),
		mkUser("user_bannedbad", "nope2", banned), // invalid email wins over banned
	)
	// Later users share OAuth accounts with earlier ones: conflicts that
	// depend on whether the earlier one is merged or included.
	s.add(clerk.Record{User: shareLink(mkUser("user_l1", "l1@example.com"), "oauth_google", "oauth_google-user_taken")})
	s.add(clerk.Record{User: shareLink(mkUser("user_l2", "l2@example.com"), "oauth_discord", "oauth_discord-user_b1")})
	s.add(clerk.Record{User: shareLink(mkUser("user_l3", "l3@example.com"), "oauth_apple", "oauth_apple-user_dup")})
	s.add(clerk.Record{Err: fmt.Errorf("broken record")})
	return &shortTotalSource{sliceSource: s}
}

func shareLink(u *clerk.User, provider, id string) *clerk.User {
	u.ExternalAccounts = append(u.ExternalAccounts, clerk.ExternalAccount{Provider: provider, ProviderUserID: id,
		Verification: &clerk.Verification{Status: "verified"}})
	return u
}

// shortTotalSource announces one user fewer than it has.
type shortTotalSource struct{ *sliceSource }

func (s *shortTotalSource) Total(context.Context) (int, error) { return len(s.recs) - 1, nil }
func (s *shortTotalSource) fresh() *shortTotalSource {
	return &shortTotalSource{sliceSource: s.clone()}
}

// recountEnv holds a user of the source's email, one imported earlier and
// one that owns a github account.
func recountEnv(t *testing.T) ascendkit.Environment {
	env := openEnv(t)
	seedTaken(t, env)
	run(t, newSource(1, mkUser("user_old", "old@example.com", withPassword)), env, Options{Mode: ModeRun})
	if _, err := env.ApplyImport(ctx, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{{
		User: ascendkit.User{Email: "someone@example.com", CreatedAt: now,
			OAuthLinks: []ascendkit.OAuthLink{{Provider: "github", ProviderUserID: "oauth_github-user_owner"}}},
		Source: "signup", SourceID: "s42"}}}, now); err != nil {
		t.Fatal(err)
	}
	if err := env.SetAuthProviders(ctx, []string{"credentials"}); err != nil {
		t.Fatal(err)
	}
	return env
}

// choiceSets are the duplicate choices, banned switch, provider override
// and phases a recount is checked with.
func choiceSets() []Options {
	var out []Options
	decisions := []map[string]Policy{nil,
		{"user_taken": PolicyMerge, "user_dup": PolicyMerge, "user_b2dup": PolicySkip},
		{"user_taken": PolicySkip, "user_old": PolicyMerge, "user_dup": PolicySkip}}
	providers := [][]string{nil, {}, {"google", "magic-link"}}
	phases := []Phases{{Users: true, Settings: true}, {Users: true}, {Settings: true}}
	i := 0
	for _, od := range []Policy{PolicySkip, PolicyMerge} {
		for _, banned := range []bool{false, true} {
			for _, d := range decisions {
				out = append(out, Options{OnDuplicate: od, IncludeBanned: banned, Decisions: d,
					Providers: providers[i%len(providers)], Phases: phases[i%len(phases)]})
				i++
			}
		}
	}
	return out
}

// sameReport fails with the fields that differ.
func sameReport(t *testing.T, what string, got, want Report) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	var g, w map[string]any
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	json.Unmarshal(gb, &g)
	json.Unmarshal(wb, &w)
	for k := range w {
		if !reflect.DeepEqual(g[k], w[k]) {
			t.Errorf("%s: %s = %v, a fresh preview says %v", what, k, g[k], w[k])
		}
	}
	if !t.Failed() {
		t.Errorf("%s: reports differ:\n got %+v\nwant %+v", what, got, want)
	}
}

func checkRecounts(t *testing.T, mk func() clerk.Source, env ascendkit.Environment, sets []Options) {
	t.Helper()
	checkRecountsFrom(t, mk, env, Options{}, sets)
}

// checkRecountsFrom classifies with base's choices, then recounts.
func checkRecountsFrom(t *testing.T, mk func() clerk.Source, env ascendkit.Environment, base Options, sets []Options) {
	t.Helper()
	c, _ := classify(t, mk(), env, base)
	for i, o := range sets {
		got, err := c.Recount(ctx, o)
		if err != nil {
			t.Fatalf("set %d: %v", i, err)
		}
		rows, err := c.ReviewEntries(ctx, env, o)
		if err != nil {
			t.Fatalf("set %d: %v", i, err)
		}
		o.Mode = ModePreview
		entries := collect(&o)
		want := run(t, mk(), env, o)
		sameReport(t, fmt.Sprintf("set %d (%+v)", i, o), got, want)
		// The review's rows, flagged ones included, agree too.
		g, w := append(reviewRows(rows), flaggedRows(rows)...), append(reviewRows(*entries), flaggedRows(*entries)...)
		if strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("set %d: review rows\n%s\nwant (fresh preview)\n%s", i, strings.Join(g, "\n"), strings.Join(w, "\n"))
		}
	}
}

func TestRecountEqualsFreshPreview(t *testing.T) {
	env := recountEnv(t)
	src := recountSource()
	for _, mem := range []int{DefaultClassifiedInMemory, 3} {
		t.Run(fmt.Sprintf("in memory up to %d", mem), func(t *testing.T) {
			setInMemory(t, mem)
			checkRecounts(t, func() clerk.Source { return src.fresh() }, env, choiceSets())
		})
	}
	// A classification made with other choices (the confirmation's own
	// preview) recounts just as well.
	sets := choiceSets()
	checkRecountsFrom(t, func() clerk.Source { return src.fresh() }, env,
		Options{OnDuplicate: PolicyMerge, IncludeBanned: true, Providers: []string{"github"}, Phases: Phases{Users: true}}, sets[:4])
	// The fixture does exercise what the choices change.
	c, base := classify(t, src.fresh(), env, Options{})
	merged, _ := c.Recount(ctx, Options{OnDuplicate: PolicyMerge, IncludeBanned: true})
	if base.Users.ToMerge != 0 || merged.Users.ToMerge == 0 || merged.Users.SkippedReasons[ReasonBanned] != 0 ||
		base.Users.SkippedReasons[ReasonBanned] != 2 || merged.OAuthLinkConflicts == base.OAuthLinkConflicts ||
		merged.Users.DuplicateReasons[ReasonRepeatedInSource] == base.Users.DuplicateReasons[ReasonRepeatedInSource] {
		t.Fatalf("fixture too weak: base %+v (conflicts %d), merged+banned %+v (conflicts %d)",
			base.Users, base.OAuthLinkConflicts, merged.Users, merged.OAuthLinkConflicts)
	}
}

func TestRecountWithPasswordsFile(t *testing.T) {
	env := recountEnv(t)
	src := recountSource()
	pws := newSource(2,
		digestOnly("user_pw", "bcrypt", bcryptOf(t, "pw")),
		digestOnly("user_b2", "bcrypt", bcryptOf(t, "b2")), // banned: kept only when included
		digestOnly("user_dup", "argon2id", "whatever"),
		digestOnly("user_ghost", "bcrypt", bcryptOf(t, "x")),
	)
	mk := func() clerk.Source { return src.fresh() }
	c, base := classify(t, mk(), env, Options{Passwords: pws.clone()})
	if base.Passwords.Unmatched != 1 {
		t.Fatalf("passwords %+v", base.Passwords)
	}
	for i, o := range choiceSets() {
		got, err := c.Recount(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		o.Mode, o.Passwords = ModePreview, pws.clone()
		sameReport(t, fmt.Sprintf("set %d", i), got, run(t, mk(), env, o))
	}
}

// TestRecountRandomSources checks the rules on sources drawn at random
// from small pools of emails and OAuth accounts, so that repeats, banned
// users and shared accounts meet in many orders.
func TestRecountRandomSources(t *testing.T) {
	env := recountEnv(t)
	rng := rand.New(rand.NewPCG(9, 9))
	for round := range 6 {
		var users []*clerk.User
		for range 60 + rng.IntN(60) {
			id := fmt.Sprintf("user_%d", rng.IntN(90))
			email := fmt.Sprintf("u%d@example.com", rng.IntN(70))
			if rng.IntN(12) == 0 {
				email = "taken@example.com"
			}
			if rng.IntN(15) == 0 {
				id, email = "user_old", "old@example.com"
			}
			u := mkUser(id, email)
			if rng.IntN(3) == 0 {
				u.PasswordEnabled = true
			}
			if rng.IntN(5) == 0 {
				u.Banned = true
			}
			if rng.IntN(20) == 0 {
				u.EmailAddresses = nil
			}
			if rng.IntN(8) == 0 {
				withLogin(u)
			}
			for range rng.IntN(3) {
				p := []string{"oauth_google", "oauth_github", "oauth_x"}[rng.IntN(3)]
				shareLink(u, p, fmt.Sprintf("acct%d", rng.IntN(25)))
			}
			if len(u.ExternalAccounts) > 0 && rng.IntN(6) == 0 {
				u.ExternalAccounts[0].Verification.Status = "unverified"
			}
			users = append(users, u)
		}
		src := newSource(1+rng.IntN(7), users...)
		var sets []Options
		for range 6 {
			o := Options{OnDuplicate: []Policy{PolicySkip, PolicyMerge}[rng.IntN(2)], IncludeBanned: rng.IntN(2) == 0,
				Decisions: map[string]Policy{}}
			for _, u := range users {
				if rng.IntN(4) == 0 {
					o.Decisions[u.ID] = []Policy{PolicySkip, PolicyMerge}[rng.IntN(2)]
				}
			}
			if rng.IntN(2) == 0 {
				o.Providers = []string{"github"}
			}
			sets = append(sets, o)
		}
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			setInMemory(t, []int{DefaultClassifiedInMemory, 5}[round%2])
			checkRecounts(t, func() clerk.Source { return src.clone() }, env, sets)
		})
	}
}

func setInMemory(t *testing.T, n int) {
	old := classifiedInMemory
	classifiedInMemory = n
	t.Cleanup(func() { classifiedInMemory = old })
}

// Users with many OAuth accounts move the classification to its file by
// their bytes, long before their count would; typical users stay in
// memory. The recount is the same either way.
func TestClassifiedSpillsByBytes(t *testing.T) {
	old := classifiedBytes
	classifiedBytes = 20_000
	t.Cleanup(func() { classifiedBytes = old })
	for _, c := range []struct {
		links  int
		onDisk bool
	}{{1, false}, {100, true}} {
		var users []*clerk.User
		for i := range 5 {
			u := mkUser(fmt.Sprint("user_", i), fmt.Sprintf("u%d@example.com", i))
			for j := range c.links {
				shareLink(u, "oauth_google", fmt.Sprintf("g%d-%d", i, j))
			}
			users = append(users, u)
		}
		k, base := classify(t, newSource(2, users...), openEnv(t), Options{})
		if k.OnDisk() != c.onDisk || k.Users() != 5 {
			t.Fatalf("%d links a user: on disk %v with %d users, want %v with 5", c.links, k.OnDisk(), k.Users(), c.onDisk)
		}
		got, err := k.Recount(ctx, Options{})
		if err != nil {
			t.Fatal(err)
		}
		base.Warnings = got.Warnings
		sameReport(t, fmt.Sprint(c.links, " links"), got, base)
	}
}

func TestClassifiedOnDiskLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	setInMemory(t, 2)
	env := recountEnv(t)
	c, base := classify(t, recountSource().fresh(), env, Options{})
	if !c.OnDisk() || c.Users() != base.Users.Fetched {
		t.Fatalf("on disk %v with %d users, want on disk with %d", c.OnDisk(), c.Users(), base.Users.Fetched)
	}
	if len(c.recs) != 0 {
		t.Fatalf("%d records still held in memory after moving to the file", len(c.recs))
	}
	// Unlinked as soon as created: nothing to leave behind.
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("temporary files left in TMPDIR: %v", ents)
	}
	got, err := c.Recount(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	base.Warnings = got.Warnings // the preview's own warnings are checked by the equality tests
	sameReport(t, "same choices", got, base)
	c.Close()
	if _, err := c.Recount(ctx, Options{}); err != ErrClassifiedClosed {
		t.Fatalf("recount after close: %v", err)
	}
}

func TestClassifiedOnlyForAWholePreview(t *testing.T) {
	env := recountEnv(t)
	got := 0
	keep := func(c *Classified) { got++; c.Close() }
	// A run, a canary and a stopped preview give none.
	run(t, recountSource().fresh(), openEnv(t), Options{Mode: ModeRun, OnClassified: keep})
	run(t, recountSource().fresh(), env, Options{Mode: ModePreview, Only: []string{"user_pw"}, OnClassified: keep})
	src := recountSource().fresh()
	stop, cancel := stopAt(src.sliceSource, 1)
	defer cancel()
	if _, err := Run(stop, src, env, Options{Mode: ModePreview, OnClassified: keep}); err == nil {
		t.Fatal("the stopped preview did not stop")
	}
	if got != 0 {
		t.Fatalf("%d classifications from runs that did not preview the whole source", got)
	}
}

func TestClassifiedFresh(t *testing.T) {
	env := recountEnv(t)
	c, _ := classify(t, recountSource().fresh(), env, Options{})
	fresh := func(harmless ...string) bool {
		t.Helper()
		ok, err := c.Fresh(ctx, env, func(id string) bool {
			for _, h := range harmless {
				if h == id {
					return true
				}
			}
			return false
		})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !fresh() {
		t.Fatal("an unchanged environment reads changed")
	}
	// A run that wrote nothing (every user already there) is harmless
	// when the caller says so; otherwise it is a change.
	rep := run(t, newSource(1, mkUser("user_old", "old@example.com")), env, Options{Mode: ModeRun})
	if rep.Users.Imported != 0 || fresh() || !fresh(rep.RunID) {
		t.Fatalf("after a run that wrote nothing: fresh()=%v fresh(run)=%v", fresh(), fresh(rep.RunID))
	}
	// A run that wrote changes the user count.
	rep2 := run(t, newSource(1, mkUser("user_new", "new@example.com")), env, Options{Mode: ModeRun})
	if fresh(rep.RunID, rep2.RunID) {
		t.Fatal("a run that created a user reads unchanged")
	}
	c2, _ := classify(t, recountSource().fresh(), env, Options{})
	if ok, _ := c2.Fresh(ctx, env, nil); !ok {
		t.Fatal("a new classification reads changed")
	}
	if err := env.SetAuthProviders(ctx, []string{"credentials", "google"}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c2.Fresh(ctx, env, nil); ok {
		t.Fatal("changed auth settings read unchanged")
	}
}

// A provider turned off by hand and turned back on by the import is said
// by the wizard's recounts too: Classified.Recount (after `b` or a
// choice) and SettingsReport.Recount (a new provider selection), as a
// fresh preview with those options says it.
func TestRecountsKeepTurnedBackOn(t *testing.T) {
	env := openEnv(t)
	if err := env.SetAuthProvidersByHand(ctx, []string{"credentials"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := env.SetAuthProvidersByHand(ctx, []string{}, time.Now()); err != nil {
		t.Fatal(err)
	}
	src := newSource(2,
		mkUser("user_pw", "pw@example.com", withPassword),
		mkUser("user_g", "g@example.com", withOAuth("oauth_google")),
	)
	var an Analysis // as the wizard keeps it
	c, rep := classify(t, src.clone(), env, Options{OnEvent: func(ev Event) {
		if p, ok := ev.(PageRead); ok {
			an = p.Analysis
		}
	}})
	if !slices.Equal(rep.Settings.TurnedBackOn, []string{"credentials"}) {
		t.Fatalf("preview: turnedBackOn %v", rep.Settings.TurnedBackOn)
	}
	warned := func(r Report) bool {
		return slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.Contains(w, "turns back on credentials") })
	}
	re, err := c.Recount(ctx, Options{Phases: Phases{Users: true, Settings: true}, IncludeBanned: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(re.Settings.TurnedBackOn, []string{"credentials"}) || !warned(re) {
		t.Errorf("Classified.Recount: turnedBackOn %v, warnings %q", re.Settings.TurnedBackOn, re.Warnings)
	}
	for _, tc := range []struct {
		override []string
		want     []string
	}{{[]string{"google"}, []string{"credentials"}}, {nil, []string{"credentials"}}} {
		s := rep.Settings.Recount(an, tc.override)
		fresh := run(t, src.clone(), env, Options{Mode: ModePreview, Providers: tc.override})
		if !slices.Equal(s.TurnedBackOn, tc.want) || !slices.Equal(fresh.Settings.TurnedBackOn, tc.want) {
			t.Errorf("override %v: recount %v, fresh %v", tc.override, s.TurnedBackOn, fresh.Settings.TurnedBackOn)
		}
	}
}
