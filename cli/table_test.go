package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// starts is where each cell of line begins, in terminal cells, found by
// looking for cells (none empty) in order.
func starts(t *testing.T, line string, cells []string) []int {
	t.Helper()
	var at []int
	from := 0
	for _, c := range cells {
		i := strings.Index(line[from:], c)
		if i < 0 {
			t.Fatalf("%q not in %q after byte %d", c, line, from)
		}
		at = append(at, ansi.StringWidth(line[:from+i]))
		from += i + len(c)
	}
	return at
}

// Names in any script keep the columns after them aligned on a terminal:
// a CJK character or an emoji takes two cells, an accent written as a
// combining mark none, a flag two. (tabwriter counts runes: each of these
// rows pushed the next columns off by one or more.)
func TestTableAlignsByDisplayWidth(t *testing.T) {
	rows := [][]string{
		{"ID", "NAME", "STATUS", "LAST"},
		{"jrn_1", "移行のお知らせ", "draft", "1"},
		{"jrn_2", "Dev 👩\u200d💻 team", "active", "22"},
		{"jrn_3", "Cafe\u0301 re\u0301sume\u0301", "paused", "333"},
		{"jrn_4", "Japan 🇯🇵", "draft", "4"},
		{"jrn_5", "plain", "draft", "5"},
	}
	var b bytes.Buffer
	if err := printTable(&b, rows[0], rows[1:]); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(rows) {
		t.Fatalf("%d lines for %d rows:\n%s", len(lines), len(rows), b.String())
	}
	want := starts(t, lines[0], rows[0])
	for i, l := range lines[1:] {
		if got := starts(t, l, rows[i+1]); !equalInts(got, want) {
			t.Errorf("row %q starts its cells at columns %v, the header at %v:\n%s", rows[i+1][1], got, want, b.String())
		}
	}
	// NAME is as wide as its widest cell, 移行のお知らせ (14 cells), plus 2.
	if want[2]-want[1] != 16 {
		t.Errorf("NAME column is %d cells wide, want 16:\n%s", want[2]-want[1], b.String())
	}
	if lines[5] != "jrn_5  plain           draft   5" {
		t.Errorf("ASCII row %q", lines[5])
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A free-text cell longer than its column's cap is cut to the cap with
// "…", by terminal cells, between graphemes; one that fits is kept whole.
func TestTableCutsLongCells(t *testing.T) {
	capName := cellCaps["NAME"]
	for _, tc := range []struct {
		name, unit string
		cells      int // the unit's width
	}{
		{"ASCII", "x", 1},
		{"CJK", "名", 2},
		{"ZWJ emoji", "👩\u200d💻", 2},
		{"combining accent", "e\u0301", 1},
		{"flag", "🇯🇵", 2},
	} {
		long := strings.Repeat(tc.unit, 5000)
		var b bytes.Buffer
		if err := printTable(&b, []string{"ID", "NAME", "LAST"}, [][]string{{"id", long, "end"}}); err != nil {
			t.Fatal(err)
		}
		line := strings.Split(b.String(), "\n")[1]
		cut, rest, ok := strings.Cut(line, "…")
		if !ok {
			t.Fatalf("%s: a 5,000-%s name is not cut: %d bytes", tc.name, tc.unit, len(line))
		}
		name := strings.TrimPrefix(cut, "id  ")
		// Whole units only, as many as fit with the "…" in the cap.
		if n := (capName - 1) / tc.cells; name != strings.Repeat(tc.unit, n) {
			t.Errorf("%s: cut to %q (%d cells), want %d whole units", tc.name, name, ansi.StringWidth(name), n)
		}
		if w := ansi.StringWidth(name + "…"); w > capName || w < capName-1 {
			t.Errorf("%s: the cut name takes %d cells, cap %d", tc.name, w, capName)
		}
		if strings.TrimSpace(rest) != "end" {
			t.Errorf("%s: after the name %q", tc.name, rest)
		}
	}
	// At the cap exactly: whole.
	fits := strings.Repeat("名", capName/2)
	if got := fit(fits, capName); got != fits {
		t.Errorf("a name of exactly %d cells cut to %q", capName, got)
	}
	// The last column is capped too (PAYLOAD), and uncapped columns are not.
	long := strings.Repeat("p", 1000)
	var b bytes.Buffer
	if err := printTable(&b, []string{"ID", "PAYLOAD"}, [][]string{{long, long}}); err != nil {
		t.Fatal(err)
	}
	if want := long + "  " + long[:cellCaps["PAYLOAD"]-1] + "…\n"; !strings.HasSuffix(b.String(), want) {
		t.Errorf("ID cut or PAYLOAD not cut to %d: %q", cellCaps["PAYLOAD"], b.String())
	}
}

// On a real environment: `template list` keeps the columns after a name
// in CJK and emoji aligned, and cuts a 200-character name to NAME's cap.
func TestTemplateListAlignsByDisplayWidth(t *testing.T) {
	h := newHarness(t)
	h.ok("import", "migration-journey", "create")
	h.ok("template", "update", "migration-go-live", "--name", "移行のお知らせ 👩\u200d💻")
	h.ok("template", "update", "migration-announcement", "--name", "Cafe\u0301 "+strings.Repeat("n", 194))
	out := h.ok("template", "list").stdout
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("template list:\n%s", out)
	}
	// CATEGORY and VERSION, the columns after NAME, start where the
	// header's do on every line.
	col := func(l string) int {
		f := strings.Fields(l)
		i := strings.LastIndex(l, " "+f[len(f)-2]+" ") + 1
		return ansi.StringWidth(l[:i])
	}
	for _, l := range lines[1:] {
		if col(l) != col(lines[0]) || ansi.StringWidth(l) > 150 {
			t.Errorf("CATEGORY at %d on %q, at %d in the header:\n%s", col(l), l, col(lines[0]), out)
		}
	}
	want := "Cafe\u0301 " + strings.Repeat("n", cellCaps["NAME"]-6) + "…"
	if !strings.Contains(out, "  "+want+"  ") {
		t.Errorf("the long name is not cut to %q:\n%s", want, out)
	}
}
