package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// fixedNow is the clock of every test.
var fixedNow = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// sliceSource is an in-memory clerk.Source.
type sliceSource struct {
	kind     string
	users    []clerk.User
	pageSize int
	pos      int
	closed   bool
}

func (s *sliceSource) Kind() string { return s.kind }
func (s *sliceSource) Total(context.Context) (int, error) {
	if s.kind == "file" {
		return -1, nil
	}
	return len(s.users), nil
}
func (s *sliceSource) Next(ctx context.Context) ([]clerk.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.pos >= len(s.users) {
		return nil, io.EOF
	}
	end := min(s.pos+s.pageSize, len(s.users))
	var recs []clerk.Record
	for i := s.pos; i < end; i++ {
		u := s.users[i]
		recs = append(recs, clerk.Record{Pos: i + 1, User: &u})
	}
	s.pos = end
	return recs, nil
}
func (s *sliceSource) Close() error { s.closed = true; return nil }

func strp(s string) *string { return &s }

// makeUsers builds n deterministic Clerk users.
func makeUsers(n int) []clerk.User {
	out := make([]clerk.User, n)
	for i := range out {
		id := fmt.Sprintf("user_%04d", i)
		out[i] = clerk.User{
			ID:                    id,
			FirstName:             strp(fmt.Sprintf("User%d", i)),
			PrimaryEmailAddressID: strp("idn_" + id),
			PasswordEnabled:       i%3 != 0,
			EmailAddresses:        []clerk.EmailAddress{{ID: "idn_" + id, EmailAddress: fmt.Sprintf("u%d@example.com", i)}},
			CreatedAt:             1700000000000,
		}
		if i%2 == 0 {
			out[i].ExternalAccounts = []clerk.ExternalAccount{{ID: "eac_" + id, Provider: "oauth_google", ProviderUserID: "g" + id, Verification: &clerk.Verification{Status: "verified"}}}
		}
	}
	return out
}

// goldenTarget is the name the test environment gives itself.
const goldenTarget = "local:/tmp/ascendkit-test/local.db"

// testEnv is the real SQLite environment in a temporary directory. Only
// Describe is overridden: the header, the source screen and the
// confirmation show the target, and the temporary directory's name
// changes on every run while the goldens need one name.
type testEnv struct{ ascendkit.Environment }

func (testEnv) Describe() string { return goldenTarget }

// newTestEnv opens an empty SQLite environment for one test.
func newTestEnv(t *testing.T) ascendkit.Environment {
	t.Helper()
	return testEnv{realEnv(t, t.TempDir())}
}

// seedUsers imports users into env with the real importer, at fixedNow.
func seedUsers(t *testing.T, env ascendkit.Environment, users []clerk.User) {
	t.Helper()
	src := &sliceSource{kind: "api", users: users, pageSize: 500}
	rep, err := importer.Run(context.Background(), src, env, importer.Options{
		Mode: importer.ModeRun, Phases: importer.Phases{Users: true}, OnDuplicate: importer.PolicySkip,
		Now: func() time.Time { return fixedNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Users.Imported != len(users) {
		t.Fatalf("seeded %d of %d users: %+v", rep.Users.Imported, len(users), rep.Users)
	}
}

// seedSetup is the migration setup of seedJourneys: the reset URL is
// left unset, so the password reset journey cannot be activated yet.
var seedSetup = importer.JourneySetup{FromIdentity: "hello@acme.test", AppName: "Acme", LoginURL: "https://acme.test/login"}

// seedJourneys imports users makeUsers(users) (every third without a
// password, so the others need a reset) and creates the migration
// templates and journeys with setup, as the wizard's journeys step does.
func seedJourneys(t *testing.T, env ascendkit.Environment, users int, setup importer.JourneySetup) {
	t.Helper()
	if users > 0 {
		seedUsers(t, env, makeUsers(users))
	}
	if _, err := importer.CreateMigrationJourneys(context.Background(), env, setup); err != nil {
		t.Fatal(err)
	}
}

// fakeRender substitutes {{var}} from the user and vars.
func fakeRender(t ascendkit.Template, u ascendkit.User, vars map[string]string) importer.Rendered {
	all := map[string]string{"userName": u.Name}
	for k, v := range vars {
		all[k] = v
	}
	var missing []string
	sub := func(s string) string {
		for {
			i := strings.Index(s, "{{")
			if i < 0 {
				return s
			}
			j := strings.Index(s[i:], "}}")
			if j < 0 {
				return s
			}
			name := s[i+2 : i+j]
			v, ok := all[name]
			if !ok || v == "" {
				missing = append(missing, name)
			}
			s = s[:i] + v + s[i+j+2:]
		}
	}
	r := importer.Rendered{Subject: sub(t.Subject), Text: sub(t.BodyText)}
	seen := map[string]bool{}
	for _, m := range missing {
		if !seen[m] {
			seen[m] = true
			r.Missing = append(r.Missing, m)
		}
	}
	return r
}

// scriptedRun returns an importer stand-in that reads the source, emits
// events and returns report. When hold is non-nil it waits for it (or
// the context) before returning.
func scriptedRun(events []importer.Event, report importer.Report, hold chan struct{}) func(context.Context, clerk.Source, ascendkit.Environment, importer.Options) (importer.Report, error) {
	return func(ctx context.Context, src clerk.Source, env ascendkit.Environment, opts importer.Options) (importer.Report, error) {
		for _, ev := range events {
			opts.OnEvent(ev)
		}
		if hold != nil {
			select {
			case <-hold:
			case <-ctx.Done():
				r := report
				r.Interrupted = true
				opts.OnEvent(importer.Finished{Report: r})
				return r, nil
			}
		}
		r := report
		r.Mode = opts.Mode
		opts.OnEvent(importer.Finished{Report: r})
		return r, nil
	}
}

// driver runs a Model like a tiny Bubble Tea program: commands run in
// goroutines and their messages come back through a channel.
type driver struct {
	t    *testing.T
	m    Model
	msgs chan tea.Msg
	quit bool
	// inflight counts commands still running; a message is sent before
	// its command stops counting, so 0 with no message queued means
	// nothing more will come unless a key is pressed.
	inflight atomic.Int64
}

type driverOpt func(*programContext)

func newDriver(t *testing.T, cfg Config, w, h int, opts ...driverOpt) *driver {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return fixedNow }
	}
	m := New(cfg)
	m.pc.render = fakeRender
	// No 1 s redraw timers: a test that wants the clock to move advances
	// it and sends runTickMsg itself, and no key waits on a timer.
	m.pc.runTick = func(int) tea.Cmd { return func() tea.Msg { return nil } }
	m.pc.validateIdentity = func(s string) error {
		if !strings.Contains(s, "@") || strings.ContainsAny(s, " <>") {
			return fmt.Errorf("%q is not a valid email address", s)
		}
		return nil
	}
	for _, o := range opts {
		o(m.pc)
	}
	d := &driver{t: t, m: m, msgs: make(chan tea.Msg, 1024)}
	t.Cleanup(func() { d.m.shutdown() })
	d.update(tea.WindowSizeMsg{Width: w, Height: h})
	d.exec(d.m.Init())
	d.settle()
	return d
}

func (d *driver) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	d.inflight.Add(1)
	go func() {
		d.msgs <- cmd()
		d.inflight.Add(-1)
	}()
}

