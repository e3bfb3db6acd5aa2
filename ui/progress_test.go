package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

func progressOf(d *driver) *progressScreen { return d.m.screens[stateProgress].(*progressScreen) }

// toProgress starts an import whose run holds until hold is closed.
func toProgress(t *testing.T, w, h int, hold chan struct{}, opts ...driverOpt) (*driver, *fakeCore) {
	t.Helper()
	core := &fakeCore{hold: hold}
	core.runEvents, core.runReport = runScript()
	d, _ := toConfirm(t, w, h, append([]driverOpt{core.install}, opts...)...)
	d.press("y")
	if d.state() != stateProgress {
		t.Fatalf("state %v, want progress", d.state())
	}
	return d, core
}

func TestProgressRunsWithConfirmedOptions(t *testing.T) {
	d, core := toProgress(t, 80, 24, nil)
	d.waitFor("the end", func(m Model) bool { return progressOf(d).report != nil })
	calls := core.callList()
	last := calls[len(calls)-1]
	if last.Mode != importer.ModeRun || !last.Phases.Users || !last.Phases.Settings || last.OnDuplicate != importer.PolicySkip {
		t.Fatalf("run options %+v", last)
	}
	d.mustSee("Import complete")
	d.mustSee("imported")
	if r := d.m.pc.sess.result; r == nil || r.Users.Imported != 6 {
		t.Fatalf("session result %+v", r)
	}
	sum := d.m.Summary()
	for _, want := range []string{"Import finished.", "6 imported", "OAuth links: 6", "import:clerk 7", "user.imported 7"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	d.press("enter")
	if d.state() != stateJourneys {
		t.Fatalf("state %v, want journeys", d.state())
	}
	// Back on the report, enter goes on again.
	d.press("esc")
	if d.state() != stateProgress {
		t.Fatalf("esc from the journeys went to %v", d.state())
	}
	d.press("enter")
	if d.state() != stateJourneys {
		t.Fatalf("enter after coming back: state %v, want journeys", d.state())
	}
}

func TestProgressGracefulStop(t *testing.T) {
	hold := make(chan struct{})
	d, _ := toProgress(t, 80, 24, hold)
	d.waitFor("a batch", func(m Model) bool { return progressOf(d).counts.Imported == 4 })
	p := progressOf(d)
	if p.counts.Failed != 1 || len(p.failures) != 1 {
		t.Fatalf("failures %d %v", p.counts.Failed, p.failures)
	}
	v := d.view()
	if !strings.Contains(v, "constraint failed: UNIQUE") || strings.Contains(d.m.View().Content, "\x1b[1mUNIQUE") {
		t.Fatalf("failure not listed sanitized:\n%s", v)
	}
	// esc asks; n keeps going.
	d.press("esc")
	d.mustSee("Stop the import?")
	d.press("n")
	if p.asking || !p.running() {
		t.Fatal("n did not keep the import going")
	}
	// q during an import asks too, it does not quit.
	d.press("q")
	if d.quit || !p.asking {
		t.Fatal("q during the import should ask to stop")
	}
	d.press("n")
	// ctrl+c requests a graceful stop, no quit.
	d.press("ctrl+c")
	if d.quit {
		t.Fatal("ctrl+c quit during the import")
	}
	d.waitFor("the interrupted report", func(m Model) bool { return p.report != nil })
	if !p.report.Interrupted {
		t.Fatal("report not interrupted")
	}
	d.mustSee("Import interrupted.")
	if !strings.Contains(d.m.Summary(), "Import interrupted") {
		t.Fatalf("summary:\n%s", d.m.Summary())
	}
	d.press("ctrl+c")
	if !d.quit {
		t.Fatal("ctrl+c after the stop did not quit")
	}
}

func TestProgressEscStopWithY(t *testing.T) {
	hold := make(chan struct{})
	d, _ := toProgress(t, 80, 24, hold)
	stopAfterBatch(d)
	if !progressOf(d).report.Interrupted {
		t.Fatal("not interrupted")
	}
}

func TestProgressRateAndETA(t *testing.T) {
	now := fixedNow
	clock := func() time.Time { return now }
	hold := make(chan struct{})
	d, _ := toProgress(t, 80, 24, hold, func(pc *programContext) { pc.now = clock })
	p := progressOf(d)
	d.waitFor("a batch", func(m Model) bool { return p.counts.Imported == 4 })
	p.begun = fixedNow.Add(-2 * time.Second)
	p.lastAt = fixedNow
	d.mustSee("2 users/s")
	d.mustSee("ETA 2s") // 3 users left at 2/s
	close(hold)
	d.waitFor("the end", func(m Model) bool { return p.report != nil })
}

func TestProgressGoldenRunning(t *testing.T) {
	goldenSizes(t, runningProgress)
}

// runningProgress is an import held after its first batch, its clock
// fixed, for golden views of the running screen.
func runningProgress(t *testing.T, w, h int) *driver {
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	d, _ := toProgress(t, w, h, hold)
	p := progressOf(d)
	d.waitFor("a batch", func(m Model) bool { return p.counts.Imported == 4 })
	p.begun = fixedNow.Add(-4 * time.Second)
	p.lastAt = fixedNow
	return d
}

func TestProgressGoldenSummary(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		d, _ := toProgress(t, w, h, nil)
		d.waitFor("the end", func(m Model) bool { return progressOf(d).report != nil })
		return d
	})
}

