package importer

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

func strp(s string) *string { return &s }

func mapOK(t *testing.T, u *clerk.User) mapped {
	t.Helper()
	m, reason, detail := mapUser(u, now, false)
	if reason != "" {
		t.Fatalf("skipped %s (%s)", reason, detail)
	}
	return m
}

func TestEmailNormalisation(t *testing.T) {
	// "é" composed (U+00E9) and decomposed (e + U+0301) are one address.
	composed := mapOK(t, mkUser("u1", "Ren\u00e9@Example.COM"))
	decomposed := mapOK(t, mkUser("u2", "RENE\u0301@example.com"))
	if composed.email != "ren\u00e9@example.com" || decomposed.email != composed.email {
		t.Fatalf("emails %q and %q, want both %q", composed.email, decomposed.email, "ren\u00e9@example.com")
	}
	if composed.user.User.Email != composed.email {
		t.Errorf("stored email %q differs from compared %q", composed.user.User.Email, composed.email)
	}
	for name, addr := range map[string]string{
		"C0 control":    "ada\x07@example.com",
		"C1 control":    "ada\u009b@example.com",
		"zero-width sp": "ad\u200ba@example.com",
		"zero-width nj": "ad\u200ca@example.com",
		"zero-width j":  "ad\u200da@example.com",
		"word joiner":   "ad\u2060a@example.com",
		"BOM":           "\ufeffada@example.com",
		"RLO":           "ada@exa\u202emple.com",
		"LRE":           "ada@\u202aexample.com",
		"RLI":           "ada@example\u2067.com",
		"PDI":           "ada@example.com\u2069",
		"not UTF-8":     "ad\xffa@example.com",
		"tab inside":    "ad\ta@example.com", // around it, white space is trimmed
	} {
		if _, reason, _ := mapUser(mkUser("u", addr), now, false); reason != ReasonInvalidEmail {
			t.Errorf("%s: reason %q, want invalid_email", name, reason)
		}
	}
}

func TestNoEmailReasons(t *testing.T) {
	phone := func(u *clerk.User) {
		u.PhoneNumbers = []clerk.PhoneNumber{{ID: "p", PhoneNumber: "+14155552671"}}
	}
	username := func(u *clerk.User) { u.Username = strp("ada") }
	wallet := func(u *clerk.User) { u.Web3Wallets = []clerk.Web3Wallet{{ID: "w", Web3Wallet: "0xabc"}} }
	for _, c := range []struct {
		name string
		opts []userOpt
		want string
	}{
		{"none", nil, ReasonNoEmail},
		{"phone", []userOpt{phone}, ReasonPhoneOnly},
		{"username", []userOpt{username}, ReasonUsernameOnly},
		{"wallet", []userOpt{wallet}, ReasonWeb3Only},
		{"phone wins over username and wallet", []userOpt{wallet, username, phone}, ReasonPhoneOnly},
		{"username wins over wallet", []userOpt{wallet, username}, ReasonUsernameOnly},
		{"blank identifiers count as none", []userOpt{func(u *clerk.User) {
			u.Username = strp("  ")
			u.PhoneNumbers = []clerk.PhoneNumber{{ID: "p"}}
			u.Web3Wallets = []clerk.Web3Wallet{{ID: "w"}}
		}}, ReasonNoEmail},
	} {
		u := mkUser("u", "", c.opts...)
		if _, reason, _ := mapUser(u, now, false); reason != c.want {
			t.Errorf("%s: reason %q, want %q", c.name, reason, c.want)
		}
	}
}

