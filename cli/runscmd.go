package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
	"github.com/spf13/cobra"
)

// runsOptions are the flags of `import runs` and `import runs show`.
type runsOptions struct {
	g    *globalOptions
	json bool
}

func newRunsCmd(g *globalOptions) *cobra.Command {
	o := &runsOptions{g: g}
	cmd := &cobra.Command{
		Use:     "runs",
		Short:   "List import runs (canary runs included), newest first",
		Example: "  ascendkit import runs\n  ascendkit import runs show run_0123456789abcdef --json",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.list(cmd.Context()) },
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print as JSON")
	so := &runsOptions{g: g}
	show := &cobra.Command{
		Use:   "show <run-id>",
		Short: "Show one import run: options, status and its report",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return so.show(cmd.Context(), args[0]) },
	}
	show.Flags().BoolVar(&so.json, "json", false, "print as JSON")
	cmd.AddCommand(show)
	return cmd
}

func (o *runsOptions) list(ctx context.Context) error {
	return withExisting(ctx, o.g, func(env ascendkit.Environment) error {
		runs, err := importer.Runs(ctx, env)
		if err != nil {
			return err
		}
		if o.json {
			return printJSON(o.g.io.Out, runs)
		}
		w := o.g.io.Out
		if len(runs) == 0 {
			fmt.Fprintln(w, "No import runs yet.")
			return nil
		}
		fmt.Fprintf(w, "%-20s  %-11s  %-20s  %-26s  %8s  %6s  %s\n", "ID", "STATUS", "STARTED", "SOURCE", "IMPORTED", "MERGED", "NOTE")
		for _, r := range runs {
			imported, merged := "-", "-"
			if r.Report != nil {
				imported, merged = fmt.Sprint(r.Report.Users.Imported), fmt.Sprint(r.Report.Users.Merged)
			} else if r.Written != nil {
				// A killed run left no report: what its import records name.
				imported, merged = fmt.Sprint(r.Written.Imported), fmt.Sprint(r.Written.Merged)
			}
			fmt.Fprintf(w, "%-20s  %-11s  %-20s  %-26s  %8s  %6s  %s\n", termtext.Clean(r.ID), r.Status,
				r.StartedAt.Local().Format("2006-01-02 15:04:05"), termtext.Clean(r.SourceKind+" "+r.SourceFormat),
				imported, merged, termtext.Clean(runNote(r)))
		}
		return nil
	})
}

// runNote says what sets a run apart: a canary, or a run killed mid-way.
func runNote(r importer.RunInfo) string {
	var notes []string
	if len(r.Options.Only) > 0 {
		notes = append(notes, "canary: "+strings.Join(r.Options.Only, ","))
	}
	if r.Options.Passwords {
		notes = append(notes, "with passwords file")
	}
	if r.Status == ascendkit.RunInterrupted && r.Report == nil {
		notes = append(notes, "process ended mid-run")
	}
	return strings.Join(notes, "; ")
}

func (o *runsOptions) show(ctx context.Context, id string) error {
	return withExisting(ctx, o.g, func(env ascendkit.Environment) error {
		r, err := importer.GetRun(ctx, env, id)
		if err != nil {
			return err
		}
		if o.json {
			return printJSON(o.g.io.Out, r)
		}
		w := o.g.io.Out
		fmt.Fprintf(w, "Run %s\n  status    %s\n  started   %s\n", termtext.Clean(r.ID), r.Status, r.StartedAt.Local().Format(time.RFC3339))
		if r.FinishedAt != nil {
			fmt.Fprintf(w, "  finished  %s\n", r.FinishedAt.Local().Format(time.RFC3339))
		}
		if r.UndoneAt != nil {
			fmt.Fprintf(w, "  undone    %s\n", r.UndoneAt.Local().Format(time.RFC3339))
		}
		fmt.Fprintf(w, "  source    %s %s\n", termtext.Clean(r.SourceKind), termtext.Clean(r.SourceFormat))
		opt := r.Options
		policy := string(opt.OnDuplicate)
		if opt.Decisions > 0 {
			// The wizard's review: rows chosen one by one override the default.
			policy += fmt.Sprintf(" (with %d per-user choices)", opt.Decisions)
		}
		fmt.Fprintf(w, "  options   on-duplicate %s, users %v, settings %v, include-banned %v, passwords file %v\n",
			policy, opt.Phases.Users, opt.Phases.Settings, opt.IncludeBanned, opt.Passwords)
		if len(opt.Only) > 0 {
			fmt.Fprintf(w, "  only      %s\n", termtext.Clean(strings.Join(opt.Only, ", ")))
		}
		if sender := r.Sender(); sender != "" {
			fmt.Fprintf(w, "  sender    %s\n", termtext.Clean(sender))
		}
		if n := runNote(r); n != "" {
			fmt.Fprintf(w, "  note      %s\n", termtext.Clean(n))
		}
		if r.Written != nil {
			fmt.Fprintf(w, "  written   %s\n", r.Written)
		}
		fmt.Fprintln(w)
		if r.Report == nil {
			fmt.Fprint(w, "No report: the process ended before the run finished.")
			if r.UndoneAt == nil {
				fmt.Fprint(w, " `ascendkit import undo "+termtext.Clean(r.ID)+"` removes what it wrote.")
			}
			fmt.Fprintln(w)
			return nil
		}
		rep := *r.Report
		if r.UndoneAt != nil {
			rep.RunID = "" // its line offers the undo done already
		}
		printReport(w, rep, env.Describe())
		return nil
	})
}

