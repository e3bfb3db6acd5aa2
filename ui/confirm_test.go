package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

func confirmOf(d *driver) *confirmScreen { return d.m.screens[stateConfirm].(*confirmScreen) }

func toConfirm(t *testing.T, w, h int, opts ...driverOpt) (*driver, *fakeCore) {
	t.Helper()
	d, core := toReview(t, w, h, opts...)
	d.press("enter")
	if d.state() != stateConfirm {
		t.Fatalf("state %v, want confirm", d.state())
	}
	d.waitFor("the report", func(m Model) bool { return confirmOf(d).report != nil })
	return d, core
}

func TestConfirmReusesPreviewWithoutChanges(t *testing.T) {
	d, core := toConfirm(t, 80, 24)
	if n := len(core.callList()); n != 1 {
		t.Fatalf("%d importer calls, want only the settings preview", n)
	}
	d.mustSee("to create")
	d.mustSee("Start the import? y / n")
	d.mustSee("credentials, github, google")
	d.press("p")
	if d.m.pc.sess.phases != (importer.Phases{Users: true}) {
		t.Fatalf("phases %+v", d.m.pc.sess.phases)
	}
	d.mustSee("(not in this run)")
	d.press("p", "p")
	if d.m.pc.sess.phases != (importer.Phases{Users: true, Settings: true}) {
		t.Fatalf("phases %+v", d.m.pc.sess.phases)
	}
	d.press("n")
	if d.state() != stateDuplicates {
		t.Fatalf("n went to %v", d.state())
	}
}

// Providers chosen on Settings with the users phase alone: the screen
// says the choice is not applied (the CLI refuses the combination).
func TestConfirmSaysProvidersNotApplied(t *testing.T) {
	d, _ := toConfirm(t, 100, 30)
	d.press("p")
	d.mustSee("(not in this run)")
	if strings.Contains(d.view(), "not applied") {
		t.Fatal("no providers were chosen, yet the screen says they are not applied")
	}
	d.m.pc.sess.providers = []string{"github"} // as the Settings screen's choice leaves it
	d.press("p", "p", "p")
	d.mustSee("chosen on Settings are not applied")
	// Nor are they recorded as the run's choice.
	if p := d.m.pc.runOptions(importer.ModeRun).Providers; p != nil {
		t.Errorf("a users-only run is given providers %v", p)
	}
	d.press("p", "p")
	if p := d.m.pc.runOptions(importer.ModeRun).Providers; len(p) != 1 {
		t.Errorf("a run with settings is given providers %v, want github", p)
	}
}

func TestConfirmRecomputesWithDecisions(t *testing.T) {
	d, core := toReview(t, 80, 24)
	d.press("space", "enter") // merge ada
	d.waitFor("the report", func(m Model) bool { return confirmOf(d).report != nil })
	calls := core.callList()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want a second preview", len(calls))
	}
	c := calls[1]
	if c.Mode != importer.ModePreview || c.Decisions["user_0003"] != importer.PolicyMerge || c.OnDuplicate != importer.PolicySkip {
		t.Fatalf("second preview options %+v", c)
	}
}

func TestConfirmProductionRequiresTypingImport(t *testing.T) {
	env := newTestEnv(t)
	cfg := testConfig(env, makeUsers(10))
	cfg.APIKey = "sk_live_0123456789abcdef"
	core := &fakeCore{}
	core.runEvents, core.runReport = runScript()
	d := newDriver(t, cfg, 80, 24, core.install)
	d.press("enter")
	d.waitFor("settings", func(m Model) bool { return m.state == stateSettings })
	d.mustSee("PRODUCTION INSTANCE")
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	d.press("enter", "enter")
	d.waitFor("the report", func(m Model) bool { return confirmOf(d).report != nil })
	d.mustSee("Type import to confirm")
	d.press("y")
	if d.state() != stateConfirm {
		t.Fatal("y started a production import")
	}
	d.press("enter")
	d.mustSee("Type the word import")
	d.press("backspace", "q") // q is typed, not quit
	if d.quit {
		t.Fatal("q quit while typing")
	}
	d.press("backspace", "import", "enter")
	if d.state() != stateProgress {
		t.Fatalf("state %v, want progress", d.state())
	}
}

func TestConfirmGolden(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		d, _ := toConfirm(t, w, h)
		return d
	})
}

