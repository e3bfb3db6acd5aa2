package cli

import (
	"bufio"
	"io"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// cellCaps is the most terminal cells a cell shows, by its column's
// header; a longer one is cut to it, ending in "…". Only free text is
// capped (ids, dates, numbers and statuses are short and never cut), so
// that one 5,000-character name or payload does not push every row off
// the screen; --json has every value whole.
var cellCaps = map[string]int{
	"NAME": 40, "EMAIL": 80, "FROM": 80, "TAGS": 80, "TYPE": 40, "ACTION": 40,
	"SLUG": 60, "TEMPLATE": 60, "CATEGORY": 20, "AUDIENCE": 60,
	"VARIABLES": 200, "PAYLOAD": 200,
}

// nodeIDCells caps a journey node's id in `journey node list`: free
// text, cut before the table marks the entry node after it.
const nodeIDCells = 40

// table prints rows of cells aligned as text/tabwriter (no minimum width,
// padding 2, spaces, the last cell unpadded) would, from column widths
// measured beforehand: tabwriter holds every row until it is flushed,
// which for a listing is the whole environment. Unlike tabwriter, which
// counts runes, it counts terminal cells (a CJK character or an emoji
// takes two, a combining accent none), so the columns after a name in
// any script stay aligned; and it caps free-text cells (cellCaps).
type table struct {
	widths []int // of each column but the last, in cells
	caps   []int // of each column, in cells; 0: not capped
	line   []byte
}

// newTable is a table measured for header, capped by cellCaps.
func newTable(header []string) *table {
	t := &table{widths: make([]int, len(header)-1), caps: make([]int, len(header))}
	for i, h := range header {
		t.caps[i] = cellCaps[h]
	}
	t.measure(header)
	return t
}

// measure widens the columns to fit cells.
func (t *table) measure(cells []string) {
	for i, c := range cells[:len(cells)-1] {
		t.widths[i] = max(t.widths[i], cellWidth(fit(c, t.caps[i])))
	}
}

// write prints cells as one line: each but the last padded to its
// column's width plus two.
func (t *table) write(w io.Writer, cells []string) error {
	t.line = t.line[:0]
	last := len(cells) - 1
	for i, c := range cells[:last] {
		c = fit(c, t.caps[i])
		t.line = append(t.line, c...)
		for pad := t.widths[i] + 2 - cellWidth(c); pad > 0; pad-- {
			t.line = append(t.line, ' ')
		}
	}
	t.line = append(append(t.line, fit(cells[last], t.caps[last])...), '\n')
	_, err := w.Write(t.line)
	return err
}

// printTable prints header and rows, all in hand, as a table. With no
// header, only the rows are printed, none cut: the caller cuts them.
func printTable(out io.Writer, header []string, rows [][]string) error {
	var t *table
	switch {
	case header != nil:
		t = newTable(header)
	case len(rows) == 0:
		return nil
	default:
		t = &table{widths: make([]int, len(rows[0])-1), caps: make([]int, len(rows[0]))}
	}
	for _, r := range rows {
		t.measure(r)
	}
	w := bufio.NewWriter(out)
	if header != nil {
		if err := t.write(w, header); err != nil {
			return err
		}
	}
	for _, r := range rows {
		if err := t.write(w, r); err != nil {
			return err
		}
	}
	return w.Flush()
}

// cellWidth is how many terminal cells s takes.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return ansi.StringWidth(s)
		}
	}
	return len(s) // ASCII, the common case: a cell a byte
}

// fit cuts s to at most max terminal cells (0: no cap), ending in "…".
// It cuts between grapheme clusters: never inside a character, an emoji
// sequence, or a letter and its accents.
func fit(s string, max int) string {
	if max <= 0 || len(s) <= max { // no cell is wider than its bytes
		return s
	}
	return ansi.Truncate(s, max, "…")
}
