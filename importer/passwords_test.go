package importer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/passhash"
	"github.com/ascendkit/ascendkit/client/clerk"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

var ctx = context.Background()

func bcryptOf(t testing.TB, pw string) string {
	t.Helper()
	b, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// digestOnly is a passwords-file record: an id, a digest and a hasher.
func digestOnly(id, hasher, digest string) *clerk.User {
	return &clerk.User{ID: id, PasswordEnabled: true, PasswordHasher: hasher, PasswordDigest: clerk.Secret(digest)}
}

func TestPasswordsJoinedByID(t *testing.T) { eachBackend(t, testPasswordsJoinedByID) }

func testPasswordsJoinedByID(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	t.Setenv("TMPDIR", t.TempDir()) // to see that staging cleans up
	env := openEnv(t)
	alice, bob := bcryptOf(t, "alice-pw"), bcryptOf(t, "bob-pw")
	main := newSource(2,
		mkUser("user_a", "a@example.com", withPassword),
		mkUser("user_b", "b@example.com", withPassword),
		mkUser("user_md5", "md5@example.com", withPassword),
		mkUser("user_bad", "bad@example.com", withPassword),
		mkUser("user_none", "none@example.com", withPassword),             // no digest anywhere
		mkUser("user_social", "s@example.com", withOAuth("oauth_google")), // no password
		mkUser("user_off", "off@example.com"),                             // digest, but no password any more
	)
	pws := newSource(2,
		digestOnly("user_b", "bcrypt", bob),
		digestOnly("user_ghost", "bcrypt", bcryptOf(t, "x")), // not in the source
		digestOnly("user_a", "", alice),                      // empty hasher: bcrypt by shape
		digestOnly("user_md5", "md5", "5f4dcc3b5aa765d61d8327deb882cf99"),
		digestOnly("user_bad", "bcrypt", "$2a$10$tooshort"),
		digestOnly("user_off", "bcrypt", bcryptOf(t, "old")),
		digestOnly("user_ghost2", "argon2id", "whatever"),
	)
	var entries []Entry
	opts := Options{Mode: ModePreview, Passwords: pws, OnEvent: func(ev Event) {
		if e, ok := ev.(EntryFound); ok {
			entries = append(entries, e.Entry)
		}
	}}
	pre, err := Run(ctx, main, env, opts)
	if err != nil {
		t.Fatal(err)
	}
	// user_none, with a password and no digest in the passwords file, is
	// no longer sent a reset unsaid (NotInFile, its warning).
	want := PasswordReport{Kept: 2, NeedsReset: 3, UnsupportedHasher: map[string]int{"md5": 1}, Unmatched: 2, Malformed: 1, NotEnabled: 1, NotInFile: 1}
	if !reflect.DeepEqual(pre.Passwords, want) {
		t.Fatalf("preview passwords %+v, want %+v", pre.Passwords, want)
	}
	if !slices.ContainsFunc(pre.Warnings, func(w string) bool {
		return strings.HasPrefix(w, "1 user has a password in Clerk but no digest in the passwords file (signed up after it was exported?)")
	}) {
		t.Errorf("no warning for the user the passwords file lacks: %q", pre.Warnings)
	}
	var unmatched []string
	for _, e := range entries {
		if e.Reason == ReasonPasswordUnmatched {
			unmatched = append(unmatched, e.SourceID)
		}
	}
	if !reflect.DeepEqual(unmatched, []string{"user_ghost", "user_ghost2"}) {
		t.Errorf("unmatched entries %v", unmatched)
	}
	if !slices.ContainsFunc(entries, func(e Entry) bool { return e.SourceID == "user_bad" && e.Reason == ReasonPasswordInvalid }) {
		t.Error("malformed digest not reported")
	}
	if !slices.ContainsFunc(entries, func(e Entry) bool { return e.SourceID == "user_off" && e.Reason == ReasonPasswordOff }) {
		t.Error("a digest dropped for a user without a password now is not reported")
	}
	// The digests not kept for another reason are warned about too, not
	// only listed in the entries.
	for _, want := range []string{"1 user has a password digest that is not a valid digest of its hasher", "1 user has a password digest while the source says they have no password now"} {
		if !slices.ContainsFunc(pre.Warnings, func(w string) bool { return strings.HasPrefix(w, want) }) {
			t.Errorf("no warning %q: %v", want, pre.Warnings)
		}
	}
	if !slices.ContainsFunc(pre.Warnings, func(w string) bool { return strings.Contains(w, `"md5"`) }) {
		t.Errorf("no unsupported-hasher warning: %v", pre.Warnings)
	}

	opts.Mode, opts.Passwords = ModeRun, pws.clone()
	entries = nil
	run, err := Run(ctx, main.clone(), env, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(run.Passwords, pre.Passwords) || !reflect.DeepEqual(run.Tags, pre.Tags) {
		t.Fatalf("run %+v %v, preview %+v %v", run.Passwords, run.Tags, pre.Passwords, pre.Tags)
	}
	if run.Tags[TagPasswordKept] != 2 || run.Tags[TagNeedsPasswordReset] != 3 {
		t.Errorf("tags %v", run.Tags)
	}

	for email, pw := range map[string]string{"a@example.com": "alice-pw", "b@example.com": "bob-pw"} {
		st, err := env.PasswordState(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := passhash.Verify(st.Hasher, string(st.Digest), pw); !ok || err != nil {
			t.Errorf("%s: right password: %v %v", email, ok, err)
		}
		if ok, _ := passhash.Verify(st.Hasher, string(st.Digest), pw+"x"); ok {
			t.Errorf("%s: wrong password matched", email)
		}
		u, _ := env.GetUser(ctx, email)
		if !slices.Contains(u.Tags, TagPasswordKept) || slices.Contains(u.Tags, TagNeedsPasswordReset) {
			t.Errorf("%s tags %v", email, u.Tags)
		}
	}
	if st, _ := env.PasswordState(ctx, "md5@example.com"); st.Hasher != "md5" || st.Digest != "" {
		t.Errorf("md5 user: hasher %q, digest stored: %v", st.Hasher, st.Digest != "")
	}
	for _, email := range []string{"bad@example.com", "none@example.com", "off@example.com"} {
		if st, _ := env.PasswordState(ctx, email); st.Hasher != "" {
			t.Errorf("%s: password recorded (%s)", email, st.Hasher)
		}
	}
	// user.imported says whether the password was kept.
	evs, _ := env.ListEvents(ctx, ascendkit.EventFilter{Type: EventUserImported})
	kept := map[string]any{}
	for _, ev := range evs {
		kept[fmt.Sprint(ev.Payload["sourceId"])] = ev.Payload["passwordKept"]
	}
	if kept["user_a"] != true || kept["user_b"] != true || kept["user_md5"] != false || kept["user_social"] != false {
		t.Errorf("passwordKept payloads %v", kept)
	}
	// No digest in the report, the entries or the run history.
	b, _ := json.Marshal(run)
	eb, _ := json.Marshal(entries)
	runs, _ := Runs(ctx, env)
	rb, _ := json.Marshal(runs)
	for _, d := range []string{alice, bob, alice[7:], bob[7:]} {
		for name, out := range map[string][]byte{"report": b, "entries": eb, "runs": rb} {
			if strings.Contains(string(out), d) {
				t.Errorf("a digest is in the %s", name)
			}
		}
	}
	// The staging file is gone.
	if m, _ := filepathGlob(os.TempDir(), "ascendkit-passwords-*"); len(m) > 0 {
		t.Errorf("staging left behind: %v", m)
	}
}

// A main source that carries its own digests (Dashboard CSV, support JSON)
// keeps them without a passwords file.
func TestDigestsFromTheMainSource(t *testing.T) {
	env := openEnv(t)
	u := mkUser("user_a", "a@example.com", withPassword)
	u.PasswordHasher, u.PasswordDigest = "bcrypt", clerk.Secret(bcryptOf(t, "pw"))
	rep, err := Run(ctx, newSource(5, u), env, Options{Mode: ModeRun})
	if err != nil || rep.Passwords.Kept != 1 || rep.Passwords.Unmatched != 0 {
		t.Fatalf("%+v %v", rep.Passwords, err)
	}
}

func filepathGlob(dir, pattern string) ([]string, error) {
	return filepath.Glob(filepath.Join(dir, pattern))
}

// TestMergeKeepsTheUsersOwnPassword: a merge stores no digest and changes
// no password, so it adds neither password tag: the user merged into
// keeps the one their own password state gave them.
func TestMergeKeepsTheUsersOwnPassword(t *testing.T) {
	eachBackend(t, testMergeKeepsTheUsersOwnPassword)
}

func testMergeKeepsTheUsersOwnPassword(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	seedUser(t, env, "m@example.com", true)
	y := mkUser("user_y", "m@example.com", withPassword)
	y.PasswordHasher, y.PasswordDigest = "bcrypt", clerk.Secret(bcryptOf(t, "pw"))
	rep := run(t, newSource(10, y), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if rep.Users.Merged != 1 {
		t.Fatalf("users %+v", rep.Users)
	}
	u, _ := env.GetUser(ctx, "m@example.com")
	if slices.Contains(u.Tags, TagPasswordKept) || slices.Contains(u.Tags, TagNeedsPasswordReset) {
		t.Errorf("merged user's tags %v", u.Tags)
	}
	// Nor is a user whose password is kept sent the reset emails by a
	// merge of a Clerk user who had a password.
	seedWith(t, env, ascendkit.ImportedUser{User: ascendkit.User{Email: "k@example.com", EmailVerified: true, CreatedAt: now,
		Tags: []string{TagPasswordKept}}, Source: "signup", SourceID: "s-k",
		Password: &ascendkit.Password{Hasher: "bcrypt", Digest: ascendkit.Digest(bcryptOf(t, "pw"))}})
	run(t, newSource(10, mkUser("user_k2", "k@example.com", withPassword)), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if u, _ := env.GetUser(ctx, "k@example.com"); !slices.Contains(u.Tags, TagPasswordKept) || slices.Contains(u.Tags, TagNeedsPasswordReset) {
		t.Errorf("kept user's tags after a merge: %v", u.Tags)
	}
	if st, _ := env.PasswordState(ctx, "m@example.com"); st.Digest != "" {
		t.Error("a merge stored a digest")
	}
}

// TestPasswordsFileWithoutDigestsWarns: an API export given as --passwords
// by mistake keeps nothing, and the report says why.
func TestPasswordsFileWithoutDigestsWarns(t *testing.T) {
	env := openEnv(t)
	main := newSource(10, mkUser("user_a", "a@example.com", withPassword))
	for _, c := range []struct {
		pws  *sliceSource
		warn bool
	}{
		{newSource(10, mkUser("user_a", "a@example.com", withPassword)), true},
		{newSource(10, digestOnly("user_a", "bcrypt", bcryptOf(t, "pw"))), false},
		// Every record unreadable (cells swapped, say): not taken for the
		// API export, which it is not.
		{func() *sliceSource {
			s := newSource(10)
			s.add(clerk.Record{Pos: 1, Err: errors.New("record 1: column \"email\" holds what looks like a password digest (not shown)")})
			return s
		}(), false},
	} {
		rep, err := Run(ctx, main.clone(), env, Options{Mode: ModePreview, Passwords: c.pws})
		if err != nil {
			t.Fatal(err)
		}
		got := slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "holds no password digest") })
		if got != c.warn {
			t.Errorf("warning given %t, want %t: %v", got, c.warn, rep.Warnings)
		}
		unread := slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "No record of the passwords file that could be read") })
		if unread != (c.pws.recs[0].Err != nil) {
			t.Errorf("unreadable-records warning %t: %v", unread, rep.Warnings)
		}
	}
}

