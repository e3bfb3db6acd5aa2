package ui

// The browser's variable editor: the sender and URLs of a journey's
// email steps.

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
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
	s.vals = vals
	s.editErr, s.notice = "", ""
	s.mode = browseEdit
	s.form = s.newEditForm()
	return s.form.Init()
}

// editChecks are the checks of step 6 and the CLI. The sender is
// required; the others may stay empty for a journey whose emails do not
// use them (the activation check names any a template needs).
var editChecks = [numEditFields]func(string) error{
	editSender: importer.ValidateSender,
	editApp:    optional(importer.ValidateAppName), // the bound `journey set-vars` holds it to
	editLogin:  optional(importer.ValidateURL),
	editReset:  optional(importer.ValidateResetURL),
}

func optional(check func(string) error) func(string) error {
	return func(v string) error {
		if strings.TrimSpace(v) == "" {
			return nil
		}
		return check(strings.TrimSpace(v))
	}
}

// newEditForm is the editor over s.vals, with the shared checks. ctrl+c
// stays the program's (the root quits).
func (s *browserScreen) newEditForm() *syncForm {
	vals := make([]*string, numEditFields)
	for f := range vals {
		vals[f] = &s.vals[f]
	}
	return newSyncForm(s.pc.styles, 10, s.width, editLabels[:], nil, vals, editChecks[:])
}

// updateForm hands a message to the editor's form; enter on the last
// field saves.
func (s *browserScreen) updateForm(msg tea.Msg) tea.Cmd {
	cmd, submit := s.form.Update(msg)
	if submit {
		return tea.Batch(cmd, s.saveEdit())
	}
	return cmd
}

func (s *browserScreen) saveEdit() tea.Cmd {
	if s.acting != "" {
		return nil // the first save (or another change) is in flight
	}
	var vals [numEditFields]string
	for f := range vals {
		vals[f] = strings.TrimSpace(s.vals[f])
	}
	for f, check := range editChecks {
		if err := visibleOnly(check)(vals[f]); err != nil {
			s.editErr = editLabels[f] + ": " + termtext.Clean(err.Error())
			s.form = s.newEditForm() // back to editing, the values kept
			return s.form.Init()
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
	env, ctx, id, active := s.pc.env, s.pc.base, j.ID, j.Status == ascendkit.StatusActive
	s.acting = "Saving…"
	return func() tea.Msg {
		if active {
			// An active journey sends what is saved from now on: the
			// check activation makes holds for the edit too, or the
			// next emails go out with an empty link.
			if err := activeEditCheck(ctx, env, id, nodes); err != nil {
				return journeyChangedMsg{action: "saved", err: err}
			}
		}
		if err := importer.NodeSubjectsFit(ctx, env, nodes); err != nil {
			return journeyChangedMsg{action: "saved", err: err}
		}
		nj, err := env.UpdateJourneyNodes(ctx, id, nodes)
		return journeyChangedMsg{j: nj, action: "saved", err: err}
	}
}

// activeEditCheck runs activation's check (importer.ActivationCheck) on
// the journey as the edit would leave it, and refuses the edit when that
// finds a problem the journey does not have now: a sender or a variable
// an email needs that the edit empties. Problems it has already (a
// template deleted since) are no reason to refuse fixing others.
func activeEditCheck(ctx context.Context, env ascendkit.Environment, id string, nodes []ascendkit.Node) error {
	after, err := importer.ActivationCheck(ctx, editedEnv{Environment: env, id: id, nodes: nodes}, id)
	if err != nil || len(after.Problems) == 0 {
		return err
	}
	before, err := importer.ActivationCheck(ctx, env, id)
	if err != nil {
		return err
	}
	var added []string
	for _, p := range after.Problems {
		if !slices.Contains(before.Problems, p) {
			added = append(added, p)
		}
	}
	if len(added) == 0 {
		return nil
	}
	return fmt.Errorf("Not saved: %q is active, and no email may go out lacking a sender or a variable: %s",
		after.Journey, strings.Join(added, "; "))
}

// editedEnv is the environment with one journey's nodes as an edit would
// leave them, for checking the edit before it is written.
type editedEnv struct {
	ascendkit.Environment
	id    string
	nodes []ascendkit.Node
}

func (e editedEnv) GetJourney(ctx context.Context, idOrName string) (ascendkit.Journey, error) {
	j, err := e.Environment.GetJourney(ctx, idOrName)
	if err == nil && j.ID == e.id {
		j.Nodes = e.nodes
	}
	return j, err
}

// setVar sets a node variable. Emptied, a variable the node had stays,
// empty, so the timeline flags it "(unset)" as the activation check does.
func setVar(vars map[string]string, k, v string) {
	if _, had := vars[k]; v == "" && !had {
		return
	}
	vars[k] = v
}

func (s *browserScreen) editKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.mode = browseJourney
		return nil
	case "ctrl+s":
		// Save from any field: the form keeps s.vals current.
		return s.saveEdit()
	}
	s.editErr = ""
	return s.updateForm(msg)
}

func (s *browserScreen) editKeys() (short []key.Binding, full [][]key.Binding) {
	k := s.keys
	k.Back.SetHelp("esc", "cancel")
	short = []key.Binding{k.NextField, k.Save, k.Back}
	return short, full
}

// editState is the variable editor's state.
type editState struct {
	form    *syncForm
	vals    [numEditFields]string // the form's values
	editErr string
}
