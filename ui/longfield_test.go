package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
)

// longSetup holds values the CLI accepts that are longer than a screen
// line and than the form's old 512-character limit.
var longSetup = importer.JourneySetup{
	FromIdentity: "hello@acme.test",
	AppName:      "Acme" + strings.Repeat(" Widgets", 73), // 588 bytes
	LoginURL:     "https://acme.test/login?utm_source=" + strings.Repeat("x", 900) + "&end=1",
	ResetURL:     "https://acme.test/reset-password?utm_source=" + strings.Repeat("x", 900),
}

// TestEditKeepsLongValues: opening the editor and saving changes nothing
// the CLI set, however long; every field is drawn, one line each.
func TestEditKeepsLongValues(t *testing.T) {
	d, env := browseSeeded(t, 100, 30, longSetup)
	b := browserOf(d)
	d.press("enter")
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
	d.press("e")
	if b.mode != browseEdit {
		t.Fatal("e did not open the editor")
	}
	v := d.view()
	for _, label := range editLabels {
		if !strings.Contains(v, label) {
			t.Errorf("the editor does not show %s:\n%s", label, v)
		}
	}
	// Fields not being edited show the start of their values.
	d.mustSee("appName   Acme Widgets")
	d.mustSee("loginUrl  https://acme.test/login?utm_source=xxx")
	assertFits(t, v, 100, 30)
	d.press("ctrl+s")
	d.waitFor("the save", func(m Model) bool { return strings.Contains(b.notice, "Saved") })
	for _, n := range journeyIn(t, env, importer.JourneyAnnouncement).Nodes {
		if n.Action != ascendkit.ActionSendEmail {
			continue
		}
		if n.Variables["appName"] != longSetup.AppName || n.Variables["loginUrl"] != longSetup.LoginURL {
			t.Fatalf("saving cut the values: appName %d bytes, loginUrl %d bytes", len(n.Variables["appName"]), len(n.Variables["loginUrl"]))
		}
	}
}

// TestFieldShowsStartWhenLeft: a long value shows its end while edited
// (where the cursor is) and its start once the field is left; one longer
// than the core allows is kept whole and refused with the core's reason.
func TestFieldShowsStartWhenLeft(t *testing.T) {
	d, env := browseSeeded(t, 100, 30, longSetup)
	b := browserOf(d)
	d.press("enter")
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
	d.press("e", "tab", "tab")
	d.mustSee("xxx&end=1")
	d.press("tab")
	d.mustSee("loginUrl  https://acme.test/login?utm_source=xxx")
	if strings.Contains(d.view(), "&end=1") {
		t.Fatalf("the field left shows the end of its value:\n%s", d.view())
	}
	long := "https://acme.test/login?q=" + strings.Repeat("y", 2100)
	d.press("shift+tab", "ctrl+u")
	d.send(tea.PasteMsg{Content: long})
	if b.vals[editLogin] != long {
		t.Fatalf("the field holds %d bytes of the %d pasted", len(b.vals[editLogin]), len(long))
	}
	d.press("ctrl+s")
	d.mustSee("at most 2048")
	if got := journeyIn(t, env, importer.JourneyAnnouncement).Nodes; got[0].Variables["loginUrl"] == long {
		t.Fatal("an over-long URL was saved")
	}
	assertFits(t, d.view(), 100, 30)
}

// The Journeys step takes a value as long as the CLI does, whole, on one
// line; one the core refuses is refused with its reason, not cut to fit.
func TestJourneysKeepLongValues(t *testing.T) {
	d, fj := toJourneys(t, 80, 24)
	s := journeysOf(d)
	d.press("hello@acme.test", "tab")
	d.send(tea.PasteMsg{Content: longSetup.AppName})
	d.press("tab")
	d.send(tea.PasteMsg{Content: longSetup.LoginURL})
	d.press("tab")
	d.send(tea.PasteMsg{Content: longSetup.ResetURL})
	assertFits(t, d.view(), 80, 24)
	d.mustSee("https://acme.test/login?utm_source=xxx")
	d.press("enter")
	d.waitFor("the result", func(m Model) bool { return s.result != nil })
	if len(fj.setups) != 1 || fj.setups[0].AppName != longSetup.AppName || fj.setups[0].LoginURL != longSetup.LoginURL || fj.setups[0].ResetURL != longSetup.ResetURL {
		t.Fatalf("setup not as typed: %+v", fj.setups)
	}
	d.press("esc", "tab", "ctrl+u")
	d.send(tea.PasteMsg{Content: strings.Repeat("Acme ", 300)})
	d.press("tab")
	d.mustSee("at most")
	if got := len(strings.TrimSpace(s.vals[fieldAppName])); got != len(strings.TrimSpace(strings.Repeat("Acme ", 300))) {
		t.Fatalf("the app name holds %d bytes", got)
	}
}
