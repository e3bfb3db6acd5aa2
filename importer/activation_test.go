package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

func TestActivationCheckAndRefusal(t *testing.T) {
	env := openEnv(t)
	ctx := context.Background()
	run(t, mixedSource(), env, Options{Mode: ModeRun})
	// No sender, no reset URL: the password journey must not send.
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{AppName: "Acme"}); err != nil {
		t.Fatal(err)
	}
	p, err := ActivationCheck(ctx, env, JourneyPasswordReset)
	if err != nil {
		t.Fatal(err)
	}
	// Two password users, and user_x, whose only provider is unsupported.
	if p.Enroll != 3 || p.Audience != 3 {
		t.Errorf("plan enrolls %d of %d, want 3 of 3", p.Enroll, p.Audience)
	}
	want := []PlannedStep{{Day: 1, Node: "password_reset", Template: SlugPasswordReset, Emails: 3},
		{Day: 4, Node: "password_reset_reminder", Template: SlugPasswordResetReminder, Emails: 3}}
	if !slices.Equal(p.Steps, want) {
		t.Errorf("steps = %+v, want %+v", p.Steps, want)
	}
	if len(p.Problems) != 2 {
		t.Fatalf("problems = %q, want one per email node", p.Problems)
	}
	for _, prob := range p.Problems {
		if !strings.Contains(prob, "no sender") || !strings.Contains(prob, "resetUrl") || strings.Contains(prob, "appName") || strings.Contains(prob, "userName") {
			t.Errorf("problem %q: want no sender and unset resetUrl only", prob)
		}
	}
	if got, want := p.Describe(), "Up to 3 emails of migration-password-reset will be sent on Day 1 (1 day from now), then up to 3 of migration-password-reset-reminder on Day 4 (3 users enrolled now)."; got != want {
		t.Errorf("Describe() = %q\nwant %q", got, want)
	}
	_, err = Activate(ctx, env, JourneyPasswordReset, now)
	var refused *ActivationRefusedError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), SlugPasswordReset) {
		t.Fatalf("Activate with problems = %v, want a refusal naming the template", err)
	}
	j, _ := env.GetJourney(ctx, JourneyPasswordReset)
	if j.Status != ascendkit.StatusDraft || j.Stats.Enrolled != 0 {
		t.Fatalf("refused activation changed the journey: %s, %d enrolled", j.Status, j.Stats.Enrolled)
	}

	// Once set, the check passes and activation enrolls the audience.
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "hi@acme.dev", ResetURL: "https://acme.dev/reset"}); err != nil {
		t.Fatal(err)
	}
	res, err := Activate(ctx, env, JourneyPasswordReset, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.NewlyEnrolled != 3 || res.Journey.Status != ascendkit.StatusActive || len(res.Plan.Problems) != 0 {
		t.Fatalf("activation = %+v", res)
	}
	if p, _ := ActivationCheck(ctx, env, JourneyPasswordReset); p.Enroll != 0 || p.Steps[0].Emails != 0 || !strings.HasPrefix(p.Describe(), "No users would be enrolled now") {
		t.Errorf("after activation the plan still enrolls %d: %s", p.Enroll, p.Describe())
	}

	// The announcement journey still lacks its login URL (the Day 0 email does not use it).
	p, _ = ActivationCheck(ctx, env, JourneyAnnouncement)
	if len(p.Problems) != 2 || !strings.Contains(p.Problems[0], SlugGoLive+" (node go_live): unset loginUrl") || strings.Contains(p.Problems[0], "no sender") {
		t.Errorf("announcement problems = %q", p.Problems)
	}
	if p.Steps[0].Day != 0 || p.Steps[0].Template != SlugAnnouncement || p.Steps[0].Emails != p.Enroll || p.Enroll == 0 {
		t.Errorf("announcement first step = %+v (enroll %d)", p.Steps[0], p.Enroll)
	}
	if d := p.Describe(); !strings.HasPrefix(d, Thousands(p.Enroll)+" emails of migration-announcement will be sent now (Day 0), then up to ") || !strings.Contains(d, "of migration-reminder on Day 7") {
		t.Errorf("announcement Describe() = %q", d)
	}
}

func TestTemplateVariables(t *testing.T) {
	tp := ascendkit.Template{Subject: "{{ appName }}", BodyText: "{{loginUrl}} {{appName}}", BodyHTML: "{{userName}}"}
	if got := TemplateVariables(tp); !slices.Equal(got, []string{"appName", "loginUrl", "userName"}) {
		t.Errorf("variables = %v", got)
	}
}

