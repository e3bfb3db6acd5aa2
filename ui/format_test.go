package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestWarningsView(t *testing.T) {
	st := newStyles(true)
	ws := []string{
		"first warning that is long enough to wrap onto a second line at forty cells",
		"second \x1b[31mred\x1b[0m",
		"third",
	}
	lines := func(s string) []string { return strings.Split(ansi.Strip(s), "\n") }
	all := lines(warningsView(st, ws, 40, 10, "see more"))
	if len(all) != 4 || all[0] != "⚠ first warning that is long enough to" || !strings.HasPrefix(all[1], "  ") || all[2] != "⚠ second red" || all[3] != "⚠ third" {
		t.Fatalf("all fit: %q", all)
	}
	if strings.Contains(warningsView(st, ws, 40, 10, ""), "\x1b[31m") {
		t.Fatal("not sanitized")
	}
	// Two lines: the first cut, then the count of the others.
	two := lines(warningsView(st, ws, 40, 2, "see more"))
	if len(two) != 2 || !strings.HasSuffix(two[0], "…") || two[1] != "+ 2 more (see more)" {
		t.Fatalf("two lines: %q", two)
	}
	// One line: only the count.
	one := lines(warningsView(st, ws, 40, 1, ""))
	if len(one) != 1 || one[0] != "⚠ 3 warnings" {
		t.Fatalf("one line: %q", one)
	}
	// Three lines: the first whole, then the count.
	three := lines(warningsView(st, ws, 40, 3, ""))
	if len(three) != 3 || three[2] != "+ 2 more" {
		t.Fatalf("three lines: %q", three)
	}
	if warningsView(st, nil, 40, 3, "") != "" {
		t.Fatal("no warnings, some view")
	}
	for _, w := range []int{40, 80} {
		for _, l := range lines(warningsView(st, ws, w, 10, "")) {
			if ansi.StringWidth(l) > w {
				t.Fatalf("line wider than %d: %q", w, l)
			}
		}
	}
}