func TestIdentityKept(t *testing.T) {
	u := mkUser("u1", "ada@example.com")
	u.Username = strp(" ada_l ")
	u.ExternalID = strp("crm-42")
	u.Locked = true
	u.PrivateMetadata = map[string]any{"stripe": "cus_1"}
	u.UnsafeMetadata = map[string]any{"theme": "dark"}
	u.PublicMetadata = map[string]any{"role": "admin"}
	u.PrimaryPhoneNumberID = strp("p2")
	u.PhoneNumbers = []clerk.PhoneNumber{
		{ID: "p1", PhoneNumber: "+33 6 12 34 56 78", Verification: &clerk.Verification{Status: "verified"}},
		{ID: "p2", PhoneNumber: "+1 (415) 555-2671", Verification: &clerk.Verification{Status: "verified"}},
	}
	u.EmailAddresses = append(u.EmailAddresses,
		clerk.EmailAddress{ID: "e2", EmailAddress: "Ada@Work.Example", Verification: &clerk.Verification{Status: "verified"}},
		clerk.EmailAddress{ID: "e3", EmailAddress: "ada@home.example"},
		clerk.EmailAddress{ID: "e4", EmailAddress: "ADA@example.com"},        // the primary again
		clerk.EmailAddress{ID: "e5", EmailAddress: "ada@work.example"},       // repeated
		clerk.EmailAddress{ID: "e6", EmailAddress: "ev\u202eil@example.com"}, // hides characters
	)
	m := mapOK(t, u)
	au := m.user.User
	if au.Username != "ada_l" || au.ExternalID != "crm-42" || !au.Locked || au.Banned {
		t.Errorf("username/externalId/locked = %q/%q/%v banned %v", au.Username, au.ExternalID, au.Locked, au.Banned)
	}
	if au.Phone != "+14155552671" || !au.PhoneVerified {
		t.Errorf("phone = %q verified %v: want the primary (by id) in E.164", au.Phone, au.PhoneVerified)
	}
	want := []ascendkit.SecondaryEmail{{Email: "ada@work.example", Verified: true}, {Email: "ada@home.example", Verified: false}}
	if !reflect.DeepEqual(au.SecondaryEmails, want) {
		t.Errorf("secondary emails = %+v, want %+v", au.SecondaryEmails, want)
	}
	if au.PrivateMetadata["stripe"] != "cus_1" || au.UnsafeMetadata["theme"] != "dark" {
		t.Errorf("private/unsafe = %v / %v", au.PrivateMetadata, au.UnsafeMetadata)
	}
	if len(au.Metadata) != 2 || au.Metadata["role"] != "admin" || au.Metadata["import"] == nil {
		t.Errorf("metadata = %v, want public_metadata plus import only", au.Metadata)
	}
	if m.badPhone != "" {
		t.Errorf("badPhone = %q", m.badPhone)
	}

	// A number without a country code cannot be placed: not kept, reported.
	u.PhoneNumbers[1].PhoneNumber = "415 555 2671"
	m = mapOK(t, u)
	if m.user.User.Phone != "" || m.user.User.PhoneVerified || m.badPhone != "415 555 2671" {
		t.Errorf("national number: phone %q badPhone %q", m.user.User.Phone, m.badPhone)
	}
}

func TestExternalAccountVerification(t *testing.T) {
	acct := func(provider, id, status string) clerk.ExternalAccount {
		a := clerk.ExternalAccount{Provider: provider, ProviderUserID: id}
		if status != "" {
			a.Verification = &clerk.Verification{Status: status}
		}
		return a
	}
	u := mkUser("u1", "ada@example.com")
	u.ExternalAccounts = []clerk.ExternalAccount{
		acct("oauth_google", "g1", "unverified"),
		acct("oauth_github", "gh1", ""),
		acct("oauth_apple", "a1", "transferable"),
	}
	m := mapOK(t, u)
	if len(m.user.User.OAuthLinks) != 0 || len(m.providers)+len(m.unsupported) != 0 {
		t.Fatalf("unverified accounts linked: links %v providers %v %v", m.user.User.OAuthLinks, m.providers, m.unsupported)
	}
	if !slices.Equal(m.unverified, []string{"google", "github", "apple"}) {
		t.Errorf("unverified = %v", m.unverified)
	}
	// Without a verified account the user is not social-only: they signed
	// in some other way, and hasOAuth says so.
	if slices.Contains(m.user.User.Tags, TagSocialOnly) || m.user.Events[0].Payload["hasOAuth"] != false {
		t.Errorf("tags %v payload %v", m.user.User.Tags, m.user.Events[0].Payload)
	}
	z := newAnalyzer()
	z.add(&m)
	if a := z.snapshot(1, nil); a.Neither != 1 || a.SocialOnly != 0 || len(a.Providers) != 0 || a.UnverifiedLinks != 3 {
		t.Errorf("analysis %+v", a)
	}

	u.ExternalAccounts = []clerk.ExternalAccount{acct("oauth_custom_acme", "c1", "verified"), acct("oauth_google", "g1", "verified")}
	m = mapOK(t, u)
	if !slices.Equal(m.unsupported, []string{"custom_acme"}) || !slices.Equal(m.providers, []string{"google"}) || len(m.user.User.OAuthLinks) != 2 {
		t.Errorf("custom provider: unsupported %v providers %v links %v", m.unsupported, m.providers, m.user.User.OAuthLinks)
	}
}

