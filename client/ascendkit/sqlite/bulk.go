package sqlite

import (
	"context"
	"database/sql"
	"strings"
)

// maxParams is SQLite's limit on the parameters of one statement
// (SQLITE_MAX_VARIABLE_NUMBER, 32766 since 3.32); a multi-row statement
// that needs more is split. A variable so tests can cross the boundary
// with small batches.
var maxParams = 32766

// maxBulkRows caps the rows of one multi-row statement: past a few hundred
// rows the per-statement cost is already negligible, while the statement
// text (parsed once per size) keeps growing.
var maxBulkRows = 256

// bulk runs one multi-row INSERT over many rows, in as few statements as
// SQLite's parameter limit allows. Statements for a full chunk are
// prepared once per transaction and reused.
type bulk struct {
	tx    *sql.Tx
	head  string // "INSERT … (cols) VALUES "
	tail  string // " ON CONFLICT …", or ""
	cols  int
	row   string // "(?,?,…)"
	stmts map[int]*sql.Stmt
}

func newBulk(tx *sql.Tx, head, tail string, cols int) *bulk {
	return &bulk{tx: tx, head: head, tail: tail, cols: cols,
		row: "(" + placeholders(cols) + ")", stmts: map[int]*sql.Stmt{}}
}

// perStmt is how many rows one statement carries.
func (b *bulk) perStmt() int {
	return max(1, min(maxBulkRows, maxParams/b.cols))
}

func (b *bulk) stmt(ctx context.Context, rows int) (*sql.Stmt, error) {
	if st, ok := b.stmts[rows]; ok {
		return st, nil
	}
	var q strings.Builder
	q.Grow(len(b.head) + rows*(len(b.row)+1) + len(b.tail))
	q.WriteString(b.head)
	for i := range rows {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(b.row)
	}
	q.WriteString(b.tail)
	st, err := b.tx.PrepareContext(ctx, q.String())
	if err != nil {
		return nil, err
	}
	b.stmts[rows] = st
	return st, nil
}

// exec inserts args (len a multiple of cols) and returns the rows
// changed.
func (b *bulk) exec(ctx context.Context, args []any) (int, error) {
	total := 0
	for len(args) > 0 {
		n := min(len(args)/b.cols, b.perStmt())
		st, err := b.stmt(ctx, n)
		if err != nil {
			return total, err
		}
		r, err := st.ExecContext(ctx, args[:n*b.cols]...)
		if err != nil {
			return total, err
		}
		c, err := r.RowsAffected()
		if err != nil {
			return total, err
		}
		total += int(c)
		args = args[n*b.cols:]
	}
	return total, nil
}

func (b *bulk) close() {
	for _, st := range b.stmts {
		st.Close()
	}
	clear(b.stmts)
}