func (d *driver) handle(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			d.exec(c)
		}
	case spinner.TickMsg:
		// Spinners would tick forever; one frame is enough for a test.
	case tea.QuitMsg:
		d.quit = true
	default:
		d.update(msg)
	}
}

func (d *driver) update(msg tea.Msg) {
	tm, cmd := d.m.Update(msg)
	d.m = tm.(Model)
	d.exec(cmd)
}

// settle processes the messages of the commands a key started until none
// is running; a command that keeps running (a spinner frame, an import
// held by the test) is given 60 ms of silence, then left to waitFor.
func (d *driver) settle() {
	for {
		select {
		case msg := <-d.msgs:
			d.handle(msg)
		default:
			if d.inflight.Load() == 0 {
				return
			}
			select {
			case msg := <-d.msgs:
				d.handle(msg)
			case <-time.After(60 * time.Millisecond):
				return
			}
		}
	}
}

// waitFor processes messages until cond holds.
func (d *driver) waitFor(what string, cond func(Model) bool) {
	d.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond(d.m) {
		select {
		case msg := <-d.msgs:
			d.handle(msg)
		case <-deadline:
			d.t.Fatalf("timed out waiting for %s; screen:\n%s", what, d.view())
		}
	}
}

// send delivers messages in order, then lets commands settle.
func (d *driver) send(msgs ...tea.Msg) {
	for _, m := range msgs {
		d.update(m)
	}
	d.settle()
}

// press types keys: names such as "enter", "esc", "ctrl+c", "space" or
// plain text (each rune a key).
func (d *driver) press(keys ...string) {
	for _, k := range keys {
		for _, m := range keyMsgs(k) {
			d.update(m)
		}
		d.settle()
	}
}

func keyMsgs(k string) []tea.Msg {
	named := map[string]tea.KeyPressMsg{
		"enter":     {Code: tea.KeyEnter},
		"esc":       {Code: tea.KeyEscape},
		"tab":       {Code: tea.KeyTab},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
		"space":     {Code: tea.KeySpace, Text: " "},
		"up":        {Code: tea.KeyUp},
		"down":      {Code: tea.KeyDown},
		"backspace": {Code: tea.KeyBackspace},
		"ctrl+c":    {Code: 'c', Mod: tea.ModCtrl},
		"ctrl+s":    {Code: 's', Mod: tea.ModCtrl},
		"ctrl+u":    {Code: 'u', Mod: tea.ModCtrl},
	}
	if m, ok := named[k]; ok {
		return []tea.Msg{m}
	}
	var out []tea.Msg
	for _, r := range k {
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

func (d *driver) view() string { return viewText(d.m) }

func (d *driver) state() state { return d.m.state }

func viewText(m Model) string {
	v := m.View()
	lines := strings.Split(ansi.Strip(v.Content), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

func (d *driver) mustSee(s string) {
	d.t.Helper()
	if v := d.view(); !strings.Contains(v, s) {
		d.t.Fatalf("screen does not show %q:\n%s", s, v)
	}
}

type (
	clerkSource = clerk.Source
)

type (
	ctxT = context.Context
	srcT = clerk.Source
	envT = ascendkit.Environment
)