func TestConfirmGoldenProduction(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		env := newTestEnv(t)
		cfg := testConfig(env, makeUsers(10))
		cfg.APIKey = "sk_live_0123456789abcdef"
		core := &fakeCore{}
		d := newDriver(t, cfg, w, h, core.install)
		d.press("enter")
		d.waitFor("settings", func(m Model) bool { return m.state == stateSettings && settingsOf(d).report != nil })
		d.press("enter", "enter")
		d.waitFor("the report", func(m Model) bool { return confirmOf(d).report != nil })
		d.press("imp")
		if !strings.Contains(d.view(), "imp") {
			t.Fatal("typed text not shown")
		}
		return d
	})
}

// The confirmation lists the preview's warnings (sanitized) and the link
// conflicts; on a small terminal the warnings take the lines left and the
// prompt stays on screen.
func TestConfirmShowsWarnings(t *testing.T) {
	hostile := func(pc *programContext) {
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			evs, rep := previewEvents()
			rep.Warnings = append(rep.Warnings, "Row 7 \x1b[2Jhas a bad date")
			return scriptedRun(evs, rep, nil)(ctx, src, env, opts)
		}
	}
	d, _ := toConfirm(t, 120, 40, hostile)
	for _, want := range []string{
		"⚠ The export has no password hashes: every user with a password gets a reset email.",
		"⚠ 1 social-only user has no enabled provider",
		"⚠ 1 user signed in to Clerk with neither a password nor OAuth",
		"⚠ Row 7 has a bad date",
		"link conflicts        1",
		"1 need magic-link",
		"Start the import? y / n",
	} {
		d.mustSee(want)
	}
	if strings.Contains(d.m.View().Content, "\x1b[2J") {
		t.Fatal("warning rendered with its escape sequence")
	}
	// Users only: no provider is enabled, so who could not sign in with
	// them is not this run's to say (the run does not say it either).
	d.press("p")
	d.mustSee("Row 7 has a bad date")
	d.mustNotSee("social-only user has no enabled provider")
	d.mustNotSee("neither a password nor OAuth")
	small, _ := toConfirm(t, 80, 24, hostile)
	small.mustSee("⚠ The export has no password hashes")
	small.mustSee("+ 3 more (w lists them all)")
	small.mustSee("Start the import? y / n")
}

// bigPreview makes the settings and confirmation previews the size of a
// real migration: six providers, two unsupported ones with thousands of
// users, tags that do not fit on one 80-column line, many warnings.
func bigPreview(pc *programContext) {
	prev := pc.runImporter
	pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
		if opts.Mode != importer.ModePreview {
			return prev(ctx, src, env, opts)
		}
		evs, rep := previewEvents()
		rep.Users.ToImport, rep.Users.ToMerge = 28940, 3
		rep.OAuthLinks = 13830
		rep.Tags = map[string]int{importer.TagClerk: 28940, importer.TagNeedsPasswordReset: 18680, importer.TagSocialOnly: 7190}
		rep.Events = map[string]int{importer.EventUserImported: 28940, importer.EventUserLogin: 23000}
		rep.Settings.Before = []string{"credentials"}
		rep.Settings.After = []string{"apple", "credentials", "github", "google", "linkedin", "microsoft"}
		rep.Settings.Unsupported = map[string]int{"oauth_x": 2169, "oauth_tiktok": 1234}
		rep.Settings.StrandedUsers, rep.Settings.PasswordlessUsers = 120, 3130
		rep.Warnings = []string{
			"The export has no password hashes: every user with a password gets a reset email.",
			"120 social-only users have no enabled provider to sign in with (theirs is unsupported or not enabled); they will need a password reset or magic-link.",
			"3130 users signed in to Clerk with neither a password nor OAuth (email code or link): add magic-link (--providers …,magic-link) so they can sign in.",
			"Row 7 has a bad date.",
		}
		return scriptedRun(evs, rep, nil)(ctx, src, env, opts)
	}
}

// toProductionConfirm walks to the confirmation with an sk_live_ key.
func toProductionConfirm(t *testing.T, w, h int, opts ...driverOpt) *driver {
	t.Helper()
	env := newTestEnv(t)
	cfg := testConfig(env, makeUsers(10))
	cfg.APIKey = "sk_live_0123456789abcdef"
	core := &fakeCore{}
	d := newDriver(t, cfg, w, h, append([]driverOpt{core.install}, opts...)...)
	d.press("enter")
	d.waitFor("settings", func(m Model) bool { return m.state == stateSettings && settingsOf(d).report != nil })
	d.press("enter", "enter")
	d.waitFor("the report", func(m Model) bool { return confirmOf(d).report != nil })
	return d
}

