package importer

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/passhash"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// A source that carries digests (the Dashboard CSV, Clerk support's
// export) and a passwords file that carries another for the same user: a
// password changed between the two exports. The passwords file's digest
// is kept, and the user is counted, warned about and listed, never
// silently given one of the two.
func TestSourceAndPasswordsFileDigestsDiffer(t *testing.T) {
	eachBackend(t, testSourceAndPasswordsFileDigestsDiffer)
}

func testSourceAndPasswordsFileDigestsDiffer(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	oldPw, newPw, same, kept := bcryptOf(t, "old-pw"), bcryptOf(t, "new-pw"), bcryptOf(t, "same-pw"), bcryptOf(t, "kept-pw")
	withDigest := func(hasher, d string) userOpt {
		return func(u *clerk.User) {
			u.PasswordEnabled, u.PasswordHasher, u.PasswordDigest = true, hasher, clerk.Secret(d)
		}
	}
	main := newSource(2,
		mkUser("user_changed", "changed@example.com", withDigest("bcrypt", oldPw)),
		// The same digest, its hasher spelled otherwise: no conflict.
		mkUser("user_same", "same@example.com", withDigest("BCRYPT", same)),
		mkUser("user_only", "only@example.com", withDigest("bcrypt", oldPw)), // no record in the file
		// The file's digest cannot be kept, the source's can: the source's is.
		mkUser("user_filebad", "filebad@example.com", withDigest("bcrypt", kept)),
		// Neither is kept: the source says there is no password now.
		mkUser("user_off", "off@example.com", func(u *clerk.User) { u.PasswordHasher, u.PasswordDigest = "bcrypt", clerk.Secret(oldPw) }),
	)
	pws := newSource(2,
		digestOnly("user_changed", "bcrypt", newPw),
		digestOnly("user_same", "", same),
		digestOnly("user_filebad", "bcrypt", "$2a$10$short"),
		digestOnly("user_off", "bcrypt", newPw),
	)
	opts := Options{Mode: ModePreview, Passwords: pws}
	entries := collect(&opts)
	pre := run(t, main, env, opts)
	rc := recounted(t, main.clone(), env, Options{Passwords: pws.clone()})

	opts.Mode, opts.Passwords = ModeRun, pws.clone()
	runEntries := collect(&opts)
	done := run(t, main.clone(), env, opts)
	for name, r := range map[string]Report{"preview": pre, "recount": rc, "run": done} {
		if r.Passwords.Differs != 2 || r.Passwords.Kept != 4 || r.Passwords.Malformed != 0 || r.Passwords.NotEnabled != 1 {
			t.Errorf("%s: passwords %+v; want differs 2, kept 4, malformed 0, notEnabled 1", name, r.Passwords)
		}
		if !slices.ContainsFunc(r.Warnings, func(w string) bool {
			return strings.HasPrefix(w, "2 users have one password digest in the source and another in the passwords file")
		}) {
			t.Errorf("%s: no warning for the differing digests: %q", name, r.Warnings)
		}
	}
	for name, es := range map[string][]Entry{"preview": *entries, "run": *runEntries} {
		got := map[string]string{}
		for _, e := range es {
			if e.Reason == ReasonPasswordDiffers {
				got[e.SourceID] = e.Detail
			}
		}
		if len(got) != 2 || !strings.HasSuffix(got["user_changed"], "the passwords file's is the one used") ||
			!strings.HasSuffix(got["user_filebad"], "so the source's is") {
			t.Errorf("%s: %s entries %q, want user_changed (file's used) and user_filebad (source's kept)", name, ReasonPasswordDiffers, got)
		}
	}
	// The passwords file's digest is the one stored.
	st, err := env.PasswordState(ctx, "changed@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := passhash.Verify(st.Hasher, string(st.Digest), "new-pw"); !ok {
		t.Error("the passwords file's digest was not the one kept")
	}
	if ok, _ := passhash.Verify(st.Hasher, string(st.Digest), "old-pw"); ok {
		t.Error("the source's older digest was kept")
	}
	st, err = env.PasswordState(ctx, "filebad@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := passhash.Verify(st.Hasher, string(st.Digest), "kept-pw"); !ok {
		t.Error("the source's digest was not kept where the file's cannot be")
	}
	// Neither digest is in the report or the entries.
	b, _ := json.Marshal(done)
	eb, _ := json.Marshal(append(*entries, *runEntries...))
	for _, d := range []string{oldPw, newPw, oldPw[7:], newPw[7:]} {
		if strings.Contains(string(b), d) || strings.Contains(string(eb), d) {
			t.Error("a digest is in the report or the entries")
		}
	}
}
