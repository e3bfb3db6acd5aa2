package importer

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

func TestCanaryThenFullRun(t *testing.T) { eachBackend(t, testCanaryThenFullRun) }

func testCanaryThenFullRun(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	src := mixedSource()
	canary, err := Run(ctx, src.clone(), env, Options{Mode: ModeRun, Only: []string{"user_pw", "SOCIAL@example.com", "nobody@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if canary.Users.Imported != 2 || canary.Users.Fetched != len(src.recs) || canary.Users.Skipped != 0 {
		t.Fatalf("canary users %+v", canary.Users)
	}
	if !slices.ContainsFunc(canary.Warnings, func(w string) bool { return w == "--only: not in the source: nobody@example.com" }) {
		t.Errorf("warnings %v", canary.Warnings)
	}
	full, err := Run(ctx, src.clone(), env, Options{Mode: ModeRun})
	if err != nil {
		t.Fatal(err)
	}
	if full.Users.DuplicateReasons[ReasonAlreadyImported] != 2 {
		t.Errorf("full run duplicates %v", full.Users.DuplicateReasons)
	}
	runs, err := Runs(ctx, env)
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs %v %v", runs, err)
	}
	// Newest first, with options, report and status.
	if runs[0].ID != full.RunID || runs[1].ID != canary.RunID || runs[1].Status != ascendkit.RunCompleted ||
		!reflect.DeepEqual(runs[1].Options.Only, []string{"user_pw", "SOCIAL@example.com", "nobody@example.com"}) ||
		runs[1].Report == nil || runs[1].Report.Users.Imported != 2 || runs[0].SourceKind != "file" || runs[0].FinishedAt == nil {
		t.Errorf("runs %+v", runs)
	}
	// Both ends of a run in milliseconds, as one object's two times read.
	for _, r := range runs {
		if r.FinishedAt == nil || !r.FinishedAt.Equal(r.FinishedAt.Truncate(time.Millisecond)) || !r.StartedAt.Equal(r.StartedAt.Truncate(time.Millisecond)) {
			t.Errorf("run %s started %v, finished %v: not in milliseconds", r.ID, r.StartedAt, r.FinishedAt)
		}
	}
}

func TestUndoThenRunImportsAgain(t *testing.T) { eachBackend(t, testUndoThenRunImportsAgain) }

func testUndoThenRunImportsAgain(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	src := mixedSource()
	first, err := Run(ctx, src.clone(), env, Options{Mode: ModeRun})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := env.CountUsers(ctx)
	p, err := PlanUndo(ctx, env, first.RunID)
	if err != nil || p.Users != first.Users.Imported {
		t.Fatalf("plan %+v %v", p, err)
	}
	if _, err := Undo(ctx, env, first.RunID, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if m, _ := env.CountUsers(ctx); m != n-first.Users.Imported {
		t.Fatalf("users %d after undo, had %d", m, n)
	}
	again, err := Run(ctx, src.clone(), env, Options{Mode: ModeRun})
	if err != nil || again.Users.Imported != first.Users.Imported {
		t.Fatalf("after undo imported %d, first %d (%v)", again.Users.Imported, first.Users.Imported, err)
	}
	r, _ := GetRun(ctx, env, first.RunID)
	if r.Status != ascendkit.RunUndone {
		t.Errorf("status %s", r.Status)
	}
}

func TestUndoPutsBackTheSender(t *testing.T) { eachBackend(t, testUndoPutsBackTheSender) }

// A run's --from-identity is part of what it wrote: undoing the run puts
// the saved sender and the journeys' email senders back, unless a later
// run changed them since.
func testUndoPutsBackTheSender(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "old@acme.dev"}); err != nil {
		t.Fatal(err)
	}
	senders := func() (string, []string) {
		t.Helper()
		saved, _, err := env.Setting(ctx, SettingFromIdentity)
		if err != nil {
			t.Fatal(err)
		}
		from := emailSenders(t, env)
		return saved, slices.Compact(from)
	}
	runWith := func(sender string) Report {
		t.Helper()
		rep, err := Run(ctx, mixedSource(), env, Options{Mode: ModeRun})
		if err != nil {
			t.Fatal(err)
		}
		if err := SetSender(ctx, env, sender, rep.RunID); err != nil {
			t.Fatal(err)
		}
		return rep
	}

	first := runWith("new@acme.dev")
	if saved, from := senders(); saved != "new@acme.dev" || !slices.Equal(from, []string{"new@acme.dev"}) {
		t.Fatalf("after the run: saved %q, nodes %v", saved, from)
	}
	p, err := PlanUndo(ctx, env, first.RunID)
	if err != nil || !p.Sender {
		t.Fatalf("plan %+v, %v: want the sender in it", p, err)
	}
	if p, err := Undo(ctx, env, first.RunID, false, time.Now()); err != nil || !p.Sender {
		t.Fatalf("undo %+v, %v", p, err)
	}
	if saved, from := senders(); saved != "old@acme.dev" || !slices.Equal(from, []string{"old@acme.dev"}) {
		t.Fatalf("after undo: saved %q, nodes %v; want old@acme.dev back", saved, from)
	}

	// A run whose sender a later run replaced: its undo leaves the later
	// sender alone.
	second := runWith("second@acme.dev")
	third, err := Run(ctx, mixedSource(), env, Options{Mode: ModeRun, OnDuplicate: "merge"})
	if err != nil {
		t.Fatal(err)
	}
	if err := SetSender(ctx, env, "third@acme.dev", third.RunID); err != nil {
		t.Fatal(err)
	}
	if p, err := PlanUndo(ctx, env, second.RunID); err != nil || p.Sender {
		t.Fatalf("plan %+v, %v: the sender was changed since, want it left alone", p, err)
	}
	if _, err := Undo(ctx, env, second.RunID, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	if saved, from := senders(); saved != "third@acme.dev" || !slices.Equal(from, []string{"third@acme.dev"}) {
		t.Fatalf("after undoing the earlier run: saved %q, nodes %v; want third@acme.dev kept", saved, from)
	}
	// A run whose users were undone but whose sender was not (the second
	// step failed): undoing it again puts the sender back.
	fifth := runWith("fifth@acme.dev")
	if _, err := env.UndoRun(ctx, fifth.RunID, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	if p, err := Undo(ctx, env, fifth.RunID, true, time.Now()); err != nil || !p.Sender {
		t.Fatalf("undo again: %+v, %v; want the sender put back", p, err)
	}
	if saved, _ := senders(); saved != "third@acme.dev" {
		t.Fatalf("after undoing again: saved %q, want third@acme.dev", saved)
	}
	if _, err := Undo(ctx, env, fifth.RunID, true, time.Now()); err == nil {
		t.Fatal("a third undo succeeded; want already undone")
	}
	// The same sender again changes nothing, so there is nothing to undo.
	fourth := runWith("third@acme.dev")
	if p, err := PlanUndo(ctx, env, fourth.RunID); err != nil || p.Sender {
		t.Fatalf("plan %+v, %v: the run changed no sender", p, err)
	}
}

func TestInterruptedRunIsRecorded(t *testing.T) { eachBackend(t, testInterruptedRunIsRecorded) }

func testInterruptedRunIsRecorded(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	src := mixedSource()
	c, cancel := context.WithCancel(ctx)
	// Pages are read ahead of the writes, so the run is stopped once a
	// batch has committed rather than at a page.
	rep, err := Run(c, src, env, Options{Mode: ModeRun, BatchSize: 1, OnEvent: func(e Event) {
		if _, ok := e.(BatchApplied); ok {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || !rep.Interrupted || rep.Users.Imported == 0 {
		t.Fatalf("err %v, interrupted %v, imported %d", err, rep.Interrupted, rep.Users.Imported)
	}
	r, err := GetRun(ctx, env, rep.RunID)
	if err != nil || r.Status != ascendkit.RunInterrupted || r.Report == nil || !r.Report.Interrupted {
		t.Fatalf("run %+v %v", r, err)
	}
	if _, err := Undo(ctx, env, rep.RunID, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n, _ := env.CountUsers(ctx); n != 0 {
		t.Errorf("%d users left", n)
	}
}

// TestOnlyMatchesAnAddressAsTheImportDoes: --only finds an address the
// source spells decomposed (e + U+0301) when given composed, and back.
func TestOnlyMatchesAnAddressAsTheImportDoes(t *testing.T) {
	for _, c := range []struct{ source, only string }{
		{"Jose\u0301@Example.com", "jos\u00e9@example.com"},
		{"jos\u00e9@example.com", "JOSE\u0301@EXAMPLE.COM"},
	} {
		rep, err := Run(ctx, newSource(10, mkUser("user_j", c.source), mkUser("user_k", "k@example.com")), openEnv(t),
			Options{Mode: ModePreview, Only: []string{c.only}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Users.ToImport != 1 || len(rep.Warnings) != 0 && strings.Contains(strings.Join(rep.Warnings, " "), "not in the source") {
			t.Errorf("%q in the source, --only %q: users %+v, warnings %v", c.source, c.only, rep.Users, rep.Warnings)
		}
	}
}

// TestOnlyMatchingNobodyFails: a canary of nobody (a typo) fails rather
// than reporting success with nothing imported, preview and run alike.
func TestOnlyMatchingNobodyFails(t *testing.T) {
	env := openEnv(t)
	for _, mode := range []Mode{ModePreview, ModeRun} {
		rep, err := Run(ctx, mixedSource(), env, Options{Mode: mode, Only: []string{"nobody@example.com", "user_typo"}})
		// A preview imports nothing whatever it finds: it says what a
		// run would do.
		want := map[Mode]string{ModePreview: "so nothing would be imported", ModeRun: "so nothing was imported"}[mode]
		if err == nil || !strings.Contains(err.Error(), "none of nobody@example.com, user_typo is in the source") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", mode, err)
		}
		if rep.Users.Imported != 0 || rep.Users.ToImport != 0 {
			t.Errorf("%s: users %+v", mode, rep.Users)
		}
	}
	if n, _ := env.CountUsers(ctx); n != 0 {
		t.Errorf("%d users written", n)
	}
}