// TestHasherCellHoldingADigest: with the digest and hasher cells swapped
// (or shifted), the "hasher" is a digest. It is not a name Clerk uses, so
// it is neither shown in the report and its warnings nor stored; md5 and
// sha256 hex digests would survive the name's lower-casing intact.
func TestHasherCellHoldingADigest(t *testing.T) {
	env := openEnv(t)
	bc := bcryptOf(t, "pw")
	hex := "5f4dcc3b5aa765d61d8327deb882cf99"
	a := mkUser("user_a", "a@example.com", withPassword)
	a.PasswordHasher, a.PasswordDigest = bc, "bcrypt"
	b := mkUser("user_b", "b@example.com", withPassword)
	b.PasswordHasher, b.PasswordDigest = hex, "md5"
	c := mkUser("user_c", "c@example.com", withPassword)
	c.PasswordHasher, c.PasswordDigest = "MD5", clerk.Secret(hex) // a real name, not verifiable
	rep := run(t, newSource(5, a, b, c), env, Options{Mode: ModeRun})
	out, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{bc, strings.ToLower(bc), hex, bc[:20], strings.ToLower(bc[:20])} {
		if strings.Contains(string(out), secret) {
			t.Errorf("the report holds a digest: %s", out)
		}
	}
	if want := map[string]int{"unknown": 2, "md5": 1}; !reflect.DeepEqual(rep.Passwords.UnsupportedHasher, want) {
		t.Errorf("unsupported hashers %v, want %v", rep.Passwords.UnsupportedHasher, want)
	}
	for _, email := range []string{"a@example.com", "b@example.com"} {
		if st, err := env.PasswordState(ctx, email); err != nil || st.Hasher != "unknown" || st.Digest != "" {
			t.Errorf("%s: stored hasher %q (digest kept %v), %v", email, st.Hasher, st.Digest != "", err)
		}
	}
}

