package conformance

import (
	"context"
	"errors"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// liveRuns is what the run liveness tests drive beyond the Environment:
// the backend's clock and a heartbeat on demand (its timer's work).
type liveRuns interface {
	SetClock(now func() time.Time)
	Heartbeat(ctx context.Context, id string) error
}

// Clock is a clock a test moves by hand (for a backend's SetClock).
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock is a Clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// clocked sets l's clock to a test clock at t0 and returns it.
func clocked(t *testing.T, l ascendkit.Environment) (*Clock, liveRuns) {
	t.Helper()
	lr, ok := l.(liveRuns)
	if !ok {
		t.Fatalf("%T has no SetClock and Heartbeat", l)
	}
	c := NewClock(t0)
	lr.SetClock(c.Now)
	return c, lr
}

func status(t *testing.T, l ascendkit.Environment, id string) string {
	t.Helper()
	r, err := l.GetRun(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

// A run whose host is elsewhere cannot have its process checked: it stays
// running while its heartbeat is fresh and reads interrupted (and can be
// undone) once the heartbeat is older than the stale window.
func testStaleRunOfAnotherHostSettles(t *testing.T, be Backend) {
	l := be.Open(t)
	clock, lr := clocked(t, l)
	startRun(t, l, "run_far")
	apply(t, l, ascendkit.ImportBatch{RunID: "run_far", Create: []ascendkit.ImportedUser{imported(5)}})
	be.Exec(t, l, `UPDATE import_runs SET host = 'far-away-host', pid_ns = 'theirs', pid = 1 WHERE id = 'run_far'`)

	clock.Add(ascendkit.RunStaleAfter - time.Second)
	if s := status(t, l, "run_far"); s != ascendkit.RunRunning {
		t.Fatalf("fresh run reads %s", s)
	}
	if _, err := l.UndoRun(ctx, "run_far", false, clock.Now()); !errors.Is(err, ascendkit.ErrInvalid) {
		t.Fatalf("undo of a live run: %v", err)
	}
	// A beat restarts the window.
	if err := lr.Heartbeat(ctx, "run_far"); err != nil {
		t.Fatal(err)
	}
	clock.Add(ascendkit.RunStaleAfter)
	if s := status(t, l, "run_far"); s != ascendkit.RunRunning {
		t.Fatalf("run beaten %v ago reads %s", ascendkit.RunStaleAfter, s)
	}
	clock.Add(time.Second)
	// Another handle (another process) judges alike.
	other := be.Reopen(t, l)
	other.(liveRuns).SetClock(clock.Now)
	runs, err := other.ListRuns(ctx)
	if err != nil || len(runs) != 1 || runs[0].Status != ascendkit.RunInterrupted || runs[0].FinishedAt != nil {
		t.Fatalf("stale run: %+v, %v", runs, err)
	}
	if _, err := other.UndoRun(ctx, "run_far", false, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n, _ := l.CountUsers(ctx); n != 0 {
		t.Errorf("%d users after undo", n)
	}
}

// Containers may share a hostname but not a PID namespace: a pid that is
// dead here says nothing of a run recorded from another namespace, which
// stays running while it beats.
func testLiveRunInAnotherPIDNamespaceStaysRunning(t *testing.T, be Backend) {
	l := be.Open(t)
	clock, _ := clocked(t, l)
	startRun(t, l, "run_ns")
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatalf("no `true` to make a dead pid: %v", err)
	}
	// Same host name, a pid that is dead in this namespace.
	be.Exec(t, l, `UPDATE import_runs SET pid = $1, pid_ns = 'another-namespace' WHERE id = 'run_ns'`, cmd.Process.Pid)
	clock.Add(time.Minute)
	if s := status(t, l, "run_ns"); s != ascendkit.RunRunning {
		t.Fatalf("live run of another namespace reads %s", s)
	}
	if _, err := l.UndoRun(ctx, "run_ns", false, clock.Now()); !errors.Is(err, ascendkit.ErrInvalid) {
		t.Fatalf("undo of a live run: %v", err)
	}
	if err := l.FinishRun(ctx, "run_ns", ascendkit.RunFinish{Status: ascendkit.RunCompleted, At: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if s := status(t, l, "run_ns"); s != ascendkit.RunCompleted {
		t.Fatalf("finished run reads %s", s)
	}
}

// A run declared dead while it was in fact alive learns so: it can write
// no more batches, its heartbeat fails, and finishing does not turn it
// back into completed — neither once interrupted nor once undone.
func testDeadRunCannotWriteOrFinish(t *testing.T, be Backend) {
	l := be.Open(t)
	clock, lr := clocked(t, l)
	startRun(t, l, "run_slow")
	apply(t, l, ascendkit.ImportBatch{RunID: "run_slow", Create: []ascendkit.ImportedUser{imported(5)}})
	// Judged from another host, which can go by the heartbeat alone (on
	// this one, the live process says the run is alive).
	l.(interface{ SetAway(bool) }).SetAway(true)
	clock.Add(ascendkit.RunStaleAfter + time.Second)
	if s := status(t, l, "run_slow"); s != ascendkit.RunInterrupted {
		t.Fatalf("stale run reads %s", s)
	}
	_, err := l.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run_slow", Create: []ascendkit.ImportedUser{imported(6)}}, t0)
	if !errors.Is(err, ascendkit.ErrRunEnded) {
		t.Fatalf("batch of an interrupted run: %v", err)
	}
	if err := lr.Heartbeat(ctx, "run_slow"); !errors.Is(err, ascendkit.ErrRunEnded) {
		t.Fatalf("heartbeat of an interrupted run: %v", err)
	}
	fin := ascendkit.RunFinish{Status: ascendkit.RunCompleted, Report: []byte(`{"imported":2}`), At: clock.Now()}
	if err := l.FinishRun(ctx, "run_slow", fin); !errors.Is(err, ascendkit.ErrRunEnded) {
		t.Fatalf("finish of an interrupted run: %v", err)
	}
	r, _ := l.GetRun(ctx, "run_slow")
	if r.Status != ascendkit.RunInterrupted || r.FinishedAt != nil || string(r.Report) != "{}" {
		t.Fatalf("interrupted run after finish: %+v", r)
	}
	if _, err := l.UndoRun(ctx, "run_slow", false, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := l.FinishRun(ctx, "run_slow", fin); !errors.Is(err, ascendkit.ErrRunEnded) {
		t.Fatalf("finish of an undone run: %v", err)
	}
	r, _ = l.GetRun(ctx, "run_slow")
	if r.Status != ascendkit.RunUndone || r.UndoneAt == nil || r.FinishedAt != nil {
		t.Fatalf("undone run after finish: %+v", r)
	}
	_, err = l.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run_slow", Create: []ascendkit.ImportedUser{imported(7)}}, t0)
	if !errors.Is(err, ascendkit.ErrRunEnded) {
		t.Fatalf("batch of an undone run: %v", err)
	}
	if n, _ := l.CountUsers(ctx); n != 0 {
		t.Errorf("%d users after undo and refused batches", n)
	}
	if err := l.FinishRun(ctx, "run_nope", fin); !errors.Is(err, ascendkit.ErrNotFound) {
		t.Errorf("finish of an unknown run: %v", err)
	}
}

// A run of this host and namespace whose process is alive stays running
// however old its heartbeat: a long write elsewhere (an undo of a large
// run) can hold up its beats. And a run of another host that never beat
// (an older binary) is left running, as it was before heartbeats.
func testLiveProcessOutlivesItsHeartbeat(t *testing.T, be Backend) {
	l := be.Open(t)
	clock, _ := clocked(t, l)
	startRun(t, l, "run_here")
	startRun(t, l, "run_old")
	be.Exec(t, l, `UPDATE import_runs SET host = 'far-away-host', pid_ns = '', pid = 1, heartbeat_at = NULL WHERE id = 'run_old'`)
	clock.Add(3 * ascendkit.RunStaleAfter)
	for _, id := range []string{"run_here", "run_old"} {
		if s := status(t, l, id); s != ascendkit.RunRunning {
			t.Errorf("%s reads %s", id, s)
		}
	}
}
