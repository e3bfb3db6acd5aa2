package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// recordMerge notes one thing a merge added, so undo removes exactly that.
func recordMerge(ctx context.Context, tx *sql.Tx, runID, userID, kind, k1, k2 string, before, after any) error {
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO import_merge_changes (run_id, user_id, kind, k1, k2, before, after)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, runID, userID, kind, k1, k2, before, after)
	if err != nil {
		return fmt.Errorf("record merge of %s: %w", userID, err)
	}
	return nil
}
