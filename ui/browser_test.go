package ui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
)

func browserOf(d *driver) *browserScreen { return d.m.screens[stateBrowser].(*browserScreen) }

// toBrowser opens the browser on 30 imported users and the migration
// journeys created with seedSetup (no reset URL yet).
func toBrowser(t *testing.T, w, h int) (*driver, ascendkit.Environment) {
	t.Helper()
	return browseSeeded(t, w, h, seedSetup)
}

// completeSetup sets every value the migration templates use, so neither
// journey's activation is refused.
var completeSetup = importer.JourneySetup{FromIdentity: "hello@acme.test", AppName: "Acme", LoginURL: "https://acme.test/login", ResetURL: "https://acme.test/reset"}

func toCompleteBrowser(t *testing.T, w, h int) (*driver, ascendkit.Environment) {
	t.Helper()
	return browseSeeded(t, w, h, completeSetup)
}

func browseSeeded(t *testing.T, w, h int, setup importer.JourneySetup) (*driver, ascendkit.Environment) {
	t.Helper()
	env := newTestEnv(t)
	seedJourneys(t, env, 30, setup)
	cfg := testConfig(env, nil)
	cfg.Start = ScreenBrowser
	d := newDriver(t, cfg, w, h)
	d.waitFor("the lists", func(m Model) bool { return !browserOf(d).loading })
	return d, env
}