// A run that stops on an error says why and that running again continues;
// its warnings and link conflicts are on the summary and in the plain
// summary printed at the end.
func TestProgressSummaryErrorWarningsConflicts(t *testing.T) {
	d, _ := toProgress(t, 120, 40, nil, func(pc *programContext) {
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			if opts.Mode == importer.ModePreview {
				evs, rep := previewEvents()
				return scriptedRun(evs, rep, nil)(ctx, src, env, opts)
			}
			_, rep := runScript()
			rep.Users.Imported = 4
			rep.Error = "writing batch 2: environment busy \x1b[31m(locked)\x1b[0m"
			rep.Warnings = append(rep.Warnings, "Weird\x1b]0;title\x07 warning")
			opts.OnEvent(importer.Finished{Report: rep})
			return rep, errors.New(rep.Error)
		}
	})
	p := progressOf(d)
	d.waitFor("the end", func(m Model) bool { return p.report != nil })
	v := d.view()
	for _, want := range []string{
		"The import stopped early: writing batch 2: environment busy (locked)",
		"What was written stays; run the import again to continue.",
		"link conflicts        1",
		"⚠ The export has no password hashes",
		"⚠ 1 social-only user has no enabled provider",
		"⚠ Weird warning",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("summary screen lacks %q:\n%s", want, v)
		}
	}
	raw := d.m.View().Content
	for _, bad := range []string{"\x1b[31m(locked)", "\x1b]0;", "\x07"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("summary has %q", bad)
		}
	}
	sum := d.m.Summary()
	for _, want := range []string{
		"Import stopped early: writing batch 2: environment busy (locked)",
		"What was written stays; run the import again to continue.",
		"OAuth links: 6 (1 not linked: the OAuth account belongs to another user)",
		"Warning: The export has no password hashes",
		"Warning: Weird warning",
	} {
		if !strings.Contains(sum, want) {
			t.Errorf("plain summary lacks %q:\n%s", want, sum)
		}
	}
	if strings.Contains(sum, "Import finished") || strings.Contains(sum, "\x1b") {
		t.Fatalf("plain summary:\n%q", sum)
	}
}

