package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

func sourceDriver(t *testing.T, cfg Config, w, h int) (*driver, *fakeCore) {
	core := &fakeCore{}
	d := newDriver(t, cfg, w, h, core.install)
	return d, core
}

// busyCount is the real environment whose user count fails as when
// another writer holds it: the one fault the screen shows that the real
// backend cannot be made to give on cue.
type busyCount struct{ ascendkit.Environment }

func (busyCount) CountUsers(context.Context) (int, error) {
	return 0, fmt.Errorf("counting users: \x1b[31mlocked\x1b[0m: %w", ascendkit.ErrBusy)
}

// A target that cannot be counted says why, without the error's escape
// sequences, and the source can still be chosen.
func TestSourceShowsCountError(t *testing.T) {
	env := busyCount{newTestEnv(t)}
	d, _ := sourceDriver(t, testConfig(env, makeUsers(10)), 80, 24)
	d.waitFor("the count", func(Model) bool { return d.m.screens[stateSource].(*sourceScreen).envErr != "" })
	d.mustSee("cannot count users: counting users: locked: environment busy")
	if strings.Contains(d.m.View().Content, "\x1b[31m") || strings.Contains(d.view(), "users now") {
		t.Fatalf("the error is not shown cleaned:\n%q", d.m.View().Content)
	}
	d.press("1", "sk_test_abcdefgh1234", "enter")
	d.waitFor("the settings step", func(m Model) bool { return m.state == stateSettings })
}

func TestSourceKeyPasteAndVerify(t *testing.T) {
	env := newTestEnv(t)
	seedUsers(t, env, makeUsers(12))
	d, core := sourceDriver(t, testConfig(env, makeUsers(10)), 80, 24)
	d.mustSee("12 users now")
	d.mustSee("local:/tmp/ascendkit-test/local.db")
	if d.m.pc.sess.source.Kind != "" {
		t.Fatal("source chosen too early")
	}
	d.press("1")
	s := d.m.screens[stateSource].(*sourceScreen)
	if s.mode != modeKey || !s.InputFocused() {
		t.Fatalf("mode %v focused %v, want key input focused", s.mode, s.InputFocused())
	}
	// q is typed into the key, it does not quit.
	d.press("q")
	if d.quit || s.keyInput.Value() != "q" {
		t.Fatalf("q quit=%v value=%q", d.quit, s.keyInput.Value())
	}
	d.press("backspace")
	d.send(tea.PasteMsg{Content: "sk_test_abcdefgh1234\n"})
	if v := d.view(); strings.Contains(v, "abcdefgh1234") {
		t.Fatalf("the key is shown in clear:\n%s", v)
	}
	d.mustSee("development instance")
	d.press("enter")
	d.waitFor("the settings step", func(m Model) bool { return m.state == stateSettings })
	if src := d.m.pc.sess.source; src.Kind != "api" || src.Key != "sk_test_abcdefgh1234" || src.Total != 10 {
		t.Fatalf("source = %+v", src)
	}
	d.waitFor("the preview", func(m Model) bool { return len(core.callList()) == 1 })
}

func TestSourceBadKeyShowsClerkMessageAndRetries(t *testing.T) {
	env := newTestEnv(t)
	cfg := testConfig(env, makeUsers(10))
	cfg.APIKey = "sk_test_bad_key"
	d, _ := sourceDriver(t, cfg, 80, 24)
	d.press("enter")
	d.waitFor("the error", func(m Model) bool { return m.screens[stateSource].(*sourceScreen).err != "" })
	v := d.view()
	if !strings.Contains(v, "Unauthorized: The provided Clerk Secret Key is invalid.") || strings.Contains(v, "\x1b") {
		t.Fatalf("error not shown sanitized:\n%q", v)
	}
	if d.state() != stateSource {
		t.Fatalf("state %v, want source", d.state())
	}
	// Retry: fix the key.
	s := d.m.screens[stateSource].(*sourceScreen)
	if !s.InputFocused() {
		t.Fatal("the key input should be focused again for a retry")
	}
	s.keyInput.SetValue("sk_test_good")
	d.press("enter")
	d.waitFor("settings", func(m Model) bool { return m.state == stateSettings })
}

