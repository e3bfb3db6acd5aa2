package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// activeAnnouncement creates the migration journeys with every value set
// and activates the announcement, as a second migration finds them.
func activeAnnouncement(t *testing.T) func(ascendkit.Environment) {
	return func(env ascendkit.Environment) {
		t.Helper()
		seedJourneys(t, env, 0, completeSetup)
		j := journeyIn(t, env, "Migration announcement")
		if _, err := importer.Activate(context.Background(), env, j.ID, fixedNow); err != nil {
			t.Fatal(err)
		}
	}
}

// With a journey active, the run enrolls the users it imports and their
// emails start: the confirmation (and its w list), the canary and the
// run's summary say so with the CLI's line and numbers.
func TestEnrollmentsIntoActiveJourneysAreShown(t *testing.T) {
	d, env := toConfirmRealWith(t, 100, 30, activeAnnouncement(t))

	// What `import clerk preview` counts on the same environment.
	src, err := clerk.OpenFile(d.m.pc.sess.source.Path)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := importer.Run(context.Background(), src, env, importer.Options{Mode: importer.ModePreview, Phases: importer.Phases{Users: true, Settings: true}})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	if cli.Enrollments != 3 {
		t.Fatalf("the CLI's preview counts %d enrollments, want the 3 users", cli.Enrollments)
	}
	line := fmt.Sprintf("To enroll into active journeys: %d (their emails start as the run imports them)", cli.Enrollments)
	if v := flatten(d.view()); !strings.Contains(v, line) {
		t.Fatalf("confirmation lacks %q:\n%s", line, d.view())
	}
	d.press("w")
	if v := flatten(d.view()); !strings.Contains(v, line) {
		t.Fatalf("warnings list lacks %q:\n%s", line, d.view())
	}
	d.press("esc")

	// The canary says it before and after.
	d.press("c")
	s := canaryOf(d)
	d.waitFor("the candidates", func(Model) bool { return !s.loading })
	if v := flatten(d.view()); !strings.Contains(v, line) {
		t.Fatalf("canary lacks %q:\n%s", line, d.view())
	}
	d.press("bob", "enter")
	d.waitFor("the canary run", func(Model) bool { return s.phase == canaryResult && (s.kept || s.noPw != "") })
	d.mustSee("Enrolled into active journeys: 1")
	d.press("esc")
	d.waitFor("a fresh confirmation", func(m Model) bool {
		c, ok := m.screens[stateConfirm].(*confirmScreen)
		return m.state == stateConfirm && ok && c.report != nil
	})
	if v := flatten(d.view()); !strings.Contains(v, "To enroll into active journeys: 2 (their emails start") {
		t.Fatalf("confirmation after the canary:\n%s", d.view())
	}

	d.press("y")
	d.waitFor("the import", func(m Model) bool { return m.pc.sess.result != nil })
	d.mustSee("Enrolled into active journeys: 2")
	if sum := d.m.Summary(); !strings.Contains(sum, "Enrolled into active journeys: 2\n") {
		t.Fatalf("summary:\n%s", sum)
	}
	if n := enrolledIn(t, env, "Migration announcement"); n != 3 {
		t.Fatalf("%d enrolled, want 3", n)
	}
}
