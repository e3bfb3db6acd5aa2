package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

func verifiedV() *clerk.Verification { return &clerk.Verification{Status: "verified"} }

// strandSource has users whose OAuth sign-in does not carry over (an
// unsupported provider, an unlinkable account, an account another user
// has) beside those whose does, or who have a password or SSO.
func strandSource() *sliceSource {
	goodSSO := func(u *clerk.User) {
		u.SAMLAccounts = []clerk.SAMLAccount{{Provider: "saml_okta", Active: true, Verification: verifiedV(),
			SAMLConnection: &clerk.Connection{Domain: "corp.example", Active: true}}}
	}
	inv := mkUser("user_inv", "inv@example.com")
	inv.ExternalAccounts = []clerk.ExternalAccount{{Provider: "oauth_google", ProviderUserID: "", Verification: verifiedV()}}
	unv := mkUser("user_unv", "unv@example.com", withOAuth("oauth_google"))
	unv.ExternalAccounts[0].Verification.Status = "unverified"
	return newSource(3,
		mkUser("user_fb", "fb@example.com", withOAuth("oauth_facebook")),
		mkUser("user_tt", "tt@example.com", withOAuth("oauth_tiktok")),
		mkUser("user_cx", "cx@example.com", withOAuth("oauth_custom_acme")),
		mkUser("user_tw", "tw@example.com", withOAuth("oauth_twitter", "oauth_x")),
		mkUser("user_fbpw", "fbpw@example.com", withPassword, withOAuth("oauth_facebook")), // a password: reset as ever
		mkUser("user_fbg", "fbg@example.com", withOAuth("oauth_facebook", "oauth_google")), // google carries over
		mkUser("user_fbsso", "fbsso@corp.example", withOAuth("oauth_facebook"), goodSSO),   // SSO carries over
		mkUser("user_g1", "g1@example.com", withOAuth("oauth_github")),
		shareLink(mkUser("user_g1dup", "g1dup@example.com"), "oauth_github", "oauth_github-user_g1"), // g1's account
		inv, unv,
	)
}

var strandedIDs = []string{"user_fb", "user_tt", "user_cx", "user_tw", "user_g1dup", "user_inv"}

func TestNoUsableOAuthGetsResetPath(t *testing.T) { eachBackend(t, testNoUsableOAuthGetsResetPath) }