func TestSourcePrefixCheckAndProductionBadge(t *testing.T) {
	env := newTestEnv(t)
	cfg := testConfig(env, makeUsers(3))
	calls := 0
	open := cfg.OpenAPI
	cfg.OpenAPI = func(k string, w onWaitFunc) (clerkSource, error) { calls++; return open(k, w) }
	cfg.APIKey = "pk_test_123"
	d, _ := sourceDriver(t, cfg, 80, 24)
	d.press("enter")
	d.mustSee("starts with sk_live_ or sk_test_")
	if calls != 0 {
		t.Fatal("a key with a bad prefix reached Clerk")
	}
	s := d.m.screens[stateSource].(*sourceScreen)
	s.keyInput.SetValue("sk_live_abcd")
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if n := strings.Count(d.view(), "PRODUCTION INSTANCE"); n < 1 {
		t.Fatalf("no production badge:\n%s", d.view())
	}
}

func TestSourceFileCompletionAndValidation(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"clerk-export.json", "notes.txt", "broken.json"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("[]"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t)
	d, _ := sourceDriver(t, testConfig(env, makeUsers(10)), 80, 24)
	d.press("down", "enter")
	s := d.m.screens[stateSource].(*sourceScreen)
	if s.mode != modeFile {
		t.Fatalf("mode %v, want file", s.mode)
	}
	// Missing file.
	d.send(tea.PasteMsg{Content: filepath.Join(dir, "nope.json")})
	d.press("enter")
	d.waitFor("an error", func(Model) bool { return s.err != "" })
	d.mustSee("cannot read")
	// A directory.
	s.fileInput.SetValue("")
	d.send(tea.PasteMsg{Content: filepath.Join(dir, "sub")})
	d.press("enter")
	d.waitFor("an error", func(Model) bool { return strings.Contains(s.err, "directory") })
	// A file the reader rejects.
	s.fileInput.SetValue("")
	d.send(tea.PasteMsg{Content: filepath.Join(dir, "broken.json")})
	d.press("enter")
	d.waitFor("an error", func(Model) bool { return strings.Contains(s.err, "not a JSON array") })
	// Completion: tab completes the only match.
	s.fileInput.SetValue("")
	d.send(tea.PasteMsg{Content: dir + "/cle"})
	d.press("tab")
	// Completion is a command (it reads the directory): under load it can
	// outlast settle's 60 ms, so wait for its result rather than assume it.
	want := filepath.Join(dir, "clerk-export.json")
	d.waitFor("the completed path "+want, func(Model) bool { return s.fileInput.Value() == want })
	d.press("enter")
	d.waitFor("settings", func(m Model) bool { return m.state == stateSettings })
	if src := d.m.pc.sess.source; src.Kind != "file" || src.Total != -1 {
		t.Fatalf("source %+v", src)
	}
}

func TestPathCompletions(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.json"), nil, 0o600)
	os.WriteFile(filepath.Join(dir, ".hidden"), nil, 0o600)
	os.Mkdir(filepath.Join(dir, "adir"), 0o700)
	got := pathCompletions(dir + "/a")
	want := []string{dir + "/a.json", dir + "/adir/"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := pathCompletions(dir + "/"); len(got) != 2 {
		t.Fatalf("hidden files listed: %v", got)
	}
}

func TestQuitKeys(t *testing.T) {
	env := newTestEnv(t)
	d, _ := sourceDriver(t, testConfig(env, nil), 80, 24)
	d.press("?")
	if !d.m.fullHelp {
		t.Fatal("? did not open the full help")
	}
	d.press("q")
	if !d.quit {
		t.Fatal("q did not quit on the chooser")
	}
	d2, _ := sourceDriver(t, testConfig(env, nil), 80, 24)
	d2.press("1", "ctrl+c")
	if !d2.quit {
		t.Fatal("ctrl+c did not quit")
	}
}

func TestSourceGolden(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		env := newTestEnv(t)
		seedUsers(t, env, makeUsers(1234))
		cfg := testConfig(env, makeUsers(10))
		cfg.APIKey = "sk_test_demo0000000000000000"
		cfg.Demo = true
		d, _ := sourceDriver(t, cfg, w, h)
		return d
	})
}

func TestSourceChooserGolden(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		env := newTestEnv(t)
		d, _ := sourceDriver(t, testConfig(env, makeUsers(10)), w, h)
		return d
	})
}

// Clerk's message is wrapped at 80 columns, never cut.
func TestSourceLongErrorIsWrapped(t *testing.T) {
	env := newTestEnv(t)
	cfg := testConfig(env, makeUsers(10))
	cfg.APIKey = "sk_test_bad_key"
	d, _ := sourceDriver(t, cfg, 80, 24)
	d.press("enter")
	d.waitFor("the error", func(m Model) bool { return m.screens[stateSource].(*sourceScreen).err != "" })
	want := "✗ Unauthorized: The provided Clerk Secret Key is invalid. Make sure it is correct."
	if !strings.Contains(flatten(d.view()), want) {
		t.Fatalf("error cut:\n%s", d.view())
	}
	assertFits(t, d.view(), 80, 24)
}