func withPasswordUnknown(u *clerk.User) { u.PasswordUnknown = true }

// TestPasswordUnknownSources: `clerk migrate` and migration-script files
// never say whether a user has a password. A digest joined from the
// Dashboard CSV is kept, a Dashboard row without one means no password,
// and a user the passwords file does not list is taken to have had one
// (reset tag, credentials) with a warning; none is "password not enabled".
func TestPasswordUnknownSources(t *testing.T) {
	env := openEnv(t)
	main := newSource(10,
		mkUser("user_kept", "kept@example.com", withPasswordUnknown),
		mkUser("user_none", "none@example.com", withPasswordUnknown),
		mkUser("user_absent", "absent@example.com", withPasswordUnknown),
		mkUser("user_social", "social@example.com", withOAuth("oauth_google")), // says: no password
	)
	none := digestOnly("user_none", "", "")
	none.PasswordEnabled = false
	pws := newSource(10, digestOnly("user_kept", "bcrypt", bcryptOf(t, "pw")), none)
	var entries []Entry
	rep := run(t, main, env, Options{Mode: ModeRun, Passwords: pws, OnEvent: func(ev Event) {
		if e, ok := ev.(EntryFound); ok {
			entries = append(entries, e.Entry)
		}
	}})
	if rep.Passwords.Kept != 1 || rep.Passwords.NeedsReset != 1 {
		t.Errorf("passwords %+v, want 1 kept and 1 reset (the unlisted user)", rep.Passwords)
	}
	for _, e := range entries {
		if e.Reason == ReasonPasswordOff {
			t.Errorf("entry %+v: the source never said the user has no password", e)
		}
	}
	tags := func(email string) []string {
		u, err := env.GetUser(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return u.Tags
	}
	if tg := tags("kept@example.com"); !slices.Contains(tg, TagPasswordKept) {
		t.Errorf("kept user's tags %v", tg)
	}
	if tg := tags("none@example.com"); slices.Contains(tg, TagNeedsPasswordReset) || slices.Contains(tg, TagPasswordKept) {
		t.Errorf("a user the Dashboard lists without a password got %v", tg)
	}
	if tg := tags("absent@example.com"); !slices.Contains(tg, TagNeedsPasswordReset) {
		t.Errorf("an unlisted user of unknown password state got %v", tg)
	}
	if !slices.Contains(rep.Settings.After, "credentials") {
		t.Errorf("credentials not enabled: %v", rep.Settings.After)
	}
	if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, "does not say whether 1 user had a password") {
		t.Errorf("warnings %q lack the assumption", w)
	}
}

