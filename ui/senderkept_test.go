package ui

import (
	"strings"
	"testing"

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
	b.undo = &ascendkit.UndoPlan{RunID: "run_x", Users: 4, EnrolledUsers: 3}
	got := b.undoView()
	if !strings.Contains(got, "journey enrollments") || !strings.Contains(got, "of 3 users") || !strings.Contains(got, "cannot take back") {
		t.Errorf("undo view:\n%s", got)
	}
	b.undo.EnrolledUsers = 0
	if strings.Contains(b.undoView(), "journey enrollments") {
		t.Error("a plan with no enrolled user shows the row")
	}
}
