package sqlite

import (
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

func withIdentity(u ascendkit.ImportedUser) ascendkit.ImportedUser {
	u.User.Username = "ada_l"
	u.User.Phone = "+14155552671"
	u.User.PhoneVerified = true
	u.User.ExternalID = "crm-42"
	u.User.SecondaryEmails = []ascendkit.SecondaryEmail{{Email: "ada@work.example", Verified: false}, {Email: "ada@home.example", Verified: true}}
	u.User.PrivateMetadata = map[string]any{"stripe": "cus_1"}
	u.User.UnsafeMetadata = map[string]any{"theme": "dark"}
	u.User.Locked = true
	return u
}

func TestIdentityFieldsRoundTrip(t *testing.T) {
	l := openTest(t)
	apply(t, l, ascendkit.ImportBatch{RunID: "r", Create: []ascendkit.ImportedUser{withIdentity(imported(1)), imported(2)}})
	apply(t, l, ascendkit.ImportBatch{RunID: "r", Create: []ascendkit.ImportedUser{{User: ascendkit.User{Email: "ren\u00e9@example.com", CreatedAt: t0}, Source: "clerk", SourceID: "rene"}}})
	if r, err := l.GetUser(ctx, "RENE\u0301@Example.com"); err != nil || r.Email != "ren\u00e9@example.com" {
		t.Errorf("lookup by the decomposed spelling: %+v, %v", r, err)
	}
	u, err := l.GetUser(ctx, "user1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	want := withIdentity(imported(1)).User
	if u.Username != want.Username || u.Phone != want.Phone || !u.PhoneVerified || u.ExternalID != want.ExternalID || !u.Locked ||
		!reflect.DeepEqual(u.SecondaryEmails, want.SecondaryEmails) ||
		!reflect.DeepEqual(u.PrivateMetadata, want.PrivateMetadata) || !reflect.DeepEqual(u.UnsafeMetadata, want.UnsafeMetadata) {
		t.Fatalf("read back %+v", u)
	}
	if _, leaked := u.Metadata["stripe"]; leaked {
		t.Error("private metadata leaked into metadata")
	}
	// A user without them reads back empty values, never nil collections.
	plain, err := l.GetUser(ctx, "user2@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if plain.Username != "" || plain.Phone != "" || plain.PhoneVerified || plain.Locked || plain.SecondaryEmails == nil ||
		len(plain.SecondaryEmails) != 0 || plain.PrivateMetadata == nil || plain.UnsafeMetadata == nil {
		t.Fatalf("plain user %+v", plain)
	}
}

func TestMergeFillsOnlyMissingIdentity(t *testing.T) {
	l := openTest(t)
	own := imported(1)
	own.User.Username = "own_name"
	own.User.Phone = "+33612345678"
	own.User.PrivateMetadata = map[string]any{"mine": true}
	bare := imported(2)
	apply(t, l, ascendkit.ImportBatch{RunID: "r1", Create: []ascendkit.ImportedUser{own, bare}})

	fill := withIdentity(imported(9)).User
	fill.PhoneVerified = true
	res := apply(t, l, ascendkit.ImportBatch{RunID: "r2", Merge: []ascendkit.Merge{
		{Email: own.User.Email, Source: "clerk", SourceID: "c1", Fill: fill},
		{Email: bare.User.Email, Source: "clerk", SourceID: "c2", Fill: fill},
	}})
	if res.Merged != 2 {
		t.Fatalf("merged %d", res.Merged)
	}
	a, _ := l.GetUser(ctx, own.User.Email)
	if a.Username != "own_name" || a.Phone != "+33612345678" || a.PhoneVerified || !reflect.DeepEqual(a.PrivateMetadata, map[string]any{"mine": true}) {
		t.Errorf("merge overwrote the user's own fields: %+v", a)
	}
	if a.ExternalID != "crm-42" || len(a.SecondaryEmails) != 2 || a.UnsafeMetadata["theme"] != "dark" {
		t.Errorf("merge did not fill the fields the user lacked: %+v", a)
	}
	if a.Locked {
		t.Error("a merge must not lock an existing user")
	}
	b, _ := l.GetUser(ctx, bare.User.Email)
	if b.Username != "ada_l" || b.Phone != "+14155552671" || !b.PhoneVerified || b.PrivateMetadata["stripe"] != "cus_1" {
		t.Errorf("empty fields not filled: %+v", b)
	}
}

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
