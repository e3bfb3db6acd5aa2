package ui

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
)

func journeysOf(d *driver) *journeysScreen { return d.m.screens[stateJourneys].(*journeysScreen) }

// journeysRecorder records the setup of every call and creates the journeys
// with the real importer.
type journeysRecorder struct {
	setups []importer.JourneySetup
}

func (f *journeysRecorder) install(pc *programContext) {
	pc.createJourneys = func(ctx context.Context, env ascendkit.Environment, setup importer.JourneySetup) (importer.JourneysResult, error) {
		f.setups = append(f.setups, setup)
		return importer.CreateMigrationJourneys(ctx, env, setup)
	}
}

func toJourneys(t *testing.T, w, h int) (*driver, *journeysRecorder) {
	t.Helper()
	fj := &journeysRecorder{}
	env := newTestEnv(t)
	core := &fakeCore{}
	core.runEvents, core.runReport = runScript()
	d := newDriver(t, testConfig(env, makeUsers(10)), w, h, core.install, fj.install)
	d.m.pc.sess.source = sourceChoice{Kind: "api", Key: "sk_test_x", Total: 10}
	d.send(navMsg{to: stateJourneys})
	return d, fj
}

func TestJourneysValidatesAndCreates(t *testing.T) {
	d, fj := toJourneys(t, 80, 24)
	s := journeysOf(d)
	if !s.InputFocused() {
		t.Fatal("the sender input should be focused")
	}
	// A field is checked as it is left, with the CLI's checks: the form
	// stays on it.
	d.press("not an email", "tab")
	d.mustSee(`invalid sender identity "not an email"`)
	d.press("ctrl+u", "hello@acme.test", "tab", "Acme", "tab", "ftp://x", "tab")
	d.mustSee(`invalid URL "ftp://x": want an http(s) URL`)
	// ctrl+s checks every field and names what is wrong.
	d.press("ctrl+s")
	if len(fj.setups) != 0 || s.errs[fieldLoginURL] == "" || s.errs[fieldResetURL] == "" || s.errs[fieldSender] != "" {
		t.Fatalf("setups %v errors %q", fj.setups, s.errs)
	}
	d.mustSee("Reset URL: a URL is required")
	// q is typed into the focused field.
	d.press("ctrl+u", "https://acme.test/loginq")
	if d.quit {
		t.Fatal("q quit while typing")
	}
	d.press("backspace", "tab", "https://acme.test/reset", "enter") // enter on the last field creates
	d.waitFor("the result", func(m Model) bool { return s.result != nil })
	want := importer.JourneySetup{FromIdentity: "hello@acme.test", AppName: "Acme", LoginURL: "https://acme.test/login", ResetURL: "https://acme.test/reset"}
	if len(fj.setups) != 1 || fj.setups[0] != want {
		t.Fatalf("setup %+v", fj.setups)
	}
	d.mustSee("+ created")
	d.mustSee("Migration announcement")
	if !strings.Contains(d.m.Summary(), "5 templates and 2 journeys created") {
		t.Fatalf("summary:\n%s", d.m.Summary())
	}
	// Again: everything already exists, as the form says.
	d.press("esc")
	if v := flatten(d.view()); !strings.Contains(v, "The 5 email templates exist; the 2 journeys exist (both in draft) and take this setup:") {
		t.Fatalf("form after creating:\n%s", d.view())
	}
	d.press("ctrl+s")
	d.waitFor("the second result", func(m Model) bool { return s.result != nil && len(fj.setups) == 2 })
	d.mustSee("= already existed")
	d.press("enter")
	if d.state() != stateBrowser {
		t.Fatalf("state %v, want browser", d.state())
	}
}

func TestJourneysGoldenForm(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		d, _ := toJourneys(t, w, h)
		d.press("bad", "enter", "Acme", "ctrl+s")
		return d
	})
}

