package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
	"github.com/spf13/cobra"
)

// withEnv opens (or creates) the environment for a command that writes
// and closes it after.
func withEnv(ctx context.Context, g *globalOptions, fn func(ascendkit.Environment) error) error {
	return withOpened(ctx, g.openEnv, fn)
}

// withExisting opens an environment that must already exist, for a
// command that reads it or changes what an import made.
func withExisting(ctx context.Context, g *globalOptions, fn func(ascendkit.Environment) error) error {
	return withOpened(ctx, g.openExisting, fn)
}

func withOpened(ctx context.Context, open func(context.Context) (ascendkit.Environment, error), fn func(ascendkit.Environment) error) error {
	env, err := open(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	err = fn(env)
	if errors.Is(err, ascendkit.ErrNotFound) {
		return &exitError{code: ExitError, err: err}
	}
	return err
}

type migrationJourneyOptions struct {
	g     *globalOptions
	setup importer.JourneySetup
	json  bool
}

func newMigrationJourneyCreateCmd(g *globalOptions) *cobra.Command {
	o := &migrationJourneyOptions{g: g}
	cmd := &cobra.Command{
		Use:   "create [--from-identity <email>]",
		Short: "Create the 5 migration templates and 2 draft journeys",
		Long: `Creates the migration templates and journeys in draft status:
  Migration announcement (all imported users): Day 0 announcement → Day 3 go-live → Day 7 reminder
  Migration password reset (credential users): Day 1 password reset → Day 4 reminder
Running it again creates nothing new. Pass --from-identity to set the sender
email on all journey email nodes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	f := cmd.Flags()
	f.StringVar(&o.setup.FromIdentity, "from-identity", "", "sender email for the journey emails")
	f.StringVar(&o.setup.AppName, "app-name", "", "your product's name, as the emails say it ({{appName}})")
	f.StringVar(&o.setup.LoginURL, "login-url", "", "where users sign in ({{loginUrl}})")
	f.StringVar(&o.setup.ResetURL, "reset-url", "", "where users set a new password ({{resetUrl}})")
	f.BoolVar(&o.json, "json", false, "print what was created as JSON")
	return cmd
}

func (o *migrationJourneyOptions) run(ctx context.Context) error {
	if err := importer.ValidateIdentity(o.setup.FromIdentity); err != nil {
		return usageErr("--from-identity: %v", err)
	}
	return withEnv(ctx, o.g, func(env ascendkit.Environment) error {
		res, err := importer.CreateMigrationJourneys(ctx, env, o.setup)
		if err != nil {
			return err
		}
		if o.json {
			return printJSON(o.g.io.Out, res)
		}
		w := o.g.io.Out
		state := func(c importer.Created) string {
			switch {
			case c.Created:
				return "created"
			case c.Updated:
				return "updated"
			}
			return "already existed"
		}
		fmt.Fprintln(w, "Templates")
		for _, t := range res.Templates {
			fmt.Fprintf(w, "  %-36s %s  %s\n", t.Slug, t.ID, state(t))
		}
		fmt.Fprintln(w, "Journeys")
		for _, j := range res.Journeys {
			fmt.Fprintf(w, "  %-36s %s  %s (%s)\n", j.Name, j.ID, state(j), j.Status)
		}
		fmt.Fprintln(w, "\nReview them with `ascendkit journey show <id>`, then `ascendkit journey activate <id>`.")
		return nil
	})
}

func newTemplateCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "template", Short: "List and show email templates", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	var query string
	var asJSON bool
	list := &cobra.Command{
		Use: "list", Short: "List templates", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withExisting(cmd.Context(), g, func(env ascendkit.Environment) error {
				ts, err := env.ListTemplates(cmd.Context(), query)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(g.io.Out, templateList(ts))
				}
				if len(ts) == 0 {
					fmt.Fprintln(g.io.Out, "No templates yet. Create the migration ones with `ascendkit import migration-journey create`.")
					return nil
				}
				tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSLUG\tNAME\tCATEGORY\tVERSION")
				for _, t := range ts {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", t.ID, termtext.Clean(t.Slug), termtext.Clean(t.Name), t.Category, t.Version)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&query, "query", "", "only templates whose name, slug or subject contains this")
	list.Flags().BoolVar(&asJSON, "json", false, "print as a JSON array")

	var showJSON bool
	var userRef string
	show := &cobra.Command{
		Use: "show <id|slug>", Short: "Show a template, rendered for a user", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return withExisting(ctx, g, func(env ascendkit.Environment) error {
				t, err := env.GetTemplate(ctx, args[0])
				if err != nil {
					return err
				}
				if showJSON {
					return printJSON(g.io.Out, t)
				}
				w := g.io.Out
				fmt.Fprintf(w, "%s  %s (v%d, %s)\nSubject: %s\n\n%s\n", t.ID, termtext.Clean(t.Name), t.Version, t.Category,
					termtext.Clean(t.Subject), termtext.CleanBlock(t.BodyText))
				u, vars, err := renderContext(ctx, env, t.Slug, userRef)
				if err != nil || u == nil {
					return err
				}
				r := importer.Render(t, *u, vars)
				fmt.Fprintf(w, "\n--- rendered for %s ---\nSubject: %s\n\n%s\n", termtext.Clean(u.Email), termtext.Clean(r.Subject), termtext.CleanBlock(r.Text))
				if len(r.Missing) > 0 {
					fmt.Fprintf(w, "\nWARNING: missing variables (rendered empty): %s\n", strings.Join(r.Missing, ", "))
				}
				return nil
			})
		},
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print as a JSON object")
	show.Flags().StringVar(&userRef, "user", "", "render for this user (email or id; default: the first imported user)")
	cmd.AddCommand(list, show)
	return cmd
}

// templateList is the JSON shape of `template list`.
func templateList(ts []ascendkit.Template) []map[string]any {
	out := make([]map[string]any, 0, len(ts))
	for _, t := range ts {
		out = append(out, map[string]any{"id": t.ID, "slug": t.Slug, "name": t.Name, "subject": t.Subject, "category": t.Category, "version": t.Version})
	}
	return out
}

// renderContext finds the user to render for and the variables of the
// journey node that sends the template.
func renderContext(ctx context.Context, env ascendkit.Environment, slug, userRef string) (*ascendkit.User, map[string]string, error) {
	var u ascendkit.User
	if userRef != "" {
		var err error
		if u, err = env.GetUser(ctx, userRef); err != nil {
			return nil, nil, err
		}
	} else {
		us, err := env.ListUsers(ctx, ascendkit.UserFilter{Tag: importer.TagClerk, Limit: 1})
		if err != nil || len(us) == 0 {
			return nil, nil, err
		}
		u = us[0]
	}
	vars := map[string]string{}
	js, err := env.ListJourneys(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, j := range js {
		for _, n := range j.Nodes {
			if n.TemplateSlug == slug {
				for k, v := range n.Variables {
					vars[k] = v
				}
			}
		}
	}
	return &u, vars, nil
}

// withJourney opens the environment and finds the journey a command names.
func withJourney(ctx context.Context, g *globalOptions, ref string, fn func(ascendkit.Environment, ascendkit.Journey) error) error {
	return withExisting(ctx, g, func(env ascendkit.Environment) error {
		j, err := env.GetJourney(ctx, ref)
		if err != nil {
			return err
		}
		return fn(env, j)
	})
}

func newJourneyCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "journey", Short: "List, show and activate journeys", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	var listJSON, showJSON, actJSON bool
	list := &cobra.Command{
		Use: "list", Short: "List journeys", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withExisting(cmd.Context(), g, func(env ascendkit.Environment) error {
				js, err := env.ListJourneys(cmd.Context())
				if err != nil {
					return err
				}
				if listJSON {
					if js == nil {
						js = []ascendkit.Journey{}
					}
					return printJSON(g.io.Out, js)
				}
				if len(js) == 0 {
					fmt.Fprintln(g.io.Out, "No journeys yet. Create the migration ones with `ascendkit import migration-journey create`.")
					return nil
				}
				tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tAUDIENCE\tENROLLED\tACTIVE\tCOMPLETED")
				for _, j := range js {
					fmt.Fprintf(tw, "%s\t%s\t%s\ttag %s\t%d\t%d\t%d\n", j.ID, termtext.Clean(j.Name), j.Status, termtext.Clean(j.Audience.Tag), j.Stats.Enrolled, j.Stats.Active, j.Stats.Completed)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print as a JSON array")
	show := &cobra.Command{
		Use: "show <journey-id>", Short: "Show a journey's definition and stats", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return withJourney(ctx, g, args[0], func(env ascendkit.Environment, j ascendkit.Journey) error {
				if showJSON {
					return printJSON(g.io.Out, j)
				}
				total, pending, err := env.AudienceSize(ctx, j.ID)
				if err != nil {
					return err
				}
				printJourney(g.io.Out, j, total, pending)
				return nil
			})
		},
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print as a JSON object")
	activate := &cobra.Command{
		Use: "activate <journey-id>", Short: "Activate a journey and enroll its audience (backfill)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return withJourney(ctx, g, args[0], func(env ascendkit.Environment, j ascendkit.Journey) error {
				n, err := env.ActivateJourney(ctx, j.ID, time.Now().UTC())
				if err != nil {
					return err
				}
				j, err = env.GetJourney(ctx, j.ID)
				if err != nil {
					return err
				}
				if actJSON {
					return printJSON(g.io.Out, map[string]any{"id": j.ID, "name": j.Name, "status": j.Status, "newlyEnrolled": n, "stats": j.Stats})
				}
				fmt.Fprintf(g.io.Out, "%s (%s) is active: %d users newly enrolled, %d enrolled in all.\n", termtext.Clean(j.Name), j.ID, n, j.Stats.Enrolled)
				return nil
			})
		},
	}
	activate.Flags().BoolVar(&actJSON, "json", false, "print the result as JSON")
	pause := &cobra.Command{
		Use: "pause <journey-id>", Short: "Pause an active journey", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return withJourney(ctx, g, args[0], func(env ascendkit.Environment, j ascendkit.Journey) error {
				if err := env.PauseJourney(ctx, j.ID); err != nil {
					return err
				}
				fmt.Fprintf(g.io.Out, "%s (%s) is paused.\n", termtext.Clean(j.Name), j.ID)
				return nil
			})
		},
	}
	cmd.AddCommand(list, show, activate, pause)
	return cmd
}

// printJourney prints a journey the way AscendKit's `journey show` does.
func printJourney(w io.Writer, j ascendkit.Journey, audience, pending int) {
	fmt.Fprintf(w, "%s  %s\nStatus: %s\nAudience: users tagged %s (%d users, %d not enrolled yet)\n",
		j.ID, termtext.Clean(j.Name), j.Status, termtext.Clean(j.Audience.Tag), audience, pending)
	if j.Description != "" {
		fmt.Fprintf(w, "%s\n", termtext.Clean(j.Description))
	}
	fmt.Fprintf(w, "Stats: enrolled %d, active %d, completed %d\n\nTimeline:\n", j.Stats.Enrolled, j.Stats.Active, j.Stats.Completed)
	for _, s := range importer.Timeline(j) {
		when := fmt.Sprintf("Day %d", s.Day)
		if s.Day < 0 {
			when = s.Via
		}
		what := s.Node.Action
		if s.Node.Action == ascendkit.ActionSendEmail {
			what = "send " + termtext.Clean(s.Node.TemplateSlug)
			if s.Node.From != "" {
				what += " from " + termtext.Clean(s.Node.From)
			}
		}
		fmt.Fprintf(w, "  %-14s %-18s %s\n", when, s.Node.ID, what)
	}
	fmt.Fprintln(w, "\nNodes:")
	for _, n := range j.Nodes {
		fmt.Fprintf(w, "  %s (%s)", n.ID, n.Action)
		for _, k := range slices.Sorted(maps.Keys(n.Variables)) {
			v := n.Variables[k]
			if v == "" {
				v = "(unset)"
			}
			fmt.Fprintf(w, " %s=%s", k, termtext.Clean(v))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "\nTransitions:")
	for _, t := range j.Transitions {
		fmt.Fprintf(w, "  %s\n", importer.TransitionLine(t))
	}
}
