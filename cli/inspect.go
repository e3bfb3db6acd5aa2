package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
	"github.com/spf13/cobra"
)

// defaultRows is how many rows `user list` and `event list` print unless
// told otherwise: enough to look at, not 30,000 lines by accident.
const defaultRows = 50

// rowLimit is the --limit / --all pair of the list commands.
type rowLimit struct {
	limit int
	all   bool
}

func (r *rowLimit) addFlags(cmd *cobra.Command, what string) {
	cmd.Flags().IntVar(&r.limit, "limit", defaultRows, "at most this many "+what)
	cmd.Flags().BoolVar(&r.all, "all", false, "all "+what+" (no limit)")
}

// query is the limit to ask the environment for: one more than shown, so
// the command knows whether more exist; 0 (none) with --all.
func (r *rowLimit) query(cmd *cobra.Command) (int, error) {
	if r.all {
		if cmd.Flags().Changed("limit") {
			return 0, usageErr("--limit and --all: give one")
		}
		return 0, nil
	}
	if r.limit < 1 {
		return 0, usageErr("--limit %d: want at least 1 (or --all)", r.limit)
	}
	return r.limit + 1, nil
}

// more reports whether n rows came back where the limit allowed fewer.
func (r *rowLimit) more(n int) bool { return !r.all && n > r.limit }

type userListOptions struct {
	g    *globalOptions
	tag  string
	rows rowLimit
	json bool
}