func TestJourneysGoldenResult(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		d, _ := toJourneys(t, w, h)
		d.press("hello@acme.test", "tab", "Acme", "tab", "https://acme.test/login", "tab", "https://acme.test/reset", "ctrl+s")
		d.waitFor("the result", func(m Model) bool { return journeysOf(d).result != nil })
		return d
	})
}

// Running the step again shows the saved setup, and what is not set
// reads as an example, not as a value.
func TestJourneysPrefillFromSavedSettings(t *testing.T) {
	fj := &journeysRecorder{}
	env := newTestEnv(t)
	for k, v := range map[string]string{
		importer.SettingFromIdentity: "team@acme.test",
		importer.SettingAppName:      "Acme \x1b[31mRed\x1b[0m",
		importer.SettingLoginURL:     "https://acme.test/login",
	} {
		if err := env.SetSetting(context.Background(), k, v); err != nil {
			t.Fatal(err)
		}
	}
	d := newDriver(t, testConfig(env, makeUsers(10)), 80, 24, fj.install)
	d.m.pc.sess.source = sourceChoice{Kind: "api", Key: "sk_test_x", Total: 10}
	d.send(navMsg{to: stateJourneys})
	s := journeysOf(d)
	d.waitFor("the saved setup", func(m Model) bool { return s.vals[fieldSender] != "" })
	if s.vals[fieldSender] != "team@acme.test" || s.vals[fieldLoginURL] != "https://acme.test/login" || s.vals[fieldResetURL] != "" {
		t.Fatalf("prefill %q", s.vals)
	}
	d.mustSee("Filled in with the saved setup")
	d.mustSee("Reset URL     e.g. https://yourapp.com/reset-password")
	d.mustSee("Fields showing e.g. … are not set yet")
	if strings.Contains(d.m.View().Content, "\x1b[31mRed") {
		t.Fatal("saved value rendered with its escape sequence")
	}
	// The placeholder has its own style: not the one of typed text.
	raw := d.m.View().Content
	phStyle, valueStyle := sgrBefore(raw, ".g. https://yourapp.com/reset-password"), sgrBefore(raw, "https://acme.test/login")
	if phStyle == "" || phStyle == valueStyle {
		t.Fatalf("the placeholder is drawn like a value (%q, %q):\n%q", phStyle, valueStyle, raw)
	}
	// The reset URL is required: nothing is created without it.
	d.press("ctrl+s")
	if len(fj.setups) != 0 || s.errs[fieldResetURL] == "" {
		t.Fatalf("created without a reset URL: %+v (errors %q)", fj.setups, s.errs)
	}
	d.mustSee("a URL is required")
	d.press("tab", "tab", "tab", "https://acme.test/reset", "ctrl+s")
	d.waitFor("the result", func(m Model) bool { return s.result != nil })
	if got := fj.setups[0]; got.FromIdentity != "team@acme.test" || got.LoginURL != "https://acme.test/login" || got.ResetURL != "https://acme.test/reset" {
		t.Fatalf("setup %+v", got)
	}
}

// Typing before the saved setup arrives wins over it.
func TestJourneysPrefillKeepsTypedText(t *testing.T) {
	env := newTestEnv(t)
	d := newDriver(t, testConfig(env, nil), 80, 24)
	d.m.pc.sess.source = sourceChoice{Kind: "api", Key: "sk_test_x", Total: 10}
	d.send(navMsg{to: stateJourneys})
	s := journeysOf(d)
	d.press("me@acme.test")
	d.send(savedSetupMsg{values: [numJourneyFields]string{"team@acme.test", "Acme", "", ""}})
	if s.vals[fieldSender] != "me@acme.test" || s.vals[fieldAppName] != "Acme" {
		t.Fatalf("values %q", s.vals)
	}
	d.mustSee("Sender email  me@acme.test")
	d.mustSee("App name      Acme")
}