func TestSSOAndMFA(t *testing.T) {
	u := mkUser("u1", "ada@acme.example")
	u.SAMLAccounts = []clerk.SAMLAccount{{Provider: "saml_okta", EmailAddress: "ada@acme.example", Active: true, Verification: &clerk.Verification{Status: "verified"},
		SAMLConnection: &clerk.Connection{Provider: "saml_okta", Domain: "acme.example", Active: true}}}
	u.EnterpriseAccounts = []clerk.EnterpriseAccount{
		{Provider: "oidc_custom", EmailAddress: "ada@acme.example", Active: true, Verification: &clerk.Verification{Status: "verified"}, EnterpriseConnection: &clerk.Connection{Domains: []string{"corp.example", " Corp.io", "corp.example"}, Active: true}},
		{Provider: "saml_okta", EmailAddress: "ada@acme.example", Active: true, Verification: &clerk.Verification{Status: "verified"}, EnterpriseConnection: &clerk.Connection{Provider: "saml_okta", Domain: "acme.example", Active: true}},
	}
	m := mapOK(t, u)
	if !slices.Equal(m.sso, []string{"oidc_custom (corp.example, corp.io)", "saml_okta (acme.example)"}) {
		t.Errorf("connections = %v", m.sso)
	}
	if !slices.Equal(m.user.User.Tags, []string{TagClerk, TagSSO}) || m.mfa {
		t.Errorf("tags = %v mfa %v", m.user.User.Tags, m.mfa)
	}
	z := newAnalyzer()
	z.add(&m)
	s := SettingsFor(z.snapshot(1, nil), nil, nil)
	if a := z.snapshot(1, nil); a.SSOOnly != 1 || a.Neither != 0 || a.SSO != 1 {
		t.Errorf("analysis %+v: an SSO-only user is SSOOnly, not Neither", a)
	}
	if s.SSOUsers != 1 || s.PasswordlessUsers != 0 || !slices.Equal(s.SSOConnections, m.sso) {
		t.Errorf("settings %+v: an SSO user is counted and is not passwordless", s)
	}
	if w := strings.Join(SettingsWarnings(s), "\n"); !strings.Contains(w, "saml_okta (acme.example)") || !strings.Contains(w, "oidc_custom (corp.example, corp.io)") {
		t.Errorf("warning does not name the connections: %q", w)
	}

	for name, set := range map[string]func(*clerk.User){
		"totp":        func(u *clerk.User) { u.TOTPEnabled = true },
		"backup code": func(u *clerk.User) { u.BackupCodeEnabled = true },
		"two factor":  func(u *clerk.User) { u.TwoFactorEnabled = true },
		"passkey":     func(u *clerk.User) { u.Passkeys = []clerk.Passkey{{ID: "pk"}} },
	} {
		u := mkUser("u2", "b@example.com", withPassword)
		set(u)
		m := mapOK(t, u)
		if !m.mfa || !slices.Equal(m.user.User.Tags, []string{TagClerk, TagNeedsPasswordReset, TagMFAReenroll}) {
			t.Errorf("%s: mfa %v tags %v", name, m.mfa, m.user.User.Tags)
		}
	}
	if m := mapOK(t, mkUser("u3", "c@example.com")); m.mfa || slices.Contains(m.user.User.Tags, TagMFAReenroll) {
		t.Error("a user without MFA is tagged for re-enrollment")
	}
}

// TestRenderNeverExposesPrivateMetadata: templates see userName and
// userEmail only, whatever names a template tries.
func TestRenderNeverExposesPrivateMetadata(t *testing.T) {
	m := mapOK(t, func() *clerk.User {
		u := mkUser("u1", "ada@example.com")
		u.PrivateMetadata = map[string]any{"stripe": "cus_SECRET"}
		u.UnsafeMetadata = map[string]any{"note": "unsafe_VALUE"}
		return u
	}())
	tpl := ascendkit.Template{Subject: "{{privateMetadata}} {{stripe}}", BodyText: "{{privateMetadata.stripe}} {{unsafeMetadata.note}} {{userEmail}}",
		BodyHTML: "<p>{{metadata.stripe}} {{private_metadata}}</p>"}
	r := Render(tpl, m.user.User, nil)
	all := r.Subject + r.Text + r.HTML
	if strings.Contains(all, "cus_SECRET") || strings.Contains(all, "unsafe_VALUE") || !strings.Contains(r.Text, "ada@example.com") {
		t.Fatalf("rendered %q", all)
	}
	if len(r.Missing) != 6 {
		t.Errorf("missing = %v, want the six metadata names reported", r.Missing)
	}
}

