package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// On a short terminal the undo plan keeps what enter answers on screen:
// the typed word, its error and a refusal. The run's details go first,
// then the plan's last lines, which a note counts.
func TestUndoPlanFitsShortTerminals(t *testing.T) {
	for _, size := range [][2]int{{60, 15}, {80, 15}, {100, 30}} {
		w, h := size[0], size[1]
		for _, blocked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%dx%d/blocked=%v", w, h, blocked), func(t *testing.T) {
				env, _, _ := twoRuns(t)
				d := newDriver(t, Config{Env: env, Start: ScreenBrowser}, w, h)
				b := browserOf(d)
				d.waitFor("the runs", func(Model) bool { return !b.loading })
				d.press("enter")
				d.waitFor("the run", func(Model) bool { return b.mode == browseRun })
				d.press("u")
				d.waitFor("the plan", func(Model) bool { return b.mode == browseUndo })
				// A plan with every row: merges, enrollments, settings.
				plan := &ascendkit.UndoPlan{RunID: b.run.ID, Users: 4, MergedUsers: 2, Links: 1, Tags: 2, Metadata: 1, Fields: 1,
					Enrollments: 1234, EnrolledUsers: 3, Settings: true, Sender: true}
				word := "undo"
				if blocked {
					plan.Blockers = []ascendkit.UndoBlocker{{UserID: "usr_1", Email: "ada@example.com", RunID: "run_later"}}
					word = "force"
					b.confirm.Prompt = "Type force to undo anyway › "
				}
				b.undo = plan
				d.send(tea.WindowSizeMsg{Width: w, Height: h}) // laid out again
				v := d.view()
				assertFits(t, v, w, h)
				want := []string{"Run " + b.run.ID, "Undo removes", "Type " + word, "enter confirm"}
				if blocked {
					want = append(want, "✗ Refused", "ada@example.com", "Undo those runs first")
				}
				for _, s := range want {
					if !strings.Contains(v, s) {
						t.Errorf("screen lacks %q:\n%s", s, v)
					}
				}
				tall := h >= 30
				if got := strings.Contains(v, "started"); got != tall {
					t.Errorf("run details shown %v at height %d:\n%s", got, h, v)
				}
				if got := strings.Contains(v, "more lines"); got == tall {
					t.Errorf("plan cut %v at height %d:\n%s", got, h, v)
				}
				d.press("nope", "enter")
				v = d.view()
				assertFits(t, v, w, h)
				if !strings.Contains(v, "Type the word "+word) || !strings.Contains(v, "› nope") {
					t.Errorf("the typed word or its error is not on screen:\n%s", v)
				}
			})
		}
	}
}
