package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
	"github.com/ascendkit/ascendkit/importer"
)

const testKey = "sk_test_cli_suite_key"

// harness runs the CLI in-process with its own config and data dirs.
type harness struct {
	t    *testing.T
	dir  string
	envs map[string]string
}

func newHarness(t *testing.T) *harness {
	dir := t.TempDir()
	return &harness{t: t, dir: dir, envs: map[string]string{
		"XDG_CONFIG_HOME": filepath.Join(dir, "config"),
		"XDG_DATA_HOME":   filepath.Join(dir, "data"),
	}}
}

type result struct {
	code           int
	stdout, stderr string
}

func (h *harness) run(stdin string, args ...string) result {
	h.t.Helper()
	return h.runIO(false, stdin, args...)
}

// runTTY runs as if stdin and stdout were a terminal (confirmation prompts).
func (h *harness) runTTY(stdin string, args ...string) result {
	h.t.Helper()
	return h.runIO(true, stdin, args...)
}

func (h *harness) runIO(tty bool, stdin string, args ...string) result {
	h.t.Helper()
	var out, errOut bytes.Buffer
	ios := &IO{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut, IsTTY: tty, Getenv: func(k string) string { return h.envs[k] }}
	code := Run(context.Background(), ios, args)
	return result{code, out.String(), errOut.String()}
}

func (h *harness) ok(args ...string) result {
	h.t.Helper()
	r := h.run("", args...)
	if r.code != 0 {
		h.t.Fatalf("%v: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

func (h *harness) json(v any, args ...string) {
	h.t.Helper()
	r := h.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		h.t.Fatalf("%v: stdout is not one JSON document: %v\n%s", args, err, r.stdout)
	}
}

// clerkServer serves synthetic users; CLERK_API_URL points the CLI at it.
func clerkServer(t *testing.T, n int) (*emulator.Server, []clerk.User) {
	users := emulator.Generate(n, 3)
	srv, err := emulator.Start(users, emulator.Options{SecretKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	t.Setenv("CLERK_API_URL", srv.BaseURL())
	return srv, users
}

func TestImportAPIPreviewEqualsRun(t *testing.T) { eachBackend(t, testImportAPIPreviewEqualsRun) }

func testImportAPIPreviewEqualsRun(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	clerkServer(t, 1200)
	var pre, run, again importer.Report
	h.json(&pre, "import", "clerk", "preview", "--api-key", testKey)
	h.json(&run, "import", "clerk", "run", "--api-key", testKey)
	if pre.Mode != "preview" || run.Mode != "run" || pre.Source.Kind != "api" || pre.Source.Format != "clerk-api" {
		t.Fatalf("modes %s/%s source %+v", pre.Mode, run.Mode, pre.Source)
	}
	if pre.Users.Fetched != 1200 || pre.Users.ToImport == 0 || pre.Users.Imported != 0 {
		t.Fatalf("preview users %+v", pre.Users)
	}
	if run.Users.Imported != pre.Users.ToImport || run.OAuthLinks != pre.OAuthLinks ||
		!reflect.DeepEqual(run.Tags, pre.Tags) || !reflect.DeepEqual(run.Events, pre.Events) ||
		!reflect.DeepEqual(run.Users.DuplicateReasons, pre.Users.DuplicateReasons) ||
		!reflect.DeepEqual(run.Users.SkippedReasons, pre.Users.SkippedReasons) ||
		!reflect.DeepEqual(run.Settings.Providers, pre.Settings.Providers) {
		t.Fatalf("run disagrees with preview\npre %+v\nrun %+v", pre, run)
	}
	h.json(&again, "import", "clerk", "run", "--api-key", testKey)
	if again.Users.Imported != 0 || again.Users.Duplicates != pre.Users.ToImport+pre.Users.Duplicates {
		t.Fatalf("re-run not a no-op: %+v", again.Users)
	}
	var auth struct{ Providers []string }
	h.json(&auth, "auth", "show")
	if !reflect.DeepEqual(auth.Providers, run.Settings.Providers) {
		t.Fatalf("auth show %v, run applied %v", auth.Providers, run.Settings.Providers)
	}
	// Raw JSON keys are the contract's.
	raw := h.ok("import", "clerk", "preview", "--api-key", testKey, "--json").stdout
	for _, k := range []string{`"mode"`, `"phases"`, `"toImport"`, `"duplicateReasons"`, `"skippedReasons"`, `"oauthLinks"`, `"strandedUsers"`, `"unsupported"`, `"import:needs-password-reset"`, `"user.login"`} {
		if !strings.Contains(raw, k) {
			t.Errorf("JSON lacks %s", k)
		}
	}
}

func TestImportSourceFlags(t *testing.T) {
	h := newHarness(t)
	clerkServer(t, 10)
	file := filepath.Join(h.dir, "users.json")
	os.WriteFile(file, []byte(`[]`), 0o600)
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"import", "clerk", "preview"}, 2, "--api-key"},
		{[]string{"import", "clerk", "preview", "--api-key", testKey, "--file", file}, 2, "not both"},
		{[]string{"import", "clerk", "preview", "--api-key", "pk_test_nope"}, 2, "secret key"},
		{[]string{"import", "clerk", "run", "--api-key", "sk_test_wrong_key_123"}, 1, "Clerk Secret Key is invalid"},
		{[]string{"import", "clerk", "preview", "--file", filepath.Join(h.dir, "missing.json")}, 1, "missing.json"},
		{[]string{"import", "clerk", "preview", "--file", file, "--on-duplicate", "overwrite"}, 2, "skip or merge"},
		{[]string{"import", "clerk", "preview", "--file", file, "--providers", "myspace"}, 2, "unknown provider"},
		// An empty list (an unset variable) would turn every SSO provider off.
		{[]string{"import", "clerk", "run", "--file", file, "--providers", ""}, 2, "--providers names no provider"},
		{[]string{"import", "clerk", "run", "--file", file, "--providers", " , "}, 2, "--providers none to enable no SSO provider"},
		{[]string{"import", "clerk", "run", "--file", file, "--from-identity", "nobody"}, 2, "sender identity"},
		{[]string{"import", "clerk", "preview", "--bogus"}, 2, "unknown flag"},
		// import.md's "the import runs in dry-run mode by default" invites it.
		{[]string{"import", "clerk", "--api-key", testKey}, 2, "the flags follow preview or run"},
	}
	for _, c := range cases {
		r := h.run("", c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, r.code, r.stderr, c.code, c.msg)
		}
		if strings.Contains(r.stderr, "sk_test_wrong_key_123") || strings.Contains(r.stdout, "sk_test_wrong_key_123") {
			t.Errorf("%v: the secret key was printed", c.args)
		}
	}
	// "none" says on purpose what an empty value may say by mistake: no
	// SSO provider, as the wizard's selection of none does.
	social := filepath.Join(h.dir, "social.json")
	os.WriteFile(social, []byte(`[{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@example.com","verification":{"status":"verified"}}],"primary_email_address_id":"e",
		"external_accounts":[{"provider":"oauth_github","provider_user_id":"1","verification":{"status":"verified"}}],"created_at":1752102559068}]`), 0o600)
	var rep importer.Report
	h.json(&rep, "import", "clerk", "preview", "--file", social, "--providers", "None")
	if len(rep.Settings.Providers) != 0 || slices.Contains(rep.Settings.After, "github") || rep.Settings.ProviderUsers["github"] != 1 {
		t.Errorf("--providers none: %+v", rep.Settings)
	}
}

