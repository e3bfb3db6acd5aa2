package ui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/table"
	"charm.land/bubbles/v2/textinput"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// Styles holds every style of the wizard, built for a light or a dark
// terminal background. Colours are picked to stay readable on both; the
// renderer downsamples them to the terminal's profile, so NO_COLOR (or a
// non-terminal output) yields plain text.
type Styles struct {
	isDark bool

	// palette
	Accent  color.Color
	Subtle  color.Color
	Muted   color.Color
	Good    color.Color
	Warn    color.Color
	Bad     color.Color
	Barfill color.Color

	App       lipgloss.Style
	Title     lipgloss.Style
	Crumb     lipgloss.Style
	CrumbOn   lipgloss.Style
	CrumbDone lipgloss.Style
	Heading   lipgloss.Style
	Label     lipgloss.Style
	Value     lipgloss.Style
	Number    lipgloss.Style
	Dim       lipgloss.Style
	OK        lipgloss.Style
	Warning   lipgloss.Style
	Error     lipgloss.Style
	Selected  lipgloss.Style
	Cursor    lipgloss.Style
	Box       lipgloss.Style
	Dialog    lipgloss.Style
	TabOn     lipgloss.Style
	TabOff    lipgloss.Style

	DemoBadge lipgloss.Style
	ProdBadge lipgloss.Style
	TestBadge lipgloss.Style

	Help      help.Styles
	Table     table.Styles
	Input     textinput.Styles
	ListItems list.DefaultItemStyles
	List      list.Styles
}

func newStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	c := lipgloss.Color
	s := Styles{
		isDark:  isDark,
		Accent:  ld(c("#5A3FD6"), c("#A98BFF")),
		Subtle:  ld(c("#6B6B6B"), c("#9A9A9A")),
		Muted:   ld(c("#8A8A8A"), c("#767676")),
		Good:    ld(c("#0F7B3A"), c("#4FD08A")),
		Warn:    ld(c("#9A5B00"), c("#F2B33D")),
		Bad:     ld(c("#B3261E"), c("#FF6B6B")),
		Barfill: ld(c("#5A3FD6"), c("#8C6CFF")),
	}
	base := lipgloss.NewStyle()
	s.App = base
	s.Title = base.Bold(true).Foreground(s.Accent)
	s.Crumb = base.Foreground(s.Muted)
	s.CrumbOn = base.Bold(true).Foreground(s.Accent).Underline(true)
	s.CrumbDone = base.Foreground(s.Subtle)
	s.Heading = base.Bold(true)
	s.Label = base.Foreground(s.Subtle)
	s.Value = base
	s.Number = base.Bold(true)
	s.Dim = base.Foreground(s.Muted)
	s.OK = base.Foreground(s.Good)
	s.Warning = base.Foreground(s.Warn).Bold(true)
	s.Error = base.Foreground(s.Bad).Bold(true)
	s.Selected = base.Foreground(s.Accent).Bold(true)
	s.Cursor = base.Foreground(s.Accent).Bold(true)
	s.Box = base.Border(lipgloss.RoundedBorder()).BorderForeground(s.Muted).Padding(0, 1)
	s.Dialog = base.Border(lipgloss.RoundedBorder()).BorderForeground(s.Warn).Padding(0, 1)
	s.TabOn = base.Bold(true).Foreground(s.Accent).Underline(true).Padding(0, 1)
	s.TabOff = base.Foreground(s.Subtle).Padding(0, 1)

	// Badges are bold capitals on a coloured background; without colour
	// (NO_COLOR) they stay readable as bold text.
	onBadge := ld(c("#FFFFFF"), c("#1A1A1A"))
	s.DemoBadge = base.Bold(true).Foreground(onBadge).Background(s.Accent).Padding(0, 1)
	s.ProdBadge = base.Bold(true).Foreground(lipgloss.Color("#FFFFFF")).Background(ld(c("#B3261E"), c("#C62828"))).Padding(0, 1)
	s.TestBadge = base.Foreground(onBadge).Background(s.Subtle).Padding(0, 1)

	s.Help = help.DefaultStyles(isDark)

	s.Table = table.Styles{
		Header:   base.Bold(true).Padding(0, 1).BorderStyle(lipgloss.NormalBorder()).BorderBottom(true).BorderForeground(s.Muted),
		Cell:     base.Padding(0, 1),
		Selected: base.Bold(true).Foreground(s.Accent),
	}

	s.Input = textinput.DefaultStyles(isDark)
	s.Input.Focused.Prompt = base.Foreground(s.Accent)
	s.Input.Blurred.Prompt = base.Foreground(s.Muted)
	// A steady cursor: no blink ticks, fewer redraws.
	s.Input.Cursor.Blink = false

	s.ListItems = list.NewDefaultItemStyles(isDark)
	s.ListItems.SelectedTitle = s.ListItems.SelectedTitle.Foreground(s.Accent).BorderForeground(s.Accent)
	s.ListItems.SelectedDesc = s.ListItems.SelectedDesc.Foreground(s.Accent).BorderForeground(s.Accent)
	s.List = list.DefaultStyles(isDark)
	return s
}

// formTheme styles huh forms like the rest of the wizard: one line per
// field, labels in the label colour, the focused field marked by a bar in
// the accent colour, errors in the error style.
func formTheme(st Styles, labelWidth int) huh.Theme {
	return huh.ThemeFunc(func(bool) *huh.Styles {
		t := huh.ThemeBase(st.isDark)
		t.FieldSeparator = lipgloss.NewStyle().SetString("\n")
		t.Focused.Base = t.Focused.Base.BorderForeground(st.Accent)
		t.Focused.Card = t.Focused.Base
		t.Focused.Title = st.Label.Width(labelWidth)
		t.Focused.ErrorIndicator = st.Error.SetString(" ✗")
		t.Focused.ErrorMessage = st.Error.SetString(" ✗")
		t.Focused.TextInput.Prompt = lipgloss.NewStyle().Foreground(st.Accent)
		t.Focused.TextInput.Placeholder = lipgloss.NewStyle().Foreground(st.Muted).Italic(true)
		t.Blurred = t.Focused
		t.Blurred.Base = t.Blurred.Base.BorderStyle(lipgloss.HiddenBorder())
		t.Blurred.Card = t.Blurred.Base
		t.Blurred.Title = st.Dim.Width(labelWidth)
		return t
	})
}
