package importer

import (
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// Undo takes imported users out of the journeys that enrolled them, but
// cannot take back the emails those journeys sent; importing them again
// enrolls them again from the first email. The plan counts them (users
// the run created, and users it merged into where it added the
// enrollment), so the CLI and the wizard can say so before the undo.
func TestUndoPlanCountsEnrolledUsers(t *testing.T) { eachBackend(t, testUndoPlanCountsEnrolledUsers) }

func testUndoPlanCountsEnrolledUsers(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	taken := seedTaken(t, env)
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "hi@acme.dev", AppName: "Acme",
		LoginURL: "https://acme.dev/login", ResetURL: "https://acme.dev/reset"}); err != nil {
		t.Fatal(err)
	}
	for _, j := range []string{JourneyAnnouncement, JourneyPasswordReset} {
		if _, err := Activate(ctx, env, j, now); err != nil {
			t.Fatal(err)
		}
	}
	rep := run(t, mixedSource(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if rep.Users.Merged < 1 || rep.Users.Imported < 2 {
		t.Fatalf("users %+v", rep.Users)
	}
	// Counted apart from the plan: every user now enrolled anywhere was
	// enrolled through this run (the seeded one only by its merge).
	users, err := env.ListUsers(ctx, ascendkit.UserFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	enrolled, mergedEnrolled := 0, false
	for _, u := range users {
		es, err := UserEnrollments(ctx, env, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) > 0 {
			enrolled++
			mergedEnrolled = mergedEnrolled || u.ID == taken
		}
	}
	if enrolled == 0 || !mergedEnrolled {
		t.Fatalf("%d users enrolled (the merged one: %v): the test needs both kinds", enrolled, mergedEnrolled)
	}
	p, err := PlanUndo(ctx, env, rep.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if p.EnrolledUsers != enrolled {
		t.Errorf("plan: %d enrolled users, want %d", p.EnrolledUsers, enrolled)
	}
	done, err := Undo(ctx, env, rep.RunID, false, now)
	if err != nil {
		t.Fatal(err)
	}
	if done.EnrolledUsers != enrolled {
		t.Errorf("undo: %d enrolled users, want %d", done.EnrolledUsers, enrolled)
	}
	if es, _ := UserEnrollments(ctx, env, taken); len(es) != 0 {
		t.Errorf("the merged user is still enrolled: %+v", es)
	}
}
