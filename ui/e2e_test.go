package ui

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	_ "github.com/ascendkit/ascendkit/client/ascendkit/sqlite"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
	"github.com/ascendkit/ascendkit/importer"
)

// probe wraps the root model inside the real program and publishes the
// current screen, so the test waits on state rather than on terminal
// bytes (the renderer only repaints changed cells).
type probe struct {
	m  Model
	mu *sync.Mutex
	pv *probeView
}

type probeView struct {
	state state
	text  string
	model Model
}

func (p probe) Init() tea.Cmd { return p.m.Init() }
func (p probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	tm, cmd := p.m.Update(msg)
	p.m = tm.(Model)
	p.mu.Lock()
	p.pv.state, p.pv.text, p.pv.model = p.m.state, viewText(p.m), p.m
	p.mu.Unlock()
	return p, cmd
}
func (p probe) View() tea.View { return p.m.View() }

// TestEndToEndDemo walks the wizard on demo-like data, from the source to
// the activation, through the real Clerk client, emulator, importer and
// SQLite environment, and checks the environment afterwards against the
// preview's counts.
func TestEndToEndDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	ctx := context.Background()
	users := emulator.Generate(500, 11)
	srv, err := emulator.Start(users, emulator.Options{SecretKey: emulator.DemoSecretKey, RequestsPer10s: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	env, err := ascendkit.Open("local:" + t.TempDir() + "/e2e.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	openAPI := func(key string, onWait func(string, time.Duration)) (clerk.Source, error) {
		return clerk.NewAPISource(key, clerk.APIOptions{BaseURL: srv.BaseURL(), OnWait: onWait})
	}

	// What the CLI's preview says the run will do.
	src, err := openAPI(emulator.DemoSecretKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := importer.Run(ctx, src, env, importer.Options{Mode: importer.ModePreview, Phases: importer.Phases{Users: true, Settings: true}})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	if want.Users.ToImport == 0 {
		t.Fatal("the demo data has nothing to import")
	}

	cfg := Config{Env: env, OpenAPI: openAPI, OpenFile: clerk.OpenFile, APIKey: emulator.DemoSecretKey, Demo: true, Now: time.Now}
	pv := &probeView{}
	mu := &sync.Mutex{}
	// The real program loop under teatest: output to a buffer, keys sent
	// as messages, a 100×30 terminal.
	tm := teatest.NewTestModel(t, probe{m: New(cfg), mu: mu, pv: pv}, teatest.WithInitialTermSize(100, 30))
	t.Cleanup(func() { tm.GetProgram().Kill() })
	waitScreen := func(what string, cond func(state, string) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			st, txt := pv.state, pv.text
			mu.Unlock()
			if cond(st, txt) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; screen:\n%s", what, txt)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	shows := func(s string) func(state, string) bool {
		return func(_ state, txt string) bool { return strings.Contains(txt, s) }
	}
	press := func(k string) {
		for _, m := range keyMsgs(k) {
			tm.Send(m)
		}
	}

	waitScreen("the source screen", shows("development instance"))
	press("enter")
	waitScreen("the settings preview", shows("preview complete"))
	press("enter")
	waitScreen("the duplicate review", shows("Duplicates and skipped users"))
	press("enter")
	waitScreen("the confirmation", shows("Start the import?"))
	// y typed twice, as a quick hand does: one import, not two.
	press("y")
	press("y")
	waitScreen("the import", shows("Import complete"))
	press("enter")
	waitScreen("the journey form", shows("Sender email"))
	press("migrations@acme.test")
	press("tab")
	press("Acme")
	press("tab")
	press("https://acme.test/login")
	press("tab")
	press("https://acme.test/reset")
	press("ctrl+s")
	waitScreen("the journeys", shows("Migration journeys ready"))
	press("enter")
	waitScreen("the browser", shows("Journeys (2)"))
	press("enter") // Migration announcement (first journey)
	waitScreen("the journey detail", shows("not enrolled"))
	press("a")
	waitScreen("the activation dialog", shows("will be sent now (Day 0)"))
	// Twice again: one activation, whose backfill the notice reports.
	press("y")
	press("y")
	waitScreen("the activation", shows("Activated:"))
	mu.Lock()
	notice := pv.text
	mu.Unlock()
	if !strings.Contains(notice, "users enrolled by backfill") {
		t.Fatalf("the activation's notice is not the backfill's:\n%s", notice)
	}
	press("q")
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second), teatest.WithTimeoutFn(func(t testing.TB) {
		t.Fatal("q did not end the program")
	})).(probe)
	if !ok {
		t.Fatal("the program did not return its model")
	}
	final := fm.m
	if out, err := io.ReadAll(tm.Output()); err != nil || len(out) == 0 {
		t.Fatalf("the program wrote no output (%v)", err)
	}

	// The wizard's import did what the preview said.
	got := final.pc.sess.result
	if got == nil || got.Interrupted {
		t.Fatalf("import result %+v", got)
	}
	if got.Users.Imported != want.Users.ToImport || got.Users.Duplicates != want.Users.Duplicates ||
		got.Users.Skipped != want.Users.Skipped || got.OAuthLinks != want.OAuthLinks {
		t.Fatalf("run %+v links %d, preview %+v links %d", got.Users, got.OAuthLinks, want.Users, want.OAuthLinks)
	}
	for tag, n := range want.Tags {
		if got.Tags[tag] != n {
			t.Errorf("tag %s: run %d, preview %d", tag, got.Tags[tag], n)
		}
	}

	// The environment agrees: one run, which ended.
	runs, err := env.ListRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		var ids []string
		for _, r := range runs {
			ids = append(ids, r.ID+" "+r.Status)
		}
		t.Fatalf("%d runs recorded, want 1: %v", len(runs), ids)
	}
	clerkUsers, err := env.ListUsers(ctx, ascendkit.UserFilter{Tag: importer.TagClerk})
	if err != nil {
		t.Fatal(err)
	}
	if len(clerkUsers) != want.Users.ToImport {
		t.Fatalf("%d users tagged %s, want %d", len(clerkUsers), importer.TagClerk, want.Users.ToImport)
	}
	resets, _ := env.ListUsers(ctx, ascendkit.UserFilter{Tag: importer.TagNeedsPasswordReset})
	if len(resets) != want.Tags[importer.TagNeedsPasswordReset] {
		t.Fatalf("%d users need a reset, want %d", len(resets), want.Tags[importer.TagNeedsPasswordReset])
	}
	settings, _ := env.AuthSettings(ctx)
	if strings.Join(settings.Providers, ",") != strings.Join(want.Settings.After, ",") {
		t.Fatalf("providers %v, preview said %v", settings.Providers, want.Settings.After)
	}
	j, err := env.GetJourney(ctx, "Migration announcement")
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != ascendkit.StatusActive {
		t.Fatalf("journey status %s", j.Status)
	}
	enr, err := env.ListEnrollments(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(enr) != want.Users.ToImport || j.Stats.Enrolled != want.Users.ToImport {
		t.Fatalf("%d enrollments (stats %d), want %d", len(enr), j.Stats.Enrolled, want.Users.ToImport)
	}
	for _, n := range j.Nodes {
		if n.Action == ascendkit.ActionSendEmail && n.From != "migrations@acme.test" {
			t.Fatalf("node %s sender %q", n.ID, n.From)
		}
	}
	pr, _ := env.GetJourney(ctx, "Migration password reset")
	if pr.Status != ascendkit.StatusDraft {
		t.Fatalf("password reset journey %s, want draft", pr.Status)
	}
	sum := final.Summary()
	for _, s := range []string{"Import finished.", "Activated \"Migration announcement\"", "5 templates and 2 journeys created"} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary lacks %q:\n%s", s, sum)
		}
	}
}
