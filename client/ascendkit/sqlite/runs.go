package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

// pidAlive says whether a process of this host is still running; tests
// swap it.
var pidAlive = rules.ProcessAlive

// StartRun records a run as running, owned by this process. It also keeps
// the auth settings as they were, so that undo can put them back.
func (l *Local) StartRun(ctx context.Context, r ascendkit.Run) error {
	if r.ID == "" {
		return fmt.Errorf("start run: %w: empty id", ascendkit.ErrInvalid)
	}
	host, _ := os.Hostname()
	opts := string(r.Options)
	if opts == "" {
		opts = "{}"
	}
	err := l.write(ctx, func(tx *sql.Tx) error {
		before, err := rawSetting(ctx, tx, rules.SettingAuthProviders)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO import_runs (id, started_at, source_kind, source_format, options, status, pid, host, providers_before)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
func (l *Local) FinishRun(ctx context.Context, id string, f ascendkit.RunFinish) error {
	switch f.Status {
	case ascendkit.RunCompleted, ascendkit.RunInterrupted, ascendkit.RunFailed:
	default:
		return fmt.Errorf("finish run %s: %w: status %q", id, ascendkit.ErrInvalid, f.Status)
	}
	rep := string(f.Report)
	if rep == "" {
		rep = "{}"
	}
	err := l.write(ctx, func(tx *sql.Tx) error {
		after, err := rawSetting(ctx, tx, rules.SettingAuthProviders)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE import_runs SET status = ?, finished_at = ?, report = ?, providers_after = ?,
			source_format = CASE WHEN ? <> '' THEN ? ELSE source_format END WHERE id = ?`,
			f.Status, rules.FormatTime(f.At), rep, after, f.SourceFormat, f.SourceFormat, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("run %s: %w", id, ascendkit.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finish run %s: %w", id, err)
	}
	return nil
}

// ListRuns lists runs, newest first. A run still marked running whose
// process (on this host) is gone was killed: it is recorded as
// interrupted first, so it never reads "running" forever.
func (l *Local) ListRuns(ctx context.Context) ([]ascendkit.Run, error) {
	if err := l.settleRuns(ctx); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	rows, err := l.r.QueryContext(ctx, runSelect+` ORDER BY started_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	out := []ascendkit.Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list runs: %w", err)
		}
		out = append(out, r)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// GetRun returns one run (settled like ListRuns).
func (l *Local) GetRun(ctx context.Context, id string) (ascendkit.Run, error) {
	if err := l.settleRuns(ctx); err != nil {
		return ascendkit.Run{}, fmt.Errorf("run %s: %w", id, err)
	}
	r, err := scanRun(l.r.QueryRowContext(ctx, runSelect+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ascendkit.Run{}, fmt.Errorf("run %q: %w", id, ascendkit.ErrNotFound)
	}
	if err != nil {
		return ascendkit.Run{}, fmt.Errorf("run %s: %w", id, err)
	}
	return r, nil
}

const runSelect = `SELECT id, started_at, finished_at, source_kind, source_format, status, undone_at, options, report FROM import_runs`

func scanRun(row interface{ Scan(...any) error }) (ascendkit.Run, error) {
	var r ascendkit.Run
	var started, opts, rep string
	var finished, undone sql.NullString
	if err := row.Scan(&r.ID, &started, &finished, &r.SourceKind, &r.SourceFormat, &r.Status, &undone, &opts, &rep); err != nil {
		return ascendkit.Run{}, err
	}
	var err error
	if r.StartedAt, err = rules.ParseTime(started); err != nil {
		return ascendkit.Run{}, err
	}
	if r.FinishedAt, err = parseTimePtr(finished); err != nil {
		return ascendkit.Run{}, err
	}
	if r.UndoneAt, err = parseTimePtr(undone); err != nil {
		return ascendkit.Run{}, err
	}
	r.Options, r.Report = json.RawMessage(opts), json.RawMessage(rep)
	return r, nil
}

// settleRuns marks interrupted the runs of this host whose process is gone.
func (l *Local) settleRuns(ctx context.Context) error {
	dead, err := l.deadRuns(ctx)
	if err != nil || len(dead) == 0 {
		return err
	}
	return l.write(ctx, func(tx *sql.Tx) error {
		for _, id := range dead {
			if _, err := tx.ExecContext(ctx, `UPDATE import_runs SET status = ? WHERE id = ? AND status = ?`,
				ascendkit.RunInterrupted, id, ascendkit.RunRunning); err != nil {
				return err
			}
		}
		return nil
	})
}

func (l *Local) deadRuns(ctx context.Context) ([]string, error) {
	host, _ := os.Hostname()
	rows, err := l.r.QueryContext(ctx, `SELECT id, pid, host FROM import_runs WHERE status = ?`, ascendkit.RunRunning)
	if err != nil {
		return nil, err
	}
	var dead []string
	for rows.Next() {
		var id, h string
		var pid int
		if err := rows.Scan(&id, &pid, &h); err != nil {
			rows.Close()
			return nil, err
		}
		// Another host's process cannot be checked from here: it stays
		// running until that host looks.
		if h == host && pid != os.Getpid() && !pidAlive(pid) {
			dead = append(dead, id)
		}
	}
	return dead, closeRows(rows)
}

// rawSetting is a setting's stored text, or nil when it is absent.
func rawSetting(ctx context.Context, q queryer, key string) (any, error) {
	v, ok, err := getSetting(ctx, q, key)
	if err != nil || !ok {
		return nil, err
	}
	return v, nil
}
