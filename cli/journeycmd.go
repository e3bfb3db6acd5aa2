package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
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
Running it again creates nothing new; values given again are applied to the
existing journeys. Without a sender, app name, login URL or reset URL the
journeys are created, but activation is refused until they are set (here,
or with ` + "`ascendkit journey set-vars`" + `).`,
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
	st := o.setup
	if err := importer.ValidateJourneySetup(strings.TrimSpace(st.FromIdentity), strings.TrimSpace(st.LoginURL), strings.TrimSpace(st.ResetURL), false); err != nil {
		return usageErr("%v", err)
	}
	if err := importer.ValidateAppName(st.AppName); err != nil && strings.TrimSpace(st.AppName) != "" {
		return usageErr("--app-name: %v", err)
	}
	return withEnv(ctx, o.g, func(env ascendkit.Environment) error {
		res, err := importer.CreateMigrationJourneys(ctx, env, o.setup)
		if err != nil {
			return err
		}
		if o.json {
			return printJSON(o.g.io.Out, res)
		}
		printJourneysResult(o.g.io.Out, res)
		return nil
	})
}

// printJourneysResult is the human output of `migration-journey create`:
// what was made, what is still unset, and the command to run next.
func printJourneysResult(w io.Writer, res importer.JourneysResult) {
	fmt.Fprintln(w, "Templates")
	for _, t := range res.Templates {
		state := "already existed"
		if t.Created {
			state = "created"
		}
		fmt.Fprintf(w, "  %-36s %s  %s\n", termtext.Clean(t.Slug), t.ID, state)
	}
	fmt.Fprintln(w, "Journeys")
	ready, active := "", ""
	var problems []string
	for _, j := range res.Journeys {
		state := "already existed"
		switch {
		case j.Created:
			state = "created"
		case j.Updated && j.Sending && j.Status == ascendkit.StatusActive:
			// The wizard asks before this (SetupChangesSending); a script
			// is told at least.
			state = "updated: it is sending, and its next emails go out with the new setup"
		case j.Updated && j.Sending:
			state = "updated: it is paused with users in it, who get the new setup when it resumes"
		case j.Updated:
			state = "updated"
		}
		fmt.Fprintf(w, "  %-36s %s  %s (%s)\n", termtext.Clean(j.Name), termtext.Clean(j.ID), state, j.Status)
		for _, p := range j.Problems {
			problems = append(problems, termtext.Clean(j.Name)+": "+termtext.Clean(p))
		}
		// An active journey has nothing left to activate: the next step
		// is one still in draft (or paused, which activating resumes).
		switch {
		case j.Status == ascendkit.StatusActive:
			if active == "" {
				active = j.ID
			}
		case len(j.Problems) == 0 && ready == "":
			ready = j.ID
		}
	}
	if len(problems) == 0 {
		if ready == "" && active != "" {
			fmt.Fprintf(w, "\nAll migration journeys are already active.\nNext: ascendkit journey show %s\n", termtext.Clean(active))
			return
		}
		fmt.Fprintf(w, "\nNext: ascendkit journey activate %s --dry-run\n", termtext.Clean(ready))
		return
	}
	if len(res.Unset) > 0 {
		fmt.Fprintf(w, "\nNot set: --%s\n", strings.Join(res.Unset, ", --"))
	}
	fmt.Fprintln(w, "Activation will be refused until these are set:")
	for _, p := range problems {
		fmt.Fprintf(w, "  - %s\n", p)
	}
	next := "ascendkit journey set-vars <journey-id> --from <email> --var <name>=<value>"
	if len(res.Unset) > 0 {
		flags := make([]string, len(res.Unset))
		for i, f := range res.Unset {
			flags[i] = "--" + f + " " + map[string]string{"from-identity": "<email>", "app-name": "<name>", "login-url": "<url>", "reset-url": "<url>"}[f]
		}
		next = "ascendkit import migration-journey create " + strings.Join(flags, " ")
	}
	fmt.Fprintf(w, "\nNext: %s\n", next)
}

func newTemplateCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "template", Short: "List, show and update email templates", Args: cobra.NoArgs,
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
				if len(ts) == 0 && query != "" {
					fmt.Fprintf(g.io.Out, "No template matches %q.\n", termtext.Clean(query))
					return nil
				}
				if len(ts) == 0 {
					fmt.Fprintln(g.io.Out, "No templates yet. Create the migration ones with `ascendkit import migration-journey create`.")
					return nil
				}
				rows := make([][]string, len(ts))
				for i, t := range ts {
					rows[i] = []string{t.ID, termtext.Clean(t.Slug), termtext.Clean(t.Name), termtext.Clean(t.Category), strconv.Itoa(t.Version)}
				}
				return printTable(g.io.Out, []string{"ID", "SLUG", "NAME", "CATEGORY", "VERSION"}, rows)
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
				u, vars, err := renderContext(ctx, env, t.Slug, userRef)
				if err != nil {
					return err
				}
				if showJSON {
					out := templateShown{Template: t}
					if u != nil {
						r := importer.Render(t, *u, vars)
						out.Rendered = &renderedJSON{For: u.Email, Subject: r.Subject, Text: r.Text, HTML: r.HTML, Missing: r.Missing}
					}
					return printJSON(g.io.Out, out)
				}
				// Both bodies, labelled: an update may change one only, and
				// each is what some recipients read.
				w := g.io.Out
				fmt.Fprintf(w, "%s  %s (v%d, %s)\nSubject: %s\n\n--- text body ---\n%s\n\n--- HTML body ---\n%s\n", t.ID, termtext.Clean(t.Name), t.Version, t.Category,
					termtext.Clean(t.Subject), termtext.CleanBlock(t.BodyText), termtext.CleanBlock(t.BodyHTML))
				if u == nil {
					// --json leaves "rendered" out then (README).
					fmt.Fprintln(w, "\n(not rendered: the environment has no imported user to render it for)")
					return nil
				}
				// Rendered with the user's text cleaned first: cleaned after,
				// an escape in the name took the template's text after it
				// along ("Hi \x1b,<p>" lost ",<").
				shown := *u
				shown.Name, shown.Email = termtext.Clean(u.Name), termtext.Clean(u.Email)
				r := importer.Render(t, shown, vars)
				r.Missing = importer.Render(t, *u, vars).Missing // what the email lacks, as --json says
				fmt.Fprintf(w, "\n--- rendered for %s ---\nSubject: %s\n\n%s\n\n--- rendered HTML ---\n%s\n", termtext.Clean(u.Email), termtext.Clean(r.Subject),
					termtext.CleanBlock(r.Text), termtext.CleanBlock(r.HTML))
				if shown.Name != u.Name {
					fmt.Fprintln(w, "\nWARNING: the user's name holds control or invisible characters, not shown here; {{userName}} sends them as stored")
				}
				if len(r.Missing) > 0 {
					fmt.Fprintf(w, "\nWARNING: missing variables (rendered empty): %s\n", strings.Join(r.Missing, ", "))
				}
				return nil
			})
		},
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print as a JSON object")
	show.Flags().StringVar(&userRef, "user", "", "render for this user (email or id; default: the first imported user)")
	cmd.AddCommand(list, show, newTemplateUpdateCmd(g))
	return cmd
}

// templateShown is the JSON shape of `template show`: the template, and
// when there is a user to render for, the rendering and the variables
// that rendered empty (the human form's warning).
type templateShown struct {
	ascendkit.Template
	Rendered *renderedJSON `json:"rendered,omitempty"`
}

type renderedJSON struct {
	For     string   `json:"for"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	HTML    string   `json:"html"`
	Missing []string `json:"missing"`
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
	var listJSON, showJSON bool
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
				rows := make([][]string, len(js))
				for i, j := range js {
					rows[i] = []string{j.ID, termtext.Clean(j.Name), j.Status, "tag " + termtext.Clean(j.Audience.Tag),
						strconv.Itoa(j.Stats.Enrolled), strconv.Itoa(j.Stats.Active), strconv.Itoa(j.Stats.Completed)}
				}
				return printTable(g.io.Out, []string{"ID", "NAME", "STATUS", "AUDIENCE", "ENROLLED", "ACTIVE", "COMPLETED"}, rows)
			})
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print as a JSON array")
	show := &cobra.Command{
		Use: "show <journey-id>", Short: "Show a journey's definition and stats", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return withJourney(ctx, g, args[0], func(env ascendkit.Environment, j ascendkit.Journey) error {
				p, err := importer.ActivationCheck(ctx, env, j.ID)
				if err != nil {
					return err
				}
				if showJSON {
					return printJSON(g.io.Out, newJourneyShown(j, p))
				}
				printJourney(g.io.Out, j, p.Audience, p.Enroll)
				w := g.io.Out
				switch {
				case len(p.Problems) > 0:
					if j.Status == ascendkit.StatusActive {
						// Already sending (set before a variable was
						// emptied, or by another tool): its emails go out
						// without what is missing.
						fmt.Fprintln(w, "\nThis journey is active, and its emails lack these:")
					} else {
						fmt.Fprintln(w, "\nActivation is refused until these are set:")
					}
					for _, pr := range p.Problems {
						fmt.Fprintf(w, "  - %s\n", termtext.Clean(pr))
					}
					fmt.Fprintf(w, "\nNext: ascendkit journey set-vars %s --from <email> --var <name>=<value>\n", termtext.Clean(j.ID))
				case j.Status != ascendkit.StatusActive:
					fmt.Fprintf(w, "\nNext: ascendkit journey activate %s --dry-run\n", termtext.Clean(j.ID))
				default:
					// Already sending: pausing is the one thing left to do
					// with it (README: journey show ends with a next command).
					fmt.Fprintf(w, "\nNext: ascendkit journey pause %s   # stops its emails; users keep their place\n", termtext.Clean(j.ID))
				}
				return nil
			})
		},
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print as a JSON object: the journey, audienceSize, notEnrolled and problems")
	var pauseJSON bool
	pause := &cobra.Command{
		Use: "pause <journey-id>", Short: "Pause an active journey", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return withJourney(ctx, g, args[0], func(env ascendkit.Environment, j ascendkit.Journey) error {
				if err := env.PauseJourney(ctx, j.ID); err != nil {
					return err
				}
				if pauseJSON {
					// The journey as it is now, as `journey show --json` gives it.
					// (The pause is done: a failed re-read prints what was known.)
					if paused, err := env.GetJourney(ctx, j.ID); err == nil {
						j = paused
					} else {
						j.Status = ascendkit.StatusPaused
					}
					return printJSON(g.io.Out, j)
				}
				fmt.Fprintf(g.io.Out, "%s (%s) is paused.\n", termtext.Clean(j.Name), termtext.Clean(j.ID))
				return nil
			})
		},
	}
	pause.Flags().BoolVar(&pauseJSON, "json", false, "print the paused journey as JSON")
	cmd.AddCommand(list, show, newActivateCmd(g), newSetVarsCmd(g), pause, newJourneyNodeCmd(g), newJourneyTransitionCmd(g))
	return cmd
}