// A commented-out row of the passwords CSV is said, as in the main
// source: its user would otherwise need a reset without a word why.
func TestPasswordsFileCommentedRowsWarn(t *testing.T) {
	env := openEnv(t)
	path := filepath.Join(t.TempDir(), "pw.csv")
	content := "id,primary_email_address,password_digest,password_hasher\n#user_a,a@example.com," + bcryptOf(t, "pw") + ",bcrypt\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	pws, err := clerk.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer pws.Close()
	rep := run(t, newSource(5, mkUser("user_a", "a@example.com", withPassword)), env, Options{Mode: ModePreview, Passwords: pws})
	if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, "The passwords file: Skipped 1 line after the header as commented out") {
		t.Errorf("warnings %q", w)
	}
}

// A user whose record cannot be read (a bad date) is malformed; the
// passwords file's record for that id is not also "not in the source".
func TestPasswordOfMalformedRecordIsNotUnmatched(t *testing.T) {
	env := openEnv(t)
	main := newSource(2, mkUser("user_a", "a@example.com", withPassword))
	main.add(clerk.Record{ID: "user_c", Err: errors.New(`record 2 (id "user_c"): created_at: month out of range`)})
	pws := newSource(2,
		digestOnly("user_a", "bcrypt", bcryptOf(t, "a-pw")),
		digestOnly("user_c", "bcrypt", bcryptOf(t, "c-pw")),
		digestOnly("user_ghost", "bcrypt", bcryptOf(t, "g-pw")),
	)
	var unmatched []string
	rep := run(t, main, env, Options{Mode: ModePreview, Passwords: pws, OnEvent: func(ev Event) {
		if e, ok := ev.(EntryFound); ok && e.Entry.Reason == ReasonPasswordUnmatched {
			unmatched = append(unmatched, e.Entry.SourceID)
		}
	}})
	if rep.Passwords.Unmatched != 1 || !slices.Equal(unmatched, []string{"user_ghost"}) || rep.Users.SkippedReasons[ReasonMalformed] != 1 {
		t.Errorf("unmatched %d %v, malformed %d", rep.Passwords.Unmatched, unmatched, rep.Users.SkippedReasons[ReasonMalformed])
	}
}

