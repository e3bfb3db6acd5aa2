package importer

import (
	"errors"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
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
		mkUser("user_nodigest", "nd@example.com", withPassword), // a password, no digest in the file
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
		// No password in Clerk: no import brings one (not "import again").
		"s@example.com":  "the source says this user has no password in Clerk",
		"nd@example.com": "its digest was malformed, or its record in the passwords file could not be read: password_digest_invalid or password_record_malformed",
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

// A user merged into (or never imported) who has a password of their own
// in AscendKit has no password kept from Clerk: the check said only "does
// not match" for the Clerk password, as if the kept digest were broken.
func TestOwnPasswordIsNoKeptPassword(t *testing.T) {
	own := ascendkit.PasswordState{Email: "m@example.com", Hasher: "bcrypt", Digest: ascendkit.Digest(bcryptOf(t, "own"))}
	for _, c := range []struct {
		imported bool
		why      string
	}{{true, "existed before the import and was merged into"}, {false, "not imported from Clerk"}} {
		st := own
		st.Imported = c.imported
		if why := noPasswordReason(st); !strings.Contains(why, c.why) {
			t.Errorf("imported %v: %q, want %q", c.imported, why, c.why)
		}
	}
	st := own
	st.Imported, st.ImportRun = true, "run_1"
	if why := noPasswordReason(st); why != "" {
		t.Errorf("a kept digest: %q", why)
	}
}
