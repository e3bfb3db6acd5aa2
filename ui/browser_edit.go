package ui

// The browser's variable editor: the sender and URLs of a journey's
// email steps.

import (
	"maps"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

var editLabels = [3]string{"Sender", "loginUrl", "resetUrl"}

func (s *browserScreen) focusEdit(i int) tea.Cmd {
	s.edit[s.editFocus].Blur()
	s.editFocus = (i + len(s.edit)) % len(s.edit)
	return s.edit[s.editFocus].Focus()
}

func (s *browserScreen) startEdit() tea.Cmd {
	j := s.journey
	var sender, login, reset string
	for _, i := range emailNodes(j) {
		n := j.Nodes[i]
		if sender == "" {
			sender = n.From
		}
		if login == "" {
			login = n.Variables["loginUrl"]
		}
		if reset == "" {
			reset = n.Variables["resetUrl"]
		}
	}
	s.edit[0].SetValue(sender)
	s.edit[1].SetValue(login)
	s.edit[2].SetValue(reset)
	s.editErr, s.notice = "", ""
	s.mode = browseEdit
	s.editFocus = 0
	for i := range s.edit {
		s.edit[i].Blur()
		s.edit[i].CursorEnd()
	}
	return s.edit[0].Focus()
}

func (s *browserScreen) saveEdit() tea.Cmd {
	sender := strings.TrimSpace(s.edit[0].Value())
	login := strings.TrimSpace(s.edit[1].Value())
	reset := strings.TrimSpace(s.edit[2].Value())
	// The checks of step 6 and the CLI. The sender is required; a URL
	// may stay empty for a journey whose emails do not use it (the
	// activation check names any a template needs).
	for i, c := range []struct {
		v     string
		check func(string) error
	}{{sender, importer.ValidateSender}, {login, importer.ValidateURL}, {reset, importer.ValidateURL}} {
		if i > 0 && c.v == "" {
			continue
		}
		if err := c.check(c.v); err != nil {
			s.editErr = editLabels[i] + ": " + termtext.Clean(err.Error())
			return s.focusEdit(i)
		}
	}
	j := s.journey
	nodes := make([]ascendkit.Node, len(j.Nodes))
	copy(nodes, j.Nodes)
	for _, i := range emailNodes(j) {
		n := nodes[i]
		vars := maps.Clone(n.Variables)
		if vars == nil {
			vars = map[string]string{}
		}
		setVar(vars, "loginUrl", login)
		setVar(vars, "resetUrl", reset)
		n.Variables = vars
		if sender != "" {
			n.From = sender
		}
		nodes[i] = n
	}
	s.edit[s.editFocus].Blur()
	env, ctx, id := s.pc.env, s.pc.base, j.ID
	return func() tea.Msg {
		nj, err := env.UpdateJourneyNodes(ctx, id, nodes)
		return journeyChangedMsg{j: nj, action: "saved", err: err}
	}
}

func setVar(vars map[string]string, k, v string) {
	if v == "" {
		delete(vars, k)
		return
	}
	vars[k] = v
}

func (s *browserScreen) editKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case msg.String() == "esc":
		s.mode = browseJourney
		s.edit[s.editFocus].Blur()
		return nil
	case msg.String() == "ctrl+s" || (msg.String() == "enter" && s.editFocus == len(s.edit)-1):
		return s.saveEdit()
	case msg.String() == "tab" || msg.String() == "down" || msg.String() == "enter":
		return s.focusEdit(s.editFocus + 1)
	case msg.String() == "shift+tab" || msg.String() == "up":
		return s.focusEdit(s.editFocus - 1)
	}
	var cmd tea.Cmd
	s.edit[s.editFocus], cmd = s.edit[s.editFocus].Update(msg)
	s.editErr = ""
	return cmd
}

func (s *browserScreen) editKeys() (short []key.Binding, full [][]key.Binding) {
	k := s.keys
	k.Back.SetHelp("esc", "cancel")
	short = []key.Binding{k.NextField, k.Save, k.Back}
	return short, full
}

// editState is the variable editor's state.
type editState struct {
	edit      [3]textinput.Model // sender, loginUrl, resetUrl
	editFocus int
	editErr   string
}
