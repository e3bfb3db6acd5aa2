package ui

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// killRuns leaves every run of the local environment env as a process
// killed mid-run does: interrupted, with no report and no end (the store
// has no way to do this).
func killRuns(t *testing.T, env ascendkit.Environment) {
	t.Helper()
	path, ok := strings.CutPrefix(env.Describe(), "local:")
	if !ok {
		t.Fatalf("not a local environment: %s", env.Describe())
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(),
		`UPDATE import_runs SET status = '`+ascendkit.RunInterrupted+`', report = '{}', finished_at = NULL`); err != nil {
		t.Fatal(err)
	}
}

// The runs tab shows what killed runs wrote, in their rows and in the
// detail, as `import runs` and `import runs show` do.
func TestBrowserRunsShowAKilledRunsUsers(t *testing.T) {
	env, first, second := twoRuns(t)
	killRuns(t, env)
	d := newDriver(t, Config{Env: env, Start: ScreenBrowser}, 100, 30)
	b := browserOf(d)
	d.waitFor("the runs", func(Model) bool { return !b.loading })
	d.mustSee(second + " · interrupted")
	d.mustSee("0 imported · 1 merged · process ended mid-run")
	d.mustSee("3 imported · 0 merged · process ended mid-run")

	d.press("down", "enter")
	d.waitFor("the run", func(Model) bool { return b.mode == browseRun && b.run.ID == first })
	mustSeeRow(d, "written", "3 users imported · 0 merged before the process ended (no report)")
	d.mustSee("No report: the process ended before the run finished.")
	assertFits(t, d.view(), 100, 30)
	// Narrower, the sentence wraps under itself rather than being cut.
	d.send(tea.WindowSizeMsg{Width: 60, Height: 20})
	v := d.view()
	assertFits(t, v, 60, 20)
	if got := strings.Join(strings.Fields(v), " "); !strings.Contains(got, "written 3 users imported · 0 merged before the process ended (no report)") ||
		!strings.Contains(got, "No report: the process ended before the run finished. Undo removes what it wrote.") {
		t.Errorf("at 60 columns the counts or the note are cut:\n%s", v)
	}
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})

	d.press("esc", "up", "enter")
	d.waitFor("the run", func(Model) bool { return b.mode == browseRun && b.run.ID == second })
	mustSeeRow(d, "written", "0 users imported · 1 merged before the process ended (no report)")
}

// mustSeeRow: the screen has a line of label, then value, whatever the
// labels' column width.
func mustSeeRow(d *driver, label, value string) {
	d.t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + ` +` + regexp.QuoteMeta(value) + `$`)
	if v := d.view(); !re.MatchString(v) {
		d.t.Fatalf("screen has no row %s: %q:\n%s", label, value, v)
	}
}
