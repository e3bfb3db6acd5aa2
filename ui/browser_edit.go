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

// The editor's fields: the sender (each email step's From) and the
// variables every migration email uses.
const (
	editSender = iota
	editApp
	editLogin
	editReset
	numEditFields
)

var (
	editLabels    = [numEditFields]string{"Sender", "appName", "loginUrl", "resetUrl"}
	editVariables = [numEditFields]string{"", "appName", "loginUrl", "resetUrl"}
)

func (s *browserScreen) focusEdit(i int) tea.Cmd {
	s.edit[s.editFocus].Blur()
	s.editFocus = (i + len(s.edit)) % len(s.edit)
	return s.edit[s.editFocus].Focus()
}

func (s *browserScreen) startEdit() tea.Cmd {
	j := s.journey
	// The first email step's value of each field.
	var vals [numEditFields]string
	for _, i := range emailNodes(j) {
		n := j.Nodes[i]
		for f, name := range editVariables {
			v := n.Variables[name]
			if f == editSender {
				v = n.From
			}
			if vals[f] == "" {
				vals[f] = v
			}
		}
	}
	for f := range s.edit {
		s.edit[f].SetValue(vals[f])
	}
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
	var vals [numEditFields]string
	for f := range s.edit {
		vals[f] = strings.TrimSpace(s.edit[f].Value())
	}
	// The checks of step 6 and the CLI. The sender is required; the
	// others may stay empty for a journey whose emails do not use them
	// (the activation check names any a template needs).
	checks := [numEditFields]func(string) error{
		editSender: importer.ValidateSender, editLogin: importer.ValidateURL, editReset: importer.ValidateURL,
	}
	for f, check := range checks {
		if check == nil || (f != editSender && vals[f] == "") {
			continue
		}
		if err := check(vals[f]); err != nil {
			s.editErr = editLabels[f] + ": " + termtext.Clean(err.Error())
			return s.focusEdit(f)
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
		for f, name := range editVariables {
			if f != editSender {
				setVar(vars, name, vals[f])
			}
		}
		n.Variables = vars
		n.From = vals[editSender]
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
	edit      [numEditFields]textinput.Model
	editFocus int
	editErr   string
}