// undoOptions are the flags of `import undo`.
type undoOptions struct {
	g     *globalOptions
	yes   bool
	force bool
	json  bool
}

func newUndoCmd(g *globalOptions) *cobra.Command {
	o := &undoOptions{g: g}
	cmd := &cobra.Command{
		Use:   "undo <run-id>",
		Short: "Remove what an import run wrote (users it created; what it added to users it merged into)",
		Long: `Remove what an import run wrote: the users it created, with their OAuth links,
tags, events, enrollments and kept passwords, and for users it merged into
only the links, tags, enrollments, identity fields and metadata (metadata.import
and the Clerk public_metadata keys) it added. Auth providers
go back to what they were before the run unless they were changed since.

It shows what it will remove and asks you to type "undo" (or pass --yes). It
refuses when a later run merged into users this run created, unless --force
(those merges then go with the users). All of it happens in one transaction.`,
		Example: "  ascendkit import undo run_0123456789abcdef\n  ascendkit import undo run_0123456789abcdef --yes --json",
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.yes, "yes", false, "undo without asking")
	f.BoolVar(&o.force, "force", false, "undo even if later runs merged into users this run created")
	f.BoolVar(&o.json, "json", false, "print the result as JSON")
	return cmd
}

// undoResult is `import undo --json`.
type undoResult struct {
	Undone bool               `json:"undone"`
	Plan   ascendkit.UndoPlan `json:"plan"`
}

func (o *undoOptions) run(ctx context.Context, id string) error {
	return withExisting(ctx, o.g, func(env ascendkit.Environment) error {
		// A run that cannot be undone (running, undone already) is refused
		// by the plan, before it is shown or a confirmation asked for.
		plan, err := importer.PlanUndo(ctx, env, id)
		if err != nil {
			if errors.Is(err, ascendkit.ErrNotFound) {
				// Runs are per environment: after a set-env the run
				// is likely in the one used before.
				return fmt.Errorf("%w in environment %s (import runs lists its runs; --env names another)", err, termtext.Clean(env.Describe()))
			}
			if errors.Is(err, ascendkit.ErrInvalid) {
				return &exitError{code: ExitError, err: plainRefusal{err}}
			}
			return err
		}
		// The plan goes to stderr with --json, so stdout stays one document.
		pw := o.g.io.Out
		if o.json {
			pw = o.g.io.ErrOut
		}
		printUndoPlan(pw, plan)
		if len(plan.Blockers) > 0 && !o.force {
			if o.json {
				// Refused, with the plan that says why, as an activation's
				// refusal is: a script reads stdout.
				if err := printJSON(o.g.io.Out, undoResult{Plan: plan}); err != nil {
					return err
				}
			}
			return &exitError{code: ExitError, err: &ascendkit.UndoBlockedError{Blockers: plan.Blockers, Users: plan.BlockedUsers}}
		}
		if !o.yes {
			if !o.g.io.IsTTY {
				return usageErr("undo needs --yes when not on a terminal (nothing was changed)")
			}
			fmt.Fprint(o.g.io.ErrOut, "Type undo to confirm: ")
			line, err := readLine(ctx, o.g.io.In)
			if err != nil {
				fmt.Fprintln(o.g.io.ErrOut)
				return err
			}
			if strings.TrimSpace(line) != "undo" {
				return &exitError{code: ExitError, err: errors.New("not confirmed: nothing was changed")}
			}
		}
		done, err := importer.Undo(ctx, env, id, o.force, time.Now())
		if err != nil {
			var blocked *ascendkit.UndoBlockedError
			if errors.As(err, &blocked) || errors.Is(err, ascendkit.ErrInvalid) {
				return &exitError{code: ExitError, err: plainRefusal{err}}
			}
			return err
		}
		if o.json {
			return printJSON(o.g.io.Out, undoResult{Undone: true, Plan: done})
		}
		fmt.Fprintf(o.g.io.Out, "Undone: run %s is now %s. Running the import again imports those users again.\n", termtext.Clean(id), ascendkit.RunUndone)
		return nil
	})
}

