package sqlite

import (
	"database/sql"
	"errors"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// TestBusyIsErrBusy holds the write lock from another connection longer
// than the busy timeout (5 s): the write must fail as ErrBusy, not as bad data.
func TestBusyIsErrBusy(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the 5 s busy timeout")
	}
	l := openTest(t)
	other, err := sql.Open("sqlite", "file:"+l.Path()+"?_pragma=busy_timeout(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	_, err = l.ApplyImport(ctx, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{imported(1)}}, t0)
	conn.ExecContext(ctx, "ROLLBACK")
	if !errors.Is(err, ascendkit.ErrBusy) || errors.Is(err, ascendkit.ErrInvalid) {
		t.Fatalf("err = %v, want ErrBusy", err)
	}
	// Once the lock is gone the same write goes through.
	apply(t, l, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{imported(1)}})
}