// The report's passwords block has every key README lists, zero or not,
// so scripts reading --json find them (alreadyMerged was left out at 0).
func TestPasswordReportKeysAlwaysPresent(t *testing.T) {
	b, err := json.Marshal(PasswordReport{})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"kept", "needsReset", "unsupportedHasher", "unmatched", "alreadyImported", "alreadyMerged", "repeated", "malformed", "notEnabled", "notInFile", "differs"} {
		if _, ok := got[k]; !ok {
			t.Errorf("passwords block %s lacks %q", b, k)
		}
	}
}

// A digest whose hasher column is empty is read with the hasher it names
// itself: bcrypt's "$2" and argon2's PHC strings are kept (they were
// reported as hashed with "unknown" and the users sent resets); a
// "pbkdf2_sha256$" digest, whose salt Clerk's and Django's layouts read
// differently, is not guessed.
func TestDigestHasherFromTheDigest(t *testing.T) {
	salt := []byte("somesaltsomesalt")
	phc := func(variant string, key []byte) string {
		return fmt.Sprintf("$%s$v=19$m=64,t=1,p=1$%s$%s", variant,
			base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	}
	for _, tc := range []struct{ digest, want string }{
		{bcryptOf(t, "pw"), passhash.Bcrypt},
		{phc("argon2id", argon2.IDKey([]byte("pw"), salt, 1, 64, 1, 32)), passhash.Argon2id},
		{phc("argon2i", argon2.Key([]byte("pw"), salt, 1, 64, 1, 32)), passhash.Argon2i},
	} {
		if got := digestHasher(" ", tc.digest); got != tc.want {
			t.Errorf("digestHasher(%.12q) = %q, want %q", tc.digest, got, tc.want)
		}
		if !usableDigest("", tc.digest) {
			t.Errorf("%s digest without a hasher not usable", tc.want)
		}
		if ok, err := passhash.Verify(digestHasher("", tc.digest), tc.digest, "pw"); !ok || err != nil {
			t.Errorf("%s digest does not verify its password: %v", tc.want, err)
		}
	}
	django := "pbkdf2_sha256$600000$c29tZXNhbHRzb21lc2FsdA$" + base64.StdEncoding.EncodeToString(make([]byte, 32))
	if got := digestHasher("", django); got != "" {
		t.Errorf("a pbkdf2_sha256 digest without a hasher read as %q, want none guessed", got)
	}
	if got := digestHasher("Argon2id", bcryptOf(t, "pw")); got != passhash.Argon2id {
		t.Errorf("a named hasher was replaced by the digest's: %q", got)
	}
	if got := digestHasher("sha256", bcryptOf(t, "pw")); got != "sha256" {
		t.Errorf("a hasher name Clerk uses was replaced by the digest's: %q", got)
	}
	// A name Clerk does not use (a tool's "argon2") gives way to the
	// digest's own; one that names nothing stays as it is.
	argon := phc("argon2id", argon2.IDKey([]byte("pw"), salt, 1, 64, 1, 32))
	if got := digestHasher("argon2", argon); got != passhash.Argon2id {
		t.Errorf("digestHasher(argon2, $argon2id$…) = %q", got)
	}
	if got := digestHasher("argon2", "5f4dcc3b5aa765d61d8327deb882cf99"); got != "argon2" {
		t.Errorf("digestHasher(argon2, hex) = %q", got)
	}
}
