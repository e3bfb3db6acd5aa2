package importer

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
)

// flaggedRows are the warnings (the review's "flagged" rows) of entries,
// in source order, without the name (the classification has none).
func flaggedRows(entries []Entry) []string {
	entries = slices.Clone(entries)
	slices.SortStableFunc(entries, func(a, b Entry) int { return a.Pos - b.Pos })
	var out []string
	for _, e := range entries {
		if e.Kind == "warning" {
			out = append(out, fmt.Sprintf("%d %s %s %s existing=%q policy=%q detail=%q",
				e.Pos, e.Reason, e.SourceID, strings.ToLower(e.Email), e.ExistingUserID, e.Policy, e.Detail))
		}
	}
	return out
}

// checkFlagged compares, for each option set, the flagged rows
// ReviewEntries recomputes from c with those a fresh preview lists. It
// returns the fresh previews' rows, so that a test can say what they
// hold.
func checkFlagged(t *testing.T, c *Classified, mk func() clerk.Source, env ascendkit.Environment, sets []Options) [][]string {
	t.Helper()
	var all [][]string
	for i, o := range sets {
		got, err := c.ReviewEntries(ctx, env, o)
		if err != nil {
			t.Fatalf("set %d: %v", i, err)
		}
		o.Mode = ModePreview
		want := collect(&o)
		run(t, mk(), env, o)
		g, w := flaggedRows(got), flaggedRows(*want)
		if strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("set %d (banned %v, %s): flagged rows\n%s\nwant (fresh preview)\n%s", i, o.IncludeBanned, o.OnDuplicate,
				strings.Join(g, "\n"), strings.Join(w, "\n"))
		}
		all = append(all, w)
	}
	return all
}

// flaggedSource is recountSource with a user of each flag, banned and
// not: an X-only user (no usable OAuth), an invalid phone, a lockout, a
// primary email id that names no address, an unusable SAML account, a
// link without a provider user id, an unverified link, a digest for a
// user without a password.
func flaggedSource() *shortTotalSource {
	s := recountSource()
	banned := func(u *clerk.User) { u.Banned = true }
	phone := func(u *clerk.User) {
		pid := "idn_phone_" + u.ID
		u.PrimaryPhoneNumberID = &pid
		u.PhoneNumbers = []clerk.PhoneNumber{{ID: pid, PhoneNumber: "555-0100", Verification: &clerk.Verification{Status: "verified"}}}
	}
	lockout := func(u *clerk.User) { secs := int64(600); u.LockoutExpiresInSeconds = &secs }
	primary := func(u *clerk.User) { gone := "idn_gone"; u.PrimaryEmailAddressID = &gone }
	saml := func(u *clerk.User) {
		u.SAMLAccounts = []clerk.SAMLAccount{{Provider: "saml_custom", Active: false, Verification: &clerk.Verification{Status: "verified"}}}
	}
	noPID := func(u *clerk.User) {
		u.ExternalAccounts = append(u.ExternalAccounts, clerk.ExternalAccount{Provider: "oauth_google", Verification: &clerk.Verification{Status: "verified"}})
	}
	pwOff := func(u *clerk.User) {
		u.PasswordEnabled = false
		u.PasswordHasher, u.PasswordDigest = "bcrypt", "$2a$10$abcdefghijklmnopqrstuu5Ozn6IXbOIA.JvL4QAyZ9gdb6xj6WHm"
	}
	unverified := func(u *clerk.User) {
		shareLink(u, "oauth_github", "gh-"+u.ID)
		u.ExternalAccounts[len(u.ExternalAccounts)-1].Verification.Status = "unverified"
	}
	for _, b := range []bool{false, true} {
		opts := []userOpt{}
		sfx := ""
		if b {
			opts, sfx = append(opts, banned), "_banned"
		}
		with := func(o ...userOpt) []userOpt { return append(slices.Clone(opts), o...) }
		for _, u := range []*clerk.User{
			mkUser("user_xonly"+sfx, "xonly"+sfx+"@example.com", with(withOAuth("oauth_x"))...),
			mkUser("user_phone"+sfx, "phone"+sfx+"@example.com", with(withPassword, phone)...),
			mkUser("user_lock"+sfx, "lock"+sfx+"@example.com", with(withPassword, lockout)...),
			mkUser("user_primary"+sfx, "primary"+sfx+"@example.com", with(withPassword, primary)...),
			mkUser("user_saml"+sfx, "saml"+sfx+"@example.com", with(withPassword, saml)...),
			mkUser("user_nopid"+sfx, "nopid"+sfx+"@example.com", with(withPassword, noPID)...),
			mkUser("user_unvlink"+sfx, "unvlink"+sfx+"@example.com", with(withPassword, unverified)...),
			mkUser("user_pwoff"+sfx, "pwoff"+sfx+"@example.com", with(pwOff)...),
			// Takes the github account of an earlier user (a conflict),
			// or of a banned one once banned users are included.
			shareLink(mkUser("user_ghshare"+sfx, "ghshare"+sfx+"@example.com", opts...), "oauth_github", "oauth_github-user_owner"),
		} {
			s.add(clerk.Record{User: u})
		}
	}
	// A user listed twice: flagged once, its password warning each time.
	s.add(clerk.Record{User: mkUser("user_xonly_banned", "xonly_banned@example.com", banned, withOAuth("oauth_x"))})
	return s
}