func testNoUsableOAuthGetsResetPath(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	var reps []Report
	for _, mode := range []Mode{ModePreview, ModeRun} {
		opts := Options{Mode: mode}
		entries := collect(&opts)
		var a Analysis
		collectEntries := opts.OnEvent
		opts.OnEvent = func(ev Event) {
			if p, ok := ev.(PageRead); ok {
				a = p.Analysis
			}
			collectEntries(ev)
		}
		rep := run(t, strandSource(), env, opts)
		reps = append(reps, rep)
		var flagged []string
		for _, e := range *entries {
			if e.Reason == ReasonNoUsableOAuth {
				flagged = append(flagged, e.SourceID)
				if e.Kind != "warning" || !strings.Contains(e.Detail, TagNeedsPasswordReset) {
					t.Errorf("%s: entry %+v", mode, e)
				}
			}
		}
		if !slices.Equal(flagged, strandedIDs) {
			t.Errorf("%s: no_usable_oauth entries for %v, want %v", mode, flagged, strandedIDs)
		}
		if rep.Tags[TagNeedsPasswordReset] != 7 || rep.Tags[TagSocialOnly] != 2 || rep.Passwords.NeedsReset != 7 {
			t.Errorf("%s: tags %v passwords %+v: want 6 stranded + 1 password user on the reset path, 2 social-only", mode, rep.Tags, rep.Passwords)
		}
		s := rep.Settings
		if s.StrandedUsers != 6 || s.NoUsableOAuthUsers != 6 || s.PasswordlessUsers != 1 {
			t.Errorf("%s: stranded %d, no usable OAuth %d, passwordless %d; want 6, 6, 1", mode, s.StrandedUsers, s.NoUsableOAuthUsers, s.PasswordlessUsers)
		}
		// Social-only is no password, no SSO (README): the facebook + SSO
		// user signs in with SSO and is counted there.
		if a.SocialOnly != 8 || a.SSOOnly != 1 {
			t.Errorf("%s: by sign-in method social-only %d, SSO only %d; want 8 and 1", mode, a.SocialOnly, a.SSOOnly)
		}
		// The reset sets a password: credentials must be on to use it.
		if !slices.Contains(s.After, "credentials") {
			t.Errorf("%s: after %v lacks credentials", mode, s.After)
		}
		w := strings.Join(rep.Warnings, "\n")
		if !strings.Contains(w, "6 users signed in to Clerk only with OAuth accounts that do not sign in to AscendKit") ||
			!strings.Contains(w, "1 user signed in to Clerk with neither a password nor OAuth") {
			t.Errorf("%s: warnings:\n%s", mode, w)
		}
	}
	pre, res := reps[0], reps[1]
	if !reflect.DeepEqual(pre.Tags, res.Tags) || !reflect.DeepEqual(pre.Settings, res.Settings) || !reflect.DeepEqual(pre.Warnings, res.Warnings) ||
		!reflect.DeepEqual(pre.Passwords, res.Passwords) || pre.OAuthLinkConflicts != res.OAuthLinkConflicts || pre.OAuthLinksInvalid != res.OAuthLinksInvalid {
		t.Errorf("run disagrees with preview:\nrun     %+v\npreview %+v", res, pre)
	}
	for _, id := range strandedIDs {
		email := strings.TrimPrefix(id, "user_") + "@example.com"
		u, err := env.GetUser(ctx, email)
		if err != nil || !slices.Contains(u.Tags, TagNeedsPasswordReset) || slices.Contains(u.Tags, TagSocialOnly) {
			t.Errorf("%s: tags %v (%v)", id, u.Tags, err)
		}
	}
	if u, _ := env.GetUser(ctx, "fbsso@corp.example"); !slices.Equal(u.Tags, []string{TagClerk, TagSSO}) {
		t.Errorf("facebook + SSO user tags %v", u.Tags)
	}
	// The password-reset journey reaches them.
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{}); err != nil {
		t.Fatal(err)
	}
	pr, _ := env.GetJourney(ctx, JourneyPasswordReset)
	if total, _, err := env.AudienceSize(ctx, pr.ID); err != nil || total != 7 {
		t.Errorf("password-reset audience %d (%v), want 7", total, err)
	}
}

func TestNoUsableOAuthWithOtherProviders(t *testing.T) {
	env := openEnv(t)
	// Magic-link signs everyone in: nobody is stranded, but the users
	// whose OAuth does not carry over are still sent the reset.
	rep := run(t, strandSource(), env, Options{Mode: ModePreview, Providers: []string{"magic-link"}})
	if rep.Settings.StrandedUsers != 0 || rep.Settings.NoUsableOAuthUsers != 6 || rep.Tags[TagNeedsPasswordReset] != 7 {
		t.Errorf("magic-link: stranded %d, no usable %d, tags %v", rep.Settings.StrandedUsers, rep.Settings.NoUsableOAuthUsers, rep.Tags)
	}
	if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, "until then they can sign in with magic-link") || strings.Contains(w, "social-only user") {
		t.Errorf("magic-link warnings:\n%s", w)
	}
	// discord alone: the google and github users with a working account
	// are stranded by the choice (social-only, told to enable it), the
	// SSO user never is, the others whatever is chosen.
	rep = run(t, strandSource(), env, Options{Mode: ModePreview, Providers: []string{"discord"}})
	if s := rep.Settings; s.StrandedUsers != 6+2 || s.NoUsableOAuthUsers != 6 {
		t.Errorf("discord only: stranded %d, no usable %d; want 8, 6", s.StrandedUsers, s.NoUsableOAuthUsers)
	}
	if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, "2 social-only users have no enabled provider to sign in with: enable theirs") {
		t.Errorf("discord only warnings:\n%s", w)
	}
	// The wizard's recount agrees, whatever it is asked.
	src := strandSource()
	checkRecounts(t, func() clerk.Source { return src.clone() }, env, []Options{{}, {Providers: []string{"magic-link"}},
		{Providers: []string{"discord"}, Phases: Phases{Users: true}}, {Phases: Phases{Settings: true}}})
}

