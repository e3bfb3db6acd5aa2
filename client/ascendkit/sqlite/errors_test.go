package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
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

type codeErr int

func (c codeErr) Error() string { return fmt.Sprintf("sqlite error %d", int(c)) }
func (c codeErr) Code() int     { return int(c) }

// Only SQLite's "not a database" calls the file no database: a directory
// the user may not write (the -wal and -shm files) says so instead.
func TestUnreadableSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{codeErr(26), "not a SQLite database"},
		{codeErr(1544), "needs write access to the file and its directory, /data"}, // SQLITE_READONLY_DIRECTORY
		{codeErr(14), "needs write access"},
		{codeErr(11), "cannot read it"},
	} {
		got := unreadable("/data/env.db", tc.err).Error()
		if !strings.Contains(got, tc.want) || (tc.want != "not a SQLite database" && strings.Contains(got, "not a SQLite")) {
			t.Errorf("code %v: %q, want %q", tc.err, got, tc.want)
		}
	}
}

// A full disk is told apart (the runs are still listed then, see
// sqlstore.settleRuns), as BUSY and READONLY are.
func TestMarkBusyCodes(t *testing.T) {
	for code, want := range map[int]error{5: ascendkit.ErrBusy, 6: ascendkit.ErrBusy, 8: ascendkit.ErrReadOnly, 1544: ascendkit.ErrReadOnly, 13: ascendkit.ErrDiskFull} {
		if err := markBusy(codeErr(code)); !errors.Is(err, want) {
			t.Errorf("code %d: %v, want %v", code, err, want)
		}
	}
	if err := markBusy(codeErr(11)); errors.Is(err, ascendkit.ErrDiskFull) || errors.Is(err, ascendkit.ErrBusy) || errors.Is(err, ascendkit.ErrReadOnly) {
		t.Errorf("corrupt marked %v", err)
	}
}
