package ui

import (
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
	env := newFakeEnv()
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
		env := newFakeEnv()
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
	small, _ := toConfirm(t, 80, 24, hostile)
	small.mustSee("⚠ The export has no password hashes")
	small.mustSee("+ 3 more (`import clerk preview` lists them all)")
	small.mustSee("Start the import? y / n")
}