// The brief's own user: API-shaped JSON, as `--file` reads it.
func TestFacebookOnlyFromFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "users.json")
	os.WriteFile(p, []byte(`[{"id":"user_fb","primary_email_address_id":"e1","password_enabled":false,"email_addresses":[{"id":"e1","email_address":"fan@example.com","verification":{"status":"verified","strategy":"from_oauth_facebook"}}],"external_accounts":[{"id":"eac1","provider":"oauth_facebook","provider_user_id":"10158","email_address":"fan@example.com","verification":{"status":"verified","strategy":"oauth_facebook"}}],"created_at":1700000000000}]`), 0o600)
	src, err := clerk.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	opts := Options{Mode: ModeRun}
	entries := collect(&opts)
	env := openEnv(t)
	rep := run(t, src, env, opts)
	if rep.Tags[TagNeedsPasswordReset] != 1 || rep.Tags[TagSocialOnly] != 0 || rep.Settings.StrandedUsers != 1 ||
		len(*entries) != 1 || (*entries)[0].Reason != ReasonNoUsableOAuth || !strings.Contains((*entries)[0].Detail, "oauth_facebook") {
		t.Fatalf("tags %v stranded %d entries %+v", rep.Tags, rep.Settings.StrandedUsers, *entries)
	}
	if !slices.Equal(rep.Settings.Providers, []string{"credentials"}) {
		t.Errorf("providers %v, want credentials for the reset", rep.Settings.Providers)
	}
}