// blockingSource never answers: the check can only be cancelled.
type blockingSource struct{ sliceSource }

func (b *blockingSource) Total(ctx context.Context) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// esc during the check cancels it with a neutral note, not a "fix the
// key" error.
func TestSourceCancelledCheckIsNeutral(t *testing.T) {
	env := newTestEnv(t)
	cfg := testConfig(env, nil)
	cfg.APIKey = "sk_test_slow"
	cfg.OpenAPI = func(string, func(string, time.Duration)) (clerk.Source, error) {
		return &blockingSource{sliceSource{kind: "api"}}, nil
	}
	d, _ := sourceDriver(t, cfg, 80, 24)
	d.press("enter")
	s := d.m.screens[stateSource].(*sourceScreen)
	if !s.verifying {
		t.Fatal("not checking")
	}
	d.press("esc")
	v := d.view()
	if strings.Contains(v, "Fix the key") || strings.Contains(v, "✗") || !strings.Contains(v, "Check cancelled") {
		t.Fatalf("cancel shown as an error:\n%s", v)
	}
	// Typing clears the note.
	d.press("x")
	if strings.Contains(d.view(), "Check cancelled") {
		t.Fatal("the note stays after an edit")
	}
}

// A file that is not an export fails on the source step (its first page
// is read there), not on the next one.
func TestSourceFileFirstPageIsRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.json")
	if err := os.WriteFile(path, []byte("{\"oops\""), 0o600); err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t)
	cfg := testConfig(env, nil)
	closed := false
	cfg.OpenFile = func(string) (clerk.Source, error) {
		return &closingSource{failingSource: failingSource{err: errors.New(`users.json: byte 7: expected a JSON array of users or an object with a "users" array, found an object without one; is this a Clerk export?`)}, closed: &closed}, nil
	}
	d, _ := sourceDriver(t, cfg, 80, 24)
	d.press("2")
	d.send(tea.PasteMsg{Content: path})
	d.press("enter")
	s := d.m.screens[stateSource].(*sourceScreen)
	d.waitFor("the error", func(Model) bool { return s.err != "" })
	if d.state() != stateSource || !strings.Contains(flatten(d.view()), "is this a Clerk export?") {
		t.Fatalf("state %v:\n%s", d.state(), d.view())
	}
	if !closed {
		t.Fatal("the file was not closed after the check")
	}
}

type closingSource struct {
	failingSource
	closed *bool
}

func (c *closingSource) Kind() string                       { return "file" }
func (c *closingSource) Total(context.Context) (int, error) { return -1, nil }
func (c *closingSource) Close() error                       { *c.closed = true; return nil }

// Back on the source step, the header's production badge follows the key
// being typed, and a different source forgets the provider override and
// the duplicate decisions made for the old one.
func TestSourceChangeResetsState(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "export.json")
	os.WriteFile(path, []byte("[]"), 0o600)
	env := newTestEnv(t)
	cfg := testConfig(env, makeUsers(10))
	cfg.APIKey = "sk_live_0123456789abcdef"
	core := &fakeCore{}
	d := newDriver(t, cfg, 80, 24, core.install)
	d.press("enter")
	d.waitFor("settings", func(m Model) bool { return m.state == stateSettings && settingsOf(d).report != nil })
	d.press("space")          // override the providers
	d.press("enter", "space") // review: merge the first duplicate
	if d.m.pc.sess.providers == nil || len(d.m.pc.sess.decisions) != 1 {
		t.Fatalf("providers %v decisions %v", d.m.pc.sess.providers, d.m.pc.sess.decisions)
	}
	d.press("esc", "esc") // back to the source
	if d.state() != stateSource {
		t.Fatalf("state %v", d.state())
	}
	d.press("esc", "2") // the export file
	header := strings.SplitN(d.view(), "\n", 2)[0]
	if strings.Contains(header, "PRODUCTION") {
		t.Fatalf("header keeps the old key's badge: %q", header)
	}
	d.send(tea.PasteMsg{Content: path})
	d.press("enter")
	d.waitFor("settings", func(m Model) bool { return m.state == stateSettings })
	if s := d.m.pc.sess; s.providers != nil || len(s.decisions) != 0 || s.source.Kind != "file" {
		t.Fatalf("kept from the old source: providers %v decisions %v source %+v", s.providers, s.decisions, s.source)
	}
	if strings.Contains(strings.SplitN(d.view(), "\n", 2)[0], "PRODUCTION") {
		t.Fatal("badge shown for a file")
	}
}