// A long validation error of the sender is wrapped at 80 columns, not cut.
func TestJourneysLongErrorIsWrapped(t *testing.T) {
	d, _ := toJourneys(t, 80, 24)
	sender := "the team that sends our migration notices, at migrations@acme.test"
	d.press(sender, "ctrl+s")
	want := fmt.Sprintf("✗ Sender email: invalid sender identity %q: want a bare email address such as hello@yourapp.com", sender)
	if !strings.Contains(flatten(d.view()), want) {
		t.Fatalf("error cut:\n%s", d.view())
	}
	assertFits(t, d.view(), 80, 24)
}

// Email safety: step 6 refuses to create the journeys without a sender,
// a login URL and a reset URL, with the CLI's validation ("https://" is
// not a URL).
func TestJourneysRequireSenderAndURLs(t *testing.T) {
	d, fj := toJourneys(t, 120, 40)
	s := journeysOf(d)
	d.press("ctrl+s")
	if len(fj.setups) != 0 {
		t.Fatal("created with every field empty")
	}
	for _, f := range []int{fieldSender, fieldAppName, fieldLoginURL, fieldResetURL} {
		if s.errs[f] == "" {
			t.Errorf("field %s has no error", journeyFieldLabels[f])
		}
	}
	d.press("hello@acme.test", "tab", "Acme", "tab", "https://", "tab")
	d.mustSee("it has no host")
	d.press("ctrl+s")
	if len(fj.setups) != 0 || s.errs[fieldLoginURL] == "" {
		t.Fatalf("https:// accepted as the login URL: %+v", fj.setups)
	}
}

// Bug 4: values edited in the browser show when going back to step 6,
// and the exit summary counts what this session created even after step
// 6 ran again and found them existing.
func TestJourneysShowBrowserEditsAndSummaryCountsSession(t *testing.T) {
	d, fj := toJourneys(t, 120, 40)
	s := journeysOf(d)
	d.press("hello@acme.test", "tab", "Acme", "tab", "https://acme.test/login", "tab", "https://acme.test/reset", "ctrl+s")
	d.waitFor("the result", func(m Model) bool { return s.result != nil })
	d.press("enter")
	d.waitFor("the browser", func(m Model) bool { return m.state == stateBrowser && !browserOf(d).loading })
	b := browserOf(d)
	b.tab = tabJourneys
	b.lists[tabJourneys].Select(0)
	d.press("enter")
	d.waitFor("the journey", func(m Model) bool { return b.journey != nil })
	d.press("e")
	d.press("tab", "tab", "ctrl+u", "https://acme.test/signin")
	d.press("ctrl+s")
	d.waitFor("the save", func(m Model) bool { return strings.Contains(b.notice, "Saved") })
	d.press("esc", "esc") // journey → list → step 6
	if d.state() != stateJourneys {
		t.Fatalf("state %v, want journeys", d.state())
	}
	d.waitFor("the edited login URL", func(m Model) bool {
		return s.vals[fieldLoginURL] == "https://acme.test/signin"
	})
	// Step 6 again: everything exists now; the session still made them.
	d.press("esc", "ctrl+s")
	d.waitFor("the second result", func(m Model) bool { return s.result != nil && len(fj.setups) == 2 })
	if got := fj.setups[1].LoginURL; got != "https://acme.test/signin" {
		t.Fatalf("step 6 sent the old login URL %q", got)
	}
	if sum := d.m.Summary(); !strings.Contains(sum, "5 templates and 2 journeys created (0 and 0 already existed)") {
		t.Fatalf("summary:\n%s", sum)
	}
}

// sgrBefore is the last SGR sequence written before text in raw ("" when
// text is not there or has none).
func sgrBefore(raw, text string) string {
	i := strings.Index(raw, text)
	if i < 0 {
		return ""
	}
	j := strings.LastIndex(raw[:i], "\x1b[")
	if j < 0 {
		return ""
	}
	return raw[j:i]
}