// README: "--json | one JSON object on stdout". An export or passwords
// file that cannot be opened gave none, where a bad key gave the report
// with its error; a usage error (exit 2) stays a message alone.
func TestJSONReportWhenTheSourceCannotBeOpened(t *testing.T) {
	h := newHarness(t)
	file := filepath.Join(h.dir, "users.json")
	os.WriteFile(file, []byte(`[]`), 0o600)
	missing := filepath.Join(h.dir, "missing.json")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "clerk", "run", "--file", missing}, "missing.json"},
		{[]string{"import", "clerk", "preview", "--file", h.dir}, "directory"},
		{[]string{"import", "clerk", "preview", "--file", file, "--passwords", missing}, "--passwords: "},
	} {
		r := h.run("", append(c.args, "--json")...)
		var rep struct {
			Mode   string `json:"mode"`
			Source struct{ Kind string }
			Users  struct{ Fetched *int }
			Error  string `json:"error"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 1 {
			t.Errorf("%v: exit %d, stdout %q: %v", c.args, r.code, r.stdout, err)
			continue
		}
		if !strings.Contains(rep.Error, c.want) || rep.Mode != c.args[2] || rep.Source.Kind != "file" || rep.Users.Fetched == nil || *rep.Users.Fetched != 0 {
			t.Errorf("%v: report %+v", c.args, rep)
		}
	}
	if r := h.run("", "import", "clerk", "preview", "--file", file, "--on-duplicate", "x", "--json"); r.code != 2 || r.stdout != "" {
		t.Errorf("usage error: exit %d, stdout %q", r.code, r.stdout)
	}
	// An --entries file that cannot be made, and a secret key given as
	// the path: the report's error is redacted as stderr's is.
	for _, args := range [][]string{{"--file", file, "--entries", filepath.Join(h.dir, "nodir", "x.jsonl")}, {"--file", "sk_live_4fK9xQ2mZ8pL1vN7rT3yB6wC0dH5jS"}} {
		r := h.run("", append([]string{"import", "clerk", "preview", "--json"}, args...)...)
		if r.code != 1 || !strings.Contains(r.stdout, `"error": `) || strings.Contains(r.stdout, "4fK9xQ2") {
			t.Errorf("%v: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
}

func TestAPIKeyFromStdinAndEnv(t *testing.T) {
	h := newHarness(t)
	clerkServer(t, 30)
	r := h.run(testKey+"\n", "import", "clerk", "preview", "--api-key", "-", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"fetched": 30`) {
		t.Fatalf("stdin key: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	h.envs["CLERK_SECRET_KEY"] = testKey
	r = h.run("", "import", "clerk", "preview", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"fetched": 30`) {
		t.Fatalf("env key: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestMalformedFile(t *testing.T) {
	h := newHarness(t)
	bad := filepath.Join(h.dir, "bad.json")
	os.WriteFile(bad, []byte(`[{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@b.co"}]}, {"id":`), 0o600)
	r := h.run("", "import", "clerk", "run", "--file", bad)
	if r.code != 1 || r.stderr == "" {
		t.Fatalf("truncated file: exit %d stderr %q", r.code, r.stderr)
	}
	// With --json a script still gets the report: the error and the
	// failed run's id.
	r = h.run("", "import", "clerk", "run", "--file", bad, "--json")
	var failed importer.Report
	if err := json.Unmarshal([]byte(r.stdout), &failed); r.code != 1 || err != nil || failed.Error == "" || failed.RunID == "" {
		t.Fatalf("truncated file with --json: exit %d, stdout %q (%v)", r.code, r.stdout, err)
	}
	// Nothing half-written: the structural error stops before any batch commits.
	var users []map[string]any
	h.json(&users, "user", "list")
	if len(users) != 0 {
		t.Fatalf("%d users written from a broken file", len(users))
	}
	// A malformed record is reported and the others go on.
	mixed := filepath.Join(h.dir, "mixed.json")
	os.WriteFile(mixed, []byte(`{"users":[{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@b.co"}]},{"id":"user_2","created_at":"yesterday"}]}`), 0o600)
	var rep importer.Report
	h.json(&rep, "import", "clerk", "run", "--file", mixed)
	if rep.Users.Imported != 1 || rep.Users.SkippedReasons["malformed"] != 1 {
		t.Fatalf("mixed file: %+v", rep.Users)
	}
}

func TestEnvResolution(t *testing.T) {
	h := newHarness(t)
	type current struct {
		Env, Source, ConfigPath string
		Exists                  bool
	}
	var cur current
	defaultDB := filepath.Join(h.dir, "data", "ascendkit", "local.db")
	if r := h.ok("set-env"); !strings.Contains(r.stdout, "Environment: local:"+defaultDB+"\n  the default") || !strings.Contains(r.stdout, "does not exist yet") {
		t.Errorf("set-env with nothing set:\n%s", r.stdout)
	}
	r := h.ok("import", "migration-journey", "create")
	if !strings.Contains(r.stderr, "Creating the local AscendKit environment") {
		t.Errorf("first use of the default env is not announced: %q", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "data", "ascendkit", "local.db")); err != nil {
		t.Fatalf("default env not in the data dir: %v", err)
	}
	if r := h.ok("auth", "show"); strings.Contains(r.stderr, "Creating") {
		t.Error("announced twice")
	}

	saved := filepath.Join(h.dir, "saved.db")
	h.ok("set-env", "local:"+saved)
	cfg := filepath.Join(h.dir, "config", "ascendkit", "config.json")
	h.json(&cur, "set-env")
	if cur != (current{Env: "local:" + saved, Source: "config", ConfigPath: cfg, Exists: true}) {
		t.Errorf("set-env after saving = %+v", cur)
	}
	if r := h.ok("set-env"); !strings.Contains(r.stdout, "saved by set-env in "+cfg) || !strings.Contains(r.stdout, "0 users") {
		t.Errorf("set-env after saving:\n%s", r.stdout)
	}
	st, err := os.Stat(cfg)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("config %v mode %v", err, st)
	}
	h.ok("import", "migration-journey", "create")
	var js []map[string]any
	h.json(&js, "journey", "list")
	if len(js) != 2 {
		t.Fatalf("saved env has %d journeys", len(js))
	}
	// $ASCENDKIT_ENV beats the saved target, --env beats both.
	h.envs["ASCENDKIT_ENV"] = "local:" + filepath.Join(h.dir, "other.db")
	h.json(&cur, "set-env")
	if cur.Source != "env" || cur.Env != h.envs["ASCENDKIT_ENV"] || cur.Exists {
		t.Errorf("set-env with $ASCENDKIT_ENV = %+v", cur)
	}
	createEnv(t, h.envs["ASCENDKIT_ENV"])
	if h.json(&cur, "set-env", "--env", "local:"+saved); cur.Source != "flag" || cur.Env != "local:"+saved {
		t.Errorf("set-env with --env = %+v", cur)
	}
	h.json(&js, "journey", "list")
	if len(js) != 0 {
		t.Fatalf("ASCENDKIT_ENV ignored")
	}
	h.json(&js, "journey", "list", "--env", "local:"+saved)
	if len(js) != 2 {
		t.Fatalf("--env ignored")
	}
	delete(h.envs, "ASCENDKIT_ENV")

	if r := h.run("", "set-env", "pk_dev_abc"); r.code != 2 {
		t.Errorf("pk_ without --api-url: exit %d", r.code)
	}
	for _, bad := range []string{"api.example.test", "ftp://api.example.test", "https://", "https://u:secretpw@api.example.test"} {
		if r := h.run("", "set-env", "pk_dev_abc", "--api-url", bad); r.code != 2 || strings.Contains(r.stderr, "secretpw") {
			t.Errorf("--api-url %q: exit %d %q", bad, r.code, r.stderr)
		}
	}
	// The SDKs' variable gives the URL when the flag does not.
	h.envs["ASCENDKIT_API_URL"] = "https://api.example.test"
	var savedCfg config
	if h.json(&savedCfg, "set-env", "pk_dev_abc", "--json"); savedCfg.APIURL != "https://api.example.test" {
		t.Errorf("$ASCENDKIT_API_URL not used: %+v", savedCfg)
	}
	delete(h.envs, "ASCENDKIT_API_URL")
	h.ok("set-env", "pk_dev_abc", "--api-url", "https://api.example.test")
	r = h.run("", "journey", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "remote environments are not supported yet") {
		t.Errorf("remote env: exit %d %q", r.code, r.stderr)
	}
	if r := h.run("", "set-env", "ftp:somewhere"); r.code != 2 {
		t.Errorf("bad target: exit %d", r.code)
	}
}

// createEnv makes an empty environment, as an import would.
func createEnv(t *testing.T, target string) {
	t.Helper()
	env, err := ascendkit.Open(target)
	if err != nil {
		t.Fatal(err)
	}
	env.Close()
}

// Bug 6: a mistyped --env must not read as an empty environment, nor be created.
func TestReadOnlyCommandsRefuseMissingEnv(t *testing.T) {
	h := newHarness(t)
	missing := filepath.Join(h.dir, "mistyped", "path.db")
	for _, args := range [][]string{{"user", "list"}, {"user", "show", "a@b.co"}, {"event", "list"}, {"template", "list"},
		{"template", "show", "x"}, {"journey", "list"}, {"journey", "show", "x"}, {"journey", "activate", "x"}, {"auth", "show"}} {
		r := h.run("", append(args, "--env", "local:"+missing)...)
		if r.code != 1 || !strings.Contains(r.stderr, "no environment at "+missing+"; run an import or set-env") {
			t.Errorf("%v on a missing env: exit %d %q", args, r.code, r.stderr)
		}
	}
	// The default environment is not created by reading it either.
	if r := h.run("", "user", "list"); r.code != 1 || !strings.Contains(r.stderr, "no environment at") {
		t.Errorf("user list on no default env: exit %d %q", r.code, r.stderr)
	}
	for _, p := range []string{filepath.Dir(missing), filepath.Join(h.dir, "data", "ascendkit", "local.db")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after read-only commands (%v)", p, err)
		}
	}
}

func TestJourneyCommands(t *testing.T) { eachBackend(t, testJourneyCommands) }

func testJourneyCommands(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	clerkServer(t, 400)
	var rep importer.Report
	h.json(&rep, "import", "clerk", "run", "--api-key", testKey)
	if r := h.run("", "import", "migration-journey", "create", "--from-identity", "bad"); r.code != 2 {
		t.Fatalf("invalid --from-identity: exit %d", r.code)
	}
	var created, again importer.JourneysResult
	h.json(&created, "import", "migration-journey", "create", "--from-identity", "hello@acme.dev")
	h.json(&again, "import", "migration-journey", "create")
	if len(created.Templates) != 5 || len(created.Journeys) != 2 || !created.Journeys[0].Created || again.Journeys[0].Created || again.Templates[4].Created {
		t.Fatalf("created %+v again %+v", created, again)
	}
	var tpls []map[string]any
	h.json(&tpls, "template", "list")
	if len(tpls) != 5 || !strings.HasPrefix(tpls[0]["id"].(string), "tpl_") || tpls[0]["slug"] != "migration-announcement" || tpls[0]["category"] == nil {
		t.Fatalf("template list %v", tpls)
	}
	show := h.ok("template", "show", "migration-go-live").stdout
	if !strings.Contains(show, "rendered for") || !strings.Contains(show, "missing variables") {
		t.Errorf("template show does not render for a user with missing variables flagged:\n%s", show)
	}
	// --json says the same: the rendering and what rendered empty; a
	// --user that does not exist fails as in the human form.
	var shown struct {
		Slug     string
		Rendered *struct {
			For     string
			Subject string
			Missing []string
		}
	}
	h.json(&shown, "template", "show", "migration-go-live")
	if shown.Slug != "migration-go-live" || shown.Rendered == nil || shown.Rendered.For == "" || len(shown.Rendered.Missing) == 0 {
		t.Errorf("template show --json: %+v", shown)
	}
	if r := h.run("", "template", "show", "migration-go-live", "--user", "nobody@nowhere.example", "--json"); r.code == 0 {
		t.Errorf("template show --json --user <unknown>: exit 0, %s", r.stdout)
	}

	id := created.Journeys[1].ID // password reset
	text := h.ok("journey", "show", id).stdout
	for _, want := range []string{"Status: draft", "start → password_reset [timer (1d)] (start-to-password_reset)", "Day 1", "Day 4", "hello@acme.dev"} {
		if !strings.Contains(text, want) {
			t.Errorf("journey show lacks %q:\n%s", want, text)
		}
	}
	wantEnrolled := rep.Tags["import:needs-password-reset"]
	assertDraft := func(when string) {
		t.Helper()
		var j struct {
			Status string
			Stats  struct{ Enrolled int }
		}
		h.json(&j, "journey", "show", id)
		if j.Status != "draft" || j.Stats.Enrolled != 0 {
			t.Fatalf("%s: journey is %s with %d enrolled, want an untouched draft", when, j.Status, j.Stats.Enrolled)
		}
	}

	// Email safety: with the reset URL and app name unset, activation is
	// refused, naming what is missing, even with --yes.
	if !strings.Contains(h.ok("import", "migration-journey", "create").stdout, "Activation will be refused until these are set") {
		t.Error("migration-journey create without URLs does not say activation will be refused")
	}
	if out := h.ok("journey", "show", id).stdout; !strings.Contains(out, "Activation is refused until these are set:\n  - migration-password-reset (node password_reset): unset appName, resetUrl") {
		t.Errorf("journey show does not name what blocks activation:\n%s", out)
	}
	r := h.run("", "journey", "activate", id, "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, "migration-password-reset (node password_reset): unset appName, resetUrl") || !strings.Contains(r.stderr, "journey set-vars "+id) {
		t.Fatalf("activate with unset variables: exit %d %q", r.code, r.stderr)
	}
	var plan importer.ActivationPlan
	r = h.run("", "journey", "activate", id, "--dry-run", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil || r.code != 1 || len(plan.Problems) != 2 || plan.Enroll != wantEnrolled {
		t.Fatalf("dry run with problems: exit %d, plan %+v, %v", r.code, plan, err)
	}
	// A refused activation with --json says why on stdout too (the plan).
	plan = importer.ActivationPlan{}
	r = h.run("", "journey", "activate", id, "--yes", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil || r.code != 1 || len(plan.Problems) != 2 || !strings.Contains(r.stderr, "unset appName, resetUrl") {
		t.Fatalf("refused activation --json: exit %d, plan %+v, %v", r.code, plan, err)
	}
	assertDraft("after the refusals")

	// set-vars fixes it; invalid values are refused the same way the wizard refuses them.
	for _, bad := range [][]string{{"--var", "resetUrl=https://"}, {"--var", "resetUrl"}, {"--from", "nobody"}, {"--var", "userName=x"}, {}} {
		if r := h.run("", append([]string{"journey", "set-vars", id}, bad...)...); r.code != 2 {
			t.Errorf("set-vars %v: exit %d %q", bad, r.code, r.stderr)
		}
	}
	out := h.ok("journey", "set-vars", id, "--var", "resetUrl=https://acme.dev/reset", "--var", "appName=Acme").stdout
	if !strings.Contains(out, "resetUrl=https://acme.dev/reset") || !strings.HasSuffix(out, "Next: ascendkit journey activate "+id+" --dry-run\n") {
		t.Errorf("set-vars output:\n%s", out)
	}
	out = h.ok("journey", "activate", id, "--dry-run").stdout
	if !strings.Contains(out, fmt.Sprintf("%s emails of migration-password-reset will be sent on Day 1", importer.Thousands(wantEnrolled))) || !strings.Contains(out, "nothing was changed") {
		t.Errorf("dry run:\n%s", out)
	}
	assertDraft("after the dry run")

	// Confirmation: refused without a terminal and --yes; "n" changes nothing.
	if r := h.run("", "journey", "activate", id); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("activate without --yes off a terminal: exit %d %q", r.code, r.stderr)
	}
	if r := h.runTTY("n\n", "journey", "activate", id); r.code != 1 || !strings.Contains(r.stderr, "will be sent on Day 1") || !strings.Contains(r.stderr, "[y/N]") {
		t.Errorf("activate answered no: exit %d %q", r.code, r.stderr)
	}
	assertDraft("after answering no")
	var act struct {
		Status        string
		NewlyEnrolled int
	}
	r = h.runTTY("y\n", "journey", "activate", id, "--json")
	if err := json.Unmarshal([]byte(r.stdout), &act); err != nil || r.code != 0 || act.Status != "active" || act.NewlyEnrolled != wantEnrolled {
		t.Fatalf("activate answered yes: exit %d %+v %v, want %d enrolled\n%s", r.code, act, err, wantEnrolled, r.stderr)
	}
	h.json(&act, "journey", "activate", id, "--yes")
	if act.NewlyEnrolled != 0 {
		t.Fatalf("second activation enrolled %d", act.NewlyEnrolled)
	}
	var j struct {
		Status string
		Stats  struct{ Enrolled int }
	}
	h.json(&j, "journey", "show", id)
	if j.Status != "active" || j.Stats.Enrolled != wantEnrolled {
		t.Fatalf("journey show json %+v", j)
	}
	var paused struct{ ID, Status string }
	h.json(&paused, "journey", "pause", id)
	if paused.ID != id || paused.Status != "paused" {
		t.Fatalf("journey pause --json: %+v", paused)
	}
	if r := h.run("", "journey", "show", "jrn_missing"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
		t.Errorf("missing journey: exit %d %q", r.code, r.stderr)
	}
}

func TestInspectCommandsSanitize(t *testing.T) {
	h := newHarness(t)
	file := filepath.Join(h.dir, "evil.json")
	os.WriteFile(file, []byte(`[{"id":"user_evil","first_name":"\u001b]0;pwned\u0007Eve\u001b[31m","last_name":"Red","password_enabled":true,
		"email_addresses":[{"id":"e","email_address":"eve@example.com","verification":{"status":"verified"}}],
		"external_accounts":[{"provider":"oauth_github","provider_user_id":"gh1","email_address":"eve@example.com","verification":{"status":"verified"}}],
		"public_metadata":{"note":"\u001b[2Jcleared"},"last_sign_in_at":1752102559086,"created_at":1752102559068}]`), 0o600)
	h.ok("import", "clerk", "run", "--file", file)
	for _, args := range [][]string{{"user", "list"}, {"user", "show", "eve@example.com"}, {"event", "list"}} {
		out := h.ok(args...).stdout
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%v printed escape sequences: %q", args, out)
		}
		if args[0] == "user" && !strings.Contains(out, "Eve") {
			t.Errorf("%v lost the name: %q", args, out)
		}
	}
	var u struct {
		ID         string
		Email      string
		Name       string
		Tags       []string
		OAuthLinks []struct{ Provider, ProviderUserID string }
		Metadata   map[string]any
	}
	h.json(&u, "user", "show", "EVE@example.com")
	if !strings.HasPrefix(u.ID, "usr_") || u.Email != "eve@example.com" || len(u.OAuthLinks) != 1 || u.OAuthLinks[0].Provider != "github" ||
		!reflect.DeepEqual(u.Tags, []string{"import:clerk", "import:needs-password-reset"}) {
		t.Fatalf("user show json %+v", u)
	}
	var evs []struct{ Type, UserID string }
	h.json(&evs, "event", "list", "--type", "user.login")
	if len(evs) != 1 || evs[0].UserID != u.ID {
		t.Fatalf("events %+v", evs)
	}
	var tagged []map[string]any
	h.json(&tagged, "user", "list", "--tag", "import:social-only")
	if len(tagged) != 0 {
		t.Fatalf("tag filter: %d", len(tagged))
	}
}

func TestWizardNeedsTTY(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{{}, {"import"}, {"demo"}, {"browse"}} {
		r := h.run("", args...)
		if r.code != 2 || !strings.Contains(r.stderr, "needs a terminal") || !strings.Contains(r.stderr, "import clerk preview") {
			t.Errorf("%v without a TTY: exit %d %q", args, r.code, r.stderr)
		}
	}
}

func TestEntriesFile(t *testing.T) {
	h := newHarness(t)
	clerkServer(t, 600)
	path := filepath.Join(h.dir, "entries.jsonl")
	var rep importer.Report
	h.json(&rep, "import", "clerk", "preview", "--api-key", testKey, "--entries", path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Besides the duplicates and skips, users imported with something
	// left out are flagged (the generated oauth_x-only users: no usable
	// OAuth account).
	kinds := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e importer.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("entry %q: %v", line, err)
		}
		kinds[e.Kind]++
	}
	if kinds["duplicate"] != rep.Users.Duplicates || kinds["skipped"] != rep.Users.Skipped ||
		kinds["warning"] != rep.Settings.NoUsableOAuthUsers || len(kinds) != 3 {
		t.Fatalf("entries by kind %v, report has %d duplicates + %d skipped + %d without usable OAuth",
			kinds, rep.Users.Duplicates, rep.Users.Skipped, rep.Settings.NoUsableOAuthUsers)
	}
}

func TestListLimitsEmailsAndEnrollments(t *testing.T) {
	h := newHarness(t)
	clerkServer(t, 150)
	var rep importer.Report
	h.json(&rep, "import", "clerk", "run", "--api-key", testKey)
	imported := rep.Users.Imported
	if imported <= defaultRows {
		t.Fatalf("only %d users imported: the test needs more than %d", imported, defaultRows)
	}
	lines := func(s string) int { return strings.Count(s, "\n") }

	r := h.ok("user", "list")
	if lines(r.stdout) != defaultRows+1 || !strings.Contains(r.stderr, fmt.Sprintf("Showing 50 of %d users; --limit N or --all shows more.", imported)) {
		t.Errorf("user list: %d lines, stderr %q", lines(r.stdout), r.stderr)
	}
	var us []ascendkit.User
	h.json(&us, "user", "list", "--all")
	if len(us) != imported {
		t.Errorf("user list --all: %d users, want %d", len(us), imported)
	}
	if r := h.ok("user", "list", "--limit", "5"); lines(r.stdout) != 6 || !strings.Contains(r.stderr, "Showing 5 of") {
		t.Errorf("user list --limit 5: %d lines, %q", lines(r.stdout), r.stderr)
	}
	if r := h.ok("user", "list", "--tag", "import:clerk", "--limit", fmt.Sprint(imported)); strings.Contains(r.stderr, "more exist") || lines(r.stdout) != imported+1 {
		t.Errorf("user list --limit <all>: %d lines, %q", lines(r.stdout), r.stderr)
	}
	for _, bad := range [][]string{{"--limit", "0"}, {"--all", "--limit", "5"}} {
		if r := h.run("", append([]string{"user", "list"}, bad...)...); r.code != 2 {
			t.Errorf("user list %v: exit %d", bad, r.code)
		}
	}

	r = h.ok("event", "list")
	if lines(r.stdout) != defaultRows+1 || !strings.Contains(r.stderr, "Showing the first 50 events; more exist") {
		t.Errorf("event list: %d lines, stderr %q", lines(r.stdout), r.stderr)
	}
	var evs []struct{ UserID, UserEmail string }
	h.json(&evs, "event", "list", "--all")
	if len(evs) < imported {
		t.Fatalf("event list --all: %d events for %d users", len(evs), imported)
	}
	emailOf := map[string]string{}
	for _, u := range us {
		emailOf[u.ID] = u.Email
	}
	for _, e := range evs {
		if e.UserEmail == "" || e.UserEmail != emailOf[e.UserID] {
			t.Fatalf("event of %s has email %q, want %q", e.UserID, e.UserEmail, emailOf[e.UserID])
		}
	}
	first := us[0]
	r = h.ok("event", "list", "--user", first.Email)
	rows := strings.Split(strings.TrimSpace(r.stdout), "\n")[1:]
	for _, row := range rows {
		if !strings.Contains(row, first.Email) {
			t.Errorf("event list --user %s shows another user's event: %s", first.Email, row)
		}
	}
	if len(rows) == 0 {
		t.Errorf("event list --user %s: no events", first.Email)
	}

	// user show lists the journeys the user is enrolled in.
	var created importer.JourneysResult
	h.json(&created, "import", "migration-journey", "create", "--from-identity", "hi@acme.dev", "--app-name", "Acme",
		"--login-url", "https://acme.dev/login", "--reset-url", "https://acme.dev/reset")
	if r := h.ok("user", "show", first.Email); !strings.Contains(r.stdout, "Journeys:       not enrolled in any") {
		t.Errorf("user show before activation:\n%s", r.stdout)
	}
	h.ok("journey", "activate", created.Journeys[0].ID, "--yes")
	if r := h.ok("user", "show", first.Email); !strings.Contains(r.stdout, "Migration announcement: active at announcement since ") {
		t.Errorf("user show after activation:\n%s", r.stdout)
	}
	var detail struct {
		Email       string
		Enrollments []struct{ Journey, JourneyStatus, Status, CurrentNode string }
	}
	h.json(&detail, "user", "show", first.ID)
	if detail.Email != first.Email || len(detail.Enrollments) != 1 || detail.Enrollments[0].Journey != importer.JourneyAnnouncement ||
		detail.Enrollments[0].JourneyStatus != "active" {
		t.Errorf("user show --json = %+v", detail)
	}
	// A paused journey sends nothing: the user's line says so, not "next step".
	h.ok("journey", "pause", created.Journeys[0].ID)
	if r := h.ok("user", "show", first.Email); !strings.Contains(r.stdout, "journey paused: nothing is sent") || strings.Contains(r.stdout, "next step") {
		t.Errorf("user show of a paused journey:\n%s", r.stdout)
	}
	h.json(&detail, "user", "show", first.ID)
	if len(detail.Enrollments) != 1 || detail.Enrollments[0].JourneyStatus != "paused" || detail.Enrollments[0].Status != "active" {
		t.Errorf("user show --json, journey paused = %+v", detail)
	}
}

// After a CLI run, the human output ends with the next command to run.
func TestNextCommandAfterImport(t *testing.T) {
	h := newHarness(t)
	clerkServer(t, 40)
	ends := func(r result, want string) {
		t.Helper()
		if !strings.HasSuffix(r.stdout, "\nNext: "+want+"\n") {
			t.Errorf("output does not end with Next: %s\n%s", want, r.stdout)
		}
	}
	ends(h.ok("import", "clerk", "preview", "--api-key", testKey), "`ascendkit import clerk run` with the same flags, to apply it")
	ends(h.ok("import", "clerk", "run", "--api-key", testKey),
		"ascendkit import migration-journey create --from-identity <email> --app-name <name> --login-url <url> --reset-url <url>")
	var created importer.JourneysResult
	h.json(&created, "import", "migration-journey", "create", "--from-identity", "hi@acme.dev", "--app-name", "Acme",
		"--login-url", "https://acme.dev/login", "--reset-url", "https://acme.dev/reset")
	ends(h.ok("import", "clerk", "run", "--api-key", testKey), "ascendkit journey activate "+created.Journeys[0].ID+" --dry-run")
	ends(h.ok("import", "migration-journey", "create"), "ascendkit journey activate "+created.Journeys[0].ID+" --dry-run")
	for _, j := range created.Journeys {
		ends(h.ok("journey", "activate", j.ID, "--yes"), "ascendkit journey show "+j.ID)
	}
	ends(h.ok("import", "clerk", "run", "--api-key", testKey), "ascendkit user list --tag import:clerk")
}

// cancelOnWrite cancels a context once the text written to it contains want.
type cancelOnWrite struct {
	buf    strings.Builder
	want   string
	cancel context.CancelFunc
}

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	c.buf.Write(p)
	if strings.Contains(c.buf.String(), c.want) {
		c.cancel()
	}
	return len(p), nil
}

// ctrl+c at the activation prompt exits 130 and activates nothing, rather
// than waiting for a line that never comes.
func TestActivatePromptInterrupted(t *testing.T) {
	h := newHarness(t)
	var created importer.JourneysResult
	h.json(&created, "import", "migration-journey", "create", "--from-identity", "hi@acme.dev", "--app-name", "Acme",
		"--login-url", "https://acme.dev/login", "--reset-url", "https://acme.dev/reset")
	id := created.Journeys[0].ID
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdin, never := io.Pipe()
	defer never.Close()
	errOut := &cancelOnWrite{want: "[y/N]", cancel: cancel}
	ios := &IO{In: stdin, Out: io.Discard, ErrOut: errOut, IsTTY: true, Getenv: func(k string) string { return h.envs[k] }}
	if code := Run(ctx, ios, []string{"journey", "activate", id}); code != ExitInterrupted {
		t.Fatalf("ctrl+c at the prompt: exit %d, want %d\n%s", code, ExitInterrupted, errOut.buf.String())
	}
	var j struct{ Status string }
	if h.json(&j, "journey", "show", id); j.Status != "draft" {
		t.Errorf("journey is %s after an interrupted prompt", j.Status)
	}
}

// TestAppNameWithHiddenCharactersRefused: the app name goes into every
// migration email's subject; one that reads other than it shows is a
// usage error, stored nowhere.
func TestAppNameWithHiddenCharactersRefused(t *testing.T) {
	h := newHarness(t)
	for _, name := range []string{"Ac\u202eme", "Acme\x1b[31mRED"} {
		r := h.run("", "import", "migration-journey", "create", "--from-identity", "hi@acme.dev", "--app-name", name)
		if r.code != 2 || !strings.Contains(r.stderr, "--app-name") || strings.Contains(r.stderr, "\x1b") || strings.Contains(r.stderr, "\u202e") {
			t.Errorf("%q: exit %d, stderr %q", name, r.code, r.stderr)
		}
	}
	r := h.run("", "journey", "list")
	if strings.Contains(r.stdout, "Migration") {
		t.Errorf("journeys created: %s", r.stdout)
	}
}

// TestDemoRefusesEnv: the demo always uses a throwaway environment; a
// target given with --env is refused rather than silently unused.
func TestDemoRefusesEnv(t *testing.T) {
	h := newHarness(t)
	db := filepath.Join(h.dir, "mine.db")
	r := h.runTTY("", "demo", "--env", "local:"+db)
	if r.code != 2 || !strings.Contains(r.stderr, "throwaway environment") {
		t.Errorf("exit %d %q", r.code, r.stderr)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("the environment was created (%v)", err)
	}
}

// With no imported user, template show rendered nothing without a word.
func TestTemplateShowSaysWhyNothingIsRendered(t *testing.T) {
	h := newHarness(t)
	h.ok("import", "migration-journey", "create")
	if out := h.ok("template", "show", "migration-go-live").stdout; !strings.Contains(out, "not rendered: the environment has no imported user") {
		t.Errorf("template show:\n%s", out)
	}
}

// A preview interrupted while it reads says that it wrote nothing, not a
// run's "what was written stays; run the same command again".
func TestInterruptedPreviewSaysNothingWritten(t *testing.T) {
	h := newHarness(t)
	srv, _ := clerkServer(t, 3000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// ctrl+c as the list is read.
	srv.OnRequest(func(_ int, path string) {
		if path == "/v1/users" {
			cancel()
		}
	})
	var out, errOut strings.Builder
	ios := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return h.envs[k] }}
	if code := Run(ctx, ios, []string{"import", "clerk", "preview", "--api-key", testKey}); code != ExitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", code, ExitInterrupted, errOut.String())
	}
	// Saved to a file, the report must not read as a finished plan.
	if !strings.HasPrefix(out.String(), "Preview (dry run) interrupted: nothing was written") {
		t.Errorf("the report's title:\n%s", out.String())
	}
	if e := errOut.String(); !strings.Contains(e, "Preview interrupted: nothing was written") || strings.Contains(e, "written stays") ||
		strings.Contains(e, "\ninterrupted\n") {
		t.Errorf("the interrupted preview's last words:\n%s", e)
	}
}

