package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestMigrationFromVersion1 opens a database written by the first schema:
// the migration adds the identity columns and existing users read back.
func TestMigrationFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(migrations[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA user_version = 1;
		INSERT INTO users (id, email, name, created_at, inserted_at) VALUES ('usr_old', 'old@example.com', 'Old', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	l, err := OpenLocal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var v int
	if err := l.r.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != len(migrations) {
		t.Fatalf("user_version %d, %v", v, err)
	}
	u, err := l.GetUser(ctx, "old@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "usr_old" || u.Username != "" || u.Locked || len(u.SecondaryEmails) != 0 || len(u.PrivateMetadata) != 0 {
		t.Fatalf("old user %+v", u)
	}
}