// A pasted app name (or URL) with a bidi override, escape sequence or
// zero-width character is refused with a reason, never created with, and
// the field shows a marker rather than the raw character.
func TestJourneysRefuseHiddenCharacters(t *testing.T) {
	d, fj := toJourneys(t, 120, 40)
	s := journeysOf(d)
	d.press("hello@acme.test", "tab")
	d.send(tea.PasteMsg{Content: "Ac\u202Eme\x1b[31mRED\x07x"})
	raw := d.m.View().Content
	if strings.ContainsRune(raw, '\u202e') || strings.Contains(raw, "\x1b[31mRED") || strings.ContainsRune(raw, '\a') {
		t.Fatalf("the field echoes raw characters: %q", raw)
	}
	d.mustSee("Ac\ufffdme")
	d.press("tab")
	d.mustSee("direction-changing characters")
	if s.form.focus != fieldAppName {
		t.Fatalf("the form left the app name (focus %d)", s.form.focus)
	}
	d.press("ctrl+s")
	if len(fj.setups) != 0 || !strings.Contains(s.errs[fieldAppName], "direction-changing") {
		t.Fatalf("created with a hidden character: setups %+v, errors %q", fj.setups, s.errs)
	}
	// A zero-width space in a URL is refused the same way.
	d.press("ctrl+u", "Acme", "tab")
	d.send(tea.PasteMsg{Content: "https://acme.test/lo\u200bgin"})
	d.press("tab")
	d.mustSee("direction-changing characters")
	d.press("ctrl+u", "https://acme.test/login", "tab", "https://acme.test/reset", "ctrl+s")
	d.waitFor("the result", func(m Model) bool { return s.result != nil })
	if len(fj.setups) != 1 || fj.setups[0].AppName != "Acme" || fj.setups[0].LoginURL != "https://acme.test/login" {
		t.Fatalf("setup %+v", fj.setups)
	}
}

// At 60 columns (and at 80×24) the step fits: its sentences wrap instead
// of being cut, and the created journeys' ids, which the person copies,
// are shown whole, the first time and when they already existed.
func TestJourneysFitNarrowTerminal(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{60, 20}, {80, 24}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			d, _ := toJourneys(t, sz.w, sz.h)
			assertFits(t, d.view(), sz.w, sz.h)
			whole := strings.Join(strings.Fields(d.view()), " ")
			for _, want := range []string{
				"Creates 5 email templates and 2 draft journeys: announcement (Day 0 → 3 → 7) and password reset (Day 1 → 4).",
				"All four are required: every email uses them (activation refuses an email with an unset {{appName}}, {{loginUrl}} or {{resetUrl}}).",
			} {
				if !strings.Contains(whole, want) {
					t.Errorf("the form does not say %q in full:\n%s", want, d.view())
				}
			}
			d.press("hello@acme.test", "tab", "Acme", "tab", "https://acme.test/login", "tab", "https://acme.test/reset", "ctrl+s")
			d.waitFor("the result", func(m Model) bool { return journeysOf(d).result != nil })
			for range 2 { // created, then already existing
				v := d.view()
				assertFits(t, v, sz.w, sz.h)
				r := journeysOf(d).result
				if len(r.Journeys) != 2 {
					t.Fatalf("journeys %+v", r.Journeys)
				}
				for _, j := range r.Journeys {
					if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(j.ID) + `(\s|$)`).MatchString(v) {
						t.Errorf("journey id %s is not shown whole:\n%s", j.ID, v)
					}
				}
				if !strings.Contains(strings.Join(strings.Fields(v), " "), "(journeys stay in draft until you activate them)") {
					t.Errorf("the draft note is cut:\n%s", v)
				}
				d.press("esc")
				d.press("ctrl+s")
				d.waitFor("the result", func(m Model) bool { return journeysOf(d).result != nil })
			}
		})
	}
}