// A key read from a file saved with a byte order mark (Notepad,
// PowerShell) is the key: the mark is invisible, and "must start with
// sk_test_" read false.
func TestAPIKeyWithByteOrderMark(t *testing.T) {
	h := newHarness(t)
	clerkServer(t, 5)
	if r := h.run("\ufeff"+testKey+"\r\n", "import", "clerk", "preview", "--api-key", "-"); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

// A name of control characters alone: the rendering shown keeps the
// template's text around it ("Hi ," not "Hi " with the comma eaten by
// the escape), warns that the name is sent as stored, and counts the
// variables the email lacks as --json does.
func TestTemplateShowNameOfControlCharacters(t *testing.T) {
	h := newHarness(t)
	file := writeClerkFile(t, h.dir, `[{"id":"user_ctl","first_name":"\u001b","last_name":"\u0007","primary_email_address_id":"e1",`+
		`"email_addresses":[{"id":"e1","email_address":"ctrlonly@x.com","verification":{"status":"verified"}}],"created_at":1700000000000}]`)
	h.ok("import", "clerk", "run", "--file", file)
	h.ok("import", "migration-journey", "create")
	out := h.ok("template", "show", "migration-go-live", "--user", "ctrlonly@x.com").stdout
	rendered := out[strings.Index(out, "--- rendered for"):]
	if !strings.Contains(rendered, "<p>Hi ,</p>") || !strings.Contains(rendered, "WARNING: the user's name holds control or invisible characters") ||
		strings.Contains(rendered, "userName") && !strings.Contains(rendered, "{{userName}} sends them") {
		t.Errorf("rendered:\n%s", rendered)
	}
	if strings.ContainsRune(out, 0x1b) {
		t.Error("an escape reached the terminal")
	}
}

// migration-journey create that changes an active journey says it is
// sending and that its next emails take the new setup (the wizard asks).
func TestMigrationJourneyCreateSaysActiveJourneyChanges(t *testing.T) {
	h, created := importedWithJourneys(t)
	h.ok("journey", "activate", created.Journeys[0].ID, "--yes")
	out := h.ok("import", "migration-journey", "create", "--app-name", "NewApp").stdout
	if !strings.Contains(out, "updated: it is sending, and its next emails go out with the new setup (active)") {
		t.Errorf("create over an active journey:\n%s", out)
	}
}

// Paused with users in it, a journey is sending too (the wizard asks):
// create says its users get the new setup when it resumes.
func TestMigrationJourneyCreateSaysPausedJourneyChanges(t *testing.T) {
	h, created := importedWithJourneys(t)
	id := created.Journeys[0].ID
	h.ok("journey", "activate", id, "--yes")
	h.ok("journey", "pause", id)
	var again importer.JourneysResult
	h.json(&again, "import", "migration-journey", "create", "--app-name", "NewApp")
	if !again.Journeys[0].Sending || again.Journeys[1].Sending {
		t.Errorf("sending: %+v", again.Journeys)
	}
	out := h.ok("import", "migration-journey", "create", "--app-name", "OtherApp").stdout
	if !strings.Contains(out, "updated: it is paused with users in it, who get the new setup when it resumes (paused)") {
		t.Errorf("create over a paused journey:\n%s", out)
	}
}

// importedWithJourneys is an environment with 20 users imported from the
// API and the migration journeys created, complete, in draft.
func importedWithJourneys(t *testing.T) (*harness, importer.JourneysResult) {
	t.Helper()
	h := newHarness(t)
	clerkServer(t, 20)
	h.ok("import", "clerk", "run", "--api-key", testKey)
	var created importer.JourneysResult
	h.json(&created, "import", "migration-journey", "create", "--from-identity", "hi@acme.dev", "--app-name", "Acme",
		"--login-url", "https://acme.dev/login", "--reset-url", "https://acme.dev/reset")
	return h, created
}

// An interrupted command ends with "interrupted" and what its error says
// beside it: the part of an undo that was done is not lost.
func TestInterruptedLineKeepsWhatWasDone(t *testing.T) {
	if got := interruptedLine(context.Canceled); got != "interrupted" {
		t.Errorf("bare: %q", got)
	}
	err := fmt.Errorf("run run_1 is undone, but its migration sender was not put back (undo it again to finish): %w", context.Canceled)
	if got := interruptedLine(err); got != "interrupted: "+err.Error() {
		t.Errorf("wrapped: %q", got)
	}
}