// truncatedFile gives its records, then the error of a file cut short
// (as clerk's file source does: the records before the damage first).
type truncatedFile struct {
	sliceSource
	err error
}

func (f *truncatedFile) Next(ctx context.Context) ([]clerk.Record, error) {
	if f.pos >= len(f.users) {
		return nil, f.err
	}
	return f.sliceSource.Next(ctx)
}

// A small file cut short fails on the source step too, although its
// first page reads fine.
func TestSourceTruncatedFileFailsEarly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.json")
	os.WriteFile(path, []byte("[{}"), 0o600)
	env := newTestEnv(t)
	cfg := testConfig(env, nil)
	cfg.OpenFile = func(string) (clerk.Source, error) {
		return &truncatedFile{sliceSource: sliceSource{kind: "file", users: makeUsers(6), pageSize: 4},
			err: errors.New("users.json: the file ends before the JSON is complete (truncated download?)")}, nil
	}
	d, _ := sourceDriver(t, cfg, 80, 24)
	d.press("2")
	d.send(tea.PasteMsg{Content: path})
	d.press("enter")
	s := d.m.screens[stateSource].(*sourceScreen)
	d.waitFor("the error", func(Model) bool { return s.err != "" || d.m.state != stateSource })
	if d.state() != stateSource || !strings.Contains(flatten(d.view()), "truncated download?") {
		t.Fatalf("state %v:\n%s", d.state(), d.view())
	}
}

// Bug 2: with the key field focused, ? opens the help instead of being
// typed into the secret key, f1 works from any input, and the help line
// says how to reach the help.
func TestHelpKeysNeverReachTheKeyField(t *testing.T) {
	env := newTestEnv(t)
	d, _ := sourceDriver(t, testConfig(env, nil), 80, 24)
	d.press("1", "sk_test_ab")
	s := d.m.screens[stateSource].(*sourceScreen)
	if !s.keyInput.Focused() {
		t.Fatal("key field not focused")
	}
	d.press("?")
	if got := s.keyInput.Value(); got != "sk_test_ab" {
		t.Fatalf("? reached the key field: %q", got)
	}
	if !d.m.fullHelp {
		t.Fatal("? did not open the help from the key field")
	}
	d.press("?")
	d.press("-")
	if got := s.keyInput.Value(); got != "sk_test_ab" {
		t.Fatalf("a character no key has reached the key field: %q", got)
	}
	d.mustSee("f1 help")
	// In the file field "?" may be part of a path: typed; f1 is the help.
	d.press("esc", "2", "a?")
	if got := s.fileInput.Value(); got != "a?" {
		t.Fatalf("file field got %q", got)
	}
	d.update(tea.KeyPressMsg{Code: tea.KeyF1})
	if !d.m.fullHelp || s.fileInput.Value() != "a?" {
		t.Fatalf("f1 did not open the help (help %v, field %q)", d.m.fullHelp, s.fileInput.Value())
	}
}

// fixture is a test file of client/clerk, written to match each Clerk
// export's public definition.
func fixture(name string) string { return filepath.Join("..", "client", "clerk", "testdata", name) }

// Every export format opens on the source step with the real reader
// (a Dashboard CSV with its # comment line included), and the format
// detected is handed on.
func TestSourceFileEveryFormat(t *testing.T) {
	for file, format := range map[string]string{
		"clerk-dashboard.csv":       clerk.FormatDashboardCSV,
		"clerk-support.json":        clerk.FormatSupportJSON,
		"clerk-migration-tool.json": clerk.FormatSupportJSON,
		"clerk-migrate.json":        clerk.FormatMigrate,
		"clerk-api.json":            clerk.FormatAPI,
	} {
		t.Run(file, func(t *testing.T) {
			cfg := testConfig(newTestEnv(t), makeUsers(3))
			cfg.OpenFile = clerk.OpenFile
			d, _ := sourceDriver(t, cfg, 80, 24)
			d.press("2")
			d.send(tea.PasteMsg{Content: fixture(file)})
			d.press("enter")
			d.waitFor("the settings step", func(m Model) bool {
				return m.state == stateSettings || m.screens[stateSource].(*sourceScreen).err != ""
			})
			if err := d.m.screens[stateSource].(*sourceScreen).err; err != "" {
				t.Fatalf("rejected: %s", err)
			}
			if src := d.m.pc.sess.source; src.Kind != "file" || src.Format != format {
				t.Fatalf("source %+v, want format %s", src, format)
			}
		})
	}
}

