package conformance

import (
	"errors"
	"reflect"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// testSignInCounts: users with a checkable kept password, those without
// one tagged for the reset, those with no password, reset or SSO tag and
// no link (passwordless) and, per provider, users with a linked account
// are counted once each; a kept password without a digest and banned
// users are not counted as having a password, nor at all.
func testSignInCounts(t *testing.T, be Backend) {
	l := be.Open(t)
	tags := ascendkit.SignInTags{Reset: "import:needs-password-reset", SSO: "import:sso"}
	c, err := l.SignInCounts(ctx, tags)
	if err != nil || c.Passwords != 0 || c.ResetPending != 0 || c.Passwordless != 0 || c.Links == nil || len(c.Links) != 0 {
		t.Fatalf("empty environment: %+v, %v", c, err)
	}
	withPw := imported(1)
	withPw.Password = &ascendkit.Password{Hasher: "bcrypt", Digest: "$2a$10$abcdefghijklmnopqrstuuDigestDigestDigestDigestDigestDig"}
	withPw.User.OAuthLinks = append(withPw.User.OAuthLinks, ascendkit.OAuthLink{Provider: "google", ProviderUserID: "g1-second"},
		ascendkit.OAuthLink{Provider: "github", ProviderUserID: "gh1"})
	noDigest := imported(2)
	noDigest.Password = &ascendkit.Password{Hasher: "md5"}
	banned := imported(3)
	banned.User.Banned = true
	banned.Password = &ascendkit.Password{Hasher: "bcrypt", Digest: "$2a$10$abcdefghijklmnopqrstuuDigestDigestDigestDigestDigestDig"}
	banned.User.OAuthLinks = append(banned.User.OAuthLinks, ascendkit.OAuthLink{Provider: "discord", ProviderUserID: "d3"})
	noDigest.User.Tags = append(noDigest.User.Tags, "import:needs-password-reset") // a reset pending
	unlinked := func(i int, tags ...string) ascendkit.ImportedUser {
		u := imported(i, tags...)
		u.User.OAuthLinks = nil
		return u
	}
	resetOnly := unlinked(5, "import:needs-password-reset")
	passwordless := unlinked(6, "import:mfa-reenroll") // another tag says nothing of the way in
	ssoOnly := unlinked(7, "import:sso")
	bannedPasswordless := unlinked(8)
	bannedPasswordless.User.Banned = true
	keptAndReset := unlinked(9, "import:needs-password-reset") // a password set: credentials, not pending
	keptAndReset.Password = &ascendkit.Password{Hasher: "bcrypt", Digest: "$2a$10$abcdefghijklmnopqrstuuDigestDigestDigestDigestDigestDig"}
	apply(t, l, ascendkit.ImportBatch{RunID: "r", Create: []ascendkit.ImportedUser{withPw, noDigest, banned, imported(4),
		resetOnly, passwordless, ssoOnly, bannedPasswordless, keptAndReset}})

	c, err = l.SignInCounts(ctx, tags)
	if err != nil {
		t.Fatal(err)
	}
	want := ascendkit.SignInCounts{Passwords: 2, ResetPending: 2, Passwordless: 1, Links: map[string]int{"google": 3, "github": 1}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("SignInCounts = %+v, want %+v", c, want)
	}
	// Without tags to go by, every user without a password or a link is
	// passwordless (the SSO-only and reset-only ones too).
	c, err = l.SignInCounts(ctx, ascendkit.SignInTags{})
	if want := (ascendkit.SignInCounts{Passwords: 2, Passwordless: 3, Links: map[string]int{"google": 3, "github": 1}}); err != nil || !reflect.DeepEqual(c, want) {
		t.Errorf("SignInCounts without tags = %+v, %v, want %+v", c, err, want)
	}
}

// testTemplateTextInvalid: text PostgreSQL cannot store is refused as
// ErrInvalid by every backend, and no version is made.
func testTemplateTextInvalid(t *testing.T, be Backend) {
	l := be.Open(t)
	a, _, err := l.CreateTemplate(ctx, ascendkit.Template{Slug: "welcome", Subject: "Hi", BodyText: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []ascendkit.Template{
		{ID: a.ID, Subject: "Hi\x00there"},
		{ID: a.ID, BodyText: "caf\xe9"},
		{ID: a.ID, BodyHTML: "<p>\x00</p>"},
		{ID: a.ID, Name: "\xff"},
	} {
		if _, err := l.UpdateTemplate(ctx, bad); !errors.Is(err, ascendkit.ErrInvalid) {
			t.Errorf("UpdateTemplate(%q %q %q %q) = %v, want ErrInvalid", bad.Name, bad.Subject, bad.BodyHTML, bad.BodyText, err)
		}
	}
	if _, _, err := l.CreateTemplate(ctx, ascendkit.Template{Slug: "other", BodyText: "a\x00b"}); !errors.Is(err, ascendkit.ErrInvalid) {
		t.Errorf("CreateTemplate with a NUL = %v, want ErrInvalid", err)
	}
	if got, err := l.GetTemplate(ctx, a.ID); err != nil || got != a {
		t.Errorf("after the refusals: %+v, %v; want %+v", got, err, a)
	}
	if n := be.Count(t, l, "template_versions"); n != 1 {
		t.Errorf("%d template versions, want 1", n)
	}
}
