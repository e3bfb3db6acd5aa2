package postgres

import (
	"context"
	"fmt"
	"io"
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
// straight into a buffer, where pgx's CopyFrom took a []any per row and
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

// copyChunk is how much COPY data is encoded at a time: the server parses
// one chunk while the next is encoded, as pgx's CopyFrom overlapped them.
const copyChunk = 32 << 10

// copyReader encodes c's rows as pgconn.CopyFrom reads them, a chunk at
// a time, so that encoding overlaps the server's work instead of
// preceding it.
type copyReader struct {
	c       copySpec
	next    int // the next row to encode
	w       copyRow
	pending []byte
}

// Read implements io.Reader.
func (r *copyReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.pending) == 0 {
			if r.next >= r.c.n {
				if n == 0 {
					return 0, io.EOF
				}
				return n, nil
			}
			r.w.buf = r.w.buf[:0]
			for r.next < r.c.n && len(r.w.buf) < copyChunk {
				if err := encodeRow(r.c, r.next, &r.w); err != nil {
					return n, err
				}
				r.next++
			}
			r.pending = r.w.buf
		}
		k := copy(p[n:], r.pending)
		n += k
		r.pending = r.pending[k:]
	}
	return n, nil
}

// encodeRow appends row i of c in COPY's text format.
func encodeRow(c copySpec, i int, w *copyRow) error {
	w.col = 0
	c.row(i, w)
	if w.col != len(c.cols) {
		return fmt.Errorf("copy %s: row %d has %d values for %d columns", c.table, i, w.col, len(c.cols))
	}
	w.buf = append(w.buf, '\n')
	return nil
}

// copyText runs c as one COPY … FROM STDIN on tx's connection and
// returns the rows it wrote.
func copyText(ctx context.Context, tx pgx.Tx, c copySpec) (int64, error) {
	r := &copyReader{c: c, w: copyRow{buf: make([]byte, 0, copyChunk+4<<10)}}
	// Cleared: the rows may hold password digests.
	defer func() { clear(r.w.buf[:cap(r.w.buf)]) }()
	cols := make([]string, len(c.cols))
	for i, col := range c.cols {
		cols[i] = pgx.Identifier{col}.Sanitize()
	}
	sql := `COPY ` + pgx.Identifier{c.table}.Sanitize() + ` (` + strings.Join(cols, ", ") + `) FROM STDIN`
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, r, sql)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}