// Editing the setup again after the journeys exist updates their email
// steps: the result says which journeys were updated and with what, not
// that they "already existed"; templates, which the setup does not
// change, did.
func TestJourneysEditAgainSaysWhatWasUpdated(t *testing.T) {
	d, fj := toJourneys(t, 120, 40)
	s := journeysOf(d)
	d.press("hello@acme.test", "tab", "Acme", "tab", "https://acme.test/login", "tab", "https://acme.test/reset", "ctrl+s")
	d.waitFor("the result", func(m Model) bool { return s.result != nil })
	d.press("esc", "tab", "ctrl+u", "Acme Two", "ctrl+s")
	d.waitFor("the second result", func(m Model) bool { return s.result != nil && len(fj.setups) == 2 })
	if got := fj.setups[1].AppName; got != "Acme Two" {
		t.Fatalf("the edit sent app name %q", got)
	}
	v := d.view()
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "Migration announcement") &&
			(!strings.Contains(l, "~ updated") || !strings.Contains(l, "(changed: appName)") || strings.Contains(l, "sender")) {
			t.Fatalf("the announcement's line does not say its app name was updated: %q\n%s", l, v)
		}
		if (strings.Contains(l, importer.JourneyAnnouncement) || strings.Contains(l, importer.JourneyPasswordReset)) && strings.Contains(l, "already existed") {
			t.Fatalf("an updated journey is said to have already existed:\n%s", v)
		}
	}
	d.mustSee("Migration announcement (changed: appName)")
	d.mustSee("Templates")
	d.mustSee("= already existed migration-announcement")
	// The same setup once more changes nothing, and says so.
	d.press("esc", "ctrl+s")
	d.waitFor("the third result", func(m Model) bool { return s.result != nil && len(fj.setups) == 3 })
	if v := flatten(d.view()); strings.Contains(v, "updated") || !strings.Contains(v, "= already existed Migration announcement") {
		t.Fatalf("an unchanged setup is reported as an update:\n%s", d.view())
	}
}

// Journeys an earlier session made take a new setup: the summary counts
// them as updated, beside existing and created.
func TestJourneysSummaryCountsUpdatedJourneys(t *testing.T) {
	fj := &journeysRecorder{}
	env := newTestEnv(t)
	seedJourneys(t, env, 0, completeSetup)
	d := newDriver(t, testConfig(env, makeUsers(10)), 120, 40, fj.install)
	d.send(navMsg{to: stateJourneys})
	s := journeysOf(d)
	d.waitFor("the saved setup", func(m Model) bool { return s.vals[fieldSender] == completeSetup.FromIdentity })
	d.press("tab", "tab", "ctrl+u", "https://acme.test/signin", "ctrl+s")
	d.waitFor("the result", func(m Model) bool { return s.result != nil })
	d.mustSee("Migration announcement (changed: loginUrl)")
	if sum := d.m.Summary(); !strings.Contains(sum, "0 templates and 0 journeys created (5 and 2 already existed); 1 existing journey updated with the new setup") {
		t.Fatalf("summary:\n%s", sum)
	}
}

// A second migration finds the journeys, the announcement active: the
// form and the result say so instead of "draft journeys" and "stay in
// draft until you activate them".
func TestJourneysWordedFromTheirState(t *testing.T) {
	env := newTestEnv(t)
	seedJourneys(t, env, 5, completeSetup)
	j := journeyIn(t, env, importer.JourneyAnnouncement)
	if _, err := importer.Activate(context.Background(), env, j.ID, fixedNow); err != nil {
		t.Fatal(err)
	}
	d, _ := journeysOn(t, env, 5)
	s := journeysOf(d)
	d.waitFor("the state read", func(Model) bool { return s.existing.known })
	v := flatten(d.view())
	if strings.Contains(v, "draft journeys") || !strings.Contains(v, "The 5 email templates exist; the 2 journeys exist (announcement active, password reset in draft) and take this setup:") {
		t.Fatalf("form:\n%s", d.view())
	}
	d.press("ctrl+s")
	d.waitFor("the result", func(m Model) bool { return s.result != nil })
	v = flatten(d.view())
	if strings.Contains(v, "journeys stay in draft") ||
		!strings.Contains(v, "(Migration announcement already active (emails go out); Migration password reset stays in draft until you activate it)") {
		t.Fatalf("result:\n%s", d.view())
	}
}

