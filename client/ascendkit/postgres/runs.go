package postgres

import (
	"context"
	"fmt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

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
