package postgres

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// copySpec is one COPY of a batch's rows into table.
type copySpec struct {
	table string
	cols  []string
	n     int
	// row writes row i's values, one per column in cols' order.
	row func(i int, w *copyRow)
}

// copyRow builds COPY's text format: a tab between values, a newline
// after each row, \N for NULL and backslash escapes. The values go
// straight into one buffer, where pgx's CopyFrom took a []any per row and
// looked up an encoder for every value (binary format), which was most of
// the client's cost of writing a batch. The server parses text rows about
// as fast, and the floor an import is measured against sends text too.
type copyRow struct {
	buf []byte
	col int
}

func (w *copyRow) sep() {
	if w.col > 0 {
		w.buf = append(w.buf, '\t')
	}
	w.col++
}

// text writes a text value.
func (w *copyRow) text(s string) {
	w.sep()
	w.buf = appendCopyText(w.buf, s)
}

// textOrNull writes *s, or NULL for nil.
func (w *copyRow) textOrNull(s *string) {
	if s == nil {
		w.sep()
		w.buf = append(w.buf, `\N`...)
		return
	}
	w.text(*s)
}

// boolean writes a boolean value.
func (w *copyRow) boolean(v bool) {
	w.sep()
	if v {
		w.buf = append(w.buf, 't')
	} else {
		w.buf = append(w.buf, 'f')
	}
}

// appendCopyText appends s escaped for COPY's text format: backslash and
// the characters that delimit values and rows (tab, newline, carriage
// return) are written as backslash escapes; every other byte stands for
// itself.
func appendCopyText(dst []byte, s string) []byte {
	for {
		i := strings.IndexAny(s, "\\\t\n\r")
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		switch s[i] {
		case '\\':
			dst = append(dst, `\\`...)
		case '\t':
			dst = append(dst, `\t`...)
		case '\n':
			dst = append(dst, `\n`...)
		case '\r':
			dst = append(dst, `\r`...)
		}
		s = s[i+1:]
	}
}

// copyBufs keeps the buffers of finished COPYs for the next batch's. Not
// a sync.Pool: that is emptied by every other garbage collection, several
// times per batch, and each COPY then grew a new buffer from nothing.
var copyBufs = make(chan *copyRow, 4)

// maxKeptCopyBuf bounds a buffer kept for reuse: a batch of unusually
// large rows does not pin its memory.
const maxKeptCopyBuf = 8 << 20

// encodeCopy writes c's rows in COPY's text format.
func encodeCopy(c copySpec, w *copyRow) error {
	for i := range c.n {
		w.col = 0
		c.row(i, w)
		if w.col != len(c.cols) {
			return fmt.Errorf("copy %s: row %d has %d values for %d columns", c.table, i, w.col, len(c.cols))
		}
		w.buf = append(w.buf, '\n')
	}
	return nil
}

// copyText runs c as one COPY … FROM STDIN on tx's connection and
// returns the rows it wrote.
func copyText(ctx context.Context, tx pgx.Tx, c copySpec) (int64, error) {
	var w *copyRow
	select {
	case w = <-copyBufs:
	default:
		w = new(copyRow)
	}
	defer func() {
		// Cleared: the rows may hold password digests.
		clear(w.buf)
		if cap(w.buf) <= maxKeptCopyBuf {
			w.buf = w.buf[:0]
			select {
			case copyBufs <- w:
			default:
			}
		}
	}()
	w.buf = w.buf[:0]
	if err := encodeCopy(c, w); err != nil {
		return 0, err
	}
	cols := make([]string, len(c.cols))
	for i, col := range c.cols {
		cols[i] = pgx.Identifier{col}.Sanitize()
	}
	sql := `COPY ` + pgx.Identifier{c.table}.Sanitize() + ` (` + strings.Join(cols, ", ") + `) FROM STDIN`
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(w.buf), sql)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}
