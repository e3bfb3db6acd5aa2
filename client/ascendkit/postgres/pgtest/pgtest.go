// Package pgtest gives tests a PostgreSQL environment of their own: a
// fresh schema in the database ASCENDKIT_TEST_POSTGRES names (start one
// with eval "$(scripts/pg-up.sh)"). Without that variable a test fails
// when CI is set, so CI never silently skips PostgreSQL, and skips with a
// message elsewhere.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"

	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/jackc/pgx/v5"
)

// EnvVar names the test server's URL.
const EnvVar = "ASCENDKIT_TEST_POSTGRES"

// Base returns the test server's URL, or ends the test (see the package
// comment).
func Base(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(EnvVar + ` is not set: CI must start PostgreSQL (eval "$(scripts/pg-up.sh)") before go test`)
		}
		t.Skip(EnvVar + ` is not set: run eval "$(scripts/pg-up.sh)" to test against PostgreSQL`)
	}
	return u
}

// Target creates a schema for the test (dropped when it ends) and returns
// a postgres:// target whose search_path is that schema, so that tests in
// parallel share one database without seeing each other.
func Target(t testing.TB) string {
	t.Helper()
	base := Base(t)
	var b [8]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	exec := func(sql string) error {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("test schema on %s: %v", ascendkit.RedactURL(base), err)
	}
	t.Cleanup(func() {
		if err := exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