// The core's warnings point at --entries, which the wizard has not: the
// import's summary screen points at the review instead, and at what
// still works after the import (ascendkit auth update) rather than the
// steps behind it. The plain summary, printed once the wizard is gone,
// keeps the core's (the CLI's) words.
func TestProgressSummaryWarningsPointAtReview(t *testing.T) {
	d, _ := toProgress(t, 120, 40, nil, func(pc *programContext) {
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			if opts.Mode == importer.ModePreview {
				evs, rep := previewEvents()
				return scriptedRun(evs, rep, nil)(ctx, src, env, opts)
			}
			_, rep := runScript()
			rep.Warnings = append(rep.Warnings, "2 users are locked out in Clerk (listed in --entries as lock_cleared).",
				"3 users signed in with neither: add magic-link (--providers …,magic-link) so they can sign in.",
				"This import turns back on github, turned off by hand (auth update), as its users sign in with them. To keep them off, give the run --providers naming only the social providers to enable (credentials is enabled whenever its users have passwords), or --users to leave the providers as they are, or turn them off again with auth update after it.")
			opts.OnEvent(importer.Finished{Report: rep})
			return rep, nil
		}
	})
	p := progressOf(d)
	d.waitFor("the end", func(m Model) bool { return p.report != nil })
	v := d.view()
	if !strings.Contains(v, "2 users are locked out in Clerk (listed in the review).") || strings.Contains(v, "--entries") ||
		!strings.Contains(flatten(v), "(ascendkit auth update --providers …,magic-link turns it on)") || strings.Contains(v, "Settings step") ||
		!strings.Contains(flatten(v), "To keep them off, turn them off again with ascendkit auth update.") || strings.Contains(v, "--providers naming") {
		t.Errorf("summary screen's warning:\n%s", v)
	}
	// The summary printed at the end says it as the screen did: the
	// wizard wrote no --entries file.
	if sum := d.m.Summary(); !strings.Contains(sum, "(listed in the review)") || strings.Contains(sum, "--entries") {
		t.Errorf("plain summary's warning:\n%s", sum)
	}
	if w := p.report.Warnings[len(p.report.Warnings)-3]; !strings.Contains(w, "--entries") {
		t.Errorf("the report's own warning was changed: %q", w)
	}
}

// A failed run's summary at 80×24 lost the end of what to do next, and
// at 60×15 most of it: blank lines, tags and events, then the table's
// layout give way, and why it stopped and what to do next stay.
func TestProgressFailedSummaryFitsShortTerminals(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 15}} {
		d, _ := toProgress(t, size[0], size[1], nil, func(pc *programContext) {
			pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
				if opts.Mode == importer.ModePreview {
					evs, rep := previewEvents()
					return scriptedRun(evs, rep, nil)(ctx, src, env, opts)
				}
				_, rep := runScript()
				rep.Users.Imported, rep.Users.NotWritten = 4, 3
				rep.Error = "writing batch 2: environment busy (locked)"
				opts.OnEvent(importer.Finished{Report: rep})
				return rep, errors.New(rep.Error)
			}
		})
		p := progressOf(d)
		d.waitFor("the end", func(m Model) bool { return p.report != nil })
		v := d.view()
		assertFits(t, v, size[0], size[1])
		flat := strings.Join(strings.Fields(v), " ")
		for _, want := range []string{
			"The import stopped early: writing batch 2: environment busy (locked)",
			"not written 3",
			"Or enter to set up the journeys for the users imported so far.",
			"3 warnings (all are printed when you quit)",
		} {
			if !strings.Contains(flat, want) {
				t.Errorf("%dx%d: the summary lacks %q:\n%s", size[0], size[1], want, v)
			}
		}
	}
}

// heldRun is an import that sends nothing until hold is closed (or the
// context is cancelled): the screen before the first batch.
func heldRun(hold chan struct{}, report importer.Report) driverOpt {
	return func(pc *programContext) {
		prev := pc.runImporter
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			if opts.Mode != importer.ModeRun {
				return prev(ctx, src, env, opts)
			}
			return scriptedRun(nil, report, hold)(ctx, src, env, opts)
		}
	}
}

// Before the first batch the progress screen shows a spinner, and a tick
// each second moves the elapsed time while the run is active (only then).
func TestProgressTicksWhileRunning(t *testing.T) {
	clock := newTestClock()
	hold := make(chan struct{})
	_, rep := runScript()
	d, _ := toProgress(t, 80, 24, nil, clock.install, heldRun(hold, rep))
	p := progressOf(d)
	v := d.view()
	if !strings.Contains(v, "⠋ Importing from") || !strings.Contains(v, "elapsed 0s") {
		t.Fatalf("no spinner before the first batch:\n%s", v)
	}
	clock.advance(5 * time.Second)
	tick := runTickMsg{RunID: p.run.id}
	tm, cmd := d.m.Update(tick)
	d.m = tm.(Model)
	if cmd == nil {
		t.Fatal("the tick was not scheduled again while the run is active")
	}
	d.mustSee("elapsed 5s")
	// Another run's tick is ignored.
	if _, cmd := d.m.Update(runTickMsg{RunID: p.run.id + 1000}); cmd != nil {
		t.Fatal("a stale tick rescheduled itself")
	}
	close(hold)
	d.waitFor("the end", func(m Model) bool { return p.report != nil })
	if _, cmd := d.m.Update(tick); cmd != nil {
		t.Fatal("the tick goes on after the run")
	}
}