func TestInvalidLinksAndPhonesCounted(t *testing.T) {
	inv := mkUser("user_inv", "inv@example.com", withPassword)
	inv.ExternalAccounts = []clerk.ExternalAccount{{Provider: "oauth_google", Verification: verifiedV()},
		{Provider: "", ProviderUserID: "x", Verification: verifiedV()}}
	inv.PhoneNumbers = []clerk.PhoneNumber{{ID: "p", PhoneNumber: "415 555 2671"}}
	only := mkUser("user_only", "only@example.com") // an unlinkable account, nothing else
	only.ExternalAccounts = []clerk.ExternalAccount{{Provider: "oauth_github", ProviderUserID: strings.Repeat("9", 2000), Verification: verifiedV()}}
	ph := mkUser("user_ph", "ph@example.com", withPassword)
	ph.PhoneNumbers = []clerk.PhoneNumber{{ID: "p", PhoneNumber: "5551234"}}
	// Unverified accounts are not linked, with or without an id: and an
	// unverified one is not an OAuth sign-in, so a user with nothing else
	// signs in with neither a password nor OAuth.
	ph.ExternalAccounts = []clerk.ExternalAccount{{Provider: "oauth_github", ProviderUserID: "gh1"}}
	unv := mkUser("user_unv", "unv@example.com")
	unv.ExternalAccounts = []clerk.ExternalAccount{{Provider: "oauth_google", Verification: &clerk.Verification{Status: "unverified"}}}
	// Two users of the source with one GitHub account: the second is not linked.
	dup1 := mkUser("user_dup1", "dup1@example.com", withPassword)
	dup1.ExternalAccounts = []clerk.ExternalAccount{{Provider: "oauth_github", ProviderUserID: "gh-shared", Verification: verifiedV()}}
	dup2 := mkUser("user_dup2", "dup2@example.com", withPassword)
	dup2.ExternalAccounts = []clerk.ExternalAccount{{Provider: "oauth_github", ProviderUserID: "gh-shared", Verification: verifiedV()}}
	src := newSource(2, inv, only, ph, mkUser("user_ok", "ok@example.com", withPassword), unv, dup1, dup2)
	env := openEnv(t)
	for _, mode := range []Mode{ModePreview, ModeRun} {
		rep := run(t, src.clone(), env, Options{Mode: mode})
		if rep.OAuthLinksInvalid != 3 || rep.PhonesInvalid != 2 {
			t.Errorf("%s: oauthLinksInvalid %d phonesInvalid %d, want 3 and 2", mode, rep.OAuthLinksInvalid, rep.PhonesInvalid)
		}
		w := strings.Join(rep.Warnings, "\n")
		for _, want := range []string{"3 external accounts without a usable provider or provider_user_id cannot be linked",
			"2 users have a primary phone number that is not an international (E.164) number",
			"2 external accounts are not verified in Clerk: not linked", "1 OAuth account is already linked to another user"} {
			if !strings.Contains(w, want) {
				t.Errorf("%s: warnings lack %q:\n%s", mode, want, w)
			}
		}
		// The user whose only account could not be linked did sign in with
		// OAuth: not "neither a password nor OAuth".
		if !strings.Contains(w, "1 user signed in to Clerk with neither a password nor OAuth") || rep.Settings.PasswordlessUsers != 1 || rep.Settings.NoUsableOAuthUsers != 1 {
			t.Errorf("%s: passwordless %d, no usable %d:\n%s", mode, rep.Settings.PasswordlessUsers, rep.Settings.NoUsableOAuthUsers, w)
		}
	}
	// Without the users phase, nothing of them is written: no warning.
	rep := run(t, src.clone(), openEnv(t), Options{Mode: ModePreview, Phases: Phases{Settings: true}})
	if w := strings.Join(rep.Warnings, "\n"); strings.Contains(w, "cannot be linked") || strings.Contains(w, "phone") {
		t.Errorf("settings-only warnings:\n%s", w)
	}
	// It tags and lists nobody: the user whose OAuth does not carry over
	// is told what importing them does, with no --entries to look in.
	if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, "so importing them tags them "+TagNeedsPasswordReset) || strings.Contains(w, "--entries") {
		t.Errorf("settings-only warnings on the unusable OAuth user:\n%s", w)
	}
	full := run(t, src.clone(), openEnv(t), Options{Mode: ModePreview})
	if got := strings.Join(WarningsFor(full, Phases{Settings: true}), "\n"); strings.Contains(got, "cannot be linked") || strings.Contains(got, "E.164") {
		t.Errorf("WarningsFor(settings) keeps the users' warnings:\n%s", got)
	}
	if got := WarningsFor(full, Phases{Settings: true}); !slices.Equal(got, rep.Warnings) {
		t.Errorf("WarningsFor(settings)\n%q\nthe settings preview\n%q", got, rep.Warnings)
	}
}