// journeyIn reads a journey back from the environment.
func journeyIn(t *testing.T, env ascendkit.Environment, name string) ascendkit.Journey {
	t.Helper()
	j, err := env.GetJourney(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// enrolledIn counts a journey's enrollments in the environment.
func enrolledIn(t *testing.T, env ascendkit.Environment, name string) int {
	t.Helper()
	es, err := env.ListEnrollments(context.Background(), journeyIn(t, env, name).ID)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func TestBrowserActivateAndPause(t *testing.T) {
	d, env := toCompleteBrowser(t, 120, 40)
	b := browserOf(d)
	if b.tab != tabJourneys || len(b.lists[tabJourneys].Items()) != 2 || len(b.lists[tabTemplates].Items()) != 5 {
		t.Fatalf("tab %d, %d journeys, %d templates", b.tab, len(b.lists[tabJourneys].Items()), len(b.lists[tabTemplates].Items()))
	}
	d.mustSee("Migration announcement")
	d.press("enter")
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
	for _, want := range []string{"Day 0", "Day 3", "Day 7", "migration-announcement", "30 users (30 not enrolled)", "[draft]", "after 3d"} {
		d.mustSee(want)
	}
	d.press("a")
	d.waitFor("the dialog", func(m Model) bool { return b.mode == browseActivate })
	if v := flatten(d.view()); !strings.Contains(v, "30 emails of migration-announcement will be sent now (Day 0), then up to 30 of migration-go-live on Day 3") {
		t.Fatalf("the dialog does not say what is sent:\n%s", d.view())
	}
	d.press("n")
	if b.mode != browseJourney || journeyIn(t, env, importer.JourneyAnnouncement).Status != ascendkit.StatusDraft || enrolledIn(t, env, importer.JourneyAnnouncement) != 0 {
		t.Fatal("n activated")
	}
	d.press("a")
	d.waitFor("the dialog", func(m Model) bool { return b.mode == browseActivate })
	d.press("y")
	d.waitFor("the activation", func(m Model) bool { return b.journey.Status == ascendkit.StatusActive })
	d.mustSee("Activated: 30 users enrolled by backfill")
	d.mustSee("enrolled 30")
	if journeyIn(t, env, importer.JourneyAnnouncement).Status != ascendkit.StatusActive || enrolledIn(t, env, importer.JourneyAnnouncement) != 30 {
		t.Fatal("environment not activated")
	}
	if !strings.Contains(d.m.Summary(), `Activated "Migration announcement": 30 users enrolled`) {
		t.Fatalf("summary:\n%s", d.m.Summary())
	}
	// Activating again is not offered; pause is.
	d.press("a")
	if b.mode == browseActivate {
		t.Fatal("a offered to activate an active journey")
	}
	d.press("p")
	d.waitFor("the pause", func(m Model) bool { return b.journey.Status == ascendkit.StatusPaused })
	d.press("esc")
	if b.mode != browseList {
		t.Fatal("esc did not go back to the list")
	}
	// Standalone browser: esc on the list does not leave, q quits.
	d.press("esc", "q")
	if !d.quit {
		t.Fatal("q did not quit")
	}
}

func TestBrowserEditVariables(t *testing.T) {
	d, env := toBrowser(t, 80, 24)
	b := browserOf(d)
	d.press("enter")
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
	d.press("e")
	if b.mode != browseEdit || !b.InputFocused() {
		t.Fatal("e did not open the editor")
	}
	if b.vals[editSender] != "hello@acme.test" || b.vals[editApp] != "Acme" || b.vals[editLogin] != "https://acme.test/login" {
		t.Fatalf("prefill %q", b.vals)
	}
	d.mustSee("Sender    hello@acme.test")
	// The sender is checked as the CLI checks it: the form does not
	// move on, and ctrl+s does not save.
	d.press("ctrl+u", "bad sender", "enter")
	if b.mode != browseEdit {
		t.Fatal("left the editor")
	}
	d.mustSee("invalid sender identity")
	d.press("ctrl+s")
	if b.editErr == "" || b.mode != browseEdit || journeyIn(t, env, importer.JourneyAnnouncement).Nodes[0].From != "hello@acme.test" {
		t.Fatalf("invalid sender saved: %q", b.editErr)
	}
	d.press("ctrl+u", "team@acme.testq") // q is typed, not quit
	if d.quit {
		t.Fatal("q quit in the editor")
	}
	d.press("backspace", "tab", "tab", "tab", "https://acme.test/reset", "enter")
	d.waitFor("the save", func(m Model) bool { return b.mode == browseJourney && b.notice != "" })
	for _, n := range journeyIn(t, env, importer.JourneyAnnouncement).Nodes {
		if n.Action != ascendkit.ActionSendEmail {
			continue
		}
		if n.From != "team@acme.test" || n.Variables["resetUrl"] != "https://acme.test/reset" || n.Variables["loginUrl"] != "https://acme.test/login" {
			t.Fatalf("node not updated: %+v", n)
		}
	}
	d.mustSee("resetUrl https://acme.test/reset")
}

func TestBrowserTemplateRenderedForImportedUser(t *testing.T) {
	d, _ := toBrowser(t, 80, 24)
	b := browserOf(d)
	d.press("tab")
	if b.tab != tabRuns {
		t.Fatal("tab did not switch to the runs")
	}
	d.press("tab")
	if b.tab != tabTemplates {
		t.Fatal("tab did not switch")
	}
	d.press("shift+tab", "shift+tab")
	if b.tab != tabJourneys {
		t.Fatal("shift+tab did not go back to the journeys")
	}
	d.press("shift+tab")
	d.press("enter")
	d.waitFor("the template", func(m Model) bool { return b.mode == browseTemplate })
	for _, want := range []string{"We're moving Acme to a new sign-in platform", "Hi User0,", "User0 <u0@example.com>", "✓ every variable has a value"} {
		d.mustSee(want)
	}
	// The reset email's journey has no reset URL yet: the link renders
	// empty, and the screen says so.
	d.press("esc", "down", "down", "down", "enter")
	d.waitFor("the template", func(m Model) bool { return b.mode == browseTemplate })
	for _, want := range []string{"Migration password reset  migration-password-reset", "missing variables", "{{resetUrl}}", "Set your new Acme password"} {
		d.mustSee(want)
	}
	d.press("esc")
	if b.mode != browseList {
		t.Fatal("esc did not return to the list")
	}
}

func TestBrowserFilter(t *testing.T) {
	d, _ := toBrowser(t, 80, 24)
	b := browserOf(d)
	d.press("/")
	if !b.InputFocused() {
		t.Fatal("/ did not start filtering")
	}
	d.press("reset")
	d.press("q") // typed into the filter
	if d.quit {
		t.Fatal("q quit while filtering")
	}
	d.press("backspace", "enter")
	if n := len(b.lists[tabJourneys].VisibleItems()); n != 1 {
		t.Fatalf("%d visible journeys, want 1", n)
	}
	d.mustSee("Migration password reset")
	d.press("esc")
	if n := len(b.lists[tabJourneys].VisibleItems()); n != 2 {
		t.Fatalf("esc did not clear the filter: %d", n)
	}
}

func TestBrowserGoldenList(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		d, _ := toBrowser(t, w, h)
		return d
	})
}

func TestBrowserGoldenJourney(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		d, _, _ := toActivationDialog(t, w, h)
		return d
	})
}