// At 80×24 the question, the typed word and its error stay on screen
// whatever the size of the summary: the summary gets the lines left
// (users and settings side by side, warnings as many as fit).
func TestConfirmTailAlwaysVisibleAt80x24(t *testing.T) {
	d := toProductionConfirm(t, 80, 24, bigPreview)
	d.press("imp", "enter")
	v := d.view()
	assertFits(t, v, 80, 24)
	for _, want := range []string{
		"Phases (•) users + settings",
		"PRODUCTION INSTANCE  this writes your live users into the environment",
		"Type import to confirm › imp",
		"Type the word import to start, or esc to go back.",
		"oauth_x 2,169",      // thousands separators
		"(w lists them all)", // the warnings that did not fit are counted
	} {
		if !strings.Contains(v, want) {
			t.Errorf("screen lacks %q:\n%s", want, v)
		}
	}
	// Users and auth settings side by side.
	if !regexp.MustCompile(`to create +28,940 +now +credentials`).MatchString(v) {
		t.Errorf("users and settings are not side by side:\n%s", v)
	}
	// Not production: the y / n question.
	d2, _ := toConfirm(t, 80, 24, bigPreview)
	v = d2.view()
	assertFits(t, v, 80, 24)
	if !strings.Contains(v, "Start the import? y / n") || !strings.Contains(v, "Phases (•)") {
		t.Fatalf("question not on screen:\n%s", v)
	}
	// The full help takes lines: the summary gives them up, not the question.
	d2.press("?")
	v = d2.view()
	assertFits(t, v, 80, 24)
	if !strings.Contains(v, "Start the import? y / n") || !strings.Contains(v, "change phases") {
		t.Fatalf("question or full help not on screen:\n%s", v)
	}
}

// "to merge" is what the preview counts (ToMerge); Merged is counted by
// a run only. The import's user total includes the merges to come.
func TestConfirmShowsToMergeAndProgressExpectsThem(t *testing.T) {
	merges := func(pc *programContext) {
		prev := pc.runImporter
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			if opts.Mode != importer.ModePreview {
				return prev(ctx, src, env, opts)
			}
			evs, rep := previewEvents()
			rep.Users.ToMerge = 2
			return scriptedRun(evs, rep, nil)(ctx, src, env, opts)
		}
	}
	hold := make(chan struct{})
	defer close(hold)
	d, _ := toProgress(t, 80, 24, hold, merges)
	if f := d.m.pc.sess.final; f == nil || f.Users.ToMerge != 2 {
		t.Fatalf("final %+v", f)
	}
	p := progressOf(d)
	if p.expUsers != 7+2 {
		t.Fatalf("expected users %d, want to create 7 + to merge 2", p.expUsers)
	}
	d.waitFor("a batch", func(m Model) bool { return p.counts.Imported == 4 })
	d.mustSee("4 / 9")

	c, _ := toConfirm(t, 80, 24, merges)
	if !regexp.MustCompile(`to merge +2\b`).MatchString(c.view()) {
		t.Fatalf("to merge not shown:\n%s", c.view())
	}
}

// Discoverability: the confirmation's "N warnings" opens a scrollable
// list of all of them (w), and esc closes it without leaving the step.
func TestConfirmWarningsOpenAList(t *testing.T) {
	many := func(pc *programContext) {
		run := pc.runImporter
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			r, err := run(ctx, src, env, opts)
			for i := range 30 {
				r.Warnings = append(r.Warnings, fmt.Sprintf("warning number %d: something to know before importing", i))
			}
			return r, err
		}
	}
	d, _ := toConfirm(t, 80, 24, many)
	d.mustSee("w lists them all")
	d.press("w")
	d.mustSee("Warnings (")
	if strings.Contains(d.view(), "warning number 29") {
		t.Fatal("the list does not scroll: the last warning is on the first page")
	}
	for range 40 {
		d.press("down")
	}
	d.mustSee("warning number 29")
	assertFits(t, d.view(), 80, 24)
	d.press("esc")
	if d.state() != stateConfirm || confirmOf(d).showWarnings {
		t.Fatalf("esc: state %v", d.state())
	}
	d.mustSee("Start the import?")
}

// At 60x15 the warnings gave way with the summary: nothing said there
// were any (a wrong instance's passwords file among them), and w was not
// in the help shown. Their count stays, with the question.
func TestConfirmWarningsCountedAt60x15(t *testing.T) {
	for _, size := range [][2]int{{60, 15}, {60, 12}} {
		d, _ := toConfirm(t, size[0], size[1], bigPreview)
		v := d.view()
		assertFits(t, v, size[0], size[1])
		flat := strings.Join(strings.Fields(v), " ")
		if !strings.Contains(flat, "(w lists them all)") || !strings.Contains(flat, "Start the import? y / n") {
			t.Errorf("%dx%d:\n%s", size[0], size[1], v)
		}
	}
}
