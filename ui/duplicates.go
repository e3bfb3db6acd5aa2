package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/table"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

// reasonOrder is the order reasons are listed and cycled in.
var reasonOrder = []string{
	importer.ReasonAlreadyImported, importer.ReasonEmailExists, importer.ReasonRepeatedInSource,
	importer.ReasonNoEmail, importer.ReasonInvalidEmail, importer.ReasonBanned, importer.ReasonMalformed,
}

// tabFlagged is the review tab of the users imported with something left
// out (entries of Kind "warning"); it is not a reason.
const tabFlagged = "\x00flagged"

var reasonLabels = map[string]string{
	importer.ReasonAlreadyImported:  "already imported",
	importer.ReasonEmailExists:      "email exists",
	importer.ReasonRepeatedInSource: "repeated in source",
	importer.ReasonLinkConflict:     "link conflict",
	importer.ReasonLinkInvalid:      "link invalid",
	importer.ReasonNoEmail:          "no email",
	importer.ReasonInvalidEmail:     "invalid email",
	importer.ReasonBanned:           "banned",
	importer.ReasonMalformed:        "malformed",
}

func reasonLabel(r string) string {
	if l, ok := reasonLabels[r]; ok {
		return l
	}
	return termtext.Clean(r)
}

// Entry kinds the review lists.
const (
	kindDuplicate = "duplicate"
	kindSkipped   = "skipped"
	kindWarning   = "warning" // imported, with something left out (Detail)
)

// duplicatesScreen reviews the duplicates and skipped users of the
// preview and sets the duplicate policy, per row or in bulk. Users
// imported with something left out (an OAuth link) are listed too, under
// their own tab: they have no policy.
type duplicatesScreen struct {
	pc   *programContext
	keys duplicatesKeys
	gen  int

	entries []importer.Entry // duplicates, skips and flagged users
	reasons []string         // "" (all) + reasons present + tabFlagged
	reason  int
	filter  textinput.Model
	visible []int // indexes into entries
	table   table.Model
	width   int
	height  int
}

func newDuplicatesScreen(pc *programContext) *duplicatesScreen {
	s := &duplicatesScreen{pc: pc, keys: newDuplicatesKeys(), gen: pc.sess.previewGen}
	present := map[string]bool{}
	flagged := false
	for _, e := range pc.sess.entries {
		switch e.Kind {
		case kindDuplicate, kindSkipped:
			s.entries = append(s.entries, e)
			present[e.Reason] = true
		case kindWarning:
			s.entries = append(s.entries, e)
			flagged = true
		}
	}
	s.reasons = []string{""}
	if flagged {
		// Second, so that it shows on a narrow terminal too.
		s.reasons = append(s.reasons, tabFlagged)
	}
	for _, r := range reasonOrder {
		if present[r] {
			s.reasons = append(s.reasons, r)
			delete(present, r)
		}
	}
	for _, e := range s.entries { // unknown reasons, in order of appearance
		if present[e.Reason] {
			s.reasons = append(s.reasons, e.Reason)
			delete(present, e.Reason)
		}
	}
	if pc.sess.decisions == nil {
		pc.sess.decisions = map[string]importer.Policy{}
	}
	s.filter = textinput.New()
	s.filter.Prompt = "/ "
	s.filter.Placeholder = "email, name or id"
	s.filter.CharLimit = 200
	km := table.DefaultKeyMap()
	km.PageDown.SetKeys("f", "pgdown")
	s.table = table.New(table.WithKeyMap(km), table.WithFocused(true))
	s.restyle()
	s.SetSize(pc.width, pc.bodyHeight())
	s.refilter()
	return s
}

func (s *duplicatesScreen) restyle() {
	s.table.SetStyles(s.pc.styles.Table)
	s.filter.SetStyles(s.pc.styles.Input)
}

func (s *duplicatesScreen) Init() tea.Cmd { return nil }

func (s *duplicatesScreen) InputFocused() bool { return s.filter.Focused() }

func (s *duplicatesScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.filter.SetWidth(max(w-10, 10))
	// marker, reason, source id, email, existing user, policy; 2 cells of
	// padding per column.
	fixed := 1 + 18 + 6 + 6*2
	rest := max(w-fixed-2, 30)
	src := min(max(rest/3, 12), 32)
	existing := min(max(rest/5, 10), 30)
	email := rest - src - existing
	s.table.SetColumns([]table.Column{
		{Title: " ", Width: 1},
		{Title: "Reason", Width: 18},
		{Title: "Source ID", Width: src},
		{Title: "Email", Width: email},
		{Title: "Existing user", Width: existing},
		{Title: "Policy", Width: 6},
	})
	s.table.SetWidth(w)
	// Lines left for the heading, tabs, status and a detail of two lines.
	s.table.SetHeight(max(h-7, 3))
	s.refreshRows()
}