// After an interrupted or failed run the summary offers r (back to the
// confirmation, which previews again) and does not suggest the journeys
// when no user was written.
func TestProgressRunAgainAfterStop(t *testing.T) {
	hold := make(chan struct{})
	_, rep := runScript()
	rep.Users.Imported, rep.Users.Failed = 0, 0
	d, core := toProgress(t, 80, 24, nil, heldRun(hold, rep))
	p := progressOf(d)
	d.press("esc", "y")
	d.waitFor("the stop", func(m Model) bool { return p.report != nil })
	d.mustSee("press r to run the import again")
	if strings.Contains(d.view(), "enter set up journeys") {
		t.Fatalf("journeys suggested after 0 users:\n%s", d.view())
	}
	// No needless waiting: nothing was written, so the environment is as
	// the preview saw it and r does not read the whole source again.
	previews := len(core.callList())
	d.press("r")
	if d.state() != stateConfirm {
		t.Fatalf("r went to %v, want the confirmation", d.state())
	}
	d.waitFor("the confirmation", func(m Model) bool { return confirmOf(d).report != nil })
	if n := len(core.callList()); n != previews {
		t.Fatalf("r read the source again after a stop that wrote nothing: %d calls (%d before)", n, previews)
	}
}

// After a run that wrote users, r previews again (the environment
// changed), and so does every later visit of the confirmation.
func TestProgressRunAgainAfterWritesPreviewsAgain(t *testing.T) {
	hold := make(chan struct{})
	d, core := toProgress(t, 80, 24, hold)
	stopAfterBatch(d)
	previews := len(core.callList())
	d.press("r")
	d.waitFor("a fresh preview", func(m Model) bool { return m.state == stateConfirm && confirmOf(d).report != nil })
	calls := core.callList()
	if len(calls) != previews+1 || calls[len(calls)-1].Mode != importer.ModePreview {
		t.Fatalf("r did not preview again: %d calls (%d before)", len(calls), previews)
	}
	d.press("esc", "enter")
	d.waitFor("another preview", func(m Model) bool { return m.state == stateConfirm && confirmOf(d).report != nil })
	if n := len(core.callList()); n != previews+2 {
		t.Fatalf("%d calls, want a new preview on each visit", n)
	}
}

// A failed run that wrote users offers both: r, and enter for journeys.
func TestProgressFailedRunOffersBoth(t *testing.T) {
	d, _ := toProgress(t, 80, 24, nil, func(pc *programContext) {
		prev := pc.runImporter
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			if opts.Mode != importer.ModeRun {
				return prev(ctx, src, env, opts)
			}
			_, rep := runScript()
			rep.Users.Imported = 4
			rep.Error = "writing batch 2: environment busy"
			return rep, errors.New(rep.Error)
		}
	})
	p := progressOf(d)
	d.waitFor("the end", func(m Model) bool { return p.report != nil })
	d.mustSee("r run again")
	d.mustSee("enter set up journeys")
	d.press("enter")
	if d.state() != stateJourneys {
		t.Fatalf("enter went to %v", d.state())
	}
}

// The ctrl+c note goes away with the message that ends the import, and
// it is wrapped, not cut, at 80 columns.
func TestProgressStopNoteClearsWithTheReport(t *testing.T) {
	hold := make(chan struct{})
	d, _ := toProgress(t, 80, 24, hold)
	p := progressOf(d)
	d.waitFor("a batch", func(m Model) bool { return p.counts.Imported == 4 })
	d.press("ctrl+c")
	if !strings.Contains(flatten(d.view()), d.m.stopNote) {
		t.Fatalf("stop note not shown whole:\n%s", d.view())
	}
	assertFits(t, d.view(), 80, 24)
	d.waitFor("the report", func(m Model) bool { return p.report != nil })
	if d.m.stopNote != "" || strings.Contains(d.view(), "Stopping the import") {
		t.Fatalf("the stop note stays under the summary:\n%s", d.view())
	}
}

