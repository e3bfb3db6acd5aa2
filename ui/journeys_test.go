package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
)

func journeysOf(d *driver) *journeysScreen { return d.m.screens[stateJourneys].(*journeysScreen) }

// fakeJourneys records the setup and seeds the environment.
type fakeJourneys struct {
	setups []importer.JourneySetup
}

func (f *fakeJourneys) install(pc *programContext) {
	pc.createJourneys = func(ctx context.Context, env ascendkit.Environment, setup importer.JourneySetup) (importer.JourneysResult, error) {
		f.setups = append(f.setups, setup)
		fe := env.(*fakeEnv)
		existed := len(fe.journeys) > 0
		if !existed {
			seedJourneys(fe, 0)
		}
		var res importer.JourneysResult
		for _, t := range fe.templates {
			res.Templates = append(res.Templates, importer.Created{ID: t.ID, Slug: t.Slug, Name: t.Name, Created: !existed})
		}
		for _, j := range fe.journeys {
			res.Journeys = append(res.Journeys, importer.Created{ID: j.ID, Name: j.Name, Created: !existed})
		}
		return res, nil
	}
}

func toJourneys(t *testing.T, w, h int) (*driver, *fakeJourneys) {
	t.Helper()
	fj := &fakeJourneys{}
	env := newFakeEnv()
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
	d.press("not an email", "tab", "Acme", "tab", "ftp://x", "tab", "https://acme.test/reset", "ctrl+s")
	if len(fj.setups) != 0 {
		t.Fatal("created with invalid fields")
	}
	if s.errs[fieldSender] == "" || s.errs[fieldLoginURL] == "" || s.focus != fieldSender {
		t.Fatalf("errors %v focus %d", s.errs, s.focus)
	}
	d.mustSee(`invalid sender identity "not an email"`)
	d.mustSee(`invalid URL "ftp://x": want an http(s) URL`)
	s.inputs[fieldSender].SetValue("hello@acme.test")
	s.inputs[fieldLoginURL].SetValue("https://acme.test/login")
	// q is typed into the focused field.
	d.press("q")
	if d.quit {
		t.Fatal("q quit while typing")
	}
	d.press("backspace", "ctrl+s")
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
	// Again: everything already exists.
	d.press("esc", "ctrl+s")
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
	fj := &fakeJourneys{}
	env := newFakeEnv()
	env.settings = map[string]string{
		importer.SettingFromIdentity: "team@acme.test",
		importer.SettingAppName:      "Acme \x1b[31mRed\x1b[0m",
		importer.SettingLoginURL:     "https://acme.test/login",
	}
	d := newDriver(t, testConfig(env, makeUsers(10)), 80, 24, fj.install)
	d.m.pc.sess.source = sourceChoice{Kind: "api", Key: "sk_test_x", Total: 10}
	d.send(navMsg{to: stateJourneys})
	s := journeysOf(d)
	d.waitFor("the saved setup", func(m Model) bool { return s.inputs[fieldSender].Value() != "" })
	if s.inputs[fieldSender].Value() != "team@acme.test" || s.inputs[fieldLoginURL].Value() != "https://acme.test/login" || s.inputs[fieldResetURL].Value() != "" {
		t.Fatalf("prefill %q %q %q", s.inputs[fieldSender].Value(), s.inputs[fieldLoginURL].Value(), s.inputs[fieldResetURL].Value())
	}
	d.mustSee("Filled in with the saved setup")
	d.mustSee("Reset URL     e.g. https://yourapp.com/reset-password")
	d.mustSee("Fields showing e.g. … are not set yet")
	if strings.Contains(d.m.View().Content, "\x1b[31mRed") {
		t.Fatal("saved value rendered with its escape sequence")
	}
	// The placeholder has its own style: not the one of typed text.
	raw := d.m.View().Content
	ph := s.inputs[fieldResetURL].Styles().Blurred.Placeholder
	if !ph.GetItalic() || !strings.Contains(raw, ph.Render(".g. https://yourapp.com/reset-password")) {
		t.Fatalf("placeholder style %v not used", ph)
	}
	// The reset URL is required: nothing is created without it.
	d.press("ctrl+s")
	if len(fj.setups) != 0 || s.errs[fieldResetURL] == "" || s.focus != fieldResetURL {
		t.Fatalf("created without a reset URL: %+v (errors %q)", fj.setups, s.errs)
	}
	d.mustSee("a URL is required")
	d.press("https://acme.test/reset", "ctrl+s")
	d.waitFor("the result", func(m Model) bool { return s.result != nil })
	if got := fj.setups[0]; got.FromIdentity != "team@acme.test" || got.LoginURL != "https://acme.test/login" || got.ResetURL != "https://acme.test/reset" {
		t.Fatalf("setup %+v", got)
	}
}

// Typing before the saved setup arrives wins over it.
func TestJourneysPrefillKeepsTypedText(t *testing.T) {
	env := newFakeEnv()
	d := newDriver(t, testConfig(env, nil), 80, 24)
	d.m.pc.sess.source = sourceChoice{Kind: "api", Key: "sk_test_x", Total: 10}
	d.send(navMsg{to: stateJourneys})
	s := journeysOf(d)
	d.press("me@acme.test")
	d.send(savedSetupMsg{values: [numJourneyFields]string{"team@acme.test", "Acme", "", ""}})
	if s.inputs[fieldSender].Value() != "me@acme.test" || s.inputs[fieldAppName].Value() != "Acme" {
		t.Fatalf("values %q %q", s.inputs[fieldSender].Value(), s.inputs[fieldAppName].Value())
	}
}

// A long validation error of the sender is wrapped at 80 columns, not cut.
func TestJourneysLongErrorIsWrapped(t *testing.T) {
	d, _ := toJourneys(t, 80, 24)
	sender := "the team that sends our migration notices, at migrations@acme.test"
	d.press(sender, "ctrl+s")
	want := fmt.Sprintf("✗ invalid sender identity %q: want a bare email address such as hello@yourapp.com", sender)
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
	d.press("hello@acme.test", "tab", "Acme", "tab", "https://", "tab", "https://acme.test/reset", "ctrl+s")
	if len(fj.setups) != 0 || s.errs[fieldLoginURL] == "" {
		t.Fatalf("https:// accepted as the login URL: %+v", fj.setups)
	}
	d.mustSee("it has no host")
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
		return s.inputs[fieldLoginURL].Value() == "https://acme.test/signin"
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
