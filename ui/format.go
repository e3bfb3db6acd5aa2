package ui

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

// fmtInt formats n with thousands separators: 12345 → "12,345" (the
// importer's warnings use the same function).
func fmtInt(n int) string { return importer.Thousands(n) }

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

// warnRows are the last rows of the users table on Confirm and on the
// import's summary, each only when it counts someone.
func warnRows(st Styles, r importer.Report) [][2]string {
	var rows [][2]string
	if r.OAuthLinkConflicts > 0 {
		// Links not made: another user owns that OAuth account (the
		// review's "flagged" tab lists them).
		rows = append(rows, [2]string{"link conflicts", st.Warning.Render(rightAlign(fmtInt(r.OAuthLinkConflicts), 7))})
	}
	if r.ImportedNotInSource > 0 {
		// Created by an earlier import, gone from the source (deleted in
		// Clerk since?): they stay in AscendKit, as the warning explains.
		rows = append(rows, [2]string{"not in source", st.Warning.Render(rightAlign(fmtInt(r.ImportedNotInSource), 7))})
	}
	return rows
}

// enrollLine is the CLI's line on enrollments into journeys already
// active (import clerk preview / run): emails start as users are
// imported. "" when there are none.
func enrollLine(r importer.Report) string {
	switch {
	case r.Enrollments <= 0:
		return ""
	case r.Mode == importer.ModeRun:
		return fmt.Sprintf("Enrolled into active journeys: %s", fmtInt(r.Enrollments))
	default:
		return fmt.Sprintf("To enroll into active journeys: %s (their emails start as the run imports them)", fmtInt(r.Enrollments))
	}
}

// warningsView renders warnings (sanitized, each wrapped to width under a
// ⚠) in at most maxLines lines. Warnings that do not fit whole are
// counted on a last line that ends with more (where to read them all).
func warningsView(st Styles, warnings []string, width, maxLines int, more string) string {
	if len(warnings) == 0 {
		return ""
	}
	width = max(width, 20)
	maxLines = max(maxLines, 1)
	var blocks [][]string
	for _, w := range warnings {
		text := termtext.Clean(strings.Join(strings.Fields(w), " "))
		lines := strings.Split(ansi.Wrap(text, width-2, ""), "\n")
		for i := range lines {
			prefix := "  "
			if i == 0 {
				prefix = "⚠ "
			}
			lines[i] = prefix + lines[i]
		}
		blocks = append(blocks, lines)
	}
	count := func(n int, shown bool) string {
		note := fmt.Sprintf("⚠ %d warnings", n)
		if shown {
			note = fmt.Sprintf("+ %d more", n)
		}
		if more != "" {
			note += " (" + more + ")"
		}
		return ansiTruncate(note, width)
	}
	var out []string
	for i, bl := range blocks {
		rest := len(blocks) - i - 1
		room := maxLines - len(out)
		if rest > 0 {
			room-- // a line for the count of the others
		}
		if len(bl) <= room {
			out = append(out, bl...)
			continue
		}
		if room < 1 {
			out = append(out, count(rest+1, i > 0))
			break
		}
		// Part of this one, cut with an ellipsis, then the count.
		part := slices.Clone(bl[:room])
		part[room-1] = ansiTruncate(strings.TrimRight(part[room-1], " ")+" …", width)
		out = append(out, part...)
		if rest > 0 {
			out = append(out, count(rest, true))
		}
		break
	}
	for i, l := range out {
		out[i] = st.Warning.Render(l) // line by line: no padding to a block
	}
	return strings.Join(out, "\n")
}

// wrapText wraps plain text to w cells (words first, then hard).
func wrapText(s string, w int) string { return ansi.Wrap(s, max(w, 10), "") }

// wrapHang wraps plain text to w cells, indenting the lines after the
// first by indent cells (a hanging indent under a "✗ " or a label).
func wrapHang(s string, w, indent int) string {
	w = max(w, 10)
	indent = min(max(indent, 0), w/2)
	first, rest, ok := strings.Cut(ansi.Wrap(s, w, ""), "\n")
	if !ok {
		return first
	}
	if after, cut := strings.CutPrefix(s, first); cut {
		// The rest of the text itself: rest's lines rejoined with spaces
		// would put one inside a word broken across them (a long path).
		rest = after
	}
	pad := strings.Repeat(" ", indent)
	lines := strings.Split(ansi.Wrap(strings.Join(strings.Fields(rest), " "), w-indent, ""), "\n")
	for i := range lines {
		lines[i] = pad + lines[i]
	}
	return first + "\n" + strings.Join(lines, "\n")
}

// renderLines renders each line of s in st (a multi-line Render would pad
// the lines to one block width).
func renderLines(st lipgloss.Style, s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = st.Render(l)
	}
	return strings.Join(lines, "\n")
}

// errorText is a message after a ✗, wrapped to width (never cut: the
// person needs all of it to fix what is wrong), in the error style.
// fieldRow draws one labelled input of a form (label padded to pad),
// marking the focused one with the cursor.
func fieldRow(st Styles, label string, pad int, focused bool, input string) string {
	label = fmt.Sprintf("%-*s", pad, label)
	cur := "  "
	if focused {
		cur = st.Cursor.Render("› ")
		label = st.Selected.Render(label)
	} else {
		label = st.Label.Render(label)
	}
	return cur + label + " " + input
}

func errorText(st Styles, msg string, width int) string {
	return renderLines(st.Error, wrapHang("✗ "+msg, width, 2))
}

// noticeText wraps a message to width in st.
func noticeText(st lipgloss.Style, msg string, width int) string {
	return renderLines(st, wrapText(msg, width))
}