func (o *userListOptions) run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	q, err := o.rows.query(cmd)
	if err != nil {
		return err
	}
	return withExisting(ctx, o.g, func(env ascendkit.Environment) error {
		us, err := env.ListUsers(ctx, ascendkit.UserFilter{Tag: o.tag, Limit: q})
		if err != nil {
			return err
		}
		more := o.rows.more(len(us))
		if more {
			us = us[:o.rows.limit]
		}
		if us == nil {
			us = []ascendkit.User{}
		}
		if o.json {
			if err := printJSON(o.g.io.Out, us); err != nil {
				return err
			}
		} else {
			tw := tabwriter.NewWriter(o.g.io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tVERIFIED\tCREATED\tTAGS")
			for _, u := range us {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\t%s\n", u.ID, termtext.Clean(u.Email), termtext.Clean(u.Name),
					u.EmailVerified, u.CreatedAt.Format("2006-01-02"), termtext.Clean(strings.Join(u.Tags, ",")))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		switch {
		case more && o.tag == "":
			total, err := env.CountUsers(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(o.g.io.ErrOut, "Showing %s of %s users; --limit N or --all shows more.\n", importer.Thousands(len(us)), importer.Thousands(total))
		case more:
			fmt.Fprintf(o.g.io.ErrOut, "Showing the first %s users tagged %s; more exist: --limit N or --all shows them.\n", importer.Thousands(len(us)), termtext.Clean(o.tag))
		default:
			fmt.Fprintf(o.g.io.ErrOut, "%s users\n", importer.Thousands(len(us)))
		}
		return nil
	})
}

// userDetail is `user show --json`: the user and its journey enrollments.
type userDetail struct {
	ascendkit.User
	Enrollments []importer.UserEnrollment `json:"enrollments"`
}

func newUserCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Inspect users in the environment", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	lo := &userListOptions{g: g}
	var showJSON bool
	list := &cobra.Command{
		Use: "list", Short: "List users (the first 50 unless --limit or --all)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return lo.run(cmd) },
	}
	list.Flags().StringVar(&lo.tag, "tag", "", "only users with this tag, e.g. import:needs-password-reset")
	lo.rows.addFlags(list, "users")
	list.Flags().BoolVar(&lo.json, "json", false, "print as a JSON array")
	show := &cobra.Command{
		Use: "show <email|id>", Short: "Show a user with tags, OAuth links, identities and journey enrollments", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return withExisting(ctx, g, func(env ascendkit.Environment) error {
				u, err := env.GetUser(ctx, args[0])
				if err != nil {
					return err
				}
				ens, err := importer.UserEnrollments(ctx, env, u.ID)
				if err != nil {
					return err
				}
				if showJSON {
					return printJSON(g.io.Out, userDetail{User: u, Enrollments: ens})
				}
				w := g.io.Out
				fmt.Fprintf(w, "%s  %s\nName:           %s\nEmail verified: %v\nImage:          %s\nCreated:        %s\nLast login:     %s\nBanned:         %v\nTags:           %s\n",
					u.ID, termtext.Clean(u.Email), termtext.Clean(u.Name), u.EmailVerified, termtext.Clean(u.Image),
					u.CreatedAt.Format(time.RFC3339), timeOrNever(u.LastLoginAt), u.Banned, termtext.Clean(strings.Join(u.Tags, ", ")))
				fmt.Fprintln(w, "OAuth links:")
				for _, l := range u.OAuthLinks {
					fmt.Fprintf(w, "  %s %s %s\n", termtext.Clean(l.Provider), termtext.Clean(l.ProviderUserID), termtext.Clean(l.Email))
				}
				fmt.Fprintf(w, "Username:       %s\nPhone:          %s\nExternal id:    %s\nLocked:         %v\n",
					orDash(termtext.Clean(u.Username)), phoneLine(u), orDash(termtext.Clean(u.ExternalID)), u.Locked)
				fmt.Fprintln(w, "Other emails:")
				for _, e := range u.SecondaryEmails {
					state := "unverified"
					if e.Verified {
						state = "verified"
					}
					fmt.Fprintf(w, "  %s (%s)\n", termtext.Clean(e.Email), state)
				}
				for _, m := range []struct {
					label string
					v     map[string]any
				}{{"Metadata:       ", u.Metadata}, {"Private meta:   ", u.PrivateMetadata}, {"Unsafe meta:    ", u.UnsafeMetadata}} {
					b, _ := json.Marshal(m.v)
					fmt.Fprintf(w, "%s%s\n", m.label, termtext.Clean(string(b)))
				}
				if len(ens) == 0 {
					fmt.Fprintln(w, "Journeys:       not enrolled in any")
					return nil
				}
				fmt.Fprintln(w, "Journeys:")
				for _, e := range ens {
					next := "next step " + e.NextStepAt.Format(time.RFC3339)
					if e.Status != "active" { // "completed": the journey is done for this user
						next = "finished"
					}
					fmt.Fprintf(w, "  %s: %s at %s since %s, %s\n", termtext.Clean(e.Journey), e.Status, termtext.Clean(e.CurrentNode),
						e.EnrolledAt.Format(time.RFC3339), next)
				}
				return nil
			})
		},
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print as a JSON object")
	cmd.AddCommand(list, show)
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func phoneLine(u ascendkit.User) string {
	if u.Phone == "" {
		return "-"
	}
	if u.PhoneVerified {
		return termtext.Clean(u.Phone) + " (verified)"
	}
	return termtext.Clean(u.Phone) + " (unverified)"
}

func timeOrNever(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Format(time.RFC3339)
}

type eventListOptions struct {
	g         *globalOptions
	typ, user string
	rows      rowLimit
	json      bool
}

// eventRow is an event as `event list` shows it: with its user's email.
type eventRow struct {
	ascendkit.Event
	UserEmail string `json:"userEmail,omitempty"`
}

// manyUsers is how many distinct users an event page may name before the
// emails are read with one ListUsers rather than one GetUser each.
const manyUsers = 200

// userEmails maps the user ids of es to their emails.
func userEmails(ctx context.Context, env ascendkit.Environment, es []ascendkit.Event) (map[string]string, error) {
	ids := map[string]string{}
	for _, e := range es {
		ids[e.UserID] = ""
	}
	if len(ids) > manyUsers {
		us, err := env.ListUsers(ctx, ascendkit.UserFilter{})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if _, ok := ids[u.ID]; ok {
				ids[u.ID] = u.Email
			}
		}
		return ids, nil
	}
	for id := range ids {
		u, err := env.GetUser(ctx, id)
		if errors.Is(err, ascendkit.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ids[id] = u.Email
	}
	return ids, nil
}

func (o *eventListOptions) run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	q, err := o.rows.query(cmd)
	if err != nil {
		return err
	}
	return withExisting(ctx, o.g, func(env ascendkit.Environment) error {
		userID := o.user
		if strings.Contains(userID, "@") {
			u, err := env.GetUser(ctx, userID)
			if err != nil {
				return err
			}
			userID = u.ID
		}
		es, err := env.ListEvents(ctx, ascendkit.EventFilter{Type: o.typ, UserID: userID, Limit: q})
		if err != nil {
			return err
		}
		more := o.rows.more(len(es))
		if more {
			es = es[:o.rows.limit]
		}
		emails, err := userEmails(ctx, env, es)
		if err != nil {
			return err
		}
		rows := make([]eventRow, len(es))
		for i, e := range es {
			rows[i] = eventRow{Event: e, UserEmail: emails[e.UserID]}
		}
		if o.json {
			if err := printJSON(o.g.io.Out, rows); err != nil {
				return err
			}
		} else {
			tw := tabwriter.NewWriter(o.g.io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTYPE\tEMAIL\tUSER\tCREATED\tPAYLOAD")
			for _, e := range rows {
				p, _ := json.Marshal(e.Payload)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, termtext.Clean(e.Type), termtext.Clean(e.UserEmail), e.UserID,
					e.CreatedAt.Format(time.RFC3339), termtext.Clean(string(p)))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		if more {
			fmt.Fprintf(o.g.io.ErrOut, "Showing the first %s events; more exist: --limit N or --all shows them.\n", importer.Thousands(len(rows)))
		} else {
			fmt.Fprintf(o.g.io.ErrOut, "%s events\n", importer.Thousands(len(rows)))
		}
		return nil
	})
}

func newEventCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "event", Short: "Inspect lifecycle events", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	o := &eventListOptions{g: g}
	list := &cobra.Command{
		Use: "list", Short: "List events with their users' emails (the first 50 unless --limit or --all)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	list.Flags().StringVar(&o.typ, "type", "", "only events of this type, e.g. user.login")
	list.Flags().StringVar(&o.user, "user", "", "only events of this user (id or email)")
	o.rows.addFlags(list, "events")
	list.Flags().BoolVar(&o.json, "json", false, "print as a JSON array")
	cmd.AddCommand(list)
	return cmd
}

func newAuthCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "auth", Short: "Show and change auth settings", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	var asJSON bool
	show := &cobra.Command{
		Use: "show", Short: "Show the enabled sign-in providers", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withExisting(cmd.Context(), g, func(env ascendkit.Environment) error {
				s, err := env.AuthSettings(cmd.Context())
				if err != nil {
					return err
				}
				if s.Providers == nil {
					s.Providers = []string{}
				}
				if asJSON {
					return printJSON(g.io.Out, s)
				}
				fmt.Fprintf(g.io.Out, "Providers: %s\n", list(s.Providers))
				return nil
			})
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.AddCommand(show, newAuthUpdateCmd(g), newCheckPasswordCmd(g))
	return cmd
}
