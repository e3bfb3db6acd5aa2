package importer

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// nextSenderChange returns the sender change of the live (not undone)
// run other than runID that replaced the sender after, and that run's id
// ("" when none). The chain is followed by value: runs set the sender
// when they end, and runs may overlap, so start order says nothing.
func nextSenderChange(ctx context.Context, env ascendkit.Environment, runID, after string, at time.Time) (string, senderChange, error) {
	runs, err := env.ListRuns(ctx) // newest first
	if err != nil {
		return "", senderChange{}, err
	}
	for _, r := range runs {
		if r.ID == runID || r.Status == ascendkit.RunUndone {
			continue
		}
		raw, ok, err := env.Setting(ctx, senderUndoKey(r.ID))
		if err != nil {
			return "", senderChange{}, err
		}
		if !ok || raw == "" {
			continue
		}
		var c senderChange
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return "", senderChange{}, fmt.Errorf("reading the sender run %s replaced: %w", r.ID, err)
		}
		// A run given the sender in force changed nothing: it follows
		// runID only if it set the sender after runID did (a full run
		// after its canary), not an older one asked for it again.
		if c.Before == after && (c.Before != c.After || c.At.After(at)) {
			return r.ID, c, nil
		}
	}
	return "", senderChange{}, nil
}

// spliceSender hands what run c replaced to the later run whose change
// replaced c's sender (its before is c's after), so that undoing that
// run later puts back what was there before c, not c's sender. It says
// whether it did; the sender in force is the later run's and stays.
func spliceSender(ctx context.Context, env ascendkit.Environment, runID string, c senderChange, dry bool) (bool, error) {
	next, nc, err := nextSenderChange(ctx, env, runID, c.After, c.At)
	if err != nil || next == "" {
		return false, err
	}
	if dry {
		return true, nil
	}
	was := map[[2]string]string{}
	for _, n := range c.Nodes {
		was[[2]string{n.Journey, n.Node}] = n.From
	}
	nc.Before = c.Before
	has := map[[2]string]bool{}
	for i, n := range nc.Nodes {
		k := [2]string{n.Journey, n.Node}
		has[k] = true
		from, ok := was[k]
		switch {
		case ok && n.From == c.After:
			nc.Nodes[i].From = from
		case !ok && n.From == c.After:
			// A journey created after c took c's sender from the saved
			// setting: what was there before c goes back, as undoing c
			// before the later run puts it back (see undoSender).
			nc.Nodes[i].From = c.Before
		}
	}
	// Nodes c changed that the later run did not record still carry c's
	// sender: undoing the later run must put them back too.
	for _, n := range c.Nodes {
		if !has[[2]string{n.Journey, n.Node}] {
			n.Set = cmp.Or(n.Set, c.After)
			nc.Nodes = append(nc.Nodes, n)
		}
	}
	b, err := json.Marshal(nc)
	if err != nil {
		return false, err
	}
	return true, env.SetSetting(ctx, senderUndoKey(next), string(b))
}
