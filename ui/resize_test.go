package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// resizeAll resizes the wizard on its current screen to every width from
// 1 to 120 at small and usual heights, drawing each: a panic (a division
// by a width left at zero, a negative slice bound) fails the test. The
// size is then set back so the walk can go on.
func resizeAll(t *testing.T, d *driver, w, h int) {
	t.Helper()
	for width := 1; width <= 120; width++ {
		for _, height := range []int{1, 2, 4, 8, 24} {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%v at %d×%d: panic: %v", d.state(), width, height, r)
					}
				}()
				d.update(tea.WindowSizeMsg{Width: width, Height: height})
				_ = d.m.View()
			}()
		}
	}
	d.update(tea.WindowSizeMsg{Width: w, Height: h})
}

// Every screen takes every terminal size: the review's columns, built
// once the Review step exists, are laid out again on each resize, at any
// later step too (during the import).
func TestEveryScreenTakesEveryWidth(t *testing.T) {
	t.Run("review with rows", func(t *testing.T) { walkEveryWidth(t, false) })
	// No rows: every review column is at its natural width, at or under
	// its minimum.
	t.Run("empty review", func(t *testing.T) { walkEveryWidth(t, true) })
}

func walkEveryWidth(t *testing.T, noEntries bool) {
	const w, h = 80, 24
	hold := make(chan struct{})
	core := &fakeCore{hold: hold, noEntries: noEntries}
	core.runEvents, core.runReport = runScript()
	d, _ := toSettings(t, w, h, core.install)
	resizeAll(t, d, w, h) // Settings, previewing
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	resizeAll(t, d, w, h) // Settings
	d.press("enter")
	if d.state() != stateDuplicates {
		t.Fatalf("state %v, want review", d.state())
	}
	resizeAll(t, d, w, h) // Review
	d.press("enter")
	d.waitFor("the report", func(m Model) bool { return confirmOf(d).report != nil })
	resizeAll(t, d, w, h) // Confirm
	d.press("y")
	if d.state() != stateProgress {
		t.Fatalf("state %v, want progress", d.state())
	}
	d.waitFor("a batch", func(m Model) bool { return progressOf(d).counts.Imported == 4 })
	resizeAll(t, d, w, h) // Import, running
	d.press("esc")
	resizeAll(t, d, w, h) // Import, asking to stop
	d.press("n")
	close(hold)
	d.waitFor("the report", func(m Model) bool { return progressOf(d).report != nil })
	resizeAll(t, d, w, h) // Import, done
	d.send(navMsg{to: stateJourneys})
	resizeAll(t, d, w, h) // Journeys
	d.send(navMsg{to: stateBrowser})
	d.waitFor("the lists", func(m Model) bool { return !browserOf(d).loading })
	resizeAll(t, d, w, h) // Browse
	d.send(navMsg{to: stateSource})
	resizeAll(t, d, w, h) // Source, with every later screen built
}

// The source chooser before anything else, and the canary view.
func TestSourceAndCanaryTakeEveryWidth(t *testing.T) {
	d := newDriver(t, testConfig(newTestEnv(t), makeUsers(3)), 80, 24)
	resizeAll(t, d, 80, 24)
	d.press("2")
	resizeAll(t, d, 80, 24)

	d, _ = toConfirmReal(t, 100, 30)
	d.press("c")
	d.waitFor("the candidates", func(Model) bool { return !canaryOf(d).loading })
	resizeAll(t, d, 100, 30)
}
