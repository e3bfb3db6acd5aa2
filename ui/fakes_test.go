package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
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

// fakeEnv is a small in-memory ascendkit.Environment for the screens.
type fakeEnv struct {
	mu          sync.Mutex
	users       []ascendkit.User
	templates   []ascendkit.Template
	journeys    []ascendkit.Journey
	enrolled    map[string]map[string]bool
	countErr    error
	activations int
	providers   []string          // auth providers enabled now
	settings    map[string]string // Setting / SetSetting
}

func newFakeEnv() *fakeEnv { return &fakeEnv{enrolled: map[string]map[string]bool{}} }

func (e *fakeEnv) Describe() string { return "local:/tmp/ascendkit-test/local.db" }
func (e *fakeEnv) LookupSourceIDs(context.Context, string, []string) (map[string]ascendkit.Match, error) {
	return map[string]ascendkit.Match{}, nil
}
func (e *fakeEnv) LookupEmails(context.Context, []string) (map[string]ascendkit.Match, error) {
	return map[string]ascendkit.Match{}, nil
}
func (e *fakeEnv) LookupLinks(context.Context, []ascendkit.OAuthLink) (map[string]ascendkit.Match, error) {
	return map[string]ascendkit.Match{}, nil
}
func (e *fakeEnv) ApplyImport(context.Context, ascendkit.ImportBatch, time.Time) (ascendkit.BatchResult, error) {
	return ascendkit.BatchResult{}, nil
}
func (e *fakeEnv) CountUsers(context.Context) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.users), e.countErr
}
func (e *fakeEnv) GetUser(_ context.Context, idOrEmail string) (ascendkit.User, error) {
	for _, u := range e.users {
		if u.ID == idOrEmail || u.Email == idOrEmail {
			return u, nil
		}
	}
	return ascendkit.User{}, ascendkit.ErrNotFound
}
func hasTag(u ascendkit.User, tag string) bool {
	for _, t := range u.Tags {
		if t == tag {
			return true
		}
	}
	return false
}
func (e *fakeEnv) ListUsers(_ context.Context, f ascendkit.UserFilter) ([]ascendkit.User, error) {
	var out []ascendkit.User
	for _, u := range e.users {
		if f.Tag != "" && !hasTag(u, f.Tag) {
			continue
		}
		out = append(out, u)
		if f.Limit > 0 && len(out) >= f.Limit {
			break
		}
	}
	return out, nil
}
func (e *fakeEnv) ListEvents(context.Context, ascendkit.EventFilter) ([]ascendkit.Event, error) {
	return nil, nil
}
func (e *fakeEnv) AuthSettings(context.Context) (ascendkit.AuthSettings, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return ascendkit.AuthSettings{Providers: append([]string(nil), e.providers...)}, nil
}
func (e *fakeEnv) SetAuthProviders(context.Context, []string) error { return nil }
func (e *fakeEnv) Setting(_ context.Context, k string) (string, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	v, ok := e.settings[k]
	return v, ok, nil
}
func (e *fakeEnv) SetSetting(_ context.Context, k, v string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.settings == nil {
		e.settings = map[string]string{}
	}
	e.settings[k] = v
	return nil
}
func (e *fakeEnv) UpdateTemplate(_ context.Context, t ascendkit.Template) (ascendkit.Template, error) {
	return t, nil
}
func (e *fakeEnv) CreateTemplate(_ context.Context, t ascendkit.Template) (ascendkit.Template, bool, error) {
	for _, x := range e.templates {
		if x.Slug == t.Slug {
			return x, false, nil
		}
	}
	t.ID = fmt.Sprintf("tpl_%d", len(e.templates)+1)
	e.templates = append(e.templates, t)
	return t, true, nil
}
func (e *fakeEnv) ListTemplates(_ context.Context, q string) ([]ascendkit.Template, error) {
	return append([]ascendkit.Template(nil), e.templates...), nil
}
func (e *fakeEnv) GetTemplate(_ context.Context, idOrSlug string) (ascendkit.Template, error) {
	for _, t := range e.templates {
		if t.ID == idOrSlug || t.Slug == idOrSlug {
			return t, nil
		}
	}
	return ascendkit.Template{}, ascendkit.ErrNotFound
}
func (e *fakeEnv) CreateJourney(_ context.Context, j ascendkit.Journey) (ascendkit.Journey, bool, error) {
	for _, x := range e.journeys {
		if x.Name == j.Name {
			return x, false, nil
		}
	}
	j.ID = fmt.Sprintf("jrn_%d", len(e.journeys)+1)
	e.journeys = append(e.journeys, j)
	return j, true, nil
}
func (e *fakeEnv) find(id string) int {
	for i, j := range e.journeys {
		if j.ID == id || j.Name == id {
			return i
		}
	}
	return -1
}
func (e *fakeEnv) UpdateJourneyNodes(_ context.Context, id string, nodes []ascendkit.Node) (ascendkit.Journey, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := e.find(id)
	if i < 0 {
		return ascendkit.Journey{}, ascendkit.ErrNotFound
	}
	e.journeys[i].Nodes = nodes
	return e.journeys[i], nil
}
func (e *fakeEnv) ListJourneys(context.Context) ([]ascendkit.Journey, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := append([]ascendkit.Journey(nil), e.journeys...)
	for i := range out { // as GetJourney: the stats follow the enrollments
		out[i].Stats.Enrolled = len(e.enrolled[out[i].ID])
		out[i].Stats.Active = out[i].Stats.Enrolled
	}
	return out, nil
}
func (e *fakeEnv) GetJourney(_ context.Context, id string) (ascendkit.Journey, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := e.find(id)
	if i < 0 {
		return ascendkit.Journey{}, ascendkit.ErrNotFound
	}
	j := e.journeys[i]
	j.Stats.Enrolled = len(e.enrolled[j.ID])
	j.Stats.Active = j.Stats.Enrolled
	return j, nil
}
func (e *fakeEnv) AudienceSize(_ context.Context, id string) (int, int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := e.find(id)
	if i < 0 {
		return 0, 0, ascendkit.ErrNotFound
	}
	total, not := 0, 0
	for _, u := range e.users {
		if hasTag(u, e.journeys[i].Audience.Tag) && !u.Banned {
			total++
			if !e.enrolled[e.journeys[i].ID][u.ID] {
				not++
			}
		}
	}
	return total, not, nil
}
func (e *fakeEnv) ActivateJourney(_ context.Context, id string, _ time.Time) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := e.find(id)
	if i < 0 {
		return 0, ascendkit.ErrNotFound
	}
	j := &e.journeys[i]
	j.Status = ascendkit.StatusActive
	if e.enrolled[j.ID] == nil {
		e.enrolled[j.ID] = map[string]bool{}
	}
	n := 0
	for _, u := range e.users {
		if hasTag(u, j.Audience.Tag) && !u.Banned && !e.enrolled[j.ID][u.ID] {
			e.enrolled[j.ID][u.ID] = true
			n++
		}
	}
	e.activations++
	return n, nil
}
func (e *fakeEnv) PauseJourney(_ context.Context, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := e.find(id)
	if i < 0 {
		return ascendkit.ErrNotFound
	}
	e.journeys[i].Status = ascendkit.StatusPaused
	return nil
}
func (e *fakeEnv) ListEnrollments(_ context.Context, journeyID string) ([]ascendkit.Enrollment, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []ascendkit.Enrollment
	entry := ""
	if i := e.find(journeyID); i >= 0 {
		entry = e.journeys[i].Entry
	}
	for _, u := range e.users {
		if e.enrolled[journeyID][u.ID] {
			out = append(out, ascendkit.Enrollment{JourneyID: journeyID, UserID: u.ID, Status: "active", CurrentNode: entry})
		}
	}
	return out, nil
}
func (e *fakeEnv) Close() error { return nil }

