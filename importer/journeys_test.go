package importer

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

func TestCreateMigrationJourneys(t *testing.T) { eachBackend(t, testCreateMigrationJourneys) }

func testCreateMigrationJourneys(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	ctx := context.Background()
	res, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "hello@acme.dev", AppName: "Acme", LoginURL: "https://acme.dev/login"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Templates) != 5 || len(res.Journeys) != 2 {
		t.Fatalf("created %d templates, %d journeys", len(res.Templates), len(res.Journeys))
	}
	wantSlugs := []string{SlugAnnouncement, SlugGoLive, SlugReminder, SlugPasswordReset, SlugPasswordResetReminder}
	for i, c := range res.Templates {
		if !c.Created || c.Slug != wantSlugs[i] || !strings.HasPrefix(c.ID, "tpl_") {
			t.Errorf("template %d = %+v", i, c)
		}
	}
	for _, slug := range wantSlugs {
		tp, err := env.GetTemplate(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		if tp.Subject == "" || !strings.Contains(tp.BodyText, "{{userName}}") || !strings.Contains(tp.BodyHTML, "{{appName}}") {
			t.Errorf("template %s lacks content or variables: %+v", slug, tp)
		}
	}
	ann, err := env.GetJourney(ctx, JourneyAnnouncement)
	if err != nil {
		t.Fatal(err)
	}
	if ann.Status != ascendkit.StatusDraft || ann.Audience.Tag != TagClerk || !strings.HasPrefix(ann.ID, "jrn_") {
		t.Fatalf("announcement = %+v", ann)
	}
	var days []int
	var slugs []string
	for _, s := range Timeline(ann) {
		if s.Node.Action == ascendkit.ActionSendEmail {
			days = append(days, s.Day)
			slugs = append(slugs, s.Node.TemplateSlug)
			if s.Node.From != "hello@acme.dev" || s.Node.Variables["loginUrl"] != "https://acme.dev/login" || s.Node.Variables["appName"] != "Acme" {
				t.Errorf("node %s = %+v", s.Node.ID, s.Node)
			}
		}
	}
	if !slices.Equal(days, []int{0, 3, 7}) || !slices.Equal(slugs, []string{SlugAnnouncement, SlugGoLive, SlugReminder}) {
		t.Errorf("announcement timeline days %v slugs %v", days, slugs)
	}
	pr, _ := env.GetJourney(ctx, JourneyPasswordReset)
	days, slugs = nil, nil
	for _, s := range Timeline(pr) {
		if s.Node.Action == ascendkit.ActionSendEmail {
			days = append(days, s.Day)
			slugs = append(slugs, s.Node.TemplateSlug)
		}
	}
	if pr.Audience.Tag != TagNeedsPasswordReset || !slices.Equal(days, []int{1, 4}) || !slices.Equal(slugs, []string{SlugPasswordReset, SlugPasswordResetReminder}) {
		t.Errorf("password journey audience %q days %v slugs %v", pr.Audience.Tag, days, slugs)
	}
	if got := TransitionLine(ann.Transitions[0]); got != "announcement → go_live [timer (3d)] (announcement-to-go_live)" {
		t.Errorf("transition line = %q", got)
	}

	// Again: nothing new; a new sender is applied to the existing journeys.
	again, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "team@acme.dev"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range append(again.Templates, again.Journeys...) {
		if c.Created {
			t.Errorf("created again: %+v", c)
		}
	}
	if !again.Journeys[0].Updated {
		t.Error("new sender not reported as an update")
	}
	ts, _ := env.ListTemplates(ctx, "")
	js, _ := env.ListJourneys(ctx)
	if len(ts) != 5 || len(js) != 2 {
		t.Fatalf("after re-run: %d templates, %d journeys", len(ts), len(js))
	}
	ann, _ = env.GetJourney(ctx, ann.ID)
	if ann.Nodes[0].From != "team@acme.dev" || ann.Nodes[0].Variables["loginUrl"] != "https://acme.dev/login" {
		t.Errorf("after sender update: %+v", ann.Nodes[0])
	}
}

