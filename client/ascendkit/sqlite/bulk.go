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

// bulkSpec is one multi-row INSERT: its text is head, then rows of cols
// placeholders, then tail.
type bulkSpec struct {
	head string // "INSERT … (cols) VALUES "
	tail string // " ON CONFLICT …", or ""
	cols int
}

// text is the statement for rows rows.
func (s bulkSpec) text(rows int) string {
	row := "(" + placeholders(s.cols) + ")"
	var q strings.Builder
	q.Grow(len(s.head) + rows*(len(row)+1) + len(s.tail))
	q.WriteString(s.head)
	for i := range rows {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(row)
	}
	q.WriteString(s.tail)
	return q.String()
}

// perStmt is how many rows one statement carries.
func (s bulkSpec) perStmt() int {
	return max(1, min(maxBulkRows, maxParams/s.cols))
}

// bulk runs one multi-row INSERT over many rows, in as few statements as
// SQLite's parameter limit allows, within one transaction. A statement of
// a full chunk found in shared (prepared on the write connection, see
// Local.fullChunks) is reused; others are prepared once per transaction.
type bulk struct {
	bulkSpec
	tx     *sql.Tx
	shared map[string]*sql.Stmt
	stmts  map[int]*sql.Stmt
}

func newBulk(tx *sql.Tx, shared map[string]*sql.Stmt, spec bulkSpec) *bulk {
	return &bulk{bulkSpec: spec, tx: tx, shared: shared, stmts: map[int]*sql.Stmt{}}
}

func (b *bulk) stmt(ctx context.Context, rows int) (*sql.Stmt, error) {
	if st, ok := b.stmts[rows]; ok {
		return st, nil
	}
	q := b.text(rows)
	var st *sql.Stmt
	var err error
	if parent := b.shared[q]; parent != nil {
		st = b.tx.StmtContext(ctx, parent)
	} else {
		st, err = b.tx.PrepareContext(ctx, q)
	}
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