// seedJourneys fills the fake environment with the migration set.
func seedJourneys(e *fakeEnv, users int) {
	for i := 0; i < users; i++ {
		tags := []string{importer.TagClerk}
		if i%3 != 0 {
			tags = append(tags, importer.TagNeedsPasswordReset)
		}
		e.users = append(e.users, ascendkit.User{ID: fmt.Sprintf("usr_%04d", i), Email: fmt.Sprintf("u%d@example.com", i), Name: fmt.Sprintf("User %d", i), Tags: tags})
	}
	for _, slug := range []string{"migration-announcement", "migration-go-live", "migration-reminder", "migration-password-reset", "migration-password-reset-reminder"} {
		e.CreateTemplate(context.Background(), ascendkit.Template{
			Slug: slug, Name: strings.ReplaceAll(slug, "-", " "), Subject: "{{appName}} is moving",
			BodyText: "Hi {{userName}},\n\n{{appName}} moves to a new sign-in.\nLog in: {{loginUrl}}\nReset: {{resetUrl}}\n", Version: 1,
		})
	}
	vars := map[string]string{"appName": "Acme", "loginUrl": "https://acme.test/login"}
	e.CreateJourney(context.Background(), ascendkit.Journey{
		Name: "Migration announcement", Status: ascendkit.StatusDraft, Audience: ascendkit.Audience{Tag: importer.TagClerk}, Entry: "announce",
		Nodes: []ascendkit.Node{
			{ID: "announce", Action: ascendkit.ActionSendEmail, TemplateSlug: "migration-announcement", From: "hello@acme.test", Variables: vars},
			{ID: "golive", Action: ascendkit.ActionSendEmail, TemplateSlug: "migration-go-live", From: "hello@acme.test", Variables: vars},
			{ID: "reminder", Action: ascendkit.ActionSendEmail, TemplateSlug: "migration-reminder", From: "hello@acme.test", Variables: vars},
			{ID: "done", Action: ascendkit.ActionNone},
		},
		Transitions: []ascendkit.Transition{
			{ID: "announce-to-golive", From: "announce", To: "golive", Trigger: ascendkit.TriggerTimer, After: "3d"},
			{ID: "golive-to-reminder", From: "golive", To: "reminder", Trigger: ascendkit.TriggerTimer, After: "4d"},
			{ID: "golive-to-done", From: "golive", To: "done", Trigger: ascendkit.TriggerEvent, On: importer.EventUserLogin},
			{ID: "reminder-to-done", From: "reminder", To: "done", Trigger: ascendkit.TriggerTimer, After: "0d"},
		},
	})
	e.CreateJourney(context.Background(), ascendkit.Journey{
		Name: "Migration password reset", Status: ascendkit.StatusDraft, Audience: ascendkit.Audience{Tag: importer.TagNeedsPasswordReset}, Entry: "reset",
		Nodes: []ascendkit.Node{
			{ID: "wait", Action: ascendkit.ActionNone},
			{ID: "reset", Action: ascendkit.ActionSendEmail, TemplateSlug: "migration-password-reset", From: "hello@acme.test", Variables: map[string]string{"appName": "Acme"}},
		},
	})
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
	ascendkitUser = ascendkit.User
	clerkSource   = clerk.Source
)

type (
	ctxT = context.Context
	srcT = clerk.Source
	envT = ascendkit.Environment
)