// The review's flagged rows recomputed from a classification are those a
// fresh preview with the same choices lists: banned users included or
// not, merges or not, in memory or spilled to the file.
func TestReviewFlaggedEqualFreshPreview(t *testing.T) {
	env := recountEnv(t)
	src := flaggedSource()
	for _, mem := range []int{DefaultClassifiedInMemory, 4} {
		t.Run(fmt.Sprintf("in memory up to %d", mem), func(t *testing.T) {
			setInMemory(t, mem)
			c, _ := classify(t, src.fresh(), env, Options{})
			rows := checkFlagged(t, c, func() clerk.Source { return src.fresh() }, env, choiceSets())
			// Set 0 skips banned users, set 3 includes them.
			if !slices.ContainsFunc(rows[3], func(r string) bool {
				return strings.Contains(r, " "+ReasonNoUsableOAuth+" user_xonly_banned ")
			}) || slices.ContainsFunc(rows[0], func(r string) bool { return strings.Contains(r, "_banned ") }) {
				t.Errorf("the banned X-only user is not flagged with banned users included only:\n%s\n--\n%s",
					strings.Join(rows[0], "\n"), strings.Join(rows[3], "\n"))
			}
			if o := choiceSets()[3]; !o.IncludeBanned || choiceSets()[0].IncludeBanned {
				t.Fatal("choiceSets changed order")
			}
		})
	}
}

// The same for synthetic users like the demo's (`ascendkit demo`), with
// addresses that exist in the environment, before and after a canary
// import of a few users, one of whom Clerk bans since.
func TestReviewFlaggedDemoAndCanary(t *testing.T) {
	users := emulator.Generate(3000, 7) // the demo's users
	env := openEnv(t)
	var batch ascendkit.ImportBatch
	for i := 3; i < len(users) && len(batch.Create) < 12; i += 250 {
		u := users[i]
		if len(u.EmailAddresses) == 0 || u.Banned {
			continue
		}
		batch.Create = append(batch.Create, ascendkit.ImportedUser{
			User:   ascendkit.User{Email: strings.ToLower(u.EmailAddresses[0].EmailAddress), EmailVerified: true, CreatedAt: now},
			Source: "ascendkit", SourceID: fmt.Sprintf("signup_%d", i)})
	}
	if _, err := env.ApplyImport(ctx, batch, now); err != nil {
		t.Fatal(err)
	}
	mk := func() clerk.Source {
		s := &sliceSource{pageSize: 100}
		for i := range users {
			u := users[i]
			s.add(clerk.Record{User: &u})
		}
		return s
	}
	sets := []Options{{}, {IncludeBanned: true}, {OnDuplicate: PolicyMerge}, {OnDuplicate: PolicyMerge, IncludeBanned: true}}
	c, _ := classify(t, mk(), env, Options{})
	rows := checkFlagged(t, c, mk, env, sets)
	if len(rows[0]) == 0 || len(rows[1]) <= len(rows[0]) {
		t.Fatalf("the demo data should flag users, and more with banned users included: %d, %d", len(rows[0]), len(rows[1]))
	}

	// A canary of a few users who map, the first of whom Clerk bans
	// since: a re-run lists the ban it does not apply.
	var only []string
	for i := range users {
		if len(only) < 5 && !users[i].Banned && len(users[i].EmailAddresses) > 0 && len(users[i].ExternalAccounts) > 0 {
			only = append(only, users[i].ID)
		}
	}
	run(t, mk(), env, Options{Mode: ModeRun, Only: only})
	for i := range users {
		if users[i].ID == only[0] {
			users[i].Banned = true
		}
	}
	c, _ = classify(t, mk(), env, Options{})
	rows = checkFlagged(t, c, mk, env, sets)
	if !slices.ContainsFunc(rows[0], func(r string) bool { return strings.Contains(r, " "+ReasonBanNotApplied+" "+only[0]+" ") }) {
		t.Errorf("the canary's user banned since is not flagged:\n%s", strings.Join(rows[0], "\n"))
	}
}