// The passwords file sits next to the key: tab reaches it, it completes
// paths like the export field, a file without digests is refused there,
// and a good one is opened for every run (Options.Passwords).
func TestSourcePasswordsFile(t *testing.T) {
	dir := t.TempDir()
	csv, err := os.ReadFile(fixture("clerk-dashboard.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "digests.csv"), csv, 0o600); err != nil {
		t.Fatal(err)
	}
	api, err := os.ReadFile(fixture("clerk-api.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "api.json"), api, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(newTestEnv(t), makeUsers(10))
	cfg.APIKey = "sk_test_0123456789abcdef"
	cfg.OpenFile = clerk.OpenFile
	d, core := sourceDriver(t, cfg, 80, 24)
	s := d.m.screens[stateSource].(*sourceScreen)
	d.press("tab")
	if !s.pwFocus || !s.pwInput.Focused() || s.keyInput.Focused() {
		t.Fatal("tab did not move to the passwords file")
	}
	d.mustSee("shift+tab key")
	// A path's characters are typed (the key field would refuse "/").
	d.send(tea.PasteMsg{Content: dir + "/ap"})
	d.press("tab")
	pw := filepath.Join(dir, "api.json")
	d.waitFor("the completed path "+pw, func(Model) bool { return s.pwInput.Value() == pw })
	d.press("enter")
	d.waitFor("the refusal", func(Model) bool { return s.err != "" })
	if !strings.Contains(s.err, "no password digests") || !s.pwInput.Focused() {
		t.Fatalf("err %q, focus on passwords %v", s.err, s.pwInput.Focused())
	}
	// The key is fine: the hint is about the passwords file.
	if v := d.view(); strings.Contains(v, "Fix the key") || !strings.Contains(v, "Fix the passwords file's path") {
		t.Errorf("hint for a passwords file refused:\n%s", v)
	}
	s.pwInput.SetValue("")
	d.send(tea.PasteMsg{Content: filepath.Join(dir, "digests.csv")})
	d.press("enter")
	d.waitFor("the settings step", func(m Model) bool { return m.state == stateSettings })
	if got := d.m.pc.sess.source.Passwords; got != filepath.Join(dir, "digests.csv") {
		t.Fatalf("passwords file %q", got)
	}
	d.waitFor("the preview", func(Model) bool { return len(core.callList()) == 1 })
	if core.callList()[0].Passwords == nil {
		t.Fatal("the preview ran without the passwords file")
	}
	// Back on the source step, shift+tab returns to the key.
	d.press("esc")
	d.waitFor("the source step", func(m Model) bool { return m.state == stateSource })
	d.press("shift+tab")
	if s.pwFocus || !s.keyInput.Focused() {
		t.Fatal("shift+tab did not go back to the key")
	}
}

// endlessFile is an export whose reads never end on their own (a device,
// a pipe that never closes): only the context of the call stops them.
type endlessFile struct {
	sliceSource
	ended chan struct{}
}

func (e *endlessFile) Next(ctx context.Context) ([]clerk.Record, error) {
	<-ctx.Done()
	close(e.ended)
	return nil, ctx.Err()
}

// esc on "Opening the export file…" cancels the context the file is read
// with, so a read that honours it ends instead of spinning on.
func TestSourceCancelledFileReadEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(path, []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t)
	cfg := testConfig(env, nil)
	src := &endlessFile{sliceSource: sliceSource{kind: "file"}, ended: make(chan struct{})}
	cfg.OpenFile = func(string) (clerk.Source, error) { return src, nil }
	d, _ := sourceDriver(t, cfg, 80, 24)
	d.press("2")
	d.send(tea.PasteMsg{Content: path})
	d.press("enter")
	d.mustSee("Opening the export file…")
	d.press("esc")
	d.mustSee("Cancelled. Press enter to open the file again.")
	select {
	case <-src.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the read of the file was not cancelled")
	}
}

// The source step reads a passwords file as the import does: a
// Dashboard CSV whose dates a spreadsheet rewrote still gives its
// digests, so the wizard does not refuse what the CLI imports.
func TestSourcePasswordsFileReadAsTheImportReadsIt(t *testing.T) {
	d, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pw.csv")
	csv := "id,primary_email_address,created_at,password_digest,password_hasher\n" +
		"user_a,a@example.com,5/1/2024 4:37," + string(d) + ",bcrypt\n"
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := checkPasswordsFile(context.Background(), clerk.OpenFile, path)
	if err != nil || got != path {
		t.Errorf("checkPasswordsFile = %q, %v; want the file accepted", got, err)
	}
}
