package ui

import (
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

func browserOf(d *driver) *browserScreen { return d.m.screens[stateBrowser].(*browserScreen) }

func toBrowser(t *testing.T, w, h int) (*driver, *fakeEnv) {
	t.Helper()
	env := newFakeEnv()
	seedJourneys(env, 30)
	cfg := testConfig(env, nil)
	cfg.Start = ScreenBrowser
	d := newDriver(t, cfg, w, h)
	d.waitFor("the lists", func(m Model) bool { return !browserOf(d).loading })
	return d, env
}

func TestBrowserActivateAndPause(t *testing.T) {
	d, env := toBrowser(t, 80, 24)
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
	d.mustSee("30 users will be enrolled now by backfill")
	d.press("n")
	if b.mode != browseJourney || env.activations != 0 {
		t.Fatal("n activated")
	}
	d.press("a")
	d.waitFor("the dialog", func(m Model) bool { return b.mode == browseActivate })
	d.press("y")
	d.waitFor("the activation", func(m Model) bool { return b.journey.Status == ascendkit.StatusActive })
	d.mustSee("Activated: 30 users enrolled by backfill")
	d.mustSee("enrolled 30")
	if env.journeys[0].Status != ascendkit.StatusActive || len(env.enrolled[env.journeys[0].ID]) != 30 {
		t.Fatal("environment not activated")
	}
	if !strings.Contains(d.m.Summary(), `Activated "Migration announcement": 30 users enrolled`) {
		t.Fatalf("summary:\n%s", d.m.Summary())
	}
	// Activating again is not offered; pause is.
	d.press("a")
	if env.activations != 1 {
		t.Fatal("activated twice")
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
	if b.edit[0].Value() != "hello@acme.test" || b.edit[1].Value() != "https://acme.test/login" {
		t.Fatalf("prefill %q %q", b.edit[0].Value(), b.edit[1].Value())
	}
	b.edit[0].SetValue("bad sender")
	d.press("tab", "tab", "https://acme.test/reset", "enter")
	if b.editErr == "" || b.editFocus != 0 {
		t.Fatalf("invalid sender accepted: %q", b.editErr)
	}
	b.edit[0].SetValue("team@acme.test")
	d.press("q") // typed
	if d.quit {
		t.Fatal("q quit in the editor")
	}
	d.press("backspace", "ctrl+s")
	d.waitFor("the save", func(m Model) bool { return b.mode == browseJourney && b.notice != "" })
	for _, n := range env.journeys[0].Nodes {
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
	if b.tab != tabTemplates {
		t.Fatal("tab did not switch")
	}
	d.press("enter")
	d.waitFor("the template", func(m Model) bool { return b.mode == browseTemplate })
	for _, want := range []string{"Acme is moving", "Hi User 0,", "Log in: https://acme.test/login", "missing variables", "{{resetUrl}}", "User 0 <u0@example.com>"} {
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
		d, _ := toBrowser(t, w, h)
		b := browserOf(d)
		d.press("enter")
		d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
		d.press("a")
		d.waitFor("the dialog", func(m Model) bool { return b.mode == browseActivate })
		return d
	})
}

func TestBrowserGoldenTemplate(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		d, _ := toBrowser(t, w, h)
		b := browserOf(d)
		d.press("tab", "enter")
		d.waitFor("the template", func(m Model) bool { return b.mode == browseTemplate })
		return d
	})
}