func TestBrowserGoldenTemplate(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		d, _ := toBrowser(t, w, h)
		b := browserOf(d)
		d.press("shift+tab", "enter")
		d.waitFor("the template", func(m Model) bool { return b.mode == browseTemplate })
		return d
	})
}

// The detail of the real migration journeys, created without a sender or
// URLs: each email shows its sender and variables, and what is not set
// yet is flagged; the login exit and the end read plainly.
func TestBrowserTimelineShowsSendersVariablesAndExits(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	seedUsers(t, env, makeUsers(3))
	if _, err := importer.CreateMigrationJourneys(ctx, env, importer.JourneySetup{AppName: "Acme"}); err != nil {
		t.Fatal(err)
	}
	// A step reached only by an event.
	env.CreateJourney(ctx, ascendkit.Journey{
		Name: "Welcome back", Status: ascendkit.StatusDraft, Audience: ascendkit.Audience{Tag: importer.TagClerk}, Entry: "wait",
		Nodes: []ascendkit.Node{
			{ID: "wait", Action: ascendkit.ActionNone},
			{ID: "welcome", Action: ascendkit.ActionSendEmail, TemplateSlug: "welcome-back", From: "team@acme.test", Variables: map[string]string{"loginUrl": "https://acme.test/login"}},
		},
		Transitions: []ascendkit.Transition{{ID: "wait-to-welcome", From: "wait", To: "welcome", Trigger: ascendkit.TriggerEvent, On: importer.EventUserLogin}},
	})
	cfg := testConfig(env, nil)
	cfg.Start = ScreenBrowser
	d := newDriver(t, cfg, 120, 40)
	b := browserOf(d)
	d.waitFor("the lists", func(m Model) bool { return !b.loading })
	st := d.m.pc.styles

	d.press("enter") // Migration announcement
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
	v := d.view()
	for _, want := range []string{
		"Day 0  ▸ send migration-announcement", "Day 3  send migration-go-live", "Day 7  send migration-reminder",
		"from (no sender)", "appName Acme · loginUrl (unset)", "└ on user.login → done (end)", "Day 7  · end",
	} {
		if !strings.Contains(v, want) {
			t.Fatalf("detail lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "Day -1") {
		t.Fatalf("negative day shown:\n%s", v)
	}
	raw := d.m.View().Content
	for _, want := range []string{st.Warning.Render("(no sender)"), st.Warning.Render("loginUrl (unset)")} {
		if !strings.Contains(raw, want) {
			t.Fatalf("%q is not in the warning style", ansi.Strip(want))
		}
	}

	d.press("esc", "down", "enter") // Migration password reset
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney && b.journey.Name == importer.JourneyPasswordReset })
	v = d.view()
	for _, want := range []string{"Day 0  · enrolled", "│ after 1d", "Day 1  ▸ send migration-password-reset", "resetUrl (unset)", "Day 4  · end"} {
		if !strings.Contains(v, want) {
			t.Fatalf("detail lacks %q:\n%s", want, v)
		}
	}

	d.press("esc", "down", "enter") // Welcome back
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney && b.journey.Name == "Welcome back" })
	v = d.view()
	for _, want := range []string{"└ on user.login → welcome", "on user.login → ▸ send welcome-back", "from team@acme.test", "loginUrl https://acme.test/login"} {
		if !strings.Contains(v, want) {
			t.Fatalf("detail lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "Day -1") {
		t.Fatalf("negative day shown:\n%s", v)
	}
}

// A timeline longer than the screen scrolls.
func TestBrowserTimelineScrolls(t *testing.T) {
	d, _ := toBrowser(t, 80, 16)
	b := browserOf(d)
	d.press("enter")
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
	d.mustSee("↓ more")
	if strings.Contains(d.view(), "Day 7  · end") {
		t.Fatal("test is moot: the timeline fits")
	}
	for range 20 {
		d.press("down")
	}
	d.mustSee("Day 7  · end")
	d.mustSee("↑ more")
	d.press("esc")
	if b.mode != browseList || b.tlOffset != 0 {
		t.Fatalf("esc: mode %v offset %d", b.mode, b.tlOffset)
	}
}

// The activation dialog stays inside a narrow screen.
func TestBrowserActivateDialogFits(t *testing.T) {
	d, _, _ := toActivationDialog(t, 60, 20)
	assertFits(t, d.view(), 60, 20)
	d.mustSee("30 emails of")
	framed := 0
	for _, l := range strings.Split(d.view(), "\n") {
		if strings.HasPrefix(l, "│") || strings.HasPrefix(l, "╭") || strings.HasPrefix(l, "╰") {
			framed++
			if !strings.HasSuffix(l, "│") && !strings.HasSuffix(l, "╮") && !strings.HasSuffix(l, "╯") {
				t.Fatalf("dialog cut at the right edge: %q\n%s", l, d.view())
			}
		}
	}
	if framed == 0 {
		t.Fatalf("no dialog:\n%s", d.view())
	}
}

// A template's text is wrapped at word boundaries.
func TestBrowserTemplateWrapsWords(t *testing.T) {
	env := newTestEnv(t)
	seedJourneys(t, env, 3, seedSetup)
	ctx := context.Background()
	tpl, err := env.GetTemplate(ctx, importer.SlugAnnouncement)
	if err != nil {
		t.Fatal(err)
	}
	tpl.BodyText = strings.Repeat("Your account, history and settings come with you. ", 4)
	if _, err := env.UpdateTemplate(ctx, tpl); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(env, nil)
	cfg.Start = ScreenBrowser
	d := newDriver(t, cfg, 60, 24)
	b := browserOf(d)
	d.waitFor("the lists", func(m Model) bool { return !b.loading })
	d.press("shift+tab", "enter")
	d.waitFor("the template", func(m Model) bool { return b.mode == browseTemplate })
	v := d.view()
	for _, w := range []string{"account,", "history", "settings"} {
		if n := strings.Count(v, w); n != 4 {
			t.Fatalf("%q whole %d times, want 4 (a word cut at the edge):\n%s", w, n, v)
		}
	}
}

// activate → pause → activate: the plain summary gives the journey's
// final status once, with the users enrolled over the session, and does
// not present an activation that enrolled nobody as news.
func TestBrowserSummaryGivesFinalJourneyStatus(t *testing.T) {
	d, _, b := toActivationDialog(t, 80, 24)
	d.press("y")
	d.waitFor("the activation", func(m Model) bool { return b.journey.Status == ascendkit.StatusActive })
	d.press("p")
	d.waitFor("the pause", func(m Model) bool { return b.journey.Status == ascendkit.StatusPaused })
	d.press("a")
	d.waitFor("the dialog", func(m Model) bool { return b.mode == browseActivate })
	d.press("y")
	d.waitFor("the activation", func(m Model) bool { return b.journey.Status == ascendkit.StatusActive })
	d.mustSee("no new users to enroll")
	sum := d.m.Summary()
	if strings.Count(sum, "Migration announcement") != 1 || !strings.Contains(sum, `Activated "Migration announcement": 30 users enrolled`) {
		t.Fatalf("summary:\n%s", sum)
	}
	if strings.Contains(sum, "Paused") || strings.Contains(sum, ": 0 users enrolled") {
		t.Fatalf("summary:\n%s", sum)
	}
	// Paused last: the summary says so.
	d.press("p")
	d.waitFor("the pause", func(m Model) bool { return b.journey.Status == ascendkit.StatusPaused })
	if sum := d.m.Summary(); !strings.Contains(sum, `Paused "Migration announcement" (30 users enrolled while it was active)`) || strings.Contains(sum, "Activated") {
		t.Fatalf("summary:\n%s", sum)
	}
}

// a, then esc before the journey has loaded: the dialog does not open
// over the list when the load returns.
func TestBrowserIgnoresStaleActivateLoad(t *testing.T) {
	d, env := toBrowser(t, 80, 24)
	b := browserOf(d)
	d.press("enter")
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
	tm, load := d.m.Update(keyMsgs("a")[0]) // the load is held back
	d.m = tm.(Model)
	if load == nil {
		t.Fatal("a did not load the journey")
	}
	d.press("esc")
	if b.mode != browseList {
		t.Fatalf("mode %v after esc", b.mode)
	}
	d.send(load())
	if b.mode != browseList || journeyIn(t, env, importer.JourneyAnnouncement).Status != ascendkit.StatusDraft {
		t.Fatalf("a stale load changed the screen: mode %v\n%s", b.mode, d.view())
	}
	d.mustSee("Journeys (2)")
}

// Email safety: while an email step lacks a variable its template uses,
// the activation dialog refuses, names the problem, and y activates
// nothing; e opens the editor, and once the value is set the dialog
// says what will be sent.
func TestBrowserActivationRefusedWhileVariableUnset(t *testing.T) {
	// The announcement is created without a login URL.
	d, env := browseSeeded(t, 120, 40, importer.JourneySetup{FromIdentity: "hello@acme.test", AppName: "Acme"})
	b := browserOf(d)
	d.press("enter")
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
	d.press("a")
	d.waitFor("the dialog", func(m Model) bool { return b.mode == browseActivate })
	d.mustSee(`Cannot activate "Migration announcement" yet`)
	// The announcement's own template has no link: its steps after it do.
	d.mustSee("migration-go-live (node go_live): unset loginUrl")
	// Emptying a variable in the editor leaves it flagged in the timeline.
	d.press("e", "tab", "ctrl+u", "ctrl+s")
	d.waitFor("the save", func(m Model) bool { return strings.Contains(b.notice, "Saved") })
	d.mustSee("appName (unset)")
	d.press("a")
	d.waitFor("the dialog", func(m Model) bool { return b.mode == browseActivate })
	d.mustSee("unset appName, loginUrl")
	d.press("y")
	if st := journeyIn(t, env, importer.JourneyAnnouncement).Status; st != ascendkit.StatusDraft || b.mode != browseActivate {
		t.Fatalf("y activated a journey with an unset variable (status %s)", st)
	}
	d.press("e")
	if b.mode != browseEdit {
		t.Fatalf("e did not open the editor: mode %v", b.mode)
	}
	d.press("tab", "Acme", "tab", "https://acme.test/login")
	d.press("ctrl+s")
	d.waitFor("the save", func(m Model) bool { return strings.Contains(b.notice, "Saved") })
	d.press("a")
	d.waitFor("the dialog", func(m Model) bool { return b.mode == browseActivate })
	d.mustSee("30 emails of migration-announcement will be sent now (Day 0)")
	d.press("y")
	d.waitFor("the activation", func(m Model) bool { return b.journey.Status == ascendkit.StatusActive })
	if n := enrolledIn(t, env, importer.JourneyAnnouncement); n != 30 {
		t.Fatalf("%d enrolled, want 30", n)
	}
}

// Discoverability: in a journey, tab selects an email step and enter
// opens its template rendered with that step's variables (esc goes back
// to the journey); u renders the template for a user picked by email and
// lists the journeys that user is enrolled in.
func TestBrowserOpensStepTemplateAndRendersForAPickedUser(t *testing.T) {
	d, env := toCompleteBrowser(t, 120, 40)
	b := browserOf(d)
	d.press("enter")
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
	d.press("tab") // the second email step: go-live
	d.mustSee("▸ send migration-go-live")
	d.press("enter")
	d.waitFor("the template", func(m Model) bool { return b.mode == browseTemplate })
	d.mustSee("Migration go-live  migration-go-live · v1")
	d.mustSee("from Migration announcement / go_live")
	d.press("esc")
	if b.mode != browseJourney || b.journey == nil {
		t.Fatalf("esc from a step's template: mode %v", b.mode)
	}
	// Activate, so that users are enrolled, then pick one.
	d.press("a")
	d.waitFor("the dialog", func(m Model) bool { return b.mode == browseActivate })
	d.press("y")
	d.waitFor("the activation", func(m Model) bool { return b.journey.Status == ascendkit.StatusActive })
	d.press("enter")
	d.waitFor("the template", func(m Model) bool { return b.mode == browseTemplate })
	d.press("u", "nobody@example.com", "enter")
	d.mustSee("No user with the email nobody@example.com.")
	d.press("u", "u7@example.com", "enter")
	d.waitFor("the picked user", func(m Model) bool { return b.tmplUser != nil && b.tmplUser.Email == "u7@example.com" })
	d.mustSee("User7 <u7@example.com>")
	d.mustSee("Hi User7,")
	d.mustSee("Migration announcement (active")
	_ = env
}

// y typed twice in the activation dialog activates once: the dialog
// closes on the first y, and the notice is that activation's result, not
// a second call's "no new users".
func TestBrowserDoubleYActivatesOnce(t *testing.T) {
	d, env, b := toActivationDialog(t, 120, 40)
	d.update(keyMsgs("y")[0])
	d.update(keyMsgs("y")[0])
	d.settle()
	d.waitFor("the activation", func(m Model) bool { return b.acting == "" && b.journey.Status == ascendkit.StatusActive })
	d.mustSee("Activated: 30 users enrolled by backfill")
	if strings.Contains(d.view(), "no new users") || enrolledIn(t, env, importer.JourneyAnnouncement) != 30 {
		t.Fatalf("second y acted:\n%s", d.view())
	}
	if n := len(d.m.pc.sess.journeyActions); n != 1 {
		t.Fatalf("%d journey actions recorded, want 1: %+v", n, d.m.pc.sess.journeyActions)
	}
	// p p pauses once as well, and e while the pause is in flight does
	// not open an editor the pause's result would close under the typist.
	d.update(keyMsgs("p")[0])
	d.update(keyMsgs("p")[0])
	d.update(keyMsgs("e")[0])
	if b.mode == browseEdit {
		t.Fatal("the editor opened while a pause was in flight")
	}
	d.settle()
	d.waitFor("the pause", func(m Model) bool { return b.acting == "" && b.journey.Status == ascendkit.StatusPaused })
	if n := len(d.m.pc.sess.journeyActions); n != 2 || b.err != "" {
		t.Fatalf("p p: %d journey actions, err %q", n, b.err)
	}
}

// The variable editor refuses an app name with a bidi override, as the
// journey form does, shows a marker for it, and saves nothing.
func TestBrowserEditRefusesHiddenCharacters(t *testing.T) {
	d, env := toBrowser(t, 120, 40)
	b := browserOf(d)
	d.press("enter")
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
	d.press("e", "tab", "ctrl+u")
	d.send(tea.PasteMsg{Content: "Ac\u202Eme"})
	if strings.ContainsRune(d.m.View().Content, '\u202e') {
		t.Fatal("the editor echoes the bidi override")
	}
	d.mustSee("Ac\ufffdme")
	d.press("ctrl+s")
	if !strings.Contains(b.editErr, "direction-changing") || b.mode != browseEdit {
		t.Fatalf("saved: mode %v, error %q", b.mode, b.editErr)
	}
	for _, n := range journeyIn(t, env, importer.JourneyAnnouncement).Nodes {
		if strings.ContainsRune(n.Variables["appName"], '\u202e') {
			t.Fatalf("stored %q", n.Variables["appName"])
		}
	}
}

// toActivationDialog opens the first journey of a complete browser and
// its activation dialog.
func toActivationDialog(t *testing.T, w, h int) (*driver, ascendkit.Environment, *browserScreen) {
	t.Helper()
	d, env := toCompleteBrowser(t, w, h)
	b := browserOf(d)
	d.press("enter")
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
	d.press("a")
	d.waitFor("the dialog", func(m Model) bool { return b.mode == browseActivate })
	return d, env, b
}

// Saving an active journey's variables runs activation's check: an edit
// that would send its emails with a link left empty is refused with the
// node and the variable, the form stays open and nothing is written; an
// edit that leaves every value set saves.
func TestBrowserEditActiveJourneyKeepsWhatEmailsNeed(t *testing.T) {
	d, env := toCompleteBrowser(t, 120, 40)
	b := browserOf(d)
	d.press("enter")
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
	d.press("a")
	d.waitFor("the dialog", func(m Model) bool { return b.mode == browseActivate })
	d.press("y")
	d.waitFor("the activation", func(m Model) bool { return b.journey.Status == ascendkit.StatusActive })
	d.press("e", "tab", "tab", "ctrl+u")
	if b.vals[editLogin] != "" {
		t.Fatalf("loginUrl not cleared: %q", b.vals)
	}
	d.press("ctrl+s")
	d.waitFor("the check", func(m Model) bool { return b.acting == "" })
	if b.mode != browseEdit || !b.InputFocused() {
		t.Fatal("the refused save left the editor")
	}
	v := flatten(d.view())
	for _, want := range []string{"Not saved", "is active", "unset loginUrl", "(node "} {
		if !strings.Contains(v, want) {
			t.Fatalf("the refusal does not say %q:\n%s", want, d.view())
		}
	}
	if strings.Contains(v, "Saved the sender") {
		t.Fatalf("a refused save says it saved:\n%s", d.view())
	}
	for _, n := range journeyIn(t, env, importer.JourneyAnnouncement).Nodes {
		if n.Action == ascendkit.ActionSendEmail && n.Variables["loginUrl"] != "https://acme.test/login" {
			t.Fatalf("the refused edit was written: %+v", n)
		}
	}
	// Put the link back and change the app's name: saved.
	d.press("https://acme.test/in", "shift+tab", "ctrl+u", "Acme Two", "ctrl+s")
	d.waitFor("the save", func(m Model) bool { return b.mode == browseJourney && b.notice != "" })
	d.mustSee("Saved the sender and variables")
	for _, n := range journeyIn(t, env, importer.JourneyAnnouncement).Nodes {
		if n.Action == ascendkit.ActionSendEmail && (n.Variables["loginUrl"] != "https://acme.test/in" || n.Variables["appName"] != "Acme Two") {
			t.Fatalf("the edit was not written: %+v", n)
		}
	}
}

// A name with control or invisible characters is shown without them, as
// all user text is, and the preview says the email sends them as stored.
func TestBrowserTemplateFlagsHiddenCharactersInTheName(t *testing.T) {
	d, _ := toBrowser(t, 100, 30)
	b := browserOf(d)
	d.press("tab", "tab", "enter")
	d.waitFor("the template", func(m Model) bool { return b.mode == browseTemplate && b.tmplUser != nil })
	if strings.Contains(d.view(), "control or invisible characters") {
		t.Fatalf("a plain name flagged:\n%s", d.view())
	}
	u := *b.tmplUser
	u.Name = "Eve\u202eevil\u202c"
	b.tmplUser = &u
	d.mustSee("Eveevil <")
	d.mustSee("the name holds control or invisible characters")
}

// A user enrolled in a paused journey is shown as such: the enrollment
// stays "active" while nothing is sent.
func TestEnrollmentsLineSaysJourneyPaused(t *testing.T) {
	es := []importer.UserEnrollment{
		{Journey: "A", JourneyStatus: ascendkit.StatusPaused, Enrollment: ascendkit.Enrollment{Status: "active", CurrentNode: "n1"}},
		{Journey: "B", JourneyStatus: ascendkit.StatusActive, Enrollment: ascendkit.Enrollment{Status: "active", CurrentNode: "n2"}},
		{Journey: "C", JourneyStatus: ascendkit.StatusPaused, Enrollment: ascendkit.Enrollment{Status: "completed", CurrentNode: "n3"}},
	}
	if got, want := enrollmentsLine(es), "A (journey paused, at n1); B (active, at n2); C (completed, at n3)"; got != want {
		t.Errorf("enrollmentsLine = %q, want %q", got, want)
	}
}