// plainRefusal is an undo the store refused (another run importing, say)
// without the "invalid data: " its sentinel adds: nothing about the data
// is wrong, and the rest of the message says why.
type plainRefusal struct{ err error }

func (p plainRefusal) Error() string {
	return strings.Replace(p.err.Error(), ascendkit.ErrInvalid.Error()+": ", "", 1)
}
func (p plainRefusal) Unwrap() error { return p.err }

func printUndoPlan(w io.Writer, p ascendkit.UndoPlan) {
	fmt.Fprintf(w, "Undo %s removes:\n", termtext.Clean(p.RunID))
	fmt.Fprintf(w, "  %d user(s) it created, with their OAuth links, tags, events, enrollments and kept passwords\n", p.Users)
	if p.MergedUsers > 0 {
		fmt.Fprintf(w, "  from %d user(s) it merged into: %d OAuth link(s), %d tag(s), %d metadata (import and public_metadata keys), %d filled identity field set(s), %d enrollment(s) it added\n",
			p.MergedUsers, p.Links, p.Tags, p.Metadata, p.Fields, p.Enrollments)
	}
	if p.EnrolledUsers > 0 {
		fmt.Fprintf(w, "  the journey enrollments of %d of these users: journeys may have emailed them already, which undo cannot take back, and importing them again enrolls them again from the first email\n",
			p.EnrolledUsers)
	}
	if p.Settings {
		fmt.Fprintln(w, "  the auth providers it enabled that no other live run finished with (turned off)")
	}
	if p.Sender {
		fmt.Fprintln(w, "  the migration sender it set with --from-identity (back to the sender before the run)")
	}
	if len(p.SenderKept) > 0 {
		fmt.Fprintf(w, "It keeps the sender it set on %s, as they are sending with it (journey set-vars <journey-id> --from <email> changes it).\n",
			termtext.Clean(strings.Join(p.SenderKept, ", ")))
	}
	if len(p.Blockers) > 0 {
		n := p.BlockedCount()
		fmt.Fprintf(w, "Later runs merged into %d user(s) this run created:\n", n)
		for i, b := range p.Blockers {
			if i == 10 {
				fmt.Fprintf(w, "  … and %d more\n", n-10)
				break
			}
			fmt.Fprintf(w, "  %s (%s) by %s\n", termtext.Clean(b.Email), termtext.Clean(b.UserID), termtext.Clean(b.RunID))
		}
		fmt.Fprintln(w, "Undo those runs first, or pass --force to remove these users anyway.")
	}
}

// printPasswordsAndRun adds the passwords block and the run id to the
// human summary of a preview or run.
func printPasswordsAndRun(w io.Writer, r importer.Report) {
	p := r.Passwords
	if r.Phases.Users && (p.Kept > 0 || p.NeedsReset > 0 || p.Unmatched > 0 || len(p.UnsupportedHasher) > 0) {
		fmt.Fprintf(w, "Passwords      kept %d · need reset %d", p.Kept, p.NeedsReset)
		if len(p.UnsupportedHasher) > 0 {
			fmt.Fprintf(w, " · unsupported hasher %s", counts(p.UnsupportedHasher))
		}
		if p.Unmatched > 0 {
			fmt.Fprintf(w, " · %d in the passwords file but not in the source", p.Unmatched)
		}
		fmt.Fprintln(w)
	}
	if r.RunID != "" {
		fmt.Fprintf(w, "Run            %s (ascendkit import runs show %[1]s; undo with ascendkit import undo %[1]s)\n", r.RunID)
	}
}
