package ui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// fmtInt formats n with thousands separators: 12345 → "12,345".
func fmtInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtDuration prints a short human duration: "3s", "2m05s", "1h02m".
func fmtDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	default:
		return fmt.Sprintf("%ds", s)
	}
}

func pct(n, total int) float64 {
	if total <= 0 {
		return 0
	}
	return min(float64(n)/float64(total), 1)
}

// sortedKeys returns the keys of m sorted by count (descending), then name.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// kv renders "label  value" rows with the labels padded to one width.
func kv(label lipgloss.Style, rows [][2]string) string {
	w := 0
	for _, r := range rows {
		w = max(w, lipgloss.Width(r[0]))
	}
	var b strings.Builder
	for i, r := range rows {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(label.Render(r[0]+strings.Repeat(" ", w-lipgloss.Width(r[0]))) + "  " + r[1])
	}
	return b.String()
}

// rightAlign pads s on the left to width w.
func rightAlign(s string, w int) string {
	if d := w - lipgloss.Width(s); d > 0 {
		return strings.Repeat(" ", d) + s
	}
	return s
}

// sideBySide joins two blocks horizontally when they fit in width,
// otherwise stacks them.
func sideBySide(width int, left, right string) string {
	lw := lipgloss.Width(left)
	if lw+3+lipgloss.Width(right) <= width {
		return lipgloss.JoinHorizontal(lipgloss.Top, lipgloss.NewStyle().Width(lw+3).Render(left), right)
	}
	return left + "\n\n" + right
}

func ansiStrip(s string) string { return ansi.Strip(s) }

func ansiTruncate(s string, w int) string { return ansi.Truncate(s, w, "…") }

// padRight pads s with spaces to w cells.
func padRight(s string, w int) string {
	if d := w - lipgloss.Width(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// nonZero drops the zero counts of m.
func nonZero(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}