func TestJourneysFormIntro(t *testing.T) {
	for _, c := range []struct {
		m    migrationState
		want string
	}{
		{migrationState{}, "Creates 5 email templates and 2 draft journeys:"},
		{migrationState{known: true}, "Creates 5 email templates and 2 draft journeys:"},
		{migrationState{known: true, templates: 3, journeys: []importer.Created{{Name: importer.JourneyPasswordReset, Status: ascendkit.StatusPaused}}},
			"Creates 2 email templates (3 exist); 1 journey is created in draft; 1 existing journey (password reset paused) takes this setup:"},
	} {
		if got := c.m.formIntro(); got != c.want {
			t.Errorf("formIntro(%+v) = %q, want %q", c.m, got, c.want)
		}
	}
}

// Saving a setup that changes a journey that is sending (active) asks
// first, naming it: its next emails would go out with the new sender or
// values. n leaves it as it is; y saves.
func TestJourneysAskBeforeChangingASendingJourney(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	setup := importer.JourneySetup{FromIdentity: "team@acme.test", AppName: "Acme", LoginURL: "https://acme.test/login", ResetURL: "https://acme.test/reset"}
	if _, err := importer.CreateMigrationJourneys(ctx, env, setup); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Activate(ctx, env, importer.JourneyPasswordReset, time.Now()); err != nil {
		t.Fatal(err)
	}
	d, fj := journeysOn(t, env, 10)
	s := journeysOf(d)
	d.waitFor("the saved setup", func(m Model) bool { return s.vals[fieldAppName] != "" })
	appName := func() string {
		j, err := env.GetJourney(ctx, importer.JourneyPasswordReset)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range j.Nodes {
			if n.Action == ascendkit.ActionSendEmail {
				return n.Variables["appName"]
			}
		}
		return ""
	}
	d.press("tab", "ctrl+u", "Acme Two", "ctrl+s")
	d.waitFor("the question", func(m Model) bool { return s.confirm != nil })
	if v := flatten(d.view()); !strings.Contains(v, "Sending now: Migration password reset.") || !strings.Contains(v, "Save? y / n") {
		t.Fatalf("no question:\n%s", d.view())
	}
	d.press("n")
	if len(fj.setups) != 0 || appName() != "Acme" {
		t.Fatalf("saved on n: setups %v, appName %q", fj.setups, appName())
	}
	d.mustSee("Not saved: nothing was changed.")
	d.press("ctrl+s")
	d.waitFor("the question again", func(m Model) bool { return s.confirm != nil })
	d.press("y")
	d.waitFor("the result", func(m Model) bool { return s.result != nil })
	if len(fj.setups) != 1 || appName() != "Acme Two" {
		t.Fatalf("not saved on y: setups %v, appName %q", fj.setups, appName())
	}
}

// journeysOn is the journeys step at 100×30 on env, after an import of n
// users from the API.
func journeysOn(t *testing.T, env ascendkit.Environment, n int) (*driver, *journeysRecorder) {
	t.Helper()
	fj := &journeysRecorder{}
	d := newDriver(t, testConfig(env, makeUsers(n)), 100, 30, fj.install)
	d.m.pc.sess.source = sourceChoice{Kind: "api", Key: "sk_test_x", Total: n}
	d.send(navMsg{to: stateJourneys})
	return d, fj
}

// What was typed into the form and not saved stays when the step is left
// with esc and entered again; once saved, the form shows the setup.
func TestJourneysDraftSurvivesEsc(t *testing.T) {
	core := &fakeCore{}
	core.runEvents, core.runReport = runScript()
	d := throughImport(t, core)
	d.press("enter")
	d.press("a@b.co", "tab", "Bee App", "tab", "https://b.co/login")
	d.press("esc")
	if d.state() != stateProgress {
		t.Fatalf("esc from the journeys step: state %v", d.state())
	}
	d.press("enter")
	if d.state() != stateJourneys {
		t.Fatalf("enter on the summary: state %v", d.state())
	}
	if got := journeysOf(d).vals; got[fieldSender] != "a@b.co" || got[fieldAppName] != "Bee App" || got[fieldLoginURL] != "https://b.co/login" {
		t.Fatalf("the form after esc and back: %q", got)
	}
	d.mustSee("Bee App")
}