func TestUnusableSSOAccounts(t *testing.T) {
	conn := func(active bool) *clerk.Connection {
		return &clerk.Connection{Provider: "saml_okta", Domain: "acme.example", Active: active}
	}
	ent := func(active bool, v *clerk.Verification, c *clerk.Connection) func(*clerk.User) {
		return func(u *clerk.User) {
			u.EnterpriseAccounts = append(u.EnterpriseAccounts, clerk.EnterpriseAccount{Provider: "saml_okta", Active: active, Verification: v, EnterpriseConnection: c})
		}
	}
	cases := []struct {
		name string
		opt  func(*clerk.User)
		why  string
	}{
		{"inactive account", ent(false, verifiedV(), conn(true)), "the account is not active"},
		{"unverified", ent(true, &clerk.Verification{Status: "unverified"}, conn(true)), `not verified (status "unverified")`},
		{"no verification", ent(true, nil, conn(true)), "not verified (status none)"},
		{"no connection", ent(true, verifiedV(), nil), "has no connection"},
		{"inactive connection", ent(true, verifiedV(), conn(false)), "its connection is not active"},
		{"inactive SAML account", func(u *clerk.User) {
			u.SAMLAccounts = []clerk.SAMLAccount{{Provider: "saml_okta", Active: false, Verification: verifiedV(), SAMLConnection: conn(true)}}
		}, "the account is not active"},
	}
	for _, c := range cases {
		m := mapOK(t, mkUser("u", "a@acme.example", c.opt))
		if len(m.sso) != 0 || len(m.ssoUnusable) != 1 || !strings.Contains(m.ssoUnusable[0], c.why) || slices.Contains(m.user.User.Tags, TagSSO) {
			t.Errorf("%s: sso %v unusable %v tags %v", c.name, m.sso, m.ssoUnusable, m.user.User.Tags)
		}
		z := newAnalyzer()
		z.add(&m)
		if z.a.SSO != 0 || z.a.SSOOnly != 0 || z.a.Neither != 1 {
			t.Errorf("%s: analysis %+v: an unusable SSO account is no SSO sign-in", c.name, z.a)
		}
	}
	// Clerk's API lists a SAML account in both saml_accounts and
	// enterprise_accounts: one unusable account, said once.
	both := mapOK(t, mkUser("u", "a@acme.example", cases[5].opt, func(u *clerk.User) {
		u.EnterpriseAccounts = []clerk.EnterpriseAccount{{Provider: "saml_okta", Active: false, Verification: verifiedV(), EnterpriseConnection: conn(true)}}
	}))
	if len(both.ssoUnusable) != 1 {
		t.Errorf("one account in both lists: unusable %v", both.ssoUnusable)
	}
	// One usable account beside unusable ones is an SSO user.
	m := mapOK(t, mkUser("u", "a@acme.example", ent(false, verifiedV(), conn(true)), ent(true, verifiedV(), conn(true))))
	if !slices.Equal(m.sso, []string{"saml_okta (acme.example)"}) || len(m.ssoUnusable) != 1 || !slices.Contains(m.user.User.Tags, TagSSO) {
		t.Errorf("mixed: sso %v unusable %v tags %v", m.sso, m.ssoUnusable, m.user.User.Tags)
	}

	src := newSource(2, mkUser("user_off", "off@acme.example", cases[0].opt, cases[4].opt),
		mkUser("user_saml", "saml@acme.example", cases[5].opt),
		mkUser("user_on", "on@acme.example", ent(true, verifiedV(), &clerk.Connection{Provider: "oidc", Domain: "on.example", Active: true})))
	env := openEnv(t)
	var reps []Report
	for _, mode := range []Mode{ModePreview, ModeRun} {
		opts := Options{Mode: mode}
		entries := collect(&opts)
		rep := run(t, src.clone(), env, opts)
		reps = append(reps, rep)
		s := rep.Settings
		if rep.SSOAccountsUnusable != 3 || s.SSOUsers != 1 || !slices.Equal(s.SSOConnections, []string{"oidc (on.example)"}) ||
			s.PasswordlessUsers != 2 || rep.Tags[TagSSO] != 1 {
			t.Errorf("%s: unusable %d, settings %+v, tags %v", mode, rep.SSOAccountsUnusable, s, rep.Tags)
		}
		var ids []string
		for _, e := range *entries {
			if e.Reason == ReasonSSOUnusable {
				ids = append(ids, e.SourceID)
			}
		}
		if !slices.Equal(ids, []string{"user_off", "user_saml"}) {
			t.Errorf("%s: sso_account_unusable entries %v", mode, ids)
		}
		w := strings.Join(rep.Warnings, "\n")
		if !strings.Contains(w, "3 SAML or enterprise accounts are not active or not verified") || strings.Contains(w, "acme.example") {
			t.Errorf("%s: warnings:\n%s", mode, w)
		}
	}
	if !reflect.DeepEqual(reps[0].Settings, reps[1].Settings) || !reflect.DeepEqual(reps[0].Warnings, reps[1].Warnings) {
		t.Errorf("run disagrees with preview:\n%+v\n%+v", reps[1], reps[0])
	}
}

