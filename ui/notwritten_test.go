package ui

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
)

// An interrupted run's users read but not written are in the exit
// summary, as on the progress screen and in the CLI, so the counts add
// up to those fetched.
func TestSummaryCountsNotWritten(t *testing.T) {
	hold := make(chan struct{})
	core := &fakeCore{hold: hold}
	core.runEvents, core.runReport = runScript()
	core.runReport.Users.NotWritten = 3
	d, _ := toConfirm(t, 80, 24, core.install)
	d.press("y")
	p := progressOf(d)
	d.press("ctrl+c")
	d.waitFor("the interrupted report", func(m Model) bool { return p.report != nil })
	d.mustSee("not written")
	if sum := d.m.Summary(); !strings.Contains(sum, "not written: 3 (read, but the run stopped before writing them: run it again)") {
		t.Fatalf("summary:\n%s", sum)
	}
}

// The runs tab's report says how many users a stopped run read but did
// not write.
func TestRunDetailCountsNotWritten(t *testing.T) {
	env, first, _ := twoRuns(t)
	path, _ := strings.CutPrefix(env.Describe(), "local:")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(),
		`UPDATE import_runs SET status = '`+ascendkit.RunInterrupted+`', report = json_set(report, '$.users.notWritten', 1564) WHERE id = ?`, first); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, Config{Env: env, Start: ScreenBrowser}, 100, 30)
	b := browserOf(d)
	d.waitFor("the runs", func(Model) bool { return !b.loading })
	d.press("down", "enter") // the newest run is listed first
	d.waitFor("the run", func(Model) bool { return b.mode == browseRun && b.run.ID == first })
	if v := flatten(d.view()); !strings.Contains(v, "· 1,564 not written (read, but the run stopped before writing them: run it again)") {
		t.Fatalf("run detail:\n%s", d.view())
	}
	assertFits(t, d.view(), 100, 30)
}

// The import summary splits the stranded users as Settings and Confirm
// do: those whose OAuth cannot carry over have their own line.
func TestSummarySplitsStranded(t *testing.T) {
	core := &fakeCore{}
	core.runEvents, core.runReport = runScript()
	core.runReport.Phases.Settings = true
	core.runReport.Settings.StrandedUsers, core.runReport.Settings.NoUsableOAuthUsers = 5, 3
	d, _ := toConfirm(t, 80, 24, core.install)
	d.press("y")
	p := progressOf(d)
	d.waitFor("the report", func(m Model) bool { return p.report != nil })
	d.mustSee("2 stranded users")
	d.mustSee("3 OAuth not carried over: tagged for a password reset")
	if strings.Contains(d.view(), "5 stranded") {
		t.Fatalf("the summary counts the users whose OAuth cannot move as stranded:\n%s", d.view())
	}
}

// A settings-only run's summary says the users phase was left out, not
// "no duplicates, no skips" (a fact about the source it did not
// classify), and no one is said to be tagged for a password reset.
func TestSummaryOfASettingsOnlyRun(t *testing.T) {
	core := &fakeCore{}
	core.runEvents, core.runReport = runScript()
	core.runReport.Phases = importer.Phases{Settings: true}
	core.runReport.Settings.NoUsableOAuthUsers = 3
	d, _ := toConfirm(t, 100, 30, core.install)
	d.press("y")
	p := progressOf(d)
	d.waitFor("the report", func(m Model) bool { return p.report != nil })
	d.mustSee("users phase left out: none imported")
	if v := d.view(); strings.Contains(v, "no duplicates, no skips") || strings.Contains(v, "password reset") {
		t.Fatalf("settings-only summary:\n%s", v)
	}
}
