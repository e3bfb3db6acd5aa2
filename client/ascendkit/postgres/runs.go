package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
	"github.com/jackc/pgx/v5"
)

// pidAlive says whether a process of this host is still running; tests
// swap it.
var pidAlive = rules.ProcessAlive

// StartRun records a run as running, owned by this process (pid and host),
// and keeps the auth settings as they were, so that undo can put them back.
func (e *Env) StartRun(ctx context.Context, r ascendkit.Run) error {
	if r.ID == "" {
		return fmt.Errorf("start run: %w: empty id", ascendkit.ErrInvalid)
	}
	host, _ := os.Hostname()
	opts := string(r.Options)
	if opts == "" {
		opts = "{}"
	}
	err := e.write(ctx, func(tx pgx.Tx) error {
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
func (e *Env) FinishRun(ctx context.Context, id string, f ascendkit.RunFinish) error {
	switch f.Status {
	case ascendkit.RunCompleted, ascendkit.RunInterrupted, ascendkit.RunFailed:
	default:
		return fmt.Errorf("finish run %s: %w: status %q", id, ascendkit.ErrInvalid, f.Status)
	}
	rep := string(f.Report)
	if rep == "" {
		rep = "{}"
	}
	err := e.write(ctx, func(tx pgx.Tx) error {
		after, err := rawSetting(ctx, tx, rules.SettingAuthProviders)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE import_runs SET status = $1, finished_at = $2, report = $3, providers_after = $4,
			source_format = CASE WHEN $5 <> '' THEN $5 ELSE source_format END WHERE id = $6`,
			f.Status, rules.FormatTime(f.At), rep, after, f.SourceFormat, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("run %s: %w", id, ascendkit.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finish run %s: %w", id, err)
	}
	return nil
}

const runSelect = `SELECT id, started_at, finished_at, source_kind, source_format, status, undone_at, options, report FROM import_runs`

func scanRun(row pgx.Row) (ascendkit.Run, error) {
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
// first. Runs of other hosts are left to those hosts.
func (e *Env) ListRuns(ctx context.Context) ([]ascendkit.Run, error) {
	if err := e.settleRuns(ctx); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	rows, err := e.pool.Query(ctx, runSelect+` ORDER BY started_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ascendkit.Run, error) { return scanRun(r) })
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	if out == nil {
		out = []ascendkit.Run{}
	}
	return out, nil
}

// GetRun returns one run (settled like ListRuns).
func (e *Env) GetRun(ctx context.Context, id string) (ascendkit.Run, error) {
	if err := e.settleRuns(ctx); err != nil {
		return ascendkit.Run{}, fmt.Errorf("run %s: %w", id, err)
	}
	r, err := scanRun(e.pool.QueryRow(ctx, runSelect+` WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return ascendkit.Run{}, fmt.Errorf("run %q: %w", id, ascendkit.ErrNotFound)
	}
	if err != nil {
		return ascendkit.Run{}, fmt.Errorf("run %s: %w", id, err)
	}
	return r, nil
}

// settleRuns marks interrupted the runs of this host whose process is gone.
func (e *Env) settleRuns(ctx context.Context) error {
	host, _ := os.Hostname()
	rows, err := e.pool.Query(ctx, `SELECT id, pid FROM import_runs WHERE status = $1 AND host = $2`, ascendkit.RunRunning, host)
	if err != nil {
		return err
	}
	var dead []string
	var id string
	var pid int
	if _, err := pgx.ForEachRow(rows, []any{&id, &pid}, func() error {
		if pid != os.Getpid() && !pidAlive(pid) {
			dead = append(dead, id)
		}
		return nil
	}); err != nil {
		return err
	}
	if len(dead) == 0 {
		return nil
	}
	return e.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE import_runs SET status = $1 WHERE id = ANY($2) AND status = $3`,
			ascendkit.RunInterrupted, dead, ascendkit.RunRunning)
		return err
	})
}

// PasswordState finds a user by usr_ id or email and returns what is
// known of their password.
func (e *Env) PasswordState(ctx context.Context, idOrEmail string) (ascendkit.PasswordState, error) {
	u, err := e.GetUser(ctx, idOrEmail)
	if err != nil {
		return ascendkit.PasswordState{}, err
	}
	s := ascendkit.PasswordState{UserID: u.ID, Email: u.Email}
	var hasher, digest *string
	err = e.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM import_sources WHERE user_id = $1),
		COALESCE((SELECT import_run FROM users WHERE id = $1), ''),
		(SELECT hasher FROM user_passwords WHERE user_id = $1), (SELECT digest FROM user_passwords WHERE user_id = $1)`,
		u.ID).Scan(&s.Imported, &s.ImportRun, &hasher, &digest)
	if err != nil {
		// The error names the user, never the digest.
		return ascendkit.PasswordState{}, fmt.Errorf("password of %s: %w", u.ID, err)
	}
	if hasher != nil {
		s.Hasher = *hasher
	}
	if digest != nil {
		s.Digest = ascendkit.Digest(*digest)
	}
	return s, nil
}
