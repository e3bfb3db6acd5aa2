package cli

import (
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// TestActivateAfterPauseSaysItResumes: after `journey pause`, the dry
// run, the confirmation and the result of `journey activate` say the
// paused enrollments resume (their due emails go out), not that nothing
// is sent.
func TestActivateAfterPauseSaysItResumes(t *testing.T) {
	h, created := importedWithJourneys(t)
	id := created.Journeys[0].ID
	var first importer.ActivationPlan
	h.json(&first, "journey", "activate", id, "--dry-run")
	if first.Enroll == 0 || first.Resume != 0 {
		t.Fatalf("draft plan: enroll %d, resume %d", first.Enroll, first.Resume)
	}
	h.ok("journey", "activate", id, "--yes")
	h.ok("journey", "pause", id)

	var p importer.ActivationPlan
	h.json(&p, "journey", "activate", id, "--dry-run")
	if p.Enroll != 0 || p.Resume != first.Enroll {
		t.Fatalf("paused plan: enroll %d, resume %d, want 0 and %d", p.Enroll, p.Resume, first.Enroll)
	}
	n := importer.Thousands(p.Resume)
	out := h.ok("journey", "activate", id, "--dry-run").stdout
	// The emails table counts the users enrolled now (none): it says so,
	// not "0 emails" for 292 users about to be emailed.
	if strings.Contains(out, "no emails are sent now") || !strings.Contains(out, n+" paused enrollments would resume") ||
		!strings.Contains(out, "fell due while it was paused are sent now") ||
		!strings.Contains(out, "Emails to the users enrolled now (the "+n+" resumed go on from the step each was at") {
		t.Errorf("dry run after pause:\n%s", out)
	}
	r := h.runTTY("n\n", "journey", "activate", id)
	if r.code == 0 || !strings.Contains(r.stderr, "Resume \""+importer.JourneyAnnouncement+"\"? [y/N]") || !strings.Contains(r.stderr, "resumes the "+n) {
		t.Errorf("confirmation after pause: exit %d\n%s", r.code, r.stderr)
	}
	out = h.ok("journey", "activate", id, "--yes").stdout
	if !strings.Contains(out, n+" paused enrollments resumed") {
		t.Errorf("activation after pause:\n%s", out)
	}
}
