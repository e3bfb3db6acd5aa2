package importer

import (
	"context"
	"strings"
	"testing"
)

// TestActivationPlanCountsResumedEnrollments: after a pause, the plan
// says activating resumes the enrollments still active, rather than that
// no emails are sent; a draft or active journey resumes none.
func TestActivationPlanCountsResumedEnrollments(t *testing.T) {
	env := openEnv(t)
	ctx := context.Background()
	run(t, mixedSource(), env, Options{Mode: ModeRun})
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "hi@acme.dev", AppName: "Acme",
		LoginURL: "https://acme.dev/login", ResetURL: "https://acme.dev/reset"}); err != nil {
		t.Fatal(err)
	}
	if p, err := ActivationCheck(ctx, env, JourneyPasswordReset); err != nil || p.Resume != 0 {
		t.Fatalf("draft journey resumes %d (%v)", p.Resume, err)
	}
	res, err := Activate(ctx, env, JourneyPasswordReset, now)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := ActivationCheck(ctx, env, JourneyPasswordReset); p.Resume != 0 {
		t.Errorf("active journey resumes %d", p.Resume)
	}
	if err := env.PauseJourney(ctx, JourneyPasswordReset); err != nil {
		t.Fatal(err)
	}
	p, err := ActivationCheck(ctx, env, JourneyPasswordReset)
	if err != nil {
		t.Fatal(err)
	}
	if p.Enroll != 0 || p.Resume != res.NewlyEnrolled || p.Resume == 0 {
		t.Fatalf("paused journey: enroll %d, resume %d, want 0 and the %d enrolled", p.Enroll, p.Resume, res.NewlyEnrolled)
	}
	d := p.Describe()
	if strings.Contains(d, "no emails are sent now") || !strings.Contains(d, "resumes the "+Thousands(p.Resume)+" enrollments paused") {
		t.Errorf("paused journey Describe() = %q", d)
	}
	// Resumed enrollments beside new ones: both are said.
	p.Enroll, p.Steps[0].Emails = 2, 2
	if d := p.Describe(); !strings.Contains(d, "(2 users enrolled now)") || !strings.Contains(d, "Also, activating resumes the "+Thousands(p.Resume)) {
		t.Errorf("enroll and resume Describe() = %q", d)
	}
	p.Resume = 1
	if d := p.Describe(); !strings.Contains(d, "the 1 enrollment paused") {
		t.Errorf("one resumed enrollment: %q", d)
	}
}