// journeyShown is `journey show --json`: the journey, every key as
// before, and the numbers the human form adds from the activation check:
// the audience's size, how many of it are not enrolled yet, and what
// refuses activation (an array, [] when nothing does).
type journeyShown struct {
	ascendkit.Journey
	AudienceSize int      `json:"audienceSize"`
	NotEnrolled  int      `json:"notEnrolled"`
	Problems     []string `json:"problems"`
}

func newJourneyShown(j ascendkit.Journey, p importer.ActivationPlan) journeyShown {
	problems := p.Problems
	if problems == nil {
		problems = []string{}
	}
	return journeyShown{Journey: j, AudienceSize: p.Audience, NotEnrolled: p.Enroll, Problems: problems}
}

// printJourney prints a journey the way AscendKit's `journey show` does.
func printJourney(w io.Writer, j ascendkit.Journey, audience, pending int) {
	fmt.Fprintf(w, "%s  %s\nStatus: %s\nAudience: users tagged %s (%d users, %d not enrolled yet)\n",
		termtext.Clean(j.ID), termtext.Clean(j.Name), j.Status, termtext.Clean(j.Audience.Tag), audience, pending)
	if j.Description != "" {
		fmt.Fprintf(w, "%s\n", termtext.Clean(j.Description))
	}
	fmt.Fprintf(w, "Stats: enrolled %d, active %d, completed %d\n\nTimeline:\n", j.Stats.Enrolled, j.Stats.Active, j.Stats.Completed)
	for _, s := range importer.Timeline(j) {
		when := fmt.Sprintf("Day %d", s.Day)
		if s.Day < 0 {
			when = s.Via
		}
		what := termtext.Clean(s.Node.Action)
		if s.Node.Action == ascendkit.ActionSendEmail {
			what = "send " + termtext.Clean(s.Node.TemplateSlug)
			if s.Node.From != "" {
				what += " from " + termtext.Clean(s.Node.From)
			}
		}
		// A shared environment's journeys may be edited by other tools:
		// its ids and names are not trusted to be plain.
		fmt.Fprintf(w, "  %-14s %-18s %s\n", termtext.Clean(when), termtext.Clean(s.Node.ID), what)
	}
	fmt.Fprintln(w, "\nNodes:")
	for _, n := range j.Nodes {
		fmt.Fprintf(w, "  %s (%s)%s\n", termtext.Clean(n.ID), termtext.Clean(n.Action), nodeVars(n))
	}
	fmt.Fprintln(w, "\nTransitions:")
	for _, t := range j.Transitions {
		fmt.Fprintf(w, "  %s\n", termtext.Clean(importer.TransitionLine(t)))
	}
}

