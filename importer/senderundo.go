package importer

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// nextSenderChange returns the sender change of the first live (not
// undone) run after runID that recorded one, and that run's id ("" when
// none).
func nextSenderChange(ctx context.Context, env ascendkit.Environment, runID string) (string, senderChange, error) {
	runs, err := env.ListRuns(ctx) // newest first
	if err != nil {
		return "", senderChange{}, err
	}
	at := -1
	for i, r := range runs {
		if r.ID == runID {
			at = i
			break
		}
	}
	for i := at - 1; i >= 0; i-- {
		if runs[i].Status == ascendkit.RunUndone {
			continue
		}
		raw, ok, err := env.Setting(ctx, senderUndoKey(runs[i].ID))
		if err != nil {
			return "", senderChange{}, err
		}
		if !ok || raw == "" {
			continue
		}
		var c senderChange
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return "", senderChange{}, fmt.Errorf("reading the sender run %s replaced: %w", runs[i].ID, err)
		}
		return runs[i].ID, c, nil
	}
	return "", senderChange{}, nil
}

// spliceSender hands what run c replaced to the later run whose change
// replaced c's sender (its before is c's after), so that undoing that
// run later puts back what was there before c, not c's sender. It says
// whether it did; the sender in force is the later run's and stays.
func spliceSender(ctx context.Context, env ascendkit.Environment, runID string, c senderChange, dry bool) (bool, error) {
	next, nc, err := nextSenderChange(ctx, env, runID)
	if err != nil || next == "" || nc.Before != c.After {
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
	for i, n := range nc.Nodes {
		if from, ok := was[[2]string{n.Journey, n.Node}]; ok && n.From == c.After {
			nc.Nodes[i].From = from
		}
	}
	b, err := json.Marshal(nc)
	if err != nil {
		return false, err
	}
	return true, env.SetSetting(ctx, senderUndoKey(next), string(b))
}
