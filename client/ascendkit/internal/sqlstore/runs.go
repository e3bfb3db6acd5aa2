package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

// pidAlive says whether a process of this host is still running; tests
// may swap it.
var pidAlive = rules.ProcessAlive

// StartRun records a run as running, owned by this process (pid and
// host). It also keeps the auth settings as they were, so that undo can
// put them back.
func (s *Store) StartRun(ctx context.Context, r ascendkit.Run) error {
	if r.ID == "" {
		return fmt.Errorf("start run: %w: empty id", ascendkit.ErrInvalid)
	}
	host, _ := os.Hostname()
	opts := objectText(r.Options)
	err := s.db.Write(ctx, func(tx Querier) error {
		before, err := rawSetting(ctx, tx, rules.SettingAuthProviders)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO import_runs (id, started_at, source_kind, source_format, options, status, pid, host, providers_before)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			r.ID, rules.FormatTime(r.StartedAt), r.SourceKind, r.SourceFormat, opts, ascendkit.RunRunning, os.Getpid(), host, before)
		return err
	})
	if err != nil {
		return fmt.Errorf("start run %s: %w", r.ID, err)
	}
	return nil
}

// FinishRun records how a run ended, its report and the auth settings it
// left.
func (s *Store) FinishRun(ctx context.Context, id string, f ascendkit.RunFinish) error {
	switch f.Status {
	case ascendkit.RunCompleted, ascendkit.RunInterrupted, ascendkit.RunFailed:
	default:
		return fmt.Errorf("finish run %s: %w: status %q", id, ascendkit.ErrInvalid, f.Status)
	}
	rep := objectText(f.Report)
	err := s.db.Write(ctx, func(tx Querier) error {
		after, err := rawSetting(ctx, tx, rules.SettingAuthProviders)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `UPDATE import_runs SET status = $1, finished_at = $2, report = $3, providers_after = $4,
			source_format = CASE WHEN $5 <> '' THEN $5 ELSE source_format END WHERE id = $6`,
			f.Status, rules.FormatTime(f.At), rep, after, f.SourceFormat, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("run %s: %w", id, ascendkit.ErrNotFound)
		}
		return nil
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

// ListRuns lists runs, newest first. A run still marked running whose
// process on this host is gone was killed: it is recorded as interrupted
// first, so it never reads "running" forever. Runs of other hosts are
// left to those hosts.
func (s *Store) ListRuns(ctx context.Context) ([]ascendkit.Run, error) {
	if err := s.settleRuns(ctx); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	rows, err := s.db.Query(ctx, runSelect+` ORDER BY started_at DESC, id DESC`)
	out, err := collect(rows, err, scanRun)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// GetRun returns one run (settled like ListRuns).
func (s *Store) GetRun(ctx context.Context, id string) (ascendkit.Run, error) {
	if err := s.settleRuns(ctx); err != nil {
		return ascendkit.Run{}, fmt.Errorf("run %s: %w", id, err)
	}
	r, err := scanRun(s.db.QueryRow(ctx, runSelect+` WHERE id = $1`, id))
	if errors.Is(err, ErrNoRows) {
		return ascendkit.Run{}, fmt.Errorf("run %q: %w", id, ascendkit.ErrNotFound)
	}
	if err != nil {
		return ascendkit.Run{}, fmt.Errorf("run %s: %w", id, err)
	}
	return r, nil
}

// settleRuns marks interrupted the runs of this host whose process is
// gone. Another host's process cannot be checked from here: its runs stay
// running until that host looks.
func (s *Store) settleRuns(ctx context.Context) error {
	host, _ := os.Hostname()
	rows, err := s.db.Query(ctx, `SELECT id, pid FROM import_runs WHERE status = $1 AND host = $2`, ascendkit.RunRunning, host)
	type owned struct {
		id  string
		pid int
	}
	running, err := collect(rows, err, func(r Row) (owned, error) {
		var o owned
		err := r.Scan(&o.id, &o.pid)
		return o, err
	})
	if err != nil {
		return err
	}
	var dead []string
	for _, r := range running {
		if r.pid != os.Getpid() && !pidAlive(r.pid) {
			dead = append(dead, r.id)
		}
	}
	if len(dead) == 0 {
		return nil
	}
	return s.db.Write(ctx, func(tx Querier) error {
		for _, id := range dead {
			if _, err := tx.Exec(ctx, `UPDATE import_runs SET status = $1 WHERE id = $2 AND status = $3`,
				ascendkit.RunInterrupted, id, ascendkit.RunRunning); err != nil {
				return err
			}
		}
		return nil
	})
}