func (s *duplicatesScreen) policy(e importer.Entry) importer.Policy {
	if p, ok := s.pc.sess.decisions[e.SourceID]; ok {
		return p
	}
	if s.pc.sess.onDuplicate == "" {
		return importer.PolicySkip
	}
	return s.pc.sess.onDuplicate
}

func (s *duplicatesScreen) refilter() {
	q := strings.ToLower(strings.TrimSpace(s.filter.Value()))
	reason := s.reasons[s.reason]
	s.visible = s.visible[:0]
	for i, e := range s.entries {
		switch {
		case reason == tabFlagged:
			if e.Kind != kindWarning {
				continue
			}
		case reason != "":
			if e.Reason != reason || e.Kind == kindWarning {
				continue
			}
		}
		if q != "" && !strings.Contains(strings.ToLower(e.Email+" "+e.Name+" "+e.SourceID+" "+e.ExistingUserID+" "+e.Detail), q) {
			continue
		}
		s.visible = append(s.visible, i)
	}
	s.refreshRows() // the table clamps its cursor to its rows
	if c := s.table.Cursor(); c < 0 || c >= len(s.visible) {
		s.table.SetCursor(min(max(c, 0), max(len(s.visible)-1, 0)))
	}
	s.refreshRows()
}

func (s *duplicatesScreen) refreshRows() {
	rows := make([]table.Row, len(s.visible))
	cur := s.table.Cursor()
	for i, idx := range s.visible {
		e := s.entries[idx]
		mark, pol := " ", "—"
		if i == cur {
			mark = "›"
		}
		if e.Kind == kindDuplicate {
			pol = string(s.policy(e))
		}
		existing := termtext.Clean(e.ExistingUserID)
		if existing == "" {
			existing = "—"
		}
		email := termtext.Clean(e.Email)
		if email == "" {
			email = "(none)"
		}
		rows[i] = table.Row{mark, reasonLabel(e.Reason), termtext.Clean(e.SourceID), email, existing, pol}
	}
	s.table.SetRows(rows)
}

func (s *duplicatesScreen) selected() (importer.Entry, bool) {
	c := s.table.Cursor()
	if c < 0 || c >= len(s.visible) {
		return importer.Entry{}, false
	}
	return s.entries[s.visible[c]], true
}

func (s *duplicatesScreen) Update(msg tea.Msg) tea.Cmd {
	if s.filter.Focused() {
		if k, ok := msg.(tea.KeyPressMsg); ok {
			switch {
			case key.Matches(k, s.keys.ApplyFilter):
				s.filter.Blur()
				return nil
			case key.Matches(k, s.keys.ClearFilter):
				s.filter.SetValue("")
				s.filter.Blur()
				s.refilter()
				return nil
			}
		}
		var cmd tea.Cmd
		before := s.filter.Value()
		s.filter, cmd = s.filter.Update(msg)
		if s.filter.Value() != before {
			s.refilter()
		}
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, s.keys.Filter):
		return s.filter.Focus()
	case key.Matches(k, s.keys.NextReason):
		s.reason = (s.reason + 1) % len(s.reasons)
		s.refilter()
	case key.Matches(k, s.keys.PrevReason):
		s.reason = (s.reason + len(s.reasons) - 1) % len(s.reasons)
		s.refilter()
	case key.Matches(k, s.keys.Toggle):
		if e, ok := s.selected(); ok && e.Kind == kindDuplicate {
			next := importer.PolicyMerge
			if s.policy(e) == importer.PolicyMerge {
				next = importer.PolicySkip
			}
			if next == s.defaultPolicy() {
				delete(s.pc.sess.decisions, e.SourceID)
			} else {
				s.pc.sess.decisions[e.SourceID] = next
			}
			s.refreshRows()
		}
	case key.Matches(k, s.keys.MergeAll):
		s.setAll(importer.PolicyMerge)
	case key.Matches(k, s.keys.SkipAll):
		s.setAll(importer.PolicySkip)
	case key.Matches(k, s.keys.Continue):
		return nav(stateConfirm)
	case key.Matches(k, s.keys.Back):
		if s.filter.Value() != "" || s.reason != 0 {
			s.filter.SetValue("")
			s.reason = 0
			s.refilter()
			return nil
		}
		return back
	default:
		var cmd tea.Cmd
		before := s.table.Cursor()
		s.table, cmd = s.table.Update(msg)
		if s.table.Cursor() != before {
			s.refreshRows()
		}
		return cmd
	}
	return nil
}

func (s *duplicatesScreen) defaultPolicy() importer.Policy {
	if s.pc.sess.onDuplicate == "" {
		return importer.PolicySkip
	}
	return s.pc.sess.onDuplicate
}

// setAll is the bulk policy: it becomes the default and clears per-row choices.
func (s *duplicatesScreen) setAll(p importer.Policy) {
	s.pc.sess.onDuplicate = p
	clear(s.pc.sess.decisions)
	s.refreshRows()
}