// formatSource is a file source that names its format once read through.
type formatSource struct {
	*sliceSource
	format string
}

func (f *formatSource) Format() string {
	if f.i < len(f.recs) {
		return "" // not known before the last page
	}
	return f.format
}

func TestRunIdentities(t *testing.T) { eachBackend(t, testRunIdentities) }

func testRunIdentities(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	ctx := context.Background()
	// An existing user with their own username: a merge must keep it.
	if _, err := env.ApplyImport(ctx, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{{
		User:   ascendkit.User{Email: "taken@example.com", Name: "Own", Username: "own_name", CreatedAt: now, EmailVerified: true},
		Source: "signup", SourceID: "s1"}}}, now); err != nil {
		t.Fatal(err)
	}

	full := mkUser("user_full", "Full@Example.com", withPassword)
	full.Username, full.ExternalID, full.Locked = strp("fully"), strp("ext-1"), true
	full.PhoneNumbers = []clerk.PhoneNumber{{ID: "p", PhoneNumber: "+44 20 7946 0958", Verification: &clerk.Verification{Status: "verified"}}}
	full.EmailAddresses = append(full.EmailAddresses, clerk.EmailAddress{ID: "e2", EmailAddress: "full@work.example"})
	full.PrivateMetadata = map[string]any{"stripe": "cus_1"}
	full.UnsafeMetadata = map[string]any{"theme": "dark"}
	full.TOTPEnabled = true
	full.ExternalAccounts = []clerk.ExternalAccount{
		{Provider: "oauth_google", ProviderUserID: "g-full", Verification: &clerk.Verification{Status: "verified"}},
		{Provider: "oauth_github", ProviderUserID: "gh-full", Verification: &clerk.Verification{Status: "unverified"}},
	}
	sso := mkUser("user_sso", "sso@acme.example")
	sso.EnterpriseAccounts = []clerk.EnterpriseAccount{{Provider: "saml_okta", Active: true, Verification: &clerk.Verification{Status: "verified"}, EnterpriseConnection: &clerk.Connection{Provider: "saml_okta", Domain: "acme.example", Active: true}}}
	phoneOnly := mkUser("user_phone", "")
	phoneOnly.PhoneNumbers = []clerk.PhoneNumber{{ID: "p", PhoneNumber: "+14155552671"}}
	userOnly := mkUser("user_name", "")
	userOnly.Username = strp("nomail")
	walletOnly := mkUser("user_wallet", "")
	walletOnly.Web3Wallets = []clerk.Web3Wallet{{ID: "w", Web3Wallet: "0xabc"}}
	dup := mkUser("user_dup", "taken@example.com")
	dup.Username, dup.ExternalID = strp("clerk_name"), strp("ext-dup")
	mk := func() *formatSource {
		return &formatSource{newSource(2, full, sso, phoneOnly, userOnly, walletOnly, dup), clerk.FormatSupportJSON}
	}

	opts := Options{Mode: ModePreview, OnDuplicate: PolicyMerge}
	entries := collect(&opts)
	pre := run(t, mk(), env, opts)
	preEntries := slices.Clone(*entries)
	*entries = nil
	opts.Mode = ModeRun
	rep := run(t, mk(), env, opts)

	for _, r := range []Report{pre, rep} {
		if r.Source != (SourceInfo{Kind: "file", Format: clerk.FormatSupportJSON}) {
			t.Errorf("%s source = %+v", r.Mode, r.Source)
		}
		sk := r.Users.SkippedReasons
		if sk[ReasonPhoneOnly] != 1 || sk[ReasonUsernameOnly] != 1 || sk[ReasonWeb3Only] != 1 || sk[ReasonNoEmail] != 0 {
			t.Errorf("%s skipped reasons %v", r.Mode, sk)
		}
		s := r.Settings
		if s.PhoneOnlyUsers != 1 || s.UsernameOnlyUsers != 1 || s.Web3OnlyUsers != 1 || s.SSOUsers != 1 || s.MFAUsers != 1 ||
			!slices.Equal(s.SSOConnections, []string{"saml_okta (acme.example)"}) {
			t.Errorf("%s settings %+v", r.Mode, s)
		}
		if !reflect.DeepEqual(s.ProviderUsers, map[string]int{"credentials": 1, "google": 1}) {
			t.Errorf("%s providerUsers %v (the unverified github account must not count)", r.Mode, s.ProviderUsers)
		}
		if r.OAuthLinksUnverified != 1 || r.OAuthLinks != 1 {
			t.Errorf("%s links %d unverified %d", r.Mode, r.OAuthLinks, r.OAuthLinksUnverified)
		}
		if r.Tags[TagSSO] != 1 || r.Tags[TagMFAReenroll] != 1 {
			t.Errorf("%s tags %v", r.Mode, r.Tags)
		}
		w := strings.Join(r.Warnings, "\n")
		for _, want := range []string{"saml_okta (acme.example)", TagMFAReenroll, "only a phone number", "only a username", "only a web3 wallet"} {
			if !strings.Contains(w, want) {
				t.Errorf("%s warnings lack %q:\n%s", r.Mode, want, w)
			}
		}
	}
	if !reflect.DeepEqual(preEntries, *entries) {
		t.Errorf("preview entries differ from run entries:\n%+v\n%+v", preEntries, *entries)
	}
	var unverified *Entry
	for i, e := range *entries {
		if e.Reason == ReasonLinkUnverified {
			unverified = &(*entries)[i]
		}
	}
	if unverified == nil || unverified.Kind != "warning" || unverified.SourceID != "user_full" || !strings.Contains(unverified.Detail, "github") {
		t.Errorf("unverified link entry = %+v", unverified)
	}

	u, err := env.GetUser(ctx, "full@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "fully" || u.ExternalID != "ext-1" || !u.Locked || u.Banned || u.Phone != "+442079460958" || !u.PhoneVerified ||
		u.PrivateMetadata["stripe"] != "cus_1" || u.UnsafeMetadata["theme"] != "dark" ||
		!reflect.DeepEqual(u.SecondaryEmails, []ascendkit.SecondaryEmail{{Email: "full@work.example"}}) {
		t.Errorf("stored user %+v", u)
	}
	if len(u.OAuthLinks) != 1 || u.OAuthLinks[0].Provider != "google" {
		t.Errorf("links %+v: only the verified account is linked", u.OAuthLinks)
	}
	if !slices.Equal(u.Tags, []string{TagClerk, TagMFAReenroll, TagNeedsPasswordReset}) {
		t.Errorf("tags %v", u.Tags)
	}
	if s, _ := env.GetUser(ctx, "sso@acme.example"); !slices.Contains(s.Tags, TagSSO) {
		t.Errorf("sso user tags %v", s.Tags)
	}
	taken, _ := env.GetUser(ctx, "taken@example.com")
	if taken.Username != "own_name" || taken.ExternalID != "ext-dup" {
		t.Errorf("merge: username %q (own kept?) externalId %q (filled?)", taken.Username, taken.ExternalID)
	}
	if n, _ := env.CountUsers(ctx); n != 3 {
		t.Errorf("%d users, want 3 (existing, full, sso)", n)
	}
}

func TestSSOConnectionsBounded(t *testing.T) {
	z := newAnalyzer()
	for i := range maxSSOConnections + 50 {
		u := mkUser("u", "a@example.com")
		// No connection domain: each user's email domain names it.
		u.SAMLAccounts = []clerk.SAMLAccount{{Provider: "saml_custom", EmailAddress: fmt.Sprintf("a@tenant%d.example", i), Active: true, Verification: &clerk.Verification{Status: "verified"},
			SAMLConnection: &clerk.Connection{Active: true}}}
		m := mapOK(t, u)
		z.add(&m)
	}
	a := z.snapshot(maxSSOConnections+50, nil)
	if len(a.SSOConnections) != maxSSOConnections+1 || a.SSOConnections[otherConnections] != 50 || a.SSO != maxSSOConnections+50 {
		t.Fatalf("%d connections, %d other, %d users", len(a.SSOConnections), a.SSOConnections[otherConnections], a.SSO)
	}
	w := strings.Join(SettingsWarnings(SettingsFor(a, nil, nil)), "\n")
	if !strings.Contains(w, "and 991 more") || strings.Count(w, "saml_custom") != 10 {
		t.Errorf("warning is not one short line: %.300q", w)
	}
}