// The plain summary of a run stopped before anything was written has no
// empty tag or event lines and does not claim auth providers it did not set.
func TestSummaryOfAnEarlyStop(t *testing.T) {
	hold := make(chan struct{})
	empty := importer.Report{
		Mode: importer.ModeRun, Source: importer.SourceInfo{Kind: "api", Format: "clerk-api"}, Phases: importer.Phases{Users: true, Settings: true},
		Tags:   map[string]int{importer.TagClerk: 0, importer.TagNeedsPasswordReset: 0, importer.TagSocialOnly: 0},
		Events: map[string]int{importer.EventUserImported: 0, importer.EventUserLogin: 0},
		Users: importer.UserCounts{DuplicateReasons: map[string]int{importer.ReasonEmailExists: 0},
			SkippedReasons: map[string]int{importer.ReasonNoEmail: 0}},
		Settings: importer.SettingsReport{Providers: []string{}, Before: []string{"credentials"}, After: []string{}},
	}
	d, _ := toProgress(t, 80, 24, nil, heldRun(hold, empty))
	p := progressOf(d)
	d.press("esc", "y")
	d.waitFor("the stop", func(m Model) bool { return p.report != nil })
	sum := d.m.Summary()
	for _, bad := range []string{"Tags:", "Events:", "Auth providers: none", "duplicates:", "skipped:"} {
		if strings.Contains(sum, bad) {
			t.Errorf("summary has %q:\n%s", bad, sum)
		}
	}
	if !strings.Contains(sum, "Auth providers: not changed") {
		t.Errorf("summary does not say the settings were left alone:\n%s", sum)
	}
	d.mustSee("not changed (stopped before the settings phase)")
}

// TestProgressShowsFileCheck: a run on an export file reads it through
// before writing (importer.Checking); the screen says so until Started.
func TestProgressShowsFileCheck(t *testing.T) {
	var m importUpdateMsg
	m.add(importer.Checking{Source: "file"})
	if !m.Checking {
		t.Fatal("Checking event not carried")
	}
	m.add(importer.Started{Total: 7})
	if m.Checking || m.Started == nil {
		t.Fatal("Started must end the check")
	}

	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	d, _ := toProgress(t, 80, 24, hold)
	p := progressOf(d)
	p.apply(importUpdateMsg{Checking: true})
	d.mustSee("Checking the whole file before writing anything")
	p.apply(importUpdateMsg{Started: &importer.Started{Total: 7}})
	d.mustNotSee("Checking the whole file")
	d.mustSee("Importing from")
}

// Bug 5: ctrl+c during an import ends the program with ErrInterrupted
// (the CLI's exit 130); a later import that finishes clears it, and a
// stop with esc → y is not an interruption.
func TestCtrlCDuringImportEndsInterrupted(t *testing.T) {
	hold := make(chan struct{})
	d, _ := toProgress(t, 80, 24, hold)
	d.waitFor("a batch", func(m Model) bool { return progressOf(d).counts.Imported == 4 })
	if d.m.Err() != nil {
		t.Fatal("interrupted before ctrl+c")
	}
	d.press("ctrl+c")
	d.waitFor("the stop", func(m Model) bool { return progressOf(d).report != nil })
	d.press("ctrl+c")
	if !d.quit {
		t.Fatal("second ctrl+c did not quit")
	}
	if err := d.m.Err(); !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Err() = %v, want ErrInterrupted (context.Canceled)", err)
	}

	d2, _ := toProgress(t, 80, 24, make(chan struct{}))
	stopAfterBatch(d2)
	if err := d2.m.Err(); err != nil {
		t.Fatalf("esc → y stop gave %v", err)
	}
}

// Two y typed before the wizard moves on start one import, not two: the
// second key reaches the confirmation, which has already started its run.
func TestConfirmDoubleYStartsOneRun(t *testing.T) {
	hold := make(chan struct{})
	core := &fakeCore{hold: hold}
	core.runEvents, core.runReport = runScript()
	d, _ := toConfirm(t, 80, 24, core.install)
	d.update(keyMsgs("y")[0])
	d.update(keyMsgs("y")[0])
	d.settle()
	if d.state() != stateProgress {
		t.Fatalf("state %v, want progress", d.state())
	}
	d.waitFor("a batch", func(m Model) bool { return progressOf(d).counts.Imported == 4 })
	runs := 0
	for _, c := range core.callList() {
		if c.Mode == importer.ModeRun {
			runs++
		}
	}
	if runs != 1 {
		t.Fatalf("%d import runs started by one confirmation, want 1", runs)
	}
	close(hold)
	d.waitFor("the end", func(m Model) bool { return progressOf(d).report != nil })
}