type activateOptions struct {
	g      *globalOptions
	yes    bool
	dryRun bool
	json   bool
}

func newActivateCmd(g *globalOptions) *cobra.Command {
	o := &activateOptions{g: g}
	cmd := &cobra.Command{
		Use:   "activate <journey-id>",
		Short: "Activate a journey and enroll its audience (backfill)",
		Long: `Activates a journey: every user already in its audience is enrolled now
(backfill) and its emails are sent on their schedule, the Day 0 email at
once. Users imported later are enrolled as they arrive.

Activation is refused while an email node has no sender or its template
has an unset variable (set them with ` + "`ascendkit journey set-vars`" + `).
It asks for confirmation on a terminal; elsewhere pass --yes.
--dry-run shows what would be enrolled and sent and changes nothing.`,
		Example: "  ascendkit journey activate jrn_123 --dry-run\n  ascendkit journey activate jrn_123 --yes --json",
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
	f := cmd.Flags()
	f.BoolVarP(&o.yes, "yes", "y", false, "activate without asking for confirmation")
	f.BoolVar(&o.dryRun, "dry-run", false, "show what would be enrolled and sent, change nothing")
	f.BoolVar(&o.json, "json", false, "print the plan (with --dry-run) or the result as JSON")
	return cmd
}

// errDeclined is returned when the user answers no to the confirmation.
var errDeclined = errors.New("not activated: nothing changed")

func (o *activateOptions) run(ctx context.Context, ref string) error {
	w := o.g.io.Out
	return withExisting(ctx, o.g, func(env ascendkit.Environment) error {
		p, err := importer.ActivationCheck(ctx, env, ref)
		if err != nil {
			return err
		}
		if o.dryRun {
			if o.json {
				if err := printJSON(w, p); err != nil {
					return err
				}
			} else {
				printPlan(w, p)
			}
			if len(p.Problems) > 0 {
				return &exitError{code: ExitError, err: fmt.Errorf("activation would be refused: %d problem(s) to fix first", len(p.Problems))}
			}
			if !o.json {
				fmt.Fprintf(w, "\nNext: ascendkit journey activate %s --yes\n", termtext.Clean(p.JourneyID))
			}
			return nil
		}
		if len(p.Problems) > 0 {
			return o.refused(p)
		}
		if !o.yes {
			if !o.g.io.IsTTY {
				return usageErr("journey activate sends emails: pass --yes to confirm (--dry-run shows what it would do)")
			}
			ok, err := o.confirm(ctx, p)
			if err != nil {
				return err
			}
			if !ok {
				return &exitError{code: ExitError, err: errDeclined}
			}
		}
		res, err := importer.Activate(ctx, env, p.JourneyID, time.Now().UTC())
		var refused *importer.ActivationRefusedError
		if errors.As(err, &refused) {
			return o.refused(res.Plan) // changed since the confirmation
		}
		if err != nil {
			return err
		}
		j := res.Journey
		if o.json {
			return printJSON(w, map[string]any{"id": j.ID, "name": j.Name, "status": j.Status, "newlyEnrolled": res.NewlyEnrolled, "stats": j.Stats, "plan": res.Plan})
		}
		resumed := ""
		if res.Plan.Resume > 0 {
			resumed = fmt.Sprintf(", %s paused enrollments resumed", importer.Thousands(res.Plan.Resume))
		}
		fmt.Fprintf(w, "%s (%s) is active: %s users newly enrolled%s, %s enrolled in all.\n", termtext.Clean(j.Name), termtext.Clean(j.ID),
			importer.Thousands(res.NewlyEnrolled), resumed, importer.Thousands(j.Stats.Enrolled))
		fmt.Fprintf(w, "\nNext: ascendkit journey show %s\n", termtext.Clean(j.ID))
		return nil
	})
}

// refused is the refusal of plan p; with --json its plan, problems and
// all, is printed first as --dry-run prints it, so that a script reading
// stdout learns why.
func (o *activateOptions) refused(p importer.ActivationPlan) error {
	if o.json {
		if err := printJSON(o.g.io.Out, p); err != nil {
			return err
		}
	}
	return refusal(p)
}

// confirm shows the plan and asks on the terminal; only "y" or "yes"
// activates. ctrl+c at the prompt cancels ctx (the signal is caught for
// graceful stops), so the read is abandoned then rather than waited on.
func (o *activateOptions) confirm(ctx context.Context, p importer.ActivationPlan) (bool, error) {
	e := o.g.io.ErrOut
	verb := "Activate"
	if p.Status == ascendkit.StatusPaused {
		verb = "Resume" // what the answer does to a paused journey
	}
	fmt.Fprintf(e, "%s\n%s %q? [y/N] ", termtext.Clean(p.Describe()), verb, termtext.Clean(p.Journey))
	line, err := readLine(ctx, o.g.io.In)
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(e)
	}
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// refusal names what stops activation and how to fix it.
func refusal(p importer.ActivationPlan) error {
	lines := make([]string, len(p.Problems))
	for i, pr := range p.Problems {
		lines[i] = "  - " + pr
	}
	return &exitError{code: ExitError, err: fmt.Errorf("journey %q cannot be activated until these are set:\n%s\nSet them with `ascendkit journey set-vars %s --from <email> --var <name>=<value>`; nothing was changed",
		p.Journey, strings.Join(lines, "\n"), p.JourneyID)}
}

// printPlan is the human output of `journey activate --dry-run`.
func printPlan(w io.Writer, p importer.ActivationPlan) {
	fmt.Fprintf(w, "Dry run: nothing was changed.\n%s (%s), %s\nAudience: %s users, %s would be enrolled now",
		termtext.Clean(p.Journey), p.JourneyID, p.Status, importer.Thousands(p.Audience), importer.Thousands(p.Enroll))
	if p.Resume > 0 {
		fmt.Fprintf(w, "; %s paused enrollments would resume", importer.Thousands(p.Resume))
	}
	fmt.Fprintln(w)
	if len(p.Steps) > 0 {
		head := "Emails:"
		if p.Resume > 0 {
			// Resumed users go on from the step each was at: their emails
			// are theirs, not the new enrollments' counted here.
			head = fmt.Sprintf("Emails to the users enrolled now (the %s resumed go on from the step each was at, and what fell due during the pause goes out now):", importer.Thousands(p.Resume))
		}
		fmt.Fprintln(w, head)
		rows := make([][]string, len(p.Steps))
		for i, s := range p.Steps {
			when := fmt.Sprintf("Day %d", s.Day)
			if s.Day < 0 {
				when = fit(termtext.Clean(s.Via), cellCaps["TYPE"])
			}
			n := importer.Thousands(s.Emails) + " emails"
			if s.Emails == 1 {
				n = "1 email"
			}
			if s.AtMost(i) {
				n = "up to " + n
			}
			rows[i] = []string{"  " + when, fit(termtext.Clean(s.Template), cellCaps["TEMPLATE"]), n}
		}
		printTable(w, nil, rows)
	}
	fmt.Fprintln(w, termtext.Clean(p.Describe()))
	if len(p.Problems) > 0 {
		fmt.Fprintln(w, "\nActivation would be refused until these are set:")
		for _, pr := range p.Problems {
			fmt.Fprintf(w, "  - %s\n", termtext.Clean(pr))
		}
		fmt.Fprintf(w, "\nNext: ascendkit journey set-vars %s --from <email> --var <name>=<value>\n", termtext.Clean(p.JourneyID))
	}
}

type setVarsOptions struct {
	g    *globalOptions
	from string
	vars []string
	node string
	json bool
}

func newSetVarsCmd(g *globalOptions) *cobra.Command {
	o := &setVarsOptions{g: g}
	cmd := &cobra.Command{
		Use:   "set-vars <journey-id> [--from <email>] [--var name=value]...",
		Short: "Set the sender and template variables of a journey's emails",
		Long: `Sets the sender and {{variables}} of a journey's email nodes, so a journey
that activation refuses can be completed. A variable is set on every email
whose template uses it (or, with --node, on that node only). URL variables
(loginUrl, resetUrl, …) must be absolute http(s) URLs.`,
		Example: "  ascendkit journey set-vars jrn_123 --from hello@yourapp.com --var resetUrl=https://yourapp.com/reset",
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "sender email of the journey's emails")
	f.StringArrayVar(&o.vars, "var", nil, "a variable as name=value (repeatable)")
	f.StringVar(&o.node, "node", "", "only this email node (by id)")
	f.BoolVar(&o.json, "json", false, "print the updated journey and its remaining problems as JSON")
	return cmd
}

func (o *setVarsOptions) run(ctx context.Context, ref string) error {
	u := importer.VariableUpdate{From: strings.TrimSpace(o.from), Vars: map[string]string{}, Node: o.node}
	if u.From != "" {
		if err := importer.ValidateSender(u.From); err != nil {
			return usageErr("--from: %v", err)
		}
	}
	for _, kv := range o.vars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return usageErr("--var %q: want name=value", kv)
		}
		if err := importer.ValidateVariable(k, v); err != nil {
			return usageErr("--var: %v", err)
		}
		u.Vars[k] = v
	}
	if u.From == "" && len(u.Vars) == 0 {
		return usageErr("nothing to set: give --from and/or --var name=value")
	}
	return withExisting(ctx, o.g, func(env ascendkit.Environment) error {
		j, err := importer.SetJourneyVariables(ctx, env, ref, u)
		if err != nil {
			return err
		}
		p, err := importer.ActivationCheck(ctx, env, j.ID)
		if err != nil {
			return err
		}
		w := o.g.io.Out
		if o.json {
			return printJSON(w, map[string]any{"journey": j, "problems": p.Problems})
		}
		fmt.Fprintf(w, "Updated %s (%s):\n", termtext.Clean(j.Name), termtext.Clean(j.ID))
		for _, n := range j.Nodes {
			if n.Action != ascendkit.ActionSendEmail {
				continue
			}
			from := n.From
			if from == "" {
				from = "(no sender)"
			}
			fmt.Fprintf(w, "  %-24s from %s%s\n", n.ID, termtext.Clean(from), nodeVars(n))
		}
		if len(p.Problems) > 0 {
			fmt.Fprintln(w, "\nStill to set before activation:")
			for _, pr := range p.Problems {
				fmt.Fprintf(w, "  - %s\n", termtext.Clean(pr))
			}
			fmt.Fprintf(w, "\nNext: ascendkit journey set-vars %s --var <name>=<value>\n", termtext.Clean(j.ID))
			return nil
		}
		if j.Status == ascendkit.StatusActive {
			// Already sending with the new values: nothing to activate.
			fmt.Fprintf(w, "\nNext: ascendkit journey show %s\n", termtext.Clean(j.ID))
			return nil
		}
		fmt.Fprintf(w, "\nNext: ascendkit journey activate %s --dry-run\n", termtext.Clean(j.ID))
		return nil
	})
}

// nodeVars formats a node's variables as " name=value …", unset ones marked.
func nodeVars(n ascendkit.Node) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(n.Variables)) {
		v := n.Variables[k]
		if v == "" {
			v = "(unset)"
		}
		fmt.Fprintf(&b, " %s=%s", termtext.Clean(k), termtext.Clean(v))
	}
	return b.String()
}
