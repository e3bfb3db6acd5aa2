package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// An undo plan that keeps the run's sender on journeys sending with it
// names them, and how to change it there.
func TestUndoPlanNamesJourneysKeepingTheSender(t *testing.T) {
	var b bytes.Buffer
	printUndoPlan(&b, ascendkit.UndoPlan{RunID: "run_1", Sender: true, SenderKept: []string{"Migration announcement", "Bad\x1b[31m"}})
	out := b.String()
	if !strings.Contains(out, "It keeps the sender it set on Migration announcement, Bad") || !strings.Contains(out, "journey set-vars") {
		t.Errorf("plan:\n%s", out)
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("plan prints an escape sequence:\n%q", out)
	}
	b.Reset()
	printUndoPlan(&b, ascendkit.UndoPlan{RunID: "run_1", Sender: true, SenderKept: []string{}})
	if strings.Contains(b.String(), "keeps the sender") {
		t.Errorf("plan with no journey keeping the sender:\n%s", b.String())
	}
}

// An undo plan says when journeys have enrolled the run's users: undo
// does not unsend their emails, and importing them again sends them again.
func TestUndoPlanWarnsOfEnrolledUsers(t *testing.T) {
	var b bytes.Buffer
	printUndoPlan(&b, ascendkit.UndoPlan{RunID: "run_1", Users: 3, EnrolledUsers: 2})
	if out := b.String(); !strings.Contains(out, "the journey enrollments of 2 of these users") || !strings.Contains(out, "enrolls them again from the first email") {
		t.Errorf("plan:\n%s", out)
	}
	b.Reset()
	printUndoPlan(&b, ascendkit.UndoPlan{RunID: "run_1", Users: 3})
	if strings.Contains(b.String(), "enrollments of") {
		t.Errorf("plan with no enrolled user:\n%s", b.String())
	}
}
