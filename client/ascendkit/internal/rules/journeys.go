package rules

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// Definition is the stored graph of a journey.
type Definition struct {
	Nodes       []ascendkit.Node       `json:"nodes"`
	Transitions []ascendkit.Transition `json:"transitions"`
}

// NormalizeJourney fills defaults and checks the graph of a new journey.
func NormalizeJourney(j *ascendkit.Journey) error {
	j.Name = strings.TrimSpace(j.Name)
	if j.Name == "" {
		return errors.New("empty name")
	}
	switch j.Status {
	case "":
		j.Status = ascendkit.StatusDraft
	case ascendkit.StatusDraft, ascendkit.StatusActive, ascendkit.StatusPaused:
	default:
		return fmt.Errorf("status %q: want %s, %s or %s", j.Status, ascendkit.StatusDraft, ascendkit.StatusActive, ascendkit.StatusPaused)
	}
	if len(j.Nodes) == 0 {
		return errors.New("no nodes")
	}
	nodes := make(map[string]bool, len(j.Nodes))
	j.Nodes = append([]ascendkit.Node(nil), j.Nodes...)
	for i := range j.Nodes {
		n := &j.Nodes[i]
		if n.ID == "" {
			return fmt.Errorf("node %d: empty id", i)
		}
		if nodes[n.ID] {
			return fmt.Errorf("node %q: repeated id", n.ID)
		}
		nodes[n.ID] = true
		if n.Action == "" {
			n.Action = ascendkit.ActionNone
		}
	}
	if j.Entry == "" {
		j.Entry = j.Nodes[0].ID
	}
	if !nodes[j.Entry] {
		return fmt.Errorf("entry %q is not a node", j.Entry)
	}
	ids := make(map[string]bool, len(j.Transitions))
	j.Transitions = append([]ascendkit.Transition(nil), j.Transitions...)
	for i := range j.Transitions {
		t := &j.Transitions[i]
		if !nodes[t.From] || !nodes[t.To] {
			return fmt.Errorf("transition %d (%s → %s): unknown node", i, t.From, t.To)
		}
		if t.Trigger == "" {
			switch {
			case t.On != "":
				t.Trigger = ascendkit.TriggerEvent
			case t.After != "":
				t.Trigger = ascendkit.TriggerTimer
			}
		}
		switch t.Trigger {
		case ascendkit.TriggerTimer:
			if t.After == "" {
				return fmt.Errorf("transition %s → %s: timer without a delay", t.From, t.To)
			}
		case ascendkit.TriggerEvent:
			if t.On == "" {
				return fmt.Errorf("transition %s → %s: event trigger without an event", t.From, t.To)
			}
		default:
			return fmt.Errorf("transition %s → %s: trigger %q: want %s or %s", t.From, t.To, t.Trigger, ascendkit.TriggerTimer, ascendkit.TriggerEvent)
		}
		if t.ID == "" {
			t.ID = ascendkit.TransitionID(t.From, t.To)
		}
		if ids[t.ID] {
			return fmt.Errorf("transition %q: repeated id", t.ID)
		}
		ids[t.ID] = true
	}
	return nil
}

// ApplyNodeUpdates sets, on the journey's nodes with the ids of the given
// nodes, From and Variables as given and TemplateSlug when not empty.
// Actions, the node set and the transitions stay; an id that is not a node
// of the journey is an error.
func ApplyNodeUpdates(j *ascendkit.Journey, nodes []ascendkit.Node) error {
	index := make(map[string]int, len(j.Nodes))
	for i, n := range j.Nodes {
		index[n.ID] = i
	}
	for _, n := range nodes {
		i, ok := index[n.ID]
		if !ok {
			return fmt.Errorf("journey %q has no node %q", j.Name, n.ID)
		}
		cur := &j.Nodes[i]
		cur.From = n.From
		cur.Variables = n.Variables
		if n.TemplateSlug != "" {
			cur.TemplateSlug = n.TemplateSlug
		}
	}
	return nil
}
