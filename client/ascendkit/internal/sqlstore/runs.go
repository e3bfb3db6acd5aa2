package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

// pidAlive says whether a process of this host is still running; tests
// may swap it.
var pidAlive = rules.ProcessAlive

// ownHost is this process's host as run records name it: the hostname,
// and where Linux tells them the boot id and PID namespace. A pid means
// something only within one namespace of one boot: containers that share
// a hostname but not a PID namespace must not judge each other's pids.
var ownHost = sync.OnceValues(func() (host, pidNS string) {
	host, _ = os.Hostname()
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return host, ""
	}
	boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return host, strings.TrimSpace(string(boot)) + " " + ns
})

// beatTicks returns the ticks of a run's heartbeat and what stops them;
// tests swap it to tick by hand.
var beatTicks = func() (<-chan time.Time, func()) {
	t := time.NewTicker(ascendkit.RunHeartbeat)
	return t.C, t.Stop
}

// liveness is the store's part in run liveness: the clock that stamps
// and judges heartbeats, and the heartbeats of the runs it started.
type liveness struct {
	mu    sync.Mutex
	now   func() time.Time // nil: time.Now
	away  bool             // judge runs as from another host (tests)
	beats map[string]context.CancelFunc
	wg    sync.WaitGroup
}

// SetAway makes the store judge every run as one of another host, whose
// process it cannot look at, so that tests can have a live run of this
// process taken for dead by its heartbeat alone.
func (s *Store) SetAway(away bool) {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	s.live.away = away
}

// SetClock makes the store stamp and judge run heartbeats by now instead
// of time.Now (nil restores it), so that tests can age a run without
// waiting.
func (s *Store) SetClock(now func() time.Time) {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	s.live.now = now
}

func (s *Store) clock() time.Time {
	s.live.mu.Lock()
	now := s.live.now
	s.live.mu.Unlock()
	if now == nil {
		return time.Now().UTC()
	}
	return now().UTC()
}

// StartRun records a run as running, owned by this process (pid and
// host), with a fresh heartbeat that the store then refreshes every
// ascendkit.RunHeartbeat until FinishRun (or Close). It also keeps the
// auth settings as they were, so that undo can put them back.
func (s *Store) StartRun(ctx context.Context, r ascendkit.Run) error {
	if r.ID == "" {
		return fmt.Errorf("start run: %w: empty id", ascendkit.ErrInvalid)
	}
	host, ns := ownHost()
	opts := objectText(r.Options)
	err := s.db.Write(ctx, func(tx Querier) error {
		before, err := rawSetting(ctx, tx, rules.SettingAuthProviders)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO import_runs (id, started_at, source_kind, source_format, options, status, pid, host,
			providers_before, pid_ns, heartbeat_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			r.ID, rules.FormatTime(r.StartedAt), r.SourceKind, r.SourceFormat, opts, ascendkit.RunRunning, os.Getpid(), host,
			before, ns, rules.FormatTime(s.clock()))
		return err
	})
	if err != nil {
		return fmt.Errorf("start run %s: %w", r.ID, err)
	}
	s.startBeat(r.ID)
	return nil
}

// startBeat refreshes run id's heartbeat on a timer rather than with each
// batch: one small write per RunHeartbeat whatever the batch rate, and
// it keeps beating while the run reads a slow source between batches.
func (s *Store) startBeat(id string) {
	ctx, cancel := context.WithCancel(context.Background())
	s.live.mu.Lock()
	if s.live.beats == nil {
		s.live.beats = map[string]context.CancelFunc{}
	}
	if old := s.live.beats[id]; old != nil {
		old()
	}
	s.live.beats[id] = cancel
	s.live.wg.Add(1)
	s.live.mu.Unlock()
	go func() {
		defer s.live.wg.Done()
		ticks, stop := beatTicks()
		defer stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticks:
			}
			wctx, done := context.WithTimeout(ctx, ascendkit.RunHeartbeat)
			err := s.Heartbeat(wctx, id)
			done()
			// A failed write is tried again at the next tick: the stale
			// window is several beats long. A run recorded as ended
			// needs no more beats (its next batch is refused).
			if errors.Is(err, ascendkit.ErrRunEnded) || errors.Is(err, ascendkit.ErrNotFound) {
				s.stopBeat(id)
				return
			}
		}
	}()
}

func (s *Store) stopBeat(id string) {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	if cancel := s.live.beats[id]; cancel != nil {
		cancel()
		delete(s.live.beats, id)
	}
}

// StopHeartbeats stops refreshing the heartbeats of this store's runs and
// waits for any refresh under way: a backend calls it before closing its
// database.
func (s *Store) StopHeartbeats() {
	s.live.mu.Lock()
	for id, cancel := range s.live.beats {
		cancel()
		delete(s.live.beats, id)
	}
	s.live.mu.Unlock()
	s.live.wg.Wait()
}