// counts returns duplicates by policy, skipped users and users flagged
// (imported with something left out).
func (s *duplicatesScreen) counts() (skip, merge, skipped, flagged int) {
	for _, e := range s.entries {
		switch e.Kind {
		case kindDuplicate:
			if s.policy(e) == importer.PolicyMerge {
				merge++
			} else {
				skip++
			}
		case kindSkipped:
			skipped++
		case kindWarning:
			flagged++
		}
	}
	return
}

func (s *duplicatesScreen) View() string {
	st := s.pc.styles
	var b strings.Builder
	skip, merge, skipped, flagged := s.counts()
	counts := st.Label.Render("duplicates ") + st.Number.Render(fmtInt(skip+merge)) +
		st.Dim.Render(fmt.Sprintf(" (skip %s · merge %s)", fmtInt(skip), fmtInt(merge))) +
		st.Label.Render("  skipped ") + st.Number.Render(fmtInt(skipped))
	if flagged > 0 {
		counts += st.Label.Render("  flagged ") + st.Warning.Render(fmtInt(flagged))
	}
	head := st.Heading.Render("Duplicates and skipped users") + "  " + counts
	if lipgloss.Width(head) > s.width {
		head = st.Heading.Render("Review") + "  " + counts
	}
	b.WriteString(clampLines(head, 1, s.width) + "\n")
	if len(s.entries) == 0 {
		b.WriteString("\n" + st.OK.Render("✓ No duplicates and no skipped users.") + "\n")
		b.WriteString(st.Dim.Render("Every user read from the source will be imported. Press enter to continue.") + "\n")
		return b.String()
	}
	// Reason tabs.
	var tabs []string
	for i, r := range s.reasons {
		name := "all"
		switch r {
		case "":
		case tabFlagged:
			name = "flagged"
		default:
			name = reasonLabel(r)
		}
		if i == s.reason {
			tabs = append(tabs, st.TabOn.Render(name))
		} else {
			tabs = append(tabs, st.TabOff.Render(name))
		}
	}
	// On a narrow terminal the strip scrolls to keep the current tab visible.
	start := 0
	for start < s.reason && lipgloss.Width(strings.Join(tabs[start:s.reason+1], ""))+1 > s.width {
		start++
	}
	strip := strings.Join(tabs[start:], "")
	if start > 0 {
		strip = st.Dim.Render("…") + strip
	}
	b.WriteString(clampLines(strip, 1, s.width) + "\n")
	switch {
	case s.filter.Focused() || s.filter.Value() != "":
		b.WriteString(s.filter.View() + st.Dim.Render(fmt.Sprintf("  %s of %s", fmtInt(len(s.visible)), fmtInt(len(s.entries)))) + "\n")
	default:
		b.WriteString(st.Dim.Render(fmt.Sprintf("showing %s of %s · default for duplicates: %s", fmtInt(len(s.visible)), fmtInt(len(s.entries)), s.defaultPolicy())) + "\n")
	}
	if len(s.visible) == 0 {
		b.WriteString("\n" + st.Dim.Render("No row matches this filter.") + "\n")
		return b.String()
	}
	b.WriteString(s.table.View() + "\n")
	if e, ok := s.selected(); ok {
		detail := "› " + termtext.Clean(e.SourceID)
		if e.Name != "" {
			detail += " · " + termtext.Clean(e.Name)
		}
		if e.Email != "" {
			detail += " · " + termtext.Clean(e.Email)
		}
		if e.ExistingUserID != "" {
			detail += " → " + termtext.Clean(e.ExistingUserID)
		}
		if e.Kind == kindWarning {
			// Imported: the detail says what was left out, in full.
			b.WriteString(st.Dim.Render(ansiTruncate(detail+" · imported", s.width)) + "\n")
			what := termtext.Clean(e.Detail)
			if what == "" {
				what = reasonLabel(e.Reason)
			}
			b.WriteString(st.Warning.Render(clampLines(wrapText("⚠ "+what, s.width), 2, s.width)))
			return b.String()
		}
		if e.Detail != "" {
			detail += " (" + termtext.Clean(e.Detail) + ")"
		}
		b.WriteString(st.Dim.Render(ansiTruncate(detail, s.width)))
	}
	return b.String()
}

func (s *duplicatesScreen) Keys() keyMap {
	k := s.keys
	if s.filter.Focused() {
		short := []key.Binding{k.ApplyFilter, k.ClearFilter}
		return keyMap{short: short, full: [][]key.Binding{short}}
	}
	if len(s.entries) == 0 {
		short := []key.Binding{k.Continue, k.Back}
		return keyMap{short: short, full: [][]key.Binding{short}}
	}
	short := []key.Binding{k.Continue, k.Toggle, k.NextReason, k.Filter, k.MergeAll, k.SkipAll, k.Back}
	return keyMap{short: short, full: [][]key.Binding{
		{k.Up, k.Down, k.Toggle},
		{k.NextReason, k.PrevReason, k.Filter},
		{k.MergeAll, k.SkipAll, k.Continue, k.Back},
	}}
}
