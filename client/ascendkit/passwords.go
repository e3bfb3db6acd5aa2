package ascendkit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// Digest is a password digest. fmt and encoding/json see a redaction
// marker, never the value: only the password store reads string(d).
type Digest string

// String implements fmt.Stringer with a redaction marker.
func (d Digest) String() string {
	if d == "" {
		return ""
	}
	return "[redacted]"
}

// GoString keeps %#v from printing the value.
func (d Digest) GoString() string { return d.String() }

// MarshalJSON never writes the value.
func (d Digest) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// Password is a password carried over from the source: its hasher and
// digest. An empty Digest records that the user had a password whose
// hasher cannot be verified, so that a check can say why it fails.
type Password struct {
	Hasher string
	Digest Digest
}

// PasswordState is what the environment knows of a user's password.
type PasswordState struct {
	UserID string
	Email  string
	// Imported is true when the user came from (or was merged with) an
	// import source; ImportRun is the run that created the user ("" when
	// the user existed before any import and was merged into).
	Imported  bool
	ImportRun string
	// Hasher is set when the import recorded a password; Digest is empty
	// when its hasher was not supported.
	Hasher string
	Digest Digest
}

// storePassword records a created user's password in the same transaction.
func storePassword(ctx context.Context, tx *sql.Tx, userID string, p *Password) error {
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
func (l *Local) PasswordState(ctx context.Context, idOrEmail string) (PasswordState, error) {
	u, err := l.GetUser(ctx, idOrEmail)
	if err != nil {
		return PasswordState{}, err
	}
	s := PasswordState{UserID: u.ID, Email: u.Email}
	var digest sql.NullString
	var hasher sql.NullString
	err = l.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM import_sources WHERE user_id = ?1),
		(SELECT import_run FROM users WHERE id = ?1),
		(SELECT hasher FROM user_passwords WHERE user_id = ?1), (SELECT digest FROM user_passwords WHERE user_id = ?1)`,
		u.ID).Scan(&s.Imported, &s.ImportRun, &hasher, &digest)
	if err != nil {
		return PasswordState{}, fmt.Errorf("password of %s: %w", u.ID, err)
	}
	s.Hasher, s.Digest = hasher.String, Digest(digest.String)
	return s, nil
}
