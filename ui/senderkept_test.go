package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// The undo plan names the journeys that keep the run's sender, cleaned.
func TestUndoViewNamesJourneysKeepingTheSender(t *testing.T) {
	env, _, _ := twoRuns(t)
	d := newDriver(t, Config{Env: env, Start: ScreenBrowser}, 100, 30)
	b := browserOf(d)
	d.waitFor("the runs", func(Model) bool { return !b.loading })
	b.undo = &ascendkit.UndoPlan{RunID: "run_x", Sender: true, SenderKept: []string{"Migration announcement\x1b[31m"}}
	got := b.undoView()
	if !strings.Contains(got, "sender kept on") || !strings.Contains(got, "Migration announcement") || strings.Contains(got, "\x1b[31m") {
		t.Errorf("undo view:\n%q", got)
	}
	b.undo.SenderKept = nil
	if strings.Contains(b.undoView(), "sender kept on") {
		t.Error("a plan keeping no sender shows the row")
	}
}

// The undo plan says when journeys enrolled the run's users, as the
// CLI's does: undo does not unsend their emails.
func TestUndoViewWarnsOfEnrolledUsers(t *testing.T) {
	env, _, _ := twoRuns(t)
	d := newDriver(t, Config{Env: env, Start: ScreenBrowser}, 100, 30)
	b := browserOf(d)
	d.waitFor("the runs", func(Model) bool { return !b.loading })
	// The second run's plan, as the wizard shows it, with these counts.
	d.press("enter")
	d.waitFor("the run", func(Model) bool { return b.mode == browseRun })
	d.press("u")
	d.waitFor("the plan", func(Model) bool { return b.mode == browseUndo })
	b.undo = &ascendkit.UndoPlan{RunID: b.run.ID, Users: 4, MergedUsers: 2, Links: 1, Tags: 2, Metadata: 1, Fields: 1, Enrollments: 1234, EnrolledUsers: 3}
	got := b.undoView()
	if !strings.Contains(got, "journey enrollments") || !strings.Contains(got, "of 3 users") {
		t.Errorf("undo view:\n%s", got)
	}
	// Whole on the screen, at the narrowest width too: wrapped, not cut.
	for _, w := range []int{80, 100, 120} {
		d.send(tea.WindowSizeMsg{Width: w, Height: 40})
		flat := strings.Join(strings.Fields(ansi.Strip(d.view())), " ")
		for _, want := range []string{"which undo cannot take back; imported again, they get the first email again", "1,234 enrollments", "kept passwords"} {
			if !strings.Contains(flat, want) {
				t.Errorf("width %d: %q not shown whole:\n%s", w, want, d.view())
			}
		}
	}
	b.undo.EnrolledUsers = 0
	if strings.Contains(b.undoView(), "journey enrollments") {
		t.Error("a plan with no enrolled user shows the row")
	}
}
