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

// PasswordState finds a user by usr_ id or email and returns what is
// known of their password.
func (l *Local) PasswordState(ctx context.Context, idOrEmail string) (ascendkit.PasswordState, error) {
	u, err := l.GetUser(ctx, idOrEmail)
	if err != nil {
		return ascendkit.PasswordState{}, err
	}
	s := ascendkit.PasswordState{UserID: u.ID, Email: u.Email}
	var digest sql.NullString
	var hasher sql.NullString
	err = l.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM import_sources WHERE user_id = ?1),
		(SELECT import_run FROM users WHERE id = ?1),
		(SELECT hasher FROM user_passwords WHERE user_id = ?1), (SELECT digest FROM user_passwords WHERE user_id = ?1)`,
		u.ID).Scan(&s.Imported, &s.ImportRun, &hasher, &digest)
	if err != nil {
		return ascendkit.PasswordState{}, fmt.Errorf("password of %s: %w", u.ID, err)
	}
	s.Hasher, s.Digest = hasher.String, ascendkit.Digest(digest.String)
	return s, nil
}
