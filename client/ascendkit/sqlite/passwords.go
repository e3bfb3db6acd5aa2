package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// storePassword records a created user's password in the same transaction.
func storePassword(ctx context.Context, tx *sql.Tx, userID string, p *ascendkit.Password) error {
	if p == nil || p.Hasher == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO user_passwords (user_id, hasher, digest) VALUES (?, ?, ?)`,
		userID, p.Hasher, string(p.Digest))
	if err != nil {
		// The error names the user, never the digest.
		return fmt.Errorf("password of %s: %w", userID, err)
	}
	return nil
}