// cutMiddle shortens s to w cells by cutting out its middle: ids differ in
// their tails (ids made in one run share their first digits), so both
// ends stay readable: "usr_01a…d197b29".
func cutMiddle(s string, w int) string {
	if lipgloss.Width(s) <= w || w < 5 {
		return s
	}
	r := []rune(s)
	head := (w - 1) * 2 / 5
	tail := w - 1 - head
	if head+tail >= len(r) { // wide runes: fall back to an end cut
		return ansiTruncate(s, w)
	}
	out := string(r[:head]) + "…" + string(r[len(r)-tail:])
	if lipgloss.Width(out) > w {
		return ansiTruncate(s, w)
	}
	return out
}

// readBar is the bar of a read whose total is unknown (an export file):
// a block that moves along the track with the time since start, so the
// read does not look stuck.
func readBar(st Styles, width int, elapsed time.Duration) string {
	width = max(width, 4)
	seg := max(width/6, 2)
	start := int(elapsed/(80*time.Millisecond)) % (width - 1)
	end := min(start+seg, width)
	return st.Dim.Render(strings.Repeat("░", start)) +
		st.Selected.Render(strings.Repeat("█", end-start)) +
		st.Dim.Render(strings.Repeat("░", width-end))
}

// plural formats a count with its noun: "1 user", "12 users".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmtInt(n) + " " + many
}

// indentLines puts prefix before every line of s.
func indentLines(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

// entriesRef is how the core's warnings point at the CLI's --entries
// file, which the wizard has not: its Review step lists the same rows.
var entriesRef = regexp.MustCompile(`((?:listed|named)(?: above and)?) (?:in|with) --entries(?: as [a-z_]+)?`)

// wizardWarning is a core warning worded for the wizard: the rows it
// points at are on the Review step, not in an --entries file.
func wizardWarning(w string) string {
	return cliFlags.Replace(entriesRef.ReplaceAllString(w, "$1 on the Review step"))
}

// cliFlags are the other CLI words of the core's warnings, as the wizard
// says them: its passwords file is a field of the Source step, the
// providers (--providers) are ticked on the Settings step, and --users is
// the Confirm step's phase choice "users only".
var cliFlags = strings.NewReplacer(append([]string{
	"lists them (--entries)", "lists them on the Review step",
	"as --passwords", "as the passwords file (Source step)",
	"with --passwords", "with a passwords file (Source step)",
	"(--providers …,magic-link, on a run without --users)", "(tick it under Providers to enable on the Settings step, with Phases users + settings on the Confirm step)",
	"(--providers …,magic-link)", "(tick it under Providers to enable on the Settings step)",
	"enable theirs (--providers) or magic-link", "enable theirs or magic-link (Providers to enable, Settings step)",
	"give the run --providers naming only the social providers to enable", "untick them under Providers to enable on the Settings step",
	"or --users to leave the providers as they are", "or choose Phases users only on the Confirm step to leave the providers as they are",
}, wizardFlagWords...)...)

// wizardFlagWords are CLI words said the same way before the import and
// after it (cliFlags, doneFlags).
var wizardFlagWords = []string{
	"or imported banned with --include-banned", "or imported banned with b on the Review step",
	"--only: ", "Canary: ",
}

// wizardWarnings is wizardWarning of each, in a copy: the report's own
// stay as the core wrote them (the summary printed at the end, the CLI).
func wizardWarnings(ws []string) []string { return reworded(ws, wizardWarning) }

// reworded is f of each warning, in a copy.
func reworded(ws []string, f func(string) string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = f(w)
	}
	return out
}

// doneFlags are cliFlags as said once the import has run: the Settings,
// Review and Confirm steps are behind it, so the advice points at what
// still works, `ascendkit auth update` for the providers.
var doneFlags = strings.NewReplacer(append([]string{
	"lists them (--entries)", "listed them in the review",
	"as --passwords", "as a passwords file",
	"with --passwords", "with a passwords file",
	"(--providers …,magic-link, on a run without --users)", "(ascendkit auth update --providers …,magic-link turns it on)",
	"(--providers …,magic-link)", "(ascendkit auth update --providers …,magic-link turns it on)",
	"enable theirs (--providers) or magic-link", "enable theirs or magic-link (ascendkit auth update)",
	"To keep them off, give the run --providers naming only the social providers to enable (credentials is enabled whenever its users have passwords), or --users to leave the providers as they are, or turn them off again with auth update after it.",
	"To keep them off, turn them off again with ascendkit auth update.",
}, wizardFlagWords...)...)

// importedWarnings are the report's warnings worded for the summary after
// the import (see doneFlags); the rows they point at were in the review.
func importedWarnings(ws []string) []string {
	return reworded(ws, func(w string) string {
		return doneFlags.Replace(entriesRef.ReplaceAllString(w, "$1 in the review"))
	})
}

// viewPart is part of a view; parts with a higher drop are left out
// first when the view is taller than the screen (0: always shown).
type viewPart struct {
	text string // lines, without the last newline
	drop int
}

// fitParts joins parts, leaving out the droppable ones (highest drop
// first) until the whole fits height lines.
func fitParts(parts []viewPart, height int) string {
	total, most := 0, 0
	for _, p := range parts {
		total += strings.Count(p.text, "\n") + 1
		most = max(most, p.drop)
	}
	for level := most; level > 0 && total > height; level-- {
		for i := range parts {
			if parts[i].drop == level {
				total -= strings.Count(parts[i].text, "\n") + 1
				parts[i].drop = -1
			}
		}
	}
	var lines []string
	for _, p := range parts {
		if p.drop >= 0 {
			lines = append(lines, p.text)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