// Heartbeat records that run id is alive now (the store's timer calls it;
// so may tests). It fails with ascendkit.ErrRunEnded when the run is no
// longer recorded as running.
func (s *Store) Heartbeat(ctx context.Context, id string) error {
	err := s.db.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE import_runs SET heartbeat_at = $1 WHERE id = $2 AND status = $3`,
			rules.FormatTime(s.clock()), id, ascendkit.RunRunning)
		if err != nil || n > 0 {
			return err
		}
		return notRunning(ctx, tx, id)
	})
	if err != nil {
		return fmt.Errorf("heartbeat of run %s: %w", id, err)
	}
	return nil
}

// notRunning is why run id, found not running by a statement that wanted
// it running, is not: ErrNotFound or ErrRunEnded naming its status.
func notRunning(ctx context.Context, tx Querier, id string) error {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM import_runs WHERE id = $1`, id).Scan(&status)
	if errors.Is(err, ErrNoRows) {
		return fmt.Errorf("run %s: %w", id, ascendkit.ErrNotFound)
	}
	if err != nil {
		return err
	}
	return runEnded(id, status)
}

func runEnded(id, status string) error {
	why := "declared dead while it ran (no heartbeat for over " + ascendkit.RunStaleAfter.String() +
		", or its process looked gone); what it wrote may since have been undone"
	if status == ascendkit.RunUndone {
		why = "undone while it ran"
	}
	return fmt.Errorf("run %s is recorded %s: %w: it was %s", id, status, ascendkit.ErrRunEnded, why)
}