// A progress screen replaced by another is closed: its run is abandoned,
// so the importer's goroutine ends instead of blocking on its events.
func TestReplacedProgressScreenIsClosed(t *testing.T) {
	hold := make(chan struct{})
	d, _ := toProgress(t, 80, 24, hold)
	d.waitFor("a batch", func(m Model) bool { return progressOf(d).counts.Imported == 4 })
	old := progressOf(d)
	d.send(navMsg{to: stateProgress})
	if progressOf(d) == old {
		t.Fatal("the progress screen was not replaced")
	}
	if !old.run.isAbandoned() {
		t.Fatal("the replaced progress screen's run was not abandoned")
	}
	select {
	case <-old.run.finished:
	case <-time.After(10 * time.Second):
		t.Fatal("the replaced run's goroutine did not end")
	}
	close(hold)
}

// r typed twice after a stop builds one confirmation, which previews once.
func TestProgressDoubleRPreviewsOnce(t *testing.T) {
	hold := make(chan struct{})
	d, core := toProgress(t, 80, 24, hold)
	stopAfterBatch(d)
	previews := len(core.callList())
	d.update(keyMsgs("r")[0])
	d.update(keyMsgs("r")[0])
	d.settle()
	d.waitFor("a fresh preview", func(m Model) bool { return m.state == stateConfirm && confirmOf(d).report != nil })
	if n := len(core.callList()); n != previews+1 {
		t.Fatalf("r r: %d importer calls after the stop, want 1 preview", n-previews)
	}
}

// The stop dialog, with the help line saying what each key does there.
func TestProgressGoldenAskingStop(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		d := runningProgress(t, w, h)
		d.press("q")
		return d
	})
}

// The help line during an import says what the keys do: esc and q ask,
// y in the dialog stops after the batch, ctrl+c stops without asking
// and stays on screen; nothing offers to quit until the run has ended.
func TestProgressHelpSaysWhatKeysDo(t *testing.T) {
	hold := make(chan struct{})
	d, _ := toProgress(t, 120, 40, hold)
	p := progressOf(d)
	d.waitFor("a batch", func(m Model) bool { return p.counts.Imported == 4 })
	help := func() string {
		lines := strings.Split(strings.TrimRight(d.view(), "\n"), "\n")
		return lines[len(lines)-1]
	}
	if h := help(); !strings.Contains(h, "esc/q ask to stop") || !strings.Contains(h, "ctrl+c stop after this batch") || strings.Contains(h, "quit") {
		t.Fatalf("help while importing: %q", h)
	}
	d.press("esc")
	if !p.asking {
		t.Fatal("esc did not ask")
	}
	if h := help(); !strings.Contains(h, "y stop after this batch") || !strings.Contains(h, "n/esc keep going") || strings.Contains(h, "quit") {
		t.Fatalf("help in the dialog: %q", h)
	}
	d.mustSee("y stop after this batch · n/esc keep going")
	d.press("esc")
	if p.asking || !p.running() {
		t.Fatal("esc in the dialog did not keep going")
	}
	// Looked at before the run's last message is handled.
	d.update(keyMsgs("ctrl+c")[0])
	if d.quit || !p.stopping || !p.running() {
		t.Fatal("ctrl+c did not stop without asking")
	}
	if h := help(); strings.Contains(h, "quit") || strings.Contains(h, "stop") {
		t.Fatalf("help while stopping offers a key that does nothing: %q", h)
	}
	close(hold)
	d.waitFor("the stop", func(m Model) bool { return p.report != nil })
	if h := help(); !strings.Contains(h, "q quit") || !strings.Contains(h, "ctrl+c quit") {
		t.Fatalf("help after the run: %q", h)
	}
}