func TestPrimaryEmailNotFound(t *testing.T) {
	gone := "idn_gone"
	mk := func(id string, verified ...bool) *clerk.User {
		u := mkUser(id, "")
		u.PrimaryEmailAddressID = &gone
		for i, v := range verified {
			st := "unverified"
			if v {
				st = "verified"
			}
			u.EmailAddresses = append(u.EmailAddresses, clerk.EmailAddress{ID: "e" + string(rune('0'+i)),
				EmailAddress: id + string(rune('a'+i)) + "@example.com", Verification: &clerk.Verification{Status: st}})
		}
		return u
	}
	m := mapOK(t, mk("u1", false, true, true))
	if m.email != "u1b@example.com" || !m.user.User.EmailVerified || m.primaryNotFound != gone {
		t.Errorf("first verified: email %s verified %v missing %q", m.email, m.user.User.EmailVerified, m.primaryNotFound)
	}
	m = mapOK(t, mk("u2", false, false))
	if m.email != "u2a@example.com" || m.user.User.EmailVerified || m.primaryNotFound != gone {
		t.Errorf("none verified: email %s", m.email)
	}
	// No primary id at all: the first, unflagged, as before.
	u := mk("u3", false, true)
	u.PrimaryEmailAddressID = nil
	if m = mapOK(t, u); m.email != "u3a@example.com" || m.primaryNotFound != "" {
		t.Errorf("no primary id: email %s missing %q", m.email, m.primaryNotFound)
	}

	src := newSource(2, mk("u1", false, true), mk("u2", false), mkUser("u4", "ok@example.com"))
	env := openEnv(t)
	for _, mode := range []Mode{ModePreview, ModeRun} {
		opts := Options{Mode: mode}
		entries := collect(&opts)
		rep := run(t, src.clone(), env, opts)
		if rep.PrimaryEmailsNotFound != 2 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "2 users have a primary_email_address_id that names none of their addresses") {
			t.Errorf("%s: count %d warnings %q", mode, rep.PrimaryEmailsNotFound, rep.Warnings)
		}
		var got []string
		for _, e := range *entries {
			if e.Reason == ReasonPrimaryEmailNotFound {
				got = append(got, e.SourceID+" "+e.Email)
			}
		}
		if !slices.Equal(got, []string{"u1 u1b@example.com", "u2 u2a@example.com"}) {
			t.Errorf("%s: entries %v", mode, got)
		}
	}
	if _, err := env.GetUser(ctx, "u1b@example.com"); err != nil {
		t.Errorf("u1 not imported with its verified address: %v", err)
	}
}

func TestTemporaryLockoutNotKept(t *testing.T) {
	p := usersFile(t,
		fileUser("temp", `,"created_at":1700000000000,"locked":true,"lockout_expires_in_seconds":1200`),
		fileUser("forever", `,"created_at":1700000000000,"locked":true,"lockout_expires_in_seconds":null`),
		fileUser("plain", `,"created_at":1700000000000,"locked":true`),
		fileUser("free", `,"created_at":1700000000000,"locked":false,"lockout_expires_in_seconds":null`))
	env := openEnv(t)
	eachMode(t, p, env, func(mode Mode, rep Report, entries []Entry) {
		if rep.LockoutsCleared != 1 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "1 user was locked out in Clerk for a while") {
			t.Errorf("%s: lockoutsCleared %d warnings %q", mode, rep.LockoutsCleared, rep.Warnings)
		}
		if len(entries) != 1 || entries[0].SourceID != "temp" || entries[0].Reason != ReasonLockoutNotKept || !strings.Contains(entries[0].Detail, "1200") {
			t.Errorf("%s: entries %+v", mode, entries)
		}
	})
	for email, locked := range map[string]bool{"temp@example.com": false, "forever@example.com": true, "plain@example.com": true, "free@example.com": false} {
		if u, err := env.GetUser(ctx, email); err != nil || u.Locked != locked {
			t.Errorf("%s: locked %v (%v), want %v", email, u.Locked, err, locked)
		}
	}
}