// The summary printed when the wizard ends words the import's warnings as
// its summary screen did: no --entries file or --providers flag, which a
// wizard user has none of.
func TestSummaryWarningsInTheWizardsWords(t *testing.T) {
	core := &fakeCore{}
	core.runEvents, core.runReport = runScript()
	core.runReport.Warnings = []string{
		"3 users have no email address (listed in --entries as no_email): they are skipped.",
		"6 users signed in to Clerk with neither a password nor OAuth (email code or link): add magic-link (--providers …,magic-link) so they can sign in.",
	}
	d := throughImport(t, core)
	sum := d.m.Summary()
	if strings.Contains(sum, "--entries") || strings.Contains(sum, "(--providers") ||
		!strings.Contains(sum, "listed in the review") || !strings.Contains(sum, "ascendkit auth update --providers …,magic-link") {
		t.Errorf("summary:\n%s", sum)
	}
}

// Back from the browser, where a journey was activated, the result says
// so instead of "stay in draft until you activate them".
func TestJourneysResultAfterActivationInBrowser(t *testing.T) {
	env := newTestEnv(t)
	seedJourneys(t, env, 5, completeSetup)
	d, _ := journeysOn(t, env, 5)
	s := journeysOf(d)
	d.waitFor("the saved setup", func(m Model) bool { return s.vals[fieldSender] == completeSetup.FromIdentity })
	d.press("ctrl+s")
	d.waitFor("the result", func(m Model) bool { return s.result != nil })
	d.mustSee("journeys stay in draft until you activate them")
	d.press("enter")
	d.waitFor("browser", func(m Model) bool { return m.state == stateBrowser })
	j := journeyIn(t, env, importer.JourneyAnnouncement)
	if _, err := importer.Activate(context.Background(), env, j.ID, fixedNow); err != nil { // as the browser's activation does
		t.Fatal(err)
	}
	d.press("esc")
	d.waitFor("the journeys read again", func(m Model) bool {
		return m.state == stateJourneys && strings.Contains(flatten(d.view()), "Migration announcement already active (emails go out)")
	})
	if strings.Contains(flatten(d.view()), "journeys stay in draft") {
		t.Fatalf("result:\n%s", d.view())
	}
}

// throughImport walks the wizard from its first step to the end of the
// import core runs.
func throughImport(t *testing.T, core *fakeCore) *driver {
	t.Helper()
	cfg := testConfig(newTestEnv(t), makeUsers(10))
	cfg.APIKey = "sk_test_0123456789"
	d := newDriver(t, cfg, 120, 40, core.install, (&journeysRecorder{}).install)
	d.press("enter")
	d.waitFor("settings", func(m Model) bool { return m.state == stateSettings && settingsOf(d).report != nil })
	d.press("enter", "enter")
	d.waitFor("confirm", func(m Model) bool { return m.state == stateConfirm && confirmOf(d).report != nil })
	d.press("y")
	d.waitFor("progress", func(m Model) bool { return m.state == stateProgress && progressOf(d).report != nil })
	return d
}

// The summary's providers line says so when the run was undone since (in
// the Runs tab), and where to see what is on now.
func TestSummaryProvidersAfterUndo(t *testing.T) {
	core := &fakeCore{}
	core.runEvents, core.runReport = runScript()
	core.runReport.RunID = "run_x"
	d := throughImport(t, core)
	if sum := d.m.Summary(); !strings.Contains(sum, "Auth providers: ") || strings.Contains(sum, "undone since") {
		t.Fatalf("summary before the undo:\n%s", sum)
	}
	d.m.pc.sess.undone = append(d.m.pc.sess.undone, "run_x")
	if sum := d.m.Summary(); !strings.Contains(sum, "(as this run left them; it was undone since: `ascendkit auth show` says what is on now)") {
		t.Errorf("summary after the undo:\n%s", sum)
	}
}