// An import stopped and run again: the exit summary gives the last run's
// report and the session's total over both runs (the second run counts
// the first one's users as already imported, not as imported).
func TestSummaryTotalsTheSessionsRuns(t *testing.T) {
	_, rep := runScript()
	runs := 0
	d, _ := toProgress(t, 120, 40, nil, func(pc *programContext) {
		prev := pc.runImporter
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			if opts.Mode != importer.ModeRun {
				return prev(ctx, src, env, opts)
			}
			runs++
			r := rep
			r.RunID = fmt.Sprintf("run_%d", runs)
			if runs == 1 {
				r.Users.Imported, r.Users.Failed = 4, 0
				opts.OnEvent(importer.BatchApplied{Counts: r.Users})
				<-ctx.Done()
				r.Interrupted = true
				return r, nil
			}
			r.Users.Imported, r.Users.Duplicates, r.Users.Failed = 3, 6, 0
			r.Users.DuplicateReasons = map[string]int{importer.ReasonAlreadyImported: 4, importer.ReasonEmailExists: 2}
			return r, nil
		}
	})
	stopAfterBatch(d)
	if sum := d.m.Summary(); strings.Contains(sum, "session") {
		t.Fatalf("one run summed as a session:\n%s", sum)
	}
	d.press("r")
	d.waitFor("the confirmation", func(m Model) bool { return m.state == stateConfirm && confirmOf(d).report != nil })
	d.press("y")
	d.waitFor("the second run's end", func(m Model) bool {
		return m.state == stateProgress && progressOf(d).report != nil && !progressOf(d).report.Interrupted
	})
	d.mustSee("3 imported and 0 merged by this run; 7 imported and 0 merged by this source's 2 runs.")
	assertFits(t, d.view(), 120, 40)
	sum := d.m.Summary()
	for _, want := range []string{"Import finished.", "3 imported", "3 imported and 0 merged by this run; 7 imported and 0 merged by this source's 2 runs"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	// An undone run no longer counts.
	d.m.pc.sess.undone = append(d.m.pc.sess.undone, "run_1")
	if sum := d.m.Summary(); !strings.Contains(sum, "3 imported and 0 merged by this source's 2 runs (1 undone, not counted)") {
		t.Errorf("undone run counted:\n%s", sum)
	}
	// A run that wrote nothing (stopped before its first batch) is no run
	// of the total; with one run left that wrote, there is no total.
	d.m.pc.sess.undone = nil
	d.m.pc.sess.runs = append(d.m.pc.sess.runs, runWrites{id: "run_3"})
	if sum := d.m.Summary(); !strings.Contains(sum, "by this source's 2 runs") {
		t.Errorf("a run that wrote nothing counted:\n%s", sum)
	}
	d.m.pc.sess.runs = d.m.pc.sess.runs[1:]
	if sum := d.m.Summary(); strings.Contains(sum, "this source's") {
		t.Errorf("a total of one run:\n%s", sum)
	}
	// Another source chosen after the import: the summary still names
	// the source the import read.
	read := plainSource(d.m.pc.sess.source)
	d.m.pc.sess.source = sourceChoice{Kind: "file", Path: "/elsewhere/other.json", Total: -1}
	if sum := d.m.Summary(); !strings.Contains(sum, "Source: "+read) {
		t.Errorf("summary does not name %q:\n%s", read, sum)
	}
}

// stopAfterBatch waits for the import's first batch, stops it with esc y
// and waits for its report; it returns the progress screen.
func stopAfterBatch(d *driver) *progressScreen {
	d.t.Helper()
	p := progressOf(d)
	d.waitFor("a batch", func(m Model) bool { return p.counts.Imported == 4 })
	d.press("esc", "y")
	d.waitFor("the stop", func(m Model) bool { return p.report != nil })
	return p
}