// CheckRunLive is the start of a batch write of run id, inside its
// transaction (tx): it fails with ascendkit.ErrRunEnded when the run is
// recorded as no longer running (declared dead or undone), so a run can
// never write after its undo. It locks the run row where writers run
// concurrently, so an undo of the run waits for the batch or the batch
// for the undo. A batch of no run, or of a run never recorded (tools and
// tests), is let through.
func (s *Store) CheckRunLive(ctx context.Context, tx Querier, id string) error {
	if id == "" {
		return nil
	}
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM import_runs WHERE id = $1`+s.d.ForUpdate, id).Scan(&status)
	if errors.Is(err, ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", id, err)
	}
	if status != ascendkit.RunRunning {
		return runEnded(id, status)
	}
	return nil
}

// FinishRun records how a run ended, its report and the auth settings it
// left. A run no longer recorded as running (declared dead and perhaps
// undone meanwhile) is not brought back: FinishRun changes nothing and
// fails with ascendkit.ErrRunEnded.
func (s *Store) FinishRun(ctx context.Context, id string, f ascendkit.RunFinish) error {
	switch f.Status {
	case ascendkit.RunCompleted, ascendkit.RunInterrupted, ascendkit.RunFailed:
	default:
		return fmt.Errorf("finish run %s: %w: status %q", id, ascendkit.ErrInvalid, f.Status)
	}
	s.stopBeat(id)
	rep := objectText(f.Report)
	err := s.db.Write(ctx, func(tx Querier) error {
		after, err := rawSetting(ctx, tx, rules.SettingAuthProviders)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `UPDATE import_runs SET status = $1, finished_at = $2, report = $3, providers_after = $4,
			source_format = CASE WHEN $5 <> '' THEN $5 ELSE source_format END WHERE id = $6 AND status = $7`,
			f.Status, rules.FormatTime(f.At), rep, after, f.SourceFormat, id, ascendkit.RunRunning)
		if err != nil || n > 0 {
			return err
		}
		return notRunning(ctx, tx, id)
	})
	if err != nil {
		return fmt.Errorf("finish run %s: %w", id, err)
	}
	return nil
}

// objectText is a run's options or report as stored: "{}" when empty.
func objectText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "{}"
	}
	return string(raw)
}

const runSelect = `SELECT id, started_at, finished_at, source_kind, source_format, status, undone_at, options, report FROM import_runs`

func scanRun(row Row) (ascendkit.Run, error) {
	var r ascendkit.Run
	var started, opts, rep string
	var finished, undone *string
	if err := row.Scan(&r.ID, &started, &finished, &r.SourceKind, &r.SourceFormat, &r.Status, &undone, &opts, &rep); err != nil {
		return ascendkit.Run{}, err
	}
	var err error
	if r.StartedAt, err = rules.ParseTime(started); err != nil {
		return ascendkit.Run{}, err
	}
	if r.FinishedAt, err = rules.ParseTimePtr(finished); err != nil {
		return ascendkit.Run{}, err
	}
	if r.UndoneAt, err = rules.ParseTimePtr(undone); err != nil {
		return ascendkit.Run{}, err
	}
	r.Options, r.Report = json.RawMessage(opts), json.RawMessage(rep)
	return r, nil
}

// ListRuns lists runs, newest first. A run still marked running that is
// dead (see settleRuns) is recorded as interrupted first, so it never
// reads "running" forever.
func (s *Store) ListRuns(ctx context.Context) ([]ascendkit.Run, error) {
	dead, err := s.settleRuns(ctx)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	rows, err := s.db.Query(ctx, runSelect+` ORDER BY started_at DESC, id DESC`)
	out, err := collect(rows, err, scanRun)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	for i := range out {
		dead.settle(&out[i])
	}
	return out, nil
}

// GetRun returns one run (settled like ListRuns).
func (s *Store) GetRun(ctx context.Context, id string) (ascendkit.Run, error) {
	dead, err := s.settleRuns(ctx)
	if err != nil {
		return ascendkit.Run{}, fmt.Errorf("run %s: %w", id, err)
	}
	r, err := scanRun(s.db.QueryRow(ctx, runSelect+` WHERE id = $1`, id))
	if errors.Is(err, ErrNoRows) {
		return ascendkit.Run{}, fmt.Errorf("run %q: %w", id, ascendkit.ErrNotFound)
	}
	if err != nil {
		return ascendkit.Run{}, fmt.Errorf("run %s: %w", id, err)
	}
	dead.settle(&r)
	return r, nil
}

// unmarked holds the dead runs settleRuns could not mark, as the role may
// only read, by id.
type unmarked map[string]bool

// settle shows r as interrupted if it is one of u, still as judged.
func (u unmarked) settle(r *ascendkit.Run) {
	if _, ok := u[r.ID]; ok && r.Status == ascendkit.RunRunning {
		r.Status = ascendkit.RunInterrupted
	}
}

// settleRuns marks interrupted the running runs that are dead; those it
// may not mark (a role that only reads) it returns. Where the
// run's process can be looked at (this host and PID namespace, or a run
// recorded before namespaces were), that decides: a live process is a
// live run, however long a write elsewhere has held up its heartbeat.
// Elsewhere a heartbeat older than ascendkit.RunStaleAfter does; a run of
// another host that never beat (an older binary) is left running, as it
// was before heartbeats. Each is marked only if its heartbeat is still
// the one judged, so a beat that lands meanwhile keeps its run alive;
// they are marked in id order, the order undo locks runs in.
func (s *Store) settleRuns(ctx context.Context) (unmarked, error) {
	host, ns := ownHost()
	s.live.mu.Lock()
	if s.live.away {
		host, ns = "\x00away", "" // no run's host
	}
	s.live.mu.Unlock()
	rows, err := s.db.Query(ctx, `SELECT id, pid, host, pid_ns, COALESCE(heartbeat_at, ''), COALESCE(heartbeat_at, started_at)
		FROM import_runs WHERE status = $1 ORDER BY id`, ascendkit.RunRunning)
	type owned struct {
		id, host, ns, beatAt, beat string
		pid                        int
	}
	running, err := collect(rows, err, func(r Row) (owned, error) {
		var o owned
		err := r.Scan(&o.id, &o.pid, &o.host, &o.ns, &o.beatAt, &o.beat)
		return o, err
	})
	if err != nil {
		return nil, err
	}
	now := s.clock()
	var dead []owned
	for _, r := range running {
		if r.host == host && (r.ns == ns || r.ns == "") {
			if r.pid != os.Getpid() && !pidAlive(r.pid) {
				dead = append(dead, r)
			}
			continue
		}
		beat, err := rules.ParseTime(r.beat)
		if r.beatAt != "" && err == nil && now.Sub(beat) > ascendkit.RunStaleAfter {
			dead = append(dead, r)
		}
	}
	if len(dead) == 0 {
		return nil, nil
	}
	// A run row someone holds locked (a batch of that run, or a client
	// frozen in one) is skipped rather than waited for: the run is
	// settled by the next reader, and a read never hangs on a stuck
	// client.
	err = s.db.Write(ctx, func(tx Querier) error {
		if s.d.NoWait != "" {
			if _, err := tx.Exec(ctx, s.d.NoWait); err != nil {
				return err
			}
		}
		for _, r := range dead {
			if _, err := tx.Exec(ctx, `UPDATE import_runs SET status = $1 WHERE id IN (SELECT id FROM import_runs
				WHERE id = $2 AND status = $3 AND COALESCE(heartbeat_at, started_at) = $4`+s.d.SkipLocked+`)`,
				ascendkit.RunInterrupted, r.id, ascendkit.RunRunning, r.beat); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, ascendkit.ErrBusy):
		return nil, nil // an undo holds the runs table: settled by a later reader
	case errors.Is(err, ascendkit.ErrReadOnly), errors.Is(err, ascendkit.ErrDiskFull):
		// A role that may only read (or a full disk) lists the runs all
		// the same, the dead ones as what they are; one that may write
		// records it later.
		u := unmarked{}
		for _, r := range dead {
			u[r.id] = true
		}
		return u, nil
	}
	return nil, err
}
