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
	for _, c := range again.Templates {
		if c.Created {
			t.Errorf("created again: %+v", c)
		}
	}
	for _, c := range again.Journeys {
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
	if err := SetSender(ctx, env, "hi@acme.dev", ""); err != nil {
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
	if err := SetSender(ctx, env, "new@acme.dev", ""); err != nil {
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
	if err != nil || total != 3 || pending != 3 { // two password users and user_x (unsupported provider only)
		t.Fatalf("audience %d pending %d err %v", total, pending, err)
	}
	n, err := env.ActivateJourney(ctx, pr.ID, now)
	if err != nil || n != 3 {
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
	if pr.Status != ascendkit.StatusActive || pr.Stats.Enrolled != 4 || pr.Stats.Active != 4 {
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
	// None missing is an empty list, not nil: template show --json says [].
	if full := Render(ascendkit.Template{Subject: "Hi {{userName}}"}, u, nil); full.Missing == nil || len(full.Missing) != 0 {
		t.Errorf("missing with every value set = %#v", full.Missing)
	}
}

func TestCreateReportsUnsetAndSetJourneyVariables(t *testing.T) {
	env := openEnv(t)
	ctx := context.Background()
	run(t, mixedSource(), env, Options{Mode: ModeRun})
	res, err := CreateMigrationJourneys(ctx, env, JourneySetup{AppName: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Unset, []string{"from-identity", "login-url", "reset-url"}) {
		t.Errorf("unset = %v", res.Unset)
	}
	for _, j := range res.Journeys {
		if len(j.Problems) == 0 {
			t.Errorf("journey %s: no problems reported with no sender", j.Name)
		}
	}
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{ResetURL: "https://"}); err == nil || !strings.Contains(err.Error(), "reset URL") {
		t.Errorf("create with reset URL https:// = %v, want refused", err)
	}

	bad := []VariableUpdate{
		{},
		{From: "not-an-email"},
		{Vars: map[string]string{"resetUrl": "https://"}},
		{Vars: map[string]string{"resetUrl": ""}},
		{Vars: map[string]string{"userName": "Bob"}},
		{Vars: map[string]string{"bad name": "x"}},
		{Vars: map[string]string{"loginUrl": "https://acme.dev/login"}}, // the password journey does not use it
		{Vars: map[string]string{"appName": "X"}, Node: "nope"},
	}
	for _, u := range bad {
		if _, err := SetJourneyVariables(ctx, env, JourneyPasswordReset, u); err == nil {
			t.Errorf("SetJourneyVariables(%+v) = nil, want an error", u)
		}
	}
	if j, _ := env.GetJourney(ctx, JourneyPasswordReset); j.Nodes[1].From != "" || j.Nodes[1].Variables["resetUrl"] != "" {
		t.Fatalf("a refused update wrote: %+v", j.Nodes[1])
	}
	j, err := SetJourneyVariables(ctx, env, JourneyPasswordReset, VariableUpdate{From: "hi@acme.dev", Vars: map[string]string{"resetUrl": "https://acme.dev/reset"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range j.Nodes {
		if n.Action == ascendkit.ActionSendEmail && (n.From != "hi@acme.dev" || n.Variables["resetUrl"] != "https://acme.dev/reset" || n.Variables["appName"] != "Acme") {
			t.Errorf("node %s = %+v", n.ID, n)
		}
	}
	if p, _ := ActivationCheck(ctx, env, JourneyPasswordReset); len(p.Problems) != 0 {
		t.Errorf("problems after set-vars: %q", p.Problems)
	}
	// One node only.
	j, err = SetJourneyVariables(ctx, env, JourneyPasswordReset, VariableUpdate{Vars: map[string]string{"resetUrl": "https://acme.dev/r2"}, Node: "password_reset_reminder"})
	if err != nil || j.Nodes[1].Variables["resetUrl"] != "https://acme.dev/reset" || j.Nodes[2].Variables["resetUrl"] != "https://acme.dev/r2" {
		t.Errorf("node-only update: %v %+v", err, j.Nodes)
	}

	// A user's enrollments, by journey.
	if _, err := Activate(ctx, env, JourneyPasswordReset, now); err != nil {
		t.Fatal(err)
	}
	u, _ := env.GetUser(ctx, "pw@example.com")
	es, err := UserEnrollments(ctx, env, u.ID)
	if err != nil || len(es) != 1 || es[0].Journey != JourneyPasswordReset || es[0].CurrentNode != "start" {
		t.Fatalf("enrollments of %s: %+v %v", u.Email, es, err)
	}
	social, _ := env.GetUser(ctx, "social@example.com")
	if es, _ := UserEnrollments(ctx, env, social.ID); len(es) != 0 {
		t.Errorf("social user enrolled in %+v", es)
	}
}

// TestMigrationJourneysEndOnLogin: a user who logs in gets no more of a
// cadence's emails; import.md's Day 7 "Have you logged in yet?" and the
// reset reminder must not reach someone who has.
func TestMigrationJourneysEndOnLogin(t *testing.T) {
	for _, j := range migrationJourneys(JourneySetup{}) {
		exits := map[string]bool{}
		for _, tr := range j.Transitions {
			if tr.Trigger == ascendkit.TriggerEvent && tr.On == EventUserLogin && tr.To == "done" {
				exits[tr.From] = true
			}
		}
		// Every step a later email follows ends on a login.
		for _, tr := range j.Transitions {
			if tr.Trigger != ascendkit.TriggerTimer || tr.To == "done" {
				continue
			}
			if !exits[tr.From] {
				t.Errorf("%s: a user who logs in at %s still gets %s", j.Name, tr.From, tr.To)
			}
		}
	}
}

// TestCreateCountsValuesSetOnTheJourneys: values set by hand on the
// journeys (set-vars) are not reported unset when create runs again.
func TestCreateCountsValuesSetOnTheJourneys(t *testing.T) {
	env := openEnv(t)
	res, err := CreateMigrationJourneys(ctx, env, JourneySetup{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unset) != 4 {
		t.Fatalf("unset %v, want all four", res.Unset)
	}
	if _, err := SetJourneyVariables(ctx, env, JourneyAnnouncement, VariableUpdate{From: "hi@acme.dev",
		Vars: map[string]string{"appName": "Acme", "loginUrl": "https://acme.dev/login"}}); err != nil {
		t.Fatal(err)
	}
	res, err = CreateMigrationJourneys(ctx, env, JourneySetup{})
	if err != nil {
		t.Fatal(err)
	}
	// The reset journey still lacks its sender, app name and reset URL.
	if !slices.Equal(res.Unset, []string{"from-identity", "app-name", "reset-url"}) {
		t.Errorf("unset %v", res.Unset)
	}
	if _, err := SetJourneyVariables(ctx, env, JourneyPasswordReset, VariableUpdate{From: "hi@acme.dev",
		Vars: map[string]string{"appName": "Acme", "resetUrl": "https://acme.dev/reset"}}); err != nil {
		t.Fatal(err)
	}
	if res, err = CreateMigrationJourneys(ctx, env, JourneySetup{}); err != nil || len(res.Unset) != 0 {
		t.Errorf("unset %v, %v: every value is set on the journeys", res.Unset, err)
	}
}

// A template edited to use a setup variable its node did not have (the
// reminder now links the reset URL too) gets it from the setup given:
// the journey is no longer refused for it.
func TestSetupFillsVariablesAnEditedTemplateUses(t *testing.T) {
	env := openEnv(t)
	ctx := context.Background()
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{}); err != nil {
		t.Fatal(err)
	}
	tm, err := env.GetTemplate(ctx, SlugReminder)
	if err != nil {
		t.Fatal(err)
	}
	tm.BodyText = "Hi {{userName}}, reset at {{resetUrl}} or log in at {{loginUrl}}. {{appName}}"
	if _, err := env.UpdateTemplate(ctx, tm); err != nil {
		t.Fatal(err)
	}
	// A setup that gives no reset URL sets no (empty) resetUrl.
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{AppName: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if j, err := env.GetJourney(ctx, JourneyAnnouncement); err == nil {
		for _, n := range j.Nodes {
			if _, ok := n.Variables["resetUrl"]; ok {
				t.Errorf("node %s got an empty resetUrl: %v", n.ID, n.Variables)
			}
		}
	}
	res, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "hi@acme.dev", AppName: "Acme", LoginURL: "https://acme.dev/login", ResetURL: "https://acme.dev/reset"})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range res.Journeys {
		if len(j.Problems) != 0 {
			t.Errorf("journey %s: problems %q", j.Name, j.Problems)
		}
	}
	j, err := env.GetJourney(ctx, JourneyAnnouncement)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range j.Nodes {
		if n.ID == "reminder" && n.Variables["resetUrl"] != "https://acme.dev/reset" {
			t.Errorf("reminder variables %v", n.Variables)
		}
		if n.ID == "announcement" && n.Variables["resetUrl"] != "" {
			t.Errorf("the announcement, whose template does not use it, got resetUrl: %v", n.Variables)
		}
	}
}
