package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
	"github.com/ascendkit/ascendkit/client/ascendkit/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// The environment's sessions carry the server-side limits that keep one
// stuck client from blocking the others, unless the URL sets its own.
func TestSessionLimits(t *testing.T) {
	e := OpenTest(t)
	show := func(e *Env, name string) string {
		var v string
		if err := e.pool.QueryRow(ctx, "SHOW "+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := show(e, "idle_in_transaction_session_timeout"); got != "1min" {
		t.Errorf("idle_in_transaction_session_timeout = %s, want 1min", got)
	}
	if got := show(e, "lock_timeout"); got != "2min" {
		t.Errorf("lock_timeout = %s, want 2min", got)
	}
	own, err := Open(ctx, e.testURL+"&lock_timeout=7s")
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if got := show(own, "lock_timeout"); got != "7s" {
		t.Errorf("lock_timeout set in the URL = %s, want 7s", got)
	}
}

// openLimited opens a second handle on u with short session limits.
func openLimited(t *testing.T, u string, lim limits) *Env {
	t.Helper()
	e, err := open(ctx, u, lim, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// holdRunRow begins a transaction on conn that locks run id's row, as a
// batch of that run does, and leaves it idle: a client frozen mid-batch.
func holdRunRow(t *testing.T, conn interface {
	Begin(context.Context) (pgx.Tx, error)
}, id string) pgx.Tx {
	t.Helper()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var status string
	if err := tx.QueryRow(ctx, `SELECT status FROM import_runs WHERE id = $1 FOR UPDATE`, id).Scan(&status); err != nil {
		t.Fatal(err)
	}
	return tx
}

// deadline bounds a call that used to hang: generous, it only turns a
// hang into a failure.
func deadline(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(cancel)
	return c
}

// A client frozen mid-batch, idle in its transaction with its run row
// locked, loses its session to the server: a write of another client
// that needs the row goes ahead once it is gone.
func TestFrozenClientsLocksAreReleased(t *testing.T) {
	u := pgtest.Target(t)
	frozen := openLimited(t, u, limits{idleInTx: 300 * time.Millisecond, lock: time.Minute})
	if err := frozen.StartRun(ctx, ascendkit.Run{ID: "run_frozen", StartedAt: time.Now(), SourceKind: "file"}); err != nil {
		t.Fatal(err)
	}
	frozen.StopHeartbeats()
	tx := holdRunRow(t, frozen.pool, "run_frozen")
	defer tx.Rollback(context.Background())

	other := openLimited(t, u, limits{idleInTx: time.Minute, lock: time.Minute})
	// A heartbeat updates the very row the frozen client holds.
	if err := other.Heartbeat(deadline(t), "run_frozen"); err != nil {
		t.Fatalf("write of the frozen client's run row: %v", err)
	}
	// The frozen client finds its session ended when it wakes.
	if _, err := tx.Exec(ctx, `SELECT 1`); err == nil {
		t.Fatal("the frozen client's transaction survived its idle limit")
	}
}

// A lock held by a client alive but slow to let go (here a session
// without the idle limit) makes a waiting write fail with ErrBusy and a
// message saying why, not hang.
func TestLockWaitFailsClearly(t *testing.T) {
	u := pgtest.Target(t)
	e := openLimited(t, u, limits{idleInTx: time.Minute, lock: 300 * time.Millisecond})
	if err := e.StartRun(ctx, ascendkit.Run{ID: "run_slow", StartedAt: time.Now(), SourceKind: "file"}); err != nil {
		t.Fatal(err)
	}
	e.StopHeartbeats()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tx := holdRunRow(t, conn, "run_slow")
	defer tx.Rollback(context.Background())

	err = e.Heartbeat(deadline(t), "run_slow")
	if !errors.Is(err, ascendkit.ErrBusy) || !strings.Contains(err.Error(), "held a lock") {
		t.Fatalf("write waiting on a held lock: %v", err)
	}
}

// Reading the runs never waits to settle a run the reader takes for dead:
// not on the run's row another session holds (a batch of that run, or a
// client frozen in one), nor on the runs table an undo holds (LockRuns,
// which would otherwise cost the lock limit and then fail). The run is
// left for a later reader, who settles it once the lock is gone.
func TestReaderDoesNotWaitToSettle(t *testing.T) {
	for _, tc := range []struct {
		name string
		hold func(t *testing.T, conn *pgx.Conn, id string) pgx.Tx
	}{
		{"a held run row", func(t *testing.T, conn *pgx.Conn, id string) pgx.Tx { return holdRunRow(t, conn, id) }},
		{"an undo's table lock", func(t *testing.T, conn *pgx.Conn, _ string) pgx.Tx {
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, dialect.LockRuns); err != nil {
				t.Fatal(err)
			}
			return tx
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := pgtest.Target(t)
			e := openLimited(t, u, defaultLimits)
			if err := e.StartRun(ctx, ascendkit.Run{ID: "run_held", StartedAt: time.Now(), SourceKind: "file"}); err != nil {
				t.Fatal(err)
			}
			e.StopHeartbeats()
			conn, err := pgx.Connect(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			tx := tc.hold(t, conn, "run_held")

			reader := openLimited(t, u, defaultLimits)
			reader.SetAway(true)
			reader.SetClock(func() time.Time { return time.Now().Add(ascendkit.RunStaleAfter + time.Minute) })
			runs, err := reader.ListRuns(deadline(t))
			if err != nil || len(runs) != 1 || runs[0].Status != ascendkit.RunRunning {
				t.Fatalf("runs while %s is held: %+v, %v", tc.name, runs, err)
			}
			if err := tx.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			if r, err := reader.GetRun(deadline(t), "run_held"); err != nil || r.Status != ascendkit.RunInterrupted {
				t.Fatalf("run once the lock is gone: %+v, %v", r, err)
			}
		})
	}
}

// A run that starts while an undo is deciding waits for the undo, so it
// never looks up users the undo is about to remove; here the run's
// insert comes first, uncommitted, and the undo waits for it, then sees
// it running and refuses.
func TestUndoWaitsForARunStarting(t *testing.T) {
	e := OpenTest(t)
	if err := e.StartRun(ctx, ascendkit.Run{ID: "run_a", StartedAt: time.Now(), SourceKind: "file"}); err != nil {
		t.Fatal(err)
	}
	if err := e.FinishRun(ctx, "run_a", ascendkit.RunFinish{Status: ascendkit.RunCompleted, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, e.testURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	starting, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer starting.Rollback(context.Background())
	now := rules.FormatTime(time.Now())
	if _, err := starting.Exec(ctx, `INSERT INTO import_runs (id, started_at, source_kind, source_format, options, status, pid, host, pid_ns, heartbeat_at)
		VALUES ('run_b', $1, 'file', '', '{}', 'running', 1, 'another-host', '', $1)`, now); err != nil {
		t.Fatal(err)
	}

	undone := make(chan error, 1)
	go func() {
		_, err := e.UndoRun(deadline(t), "run_a", false, time.Now())
		undone <- err
	}()
	// Wait until the undo waits on the run's insert (or, wrongly, ends).
	for waiting := false; !waiting; {
		select {
		case err := <-undone:
			t.Fatalf("the undo did not wait for the run starting: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if err := e.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'import_runs'::regclass)`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	if err := starting.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-undone; !errors.Is(err, ascendkit.ErrInvalid) || !strings.Contains(err.Error(), "run run_b is importing now") {
		t.Fatalf("undo once run_b started: %v", err)
	}
}

// A read waiting on a lock past the limit (a schema upgrade or a manual
// LOCK TABLE by another session) fails as a write does: ErrBusy, with a
// message that says why, not PostgreSQL's bare lock_timeout error.
func TestReadLockWaitFailsClearly(t *testing.T) {
	u := pgtest.Target(t)
	e := openLimited(t, u, limits{idleInTx: time.Minute, lock: 300 * time.Millisecond})
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `LOCK TABLE users IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	_, err = e.LookupEmails(deadline(t), []string{"ada@example.com"})
	if !errors.Is(err, ascendkit.ErrBusy) || !strings.Contains(err.Error(), "held a lock") {
		t.Fatalf("read waiting on a held lock: %v", err)
	}
	_, err = e.LookupLinks(deadline(t), []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: "g1"}})
	if !errors.Is(err, ascendkit.ErrBusy) || !strings.Contains(err.Error(), "held a lock") {
		t.Fatalf("LookupLinks waiting on a held lock: %v", err)
	}
	_, err = e.GetUser(deadline(t), "usr_x")
	if !errors.Is(err, ascendkit.ErrBusy) || !strings.Contains(err.Error(), "held a lock") {
		t.Fatalf("GetUser waiting on a held lock: %v", err)
	}
}

// A client whose clock is minutes behind stamps its run's heartbeat by
// the server's clock, so another client does not take the live run for
// dead; one whose clock is ahead does not keep a dead run alive.
func TestHeartbeatsUseTheServersClock(t *testing.T) {
	u := pgtest.Target(t)
	for _, skew := range []time.Duration{-10 * time.Minute, 10 * time.Minute} {
		localClock = func() time.Time { return time.Now().Add(skew) }
		skewed := openLimited(t, u, defaultLimits)
		localClock = time.Now
		id := fmt.Sprintf("run_skew_%d", int(skew.Minutes()+100))
		if err := skewed.StartRun(ctx, ascendkit.Run{ID: id, StartedAt: time.Now(), SourceKind: "file"}); err != nil {
			t.Fatal(err)
		}
		skewed.StopHeartbeats()
		var beatAt string
		if err := skewed.pool.QueryRow(ctx, `SELECT heartbeat_at FROM import_runs WHERE id = $1`, id).Scan(&beatAt); err != nil {
			t.Fatal(err)
		}
		beat, err := rules.ParseTime(beatAt)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(beat); d < -5*time.Second || d > 5*time.Second {
			t.Errorf("clock %v off: heartbeat stamped %v from the server's time", skew, d)
		}
		other := openLimited(t, u, defaultLimits)
		other.SetAway(true)
		if r, err := other.GetRun(deadline(t), id); err != nil || r.Status != ascendkit.RunRunning {
			t.Errorf("clock %v off: the live run as another client sees it: %+v, %v", skew, r, err)
		}
	}
}