func TestCreateMigrationJourneysValidates(t *testing.T) {
	env := openEnv(t)
	for _, bad := range []JourneySetup{{FromIdentity: "not an email"}, {FromIdentity: "Team <a@b.co>"}, {LoginURL: "javascript:alert(1)"}} {
		if _, err := CreateMigrationJourneys(context.Background(), env, bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	if ts, _ := env.ListTemplates(context.Background(), ""); len(ts) != 0 {
		t.Fatalf("invalid setup still wrote %d templates", len(ts))
	}
}

func TestSavedSetupIsReused(t *testing.T) { eachBackend(t, testSavedSetupIsReused) }

func testSavedSetupIsReused(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	ctx := context.Background()
	if err := SetSender(ctx, env, "hi@acme.dev"); err != nil {
		t.Fatal(err)
	}
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{}); err != nil {
		t.Fatal(err)
	}
	j, _ := env.GetJourney(ctx, JourneyPasswordReset)
	for _, n := range j.Nodes {
		if n.Action == ascendkit.ActionSendEmail && n.From != "hi@acme.dev" {
			t.Errorf("node %s sender %q: the sender saved by import run should be used", n.ID, n.From)
		}
	}
	if err := SetSender(ctx, env, "new@acme.dev"); err != nil {
		t.Fatal(err)
	}
	j, _ = env.GetJourney(ctx, JourneyPasswordReset)
	if j.Nodes[1].From != "new@acme.dev" {
		t.Errorf("SetSender did not update the existing journey: %+v", j.Nodes[1])
	}
}

func TestActivationBackfill(t *testing.T) { eachBackend(t, testActivationBackfill) }

func testActivationBackfill(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	ctx := context.Background()
	run(t, mixedSource(), env, Options{Mode: ModeRun})
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{}); err != nil {
		t.Fatal(err)
	}
	pr, _ := env.GetJourney(ctx, JourneyPasswordReset)
	total, pending, err := env.AudienceSize(ctx, pr.ID)
	if err != nil || total != 2 || pending != 2 {
		t.Fatalf("audience %d pending %d err %v", total, pending, err)
	}
	n, err := env.ActivateJourney(ctx, pr.ID, now)
	if err != nil || n != 2 {
		t.Fatalf("activate enrolled %d, err %v", n, err)
	}
	if n, _ := env.ActivateJourney(ctx, pr.ID, now); n != 0 {
		t.Fatalf("second activation enrolled %d more", n)
	}
	ens, _ := env.ListEnrollments(ctx, pr.ID)
	for _, e := range ens {
		if !e.EnrolledAt.Equal(now) || e.CurrentNode != "start" {
			t.Errorf("enrollment %+v: want scheduled from activation time at the entry", e)
		}
	}
	// Users imported later into the active journey's audience are enrolled on import.
	later := newSource(10, mkUser("user_late", "late@example.com", withPassword))
	rep := run(t, later, env, Options{Mode: ModeRun})
	if rep.Enrollments != 1 {
		t.Fatalf("late import enrolled %d", rep.Enrollments)
	}
	pr, _ = env.GetJourney(ctx, pr.ID)
	if pr.Status != ascendkit.StatusActive || pr.Stats.Enrolled != 3 || pr.Stats.Active != 3 {
		t.Fatalf("journey after late import = %+v", pr.Stats)
	}
}

func TestRender(t *testing.T) {
	tp := ascendkit.Template{Subject: "Hi {{userName}} from {{ appName }}", BodyText: "Go to {{loginUrl}} ({{userEmail}}) {{unknown}}",
		BodyHTML: "<a href=\"{{loginUrl}}\">{{userName}}</a>"}
	u := ascendkit.User{Name: "Ada <script>", Email: "ada@example.com"}
	r := Render(tp, u, map[string]string{"appName": "Acme", "loginUrl": ""})
	if r.Subject != "Hi Ada <script> from Acme" {
		t.Errorf("subject = %q", r.Subject)
	}
	if r.Text != "Go to  (ada@example.com) " {
		t.Errorf("text = %q", r.Text)
	}
	if r.HTML != "<a href=\"\">Ada &lt;script&gt;</a>" {
		t.Errorf("html = %q (values must be escaped)", r.HTML)
	}
	if !slices.Equal(r.Missing, []string{"loginUrl", "unknown"}) {
		t.Errorf("missing = %v", r.Missing)
	}
}
