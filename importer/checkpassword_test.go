package importer

import (
	"errors"
	"strings"
	"testing"
)

// The canary's proof: the check both `auth check-password` and the wizard
// use matches the right password, refuses a wrong one, and says why a
// user has nothing to check.
func TestCheckPassword(t *testing.T) {
	env := openEnv(t)
	main := newSource(4,
		mkUser("user_a", "a@example.com", withPassword),
		mkUser("user_md5", "md5@example.com", withPassword),
		mkUser("user_social", "s@example.com", withOAuth("oauth_google")),
	)
	pws := newSource(4,
		digestOnly("user_a", "bcrypt", bcryptOf(t, "alice-pw")),
		digestOnly("user_md5", "md5", "5f4dcc3b5aa765d61d8327deb882cf99"),
	)
	if _, err := Run(ctx, main, env, Options{Mode: ModeRun, Phases: Phases{Users: true}, Passwords: pws}); err != nil {
		t.Fatal(err)
	}
	st, err := KeptPassword(ctx, env, "A@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := CheckPassword(st, "alice-pw"); !ok || err != nil {
		t.Errorf("right password: %v %v", ok, err)
	}
	if ok, err := CheckPassword(st, "alice-pw "); ok || err != nil {
		t.Errorf("wrong password: %v %v", ok, err)
	}
	for who, why := range map[string]string{
		"md5@example.com": `hasher "md5" is not supported`,
		"s@example.com":   "its digest was malformed, or its record in the passwords file could not be read: password_digest_invalid or password_record_malformed",
	} {
		_, err := KeptPassword(ctx, env, who)
		var none *NoKeptPasswordError
		if !errors.As(err, &none) || !strings.Contains(err.Error(), why) || !strings.HasPrefix(err.Error(), who+" has no kept password") {
			t.Errorf("%s: %v, want a NoKeptPasswordError saying %q", who, err, why)
		}
	}
	if _, err := KeptPassword(ctx, env, "nobody@example.com"); err == nil {
		t.Error("an unknown user has a kept password")
	}
}
