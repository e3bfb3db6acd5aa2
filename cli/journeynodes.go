package cli

import (
	"fmt"
	"strings"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
	"github.com/spf13/cobra"
)

// journeyNodeListOptions are the flags of `journey node list`.
type journeyNodeListOptions struct {
	g    *globalOptions
	json bool
}

func newJourneyNodeCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "node", Short: "Inspect a journey's nodes", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	o := &journeyNodeListOptions{g: g}
	list := &cobra.Command{
		Use: "list <journey-id>", Short: "List a journey's nodes: action, template, sender and variables", Args: cobra.ExactArgs(1),
		Example: "  ascendkit journey node list jrn_123",
		RunE:    func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	list.Flags().BoolVar(&o.json, "json", false, "print as a JSON array")
	cmd.AddCommand(list)
	return cmd
}

func (o *journeyNodeListOptions) run(cmd *cobra.Command, ref string) error {
	ctx := cmd.Context()
	return withJourney(ctx, o.g, ref, func(_ ascendkit.Environment, j ascendkit.Journey) error {
		nodes := j.Nodes
		if nodes == nil {
			nodes = []ascendkit.Node{}
		}
		if o.json {
			listed := make([]listedNode, len(nodes))
			for i, n := range nodes {
				listed[i] = listedNode{Node: n, Entry: n.ID == j.Entry}
			}
			return printJSON(o.g.io.Out, listed)
		}
		rows := make([][]string, len(nodes))
		for i, n := range nodes {
			id := fit(termtext.Clean(n.ID), nodeIDCells)
			if n.ID == j.Entry {
				id += " (entry)"
			}
			vars := strings.TrimSpace(nodeVars(n))
			rows[i] = []string{id, termtext.Clean(n.Action), orDash(termtext.Clean(n.TemplateSlug)),
				orDash(termtext.Clean(n.From)), orDash(vars)}
		}
		if err := printTable(o.g.io.Out, []string{"ID", "ACTION", "TEMPLATE", "FROM", "VARIABLES"}, rows); err != nil {
			return err
		}
		fmt.Fprintf(o.g.io.ErrOut, "%s in %s (%s)\n", counted(len(nodes), "node"), termtext.Clean(j.Name), j.ID)
		return nil
	})
}

// listedNode is a node as `journey node list --json` prints it: with
// whether the journey starts there, as the table marks it.
type listedNode struct {
	ascendkit.Node
	Entry bool `json:"entry"`
}

// journeyTransitionListOptions are the flags of `journey transition list`.
type journeyTransitionListOptions struct {
	g        *globalOptions
	from, to string
	json     bool
}

func newJourneyTransitionCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "transition", Short: "Inspect a journey's transitions", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	o := &journeyTransitionListOptions{g: g}
	list := &cobra.Command{
		Use: "list <journey-id> [--from <node>] [--to <node>]", Short: "List a journey's transitions, as journey show prints them", Args: cobra.ExactArgs(1),
		Example: "  ascendkit journey transition list jrn_123 --from announcement",
		RunE:    func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	list.Flags().StringVar(&o.from, "from", "", "only transitions leaving this node")
	list.Flags().StringVar(&o.to, "to", "", "only transitions arriving at this node")
	list.Flags().BoolVar(&o.json, "json", false, "print as a JSON array")
	cmd.AddCommand(list)
	return cmd
}

func (o *journeyTransitionListOptions) run(cmd *cobra.Command, ref string) error {
	ctx := cmd.Context()
	from, to := strings.TrimSpace(o.from), strings.TrimSpace(o.to)
	if (cmd.Flags().Changed("from") && from == "") || (cmd.Flags().Changed("to") && to == "") {
		return usageErr("--from and --to take a node id (see `ascendkit journey node list`)")
	}
	return withJourney(ctx, o.g, ref, func(_ ascendkit.Environment, j ascendkit.Journey) error {
		// A node the journey lacks is a typo, not an empty answer.
		for _, n := range []string{from, to} {
			if n != "" && !hasNode(j, n) {
				ids := make([]string, len(j.Nodes))
				for i, x := range j.Nodes {
					ids[i] = x.ID
				}
				return &exitError{code: ExitError, err: fmt.Errorf("journey %q (%s) has no node %q (its nodes: %s)", j.Name, j.ID, n, list(ids))}
			}
		}
		ts := []ascendkit.Transition{}
		for _, t := range j.Transitions {
			if (from == "" || t.From == from) && (to == "" || t.To == to) {
				if t.ID == "" {
					t.ID = ascendkit.TransitionID(t.From, t.To)
				}
				ts = append(ts, t)
			}
		}
		if o.json {
			return printJSON(o.g.io.Out, ts)
		}
		for _, t := range ts {
			fmt.Fprintln(o.g.io.Out, termtext.Clean(importer.TransitionLine(t)))
		}
		what := counted(len(ts), "transition")
		if from != "" {
			what += " from " + termtext.Clean(from)
		}
		if to != "" {
			what += " to " + termtext.Clean(to)
		}
		fmt.Fprintf(o.g.io.ErrOut, "%s in %s (%s)\n", what, termtext.Clean(j.Name), j.ID)
		return nil
	})
}

func hasNode(j ascendkit.Journey, id string) bool {
	for _, n := range j.Nodes {
		if n.ID == id {
			return true
		}
	}
	return false
}

// counted is "1 node", "3 nodes".
func counted(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