// The program dying during the import (a panic Bubble Tea recovers from
// returns no model) still ends with a summary of what happened: the run
// is stopped, and its report, not "nothing was written", is given.
func TestSummaryAfterPanicDuringImport(t *testing.T) {
	for _, reports := range []bool{true, false} {
		t.Run(fmt.Sprintf("reports=%v", reports), func(t *testing.T) {
			env := newTestEnv(t)
			cfg := testConfig(env, makeUsers(10))
			var armed atomic.Bool
			cfg.Now = func() time.Time {
				if armed.CompareAndSwap(true, false) { // once
					panic("test: the program dies during the import")
				}
				return fixedNow
			}
			m := New(cfg)
			m.pc.runTick = func(int) tea.Cmd { return nil }
			_, rep := runScript()
			rep.RunID = "run_0000000000000000000000ab"
			m.pc.runImporter = func(ctx context.Context, src clerk.Source, env ascendkit.Environment, opts importer.Options) (importer.Report, error) {
				half := importer.UserCounts{Fetched: 5, ToImport: 4, Imported: 4}
				opts.OnEvent(importer.Started{Mode: importer.ModeRun, Source: "api", Total: 10})
				opts.OnEvent(importer.BatchApplied{Counts: half})
				// The next screen update panics.
				armed.Store(true)
				<-ctx.Done()
				if !reports {
					<-t.Context().Done() // never reports (stuck on a write)
				}
				r := rep
				r.Users = half
				r.Interrupted = true
				return r, nil
			}
			m.pc.sess.source = sourceChoice{Kind: "api", Key: "sk_test_x", Total: 10}
			m.pc.sess.preview = &rep
			// Bubble Tea prints the panic's stack to stderr: not here.
			stderr := os.Stderr
			if null, err := os.Open(os.DevNull); err == nil {
				os.Stderr = null
				defer func() { os.Stderr = stderr; null.Close() }()
			}
			in, inW := io.Pipe()
			defer inW.Close()
			exitWaitWas := exitWait
			if !reports {
				exitWait = 50 * time.Millisecond
			}
			defer func() { exitWait = exitWaitWas }()
			sum, err := run(m, func(p *tea.Program) {
				go p.Send(navMsg{to: stateProgress})
			}, tea.WithInput(in), tea.WithOutput(io.Discard), tea.WithoutSignalHandler())
			if !errors.Is(err, tea.ErrProgramPanic) {
				t.Fatalf("err %v, want the panic", err)
			}
			if strings.Contains(sum, "nothing was written") || strings.Contains(sum, "Nothing was changed") {
				t.Fatalf("summary claims nothing was written:\n%s", sum)
			}
			want := []string{"Import interrupted", "Run: " + rep.RunID, "4 imported"}
			if !reports {
				want = []string{"An import was under way when the program ended", "ascendkit import runs"}
			}
			for _, w := range want {
				if !strings.Contains(sum, w) {
					t.Fatalf("summary lacks %q:\n%s", w, sum)
				}
			}
		})
	}
}

// On a terminal too short for the stop dialog under the counts (60×15),
// the question is still on screen: it takes the title's line.
func TestProgressAskingStopFitsSmallTerminals(t *testing.T) {
	d := runningProgress(t, 60, 15)
	d.press("q")
	v := d.view()
	assertFits(t, v, 60, 15)
	if !strings.Contains(v, "Stop the import?") || !strings.Contains(v, "stop after this batch") {
		t.Fatalf("the question is not on screen:\n%s", v)
	}
}

// A run again reads past the users imported before, writing nothing for
// them: the ETA goes by the source read, not by the users written (it
// said minutes for a run seconds from its end).
func TestProgressETAFollowsTheRead(t *testing.T) {
	hold := make(chan struct{}) // the import stays under way
	defer close(hold)
	d, _ := toProgress(t, 100, 30, hold)
	s := progressOf(d)
	s.begun = time.Unix(0, 0)
	s.lastAt = s.begun.Add(9 * time.Second)
	s.total, s.fetched = 100, 90 // 70 imported before, 20 written now
	s.expUsers, s.counts.Imported = 30, 20
	d.mustSee("ETA 1s") // by the written users, 4s
}

// At 60 columns the stop dialog wraps inside the screen rather than
// losing its right edge and the end of its lines.
func TestProgressStopDialogWrapsNarrow(t *testing.T) {
	d := runningProgress(t, 60, 30)
	d.press("q")
	v := d.view()
	assertFits(t, v, 60, 30)
	if !strings.Contains(v, "running the import again") || !strings.Contains(v, "continues.") || !strings.Contains(v, "n/esc keep going") {
		t.Fatalf("the dialog is cut:\n%s", v)
	}
}