func TestDescribeEventOnlyStep(t *testing.T) {
	p := ActivationPlan{Enroll: 3, Steps: []PlannedStep{{Day: -1, Template: "welcome", Emails: 3, Via: "on user.login"}}}
	if got, want := p.Describe(), "Up to 3 emails of welcome will be sent on user.login (3 users enrolled now)."; got != want {
		t.Errorf("Describe() = %q, want %q", got, want)
	}
}

// TestActivationWarnsOfUsersWithoutName: a user with no name would read
// "Hi ," in every migration email; the plan counts them and says so
// (missing variables render empty and are reported as warnings).
func TestActivationWarnsOfUsersWithoutName(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		noName := mkUser("user_anon", "anon@example.com", func(u *clerk.User) { u.FirstName = nil })
		run(t, newSource(10, mkUser("user_named", "named@example.com"), noName), env, Options{Mode: ModeRun})
		if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "hi@acme.dev", AppName: "Acme", LoginURL: "https://acme.dev/login"}); err != nil {
			t.Fatal(err)
		}
		p, err := ActivationCheck(ctx, env, JourneyAnnouncement)
		if err != nil {
			t.Fatal(err)
		}
		if p.Enroll != 2 || p.Unnamed != 1 || !strings.Contains(p.Describe(), "1 of them has no name") {
			t.Errorf("plan enrolls %d, %d unnamed: %s", p.Enroll, p.Unnamed, p.Describe())
		}
	})
}

// A name made only of invisible characters renders as "Hi ," all the
// same: the plan counts such users as having no name. A name with a
// visible letter beside them is a name.
func TestActivationCountsInvisibleNamesAsNone(t *testing.T) {
	blank := []string{"\u200B", "\u200D", "\uFEFF", "\u200E\u200F", "\u00AD", "\u2060 \u00A0", "\u3164", "\u2800"}
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		users := []*clerk.User{mkUser("user_named", "named@example.com"),
			mkUser("user_zw_ana", "ana@example.com", func(u *clerk.User) { u.FirstName = strp("\u200BAna\u200B") })}
		for i, name := range blank {
			users = append(users, mkUser(fmt.Sprintf("user_blank%d", i), fmt.Sprintf("blank%d@example.com", i), func(u *clerk.User) { u.FirstName = strp(name) }))
		}
		if rep := run(t, newSource(10, users...), env, Options{Mode: ModeRun}); rep.Users.Imported != len(users) {
			t.Fatalf("imported %d of %d", rep.Users.Imported, len(users))
		}
		if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "hi@acme.dev", AppName: "Acme", LoginURL: "https://acme.dev/login"}); err != nil {
			t.Fatal(err)
		}
		p, err := ActivationCheck(ctx, env, JourneyAnnouncement)
		if err != nil {
			t.Fatal(err)
		}
		if p.Enroll != len(users) || p.Unnamed != len(blank) {
			t.Errorf("plan enrolls %d, %d unnamed; want %d, %d: %s", p.Enroll, p.Unnamed, len(users), len(blank), p.Describe())
		}
	})
	for _, name := range blank {
		if !ascendkit.BlankName(name) {
			t.Errorf("BlankName(%+q) = false", name)
		}
	}
	for _, name := range []string{"Ana", "\u200BAna", "\u0600", "\U0001F600", "李"} {
		if ascendkit.BlankName(name) {
			t.Errorf("BlankName(%+q) = true", name)
		}
	}
}

// Only a first step sent now is an exact count: a later one, or a first
// one days away, reaches at most the users enrolled now (those who log
// in first leave the journey); one email or one user reads as one.
func TestActivationPlanWording(t *testing.T) {
	p := ActivationPlan{Enroll: 1, Steps: []PlannedStep{{Day: 1, Template: "t1", Emails: 1}, {Day: 4, Template: "t2", Emails: 1}}}
	if got, want := p.Describe(), "Up to 1 email of t1 will be sent on Day 1 (1 day from now), then up to 1 of t2 on Day 4 (1 user enrolled now)."; got != want {
		t.Errorf("Describe() = %q\nwant %q", got, want)
	}
	p.Steps[0].Day = 0
	if got := p.Describe(); !strings.HasPrefix(got, "1 email of t1 will be sent now (Day 0)") {
		t.Errorf("Describe() = %q", got)
	}
	for i, s := range []PlannedStep{{Day: 0}, {Day: 3}, {Day: -1}} {
		if s.AtMost(0) != (i > 0) || !s.AtMost(1) {
			t.Errorf("step %+v: AtMost(0) %t, AtMost(1) %t", s, s.AtMost(0), s.AtMost(1))
		}
	}
}
