package ui

// The browser's list view: templates and journeys, in two tabs.

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

type templateItem struct{ t ascendkit.Template }

func (i templateItem) Title() string { return termtext.Clean(i.t.Name) }
func (i templateItem) Description() string {
	return termtext.Clean(i.t.Slug) + " · " + termtext.Clean(i.t.Subject)
}
func (i templateItem) FilterValue() string { return i.t.Name + " " + i.t.Slug + " " + i.t.Subject }

type journeyItem struct{ j ascendkit.Journey }

func (i journeyItem) Title() string { return termtext.Clean(i.j.Name) }
func (i journeyItem) Description() string {
	return fmt.Sprintf("%s · audience tag %s · %s enrolled", i.j.Status, termtext.Clean(i.j.Audience.Tag), fmtInt(i.j.Stats.Enrolled))
}
func (i journeyItem) FilterValue() string {
	return i.j.Name + " " + i.j.Status + " " + i.j.Audience.Tag
}

func (s *browserScreen) listKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.keys
	l := &s.lists[s.tab]
	if l.SettingFilter() || l.FilterState() == list.FilterApplied && key.Matches(msg, k.Back) {
		var cmd tea.Cmd
		*l, cmd = l.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.Tab):
		s.tab = (s.tab + 1) % numTabs
		return nil
	case key.Matches(msg, k.PrevTab):
		s.tab = (s.tab + numTabs - 1) % numTabs
		return nil
	case key.Matches(msg, k.Open):
		s.notice, s.err = "", ""
		switch it := l.SelectedItem().(type) {
		case journeyItem:
			return s.loadJourney(it.j.ID, false)
		case templateItem:
			return s.loadTemplate(it.t)
		case runItem:
			return s.loadRun(it.r.ID)
		}
		return nil
	case key.Matches(msg, k.Back):
		if s.standalone {
			return nil
		}
		return back
	}
	var cmd tea.Cmd
	*l, cmd = l.Update(msg)
	return cmd
}

func (s *browserScreen) listKeys() (short []key.Binding, full [][]key.Binding) {
	k := s.keys
	if s.lists[s.tab].SettingFilter() {
		short = []key.Binding{
			bind([]string{"enter"}, "enter", "apply filter"),
			bind([]string{"esc"}, "esc", "cancel filter"),
		}
		return short, full
	}
	if s.standalone {
		k.Back.SetEnabled(s.lists[s.tab].FilterState() == list.FilterApplied)
	}
	if s.lists[s.tab].FilterState() == list.FilterApplied {
		k.Back.SetHelp("esc", "clear filter")
	}
	short = []key.Binding{k.Open, k.Tab, k.Filter, k.Back, k.Up, k.Down}
	full = [][]key.Binding{{k.Tab, k.PrevTab, k.Up, k.Down}, {k.Open, k.Filter, k.Back}}
	return short, full
}

// listView draws the two tabs and the list on screen.
func (s *browserScreen) listView() string {
	st := s.pc.styles
	var b strings.Builder
	tabs := []string{"Templates", "Journeys", "Runs"}
	for i, t := range tabs {
		n := len(s.lists[i].Items())
		label := fmt.Sprintf("%s (%d)", t, n)
		if i == s.tab {
			b.WriteString(st.TabOn.Render(label))
		} else {
			b.WriteString(st.TabOff.Render(label))
		}
	}
	b.WriteString("\n")
	switch {
	case s.err != "":
		b.WriteString(errorText(st, s.err, s.width) + "\n")
	case s.loading:
		b.WriteString(st.Dim.Render("Loading…") + "\n")
	case len(s.lists[s.tab].Items()) == 0 && s.tab == tabRuns:
		b.WriteString("\n" + st.Dim.Render("No import runs yet.") + "\n")
	case len(s.lists[s.tab].Items()) == 0:
		b.WriteString("\n" + st.Dim.Render("Nothing here yet. Run the import and create the migration journeys first.") + "\n")
	default:
		b.WriteString(s.lists[s.tab].View())
	}
	return b.String()
}
