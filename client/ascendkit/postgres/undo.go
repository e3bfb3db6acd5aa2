package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
	"github.com/jackc/pgx/v5"
)

// PlanUndo says what UndoRun would remove, without writing.
func (e *Env) PlanUndo(ctx context.Context, runID string) (ascendkit.UndoPlan, error) {
	r, err := e.GetRun(ctx, runID)
	if err != nil {
		return ascendkit.UndoPlan{}, err
	}
	if err := rules.Undoable(r); err != nil {
		return ascendkit.UndoPlan{}, err
	}
	// One snapshot for all the counts.
	tx, err := e.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return ascendkit.UndoPlan{}, fmt.Errorf("plan undo %s: %w", runID, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	p, err := planUndo(ctx, tx, runID)
	if err != nil {
		return ascendkit.UndoPlan{}, fmt.Errorf("plan undo %s: %w", runID, err)
	}
	return p, nil
}

// UndoRun removes what a run wrote, in one transaction, exactly as the
// SQLite backend does (see ascendkit.Environment and its UndoRun). The run
// row is locked first, so two undos of one run cannot both proceed.
func (e *Env) UndoRun(ctx context.Context, runID string, force bool, at time.Time) (ascendkit.UndoPlan, error) {
	r, err := e.GetRun(ctx, runID)
	if err != nil {
		return ascendkit.UndoPlan{}, err
	}
	if err := rules.Undoable(r); err != nil {
		return ascendkit.UndoPlan{}, err
	}
	var p ascendkit.UndoPlan
	err = e.write(ctx, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM import_runs WHERE id = $1 FOR UPDATE`, runID).Scan(&status); err != nil {
			return err
		}
		if err := rules.Undoable(ascendkit.Run{ID: runID, Status: status}); err != nil {
			return err
		}
		var err error
		if p, err = planUndo(ctx, tx, runID); err != nil {
			return err
		}
		if len(p.Blockers) > 0 && !force {
			return &ascendkit.UndoBlockedError{Blockers: p.Blockers}
		}
		return undo(ctx, tx, runID, at)
	})
	if err != nil {
		return ascendkit.UndoPlan{}, fmt.Errorf("undo %s: %w", runID, err)
	}
	return p, nil
}

func planUndo(ctx context.Context, tx pgx.Tx, runID string) (ascendkit.UndoPlan, error) {
	p := ascendkit.UndoPlan{RunID: runID, Blockers: []ascendkit.UndoBlocker{}}
	err := tx.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM users WHERE import_run = $1),
		(SELECT COUNT(*) FROM import_sources s JOIN users u ON u.id = s.user_id WHERE s.run_id = $1 AND u.import_run <> $1),
		(SELECT COUNT(*) FROM import_merge_changes WHERE run_id = $1 AND kind = 'link'),
		(SELECT COUNT(*) FROM import_merge_changes WHERE run_id = $1 AND kind = 'tag'),
		(SELECT COUNT(*) FROM import_merge_changes WHERE run_id = $1 AND kind = 'meta'),
		(SELECT COUNT(*) FROM import_merge_changes WHERE run_id = $1 AND kind = 'fields'),
		(SELECT COUNT(*) FROM import_merge_changes WHERE run_id = $1 AND kind = 'enrollment')`, runID).
		Scan(&p.Users, &p.MergedUsers, &p.Links, &p.Tags, &p.Metadata, &p.Fields, &p.Enrollments)
	if err != nil {
		return p, err
	}
	rows, err := tx.Query(ctx, `SELECT s.run_id, u.id, u.email FROM users u JOIN import_sources s ON s.user_id = u.id
		WHERE u.import_run = $1 AND s.run_id <> $1 ORDER BY s.run_id, u.email LIMIT $2`, runID, rules.MaxBlockers)
	if err != nil {
		return p, err
	}
	var b ascendkit.UndoBlocker
	if _, err := pgx.ForEachRow(rows, []any{&b.RunID, &b.UserID, &b.Email}, func() error {
		p.Blockers = append(p.Blockers, b)
		return nil
	}); err != nil {
		return p, err
	}
	before, after, now, err := runSettings(ctx, tx, runID)
	if err != nil {
		return p, err
	}
	p.Settings = !sameSetting(before, after) && sameSetting(after, now)
	return p, nil
}

// runSettings returns the auth providers setting before and after the run
// and now (nil when absent).
func runSettings(ctx context.Context, tx pgx.Tx, runID string) (before, after, now *string, err error) {
	err = tx.QueryRow(ctx, `SELECT providers_before, providers_after, (SELECT value FROM settings WHERE key = $1)
		FROM import_runs WHERE id = $2`, rules.SettingAuthProviders, runID).Scan(&before, &after, &now)
	return
}

func sameSetting(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func undo(ctx context.Context, tx pgx.Tx, runID string, at time.Time) error {
	steps := []struct{ what, query string }{
		// Merges: remove exactly what each merge added.
		{"links", `DELETE FROM oauth_links WHERE (user_id, provider, provider_user_id) IN
			(SELECT user_id, k1, k2 FROM import_merge_changes WHERE run_id = $1 AND kind = 'link')`},
		{"tags", `DELETE FROM user_tags WHERE (user_id, tag) IN
			(SELECT user_id, k1 FROM import_merge_changes WHERE run_id = $1 AND kind = 'tag')`},
		{"enrollments", `DELETE FROM enrollments WHERE (journey_id, user_id) IN
			(SELECT k1, user_id FROM import_merge_changes WHERE run_id = $1 AND kind = 'enrollment')`},
		// metadata.import: the text from before the merge when nothing
		// changed it since, else the current object minus the import key.
		{"metadata", `UPDATE users SET metadata = CASE WHEN c.after = users.metadata THEN c.before
				ELSE (users.metadata::jsonb - 'import')::text END
			FROM import_merge_changes c WHERE c.run_id = $1 AND c.kind = 'meta' AND c.user_id = users.id`},
		// Identity fields a merge filled: put back what was there, unless
		// someone changed them since (then they are theirs to keep).
		{"identity fields", `UPDATE users SET
				username         = c.before::json->>'username',
				phone            = c.before::json->>'phone',
				phone_verified   = (c.before::json->>'phone_verified')::boolean,
				external_id      = c.before::json->>'external_id',
				secondary_emails = c.before::json->>'secondary_emails',
				private_metadata = c.before::json->>'private_metadata',
				unsafe_metadata  = c.before::json->>'unsafe_metadata'
			FROM import_merge_changes c
			WHERE c.run_id = $1 AND c.kind = 'fields' AND c.user_id = users.id
				AND c.after = ` + qualifiedIdentityJSON},
		{"merge records", `DELETE FROM import_merge_changes WHERE run_id = $1`},
		{"import records", `DELETE FROM import_sources WHERE run_id = $1`},
		// Created users: the foreign keys would cascade, but deleting each
		// child table in bulk first saves row-by-row cascade triggers.
		{"events", `DELETE FROM events WHERE user_id IN (SELECT id FROM users WHERE import_run = $1)`},
		{"user links", `DELETE FROM oauth_links WHERE user_id IN (SELECT id FROM users WHERE import_run = $1)`},
		{"user tags", `DELETE FROM user_tags WHERE user_id IN (SELECT id FROM users WHERE import_run = $1)`},
		{"enrollments", `DELETE FROM enrollments WHERE user_id IN (SELECT id FROM users WHERE import_run = $1)`},
		{"passwords", `DELETE FROM user_passwords WHERE user_id IN (SELECT id FROM users WHERE import_run = $1)`},
		{"users", `DELETE FROM users WHERE import_run = $1`},
	}
	for _, s := range steps {
		if _, err := tx.Exec(ctx, s.query, runID); err != nil {
			return fmt.Errorf("removing %s: %w", s.what, err)
		}
	}
	before, after, now, err := runSettings(ctx, tx, runID)
	if err != nil {
		return fmt.Errorf("auth settings: %w", err)
	}
	if !sameSetting(before, after) && sameSetting(after, now) {
		if before != nil {
			_, err = tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, rules.SettingAuthProviders, *before)
		} else {
			_, err = tx.Exec(ctx, `DELETE FROM settings WHERE key = $1`, rules.SettingAuthProviders)
		}
		if err != nil {
			return fmt.Errorf("restoring auth settings: %w", err)
		}
	}
	_, err = tx.Exec(ctx, `UPDATE import_runs SET status = $1, undone_at = $2 WHERE id = $3`, ascendkit.RunUndone, rules.FormatTime(at), runID)
	return err
}

// qualifiedIdentityJSON is identityJSON over the users row of an UPDATE …
// FROM, whose column names the merge record table shares none of.
const qualifiedIdentityJSON = `json_build_object('username', users.username, 'phone', users.phone, 'phone_verified', users.phone_verified,
	'external_id', users.external_id, 'secondary_emails', users.secondary_emails,
	'private_metadata', users.private_metadata, 'unsafe_metadata', users.unsafe_metadata)::text`