// Every new count is what a recount of the preview says, whatever the
// choices: the recount fixture plus a user of each kind.
func TestRecountCountsFlags(t *testing.T) {
	env := recountEnv(t)
	base := recountSource()
	src := base.fresh()
	gone := "idn_gone"
	lock := int64(60)
	odd := mkUser("user_odd", "odd@example.com", withOAuth("oauth_facebook"), func(u *clerk.User) {
		u.PrimaryEmailAddressID = &gone
		u.Locked, u.LockoutExpiresInSeconds = true, &lock
		u.PhoneNumbers = []clerk.PhoneNumber{{ID: "p", PhoneNumber: "12"}}
		u.ExternalAccounts = append(u.ExternalAccounts, clerk.ExternalAccount{Provider: "oauth_google", Verification: verifiedV()})
		u.SAMLAccounts = []clerk.SAMLAccount{{Provider: "saml_x", Active: false}}
		u.Banned = true // counted only when banned users are included
	})
	src.add(clerk.Record{User: odd})
	src.add(clerk.Record{User: shareLink(mkUser("user_l4", "l4@example.com"), "oauth_github", "oauth_github-user_owner")}) // owned in the env
	mk := func() clerk.Source { return src.fresh() }
	checkRecounts(t, mk, env, choiceSets())
	c, rep := classify(t, mk(), env, Options{IncludeBanned: true})
	if rep.OAuthLinksInvalid != 1 || rep.PhonesInvalid != 1 || rep.SSOAccountsUnusable != 1 || rep.PrimaryEmailsNotFound != 1 ||
		rep.LockoutsCleared != 1 || rep.Settings.NoUsableOAuthUsers < 2 {
		t.Fatalf("fixture too weak: %+v", rep)
	}
	without, err := c.Recount(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if without.LockoutsCleared != 0 || without.Settings.NoUsableOAuthUsers >= rep.Settings.NoUsableOAuthUsers {
		t.Errorf("banned excluded: lockouts %d, no usable %d (with: %d)", without.LockoutsCleared, without.Settings.NoUsableOAuthUsers, rep.Settings.NoUsableOAuthUsers)
	}
}

// A file whose users each name a provider of their own (oauth_custom_p1,
// p2, …) grew the analysis with the source, and copying it after every
// page made a preview's time quadratic (the scale hunt: 800k users, 30 s
// and 379 MB). Unsupported names are bounded as SSO connections are, and
// the stranded count keys on supported providers only, which are all a
// provider set can turn on.
func TestAnalysisBoundedByProviderNames(t *testing.T) {
	z := newAnalyzer()
	const n = 3000
	for i := range n {
		z.add(&mapped{providers: []string{"google"}, unsupported: []string{fmt.Sprintf("custom_p%d", i)}})
	}
	a := z.snapshot(n, nil)
	if len(a.Unsupported) != maxUnsupportedNames+1 || a.Unsupported[otherProviders] != n-maxUnsupportedNames {
		t.Errorf("%d unsupported names, %d other", len(a.Unsupported), a.Unsupported[otherProviders])
	}
	if len(a.SocialOnlyByProviders) != 1 || a.SocialOnlyByProviders["google"] != n {
		t.Errorf("social-only by providers %d keys", len(a.SocialOnlyByProviders))
	}
	if got := StrandedWith(a, []string{"credentials"}); got != n {
		t.Errorf("stranded without google %d, want %d", got, n)
	}
	if got := StrandedWith(a, []string{"google"}); got != 0 {
		t.Errorf("stranded with google %d, want 0", got)
	}
}

// "oauth_custom_" names a custom provider without its name: it was linked
// as provider "custom_" and counted as an unsupported provider; like an
// account with no provider, it is an invalid link.
func TestNamelessCustomProviderIsNoProvider(t *testing.T) {
	u := mkUser("user_c", "c@example.com", withPassword)
	u.ExternalAccounts = []clerk.ExternalAccount{{Provider: "oauth_custom_", ProviderUserID: "c1", Verification: verifiedV()},
		{Provider: "oauth_custom_acme", ProviderUserID: "a1", Verification: verifiedV()}}
	rep := run(t, newSource(2, u), openEnv(t), Options{Mode: ModePreview})
	if rep.OAuthLinksInvalid != 1 || rep.Settings.Unsupported["custom_"] != 0 || rep.Settings.Unsupported["custom_acme"] != 1 {
		t.Errorf("invalid %d unsupported %v", rep.OAuthLinksInvalid, rep.Settings.Unsupported)
	}
}
