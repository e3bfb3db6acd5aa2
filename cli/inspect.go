package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/ui/termtext"
	"github.com/spf13/cobra"
)

func newUserCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Inspect users in the environment", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	var tag string
	var limit int
	var listJSON, showJSON bool
	list := &cobra.Command{
		Use: "list", Short: "List users", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withExisting(cmd.Context(), g, func(env ascendkit.Environment) error {
				us, err := env.ListUsers(cmd.Context(), ascendkit.UserFilter{Tag: tag, Limit: limit})
				if err != nil {
					return err
				}
				if listJSON {
					if us == nil {
						us = []ascendkit.User{}
					}
					return printJSON(g.io.Out, us)
				}
				tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tVERIFIED\tCREATED\tTAGS")
				for _, u := range us {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\t%s\n", u.ID, termtext.Clean(u.Email), termtext.Clean(u.Name),
						u.EmailVerified, u.CreatedAt.Format("2006-01-02"), termtext.Clean(strings.Join(u.Tags, ",")))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(g.io.ErrOut, "%d users\n", len(us))
				return nil
			})
		},
	}
	list.Flags().StringVar(&tag, "tag", "", "only users with this tag, e.g. import:needs-password-reset")
	list.Flags().IntVar(&limit, "limit", 0, "at most this many users (0: all)")
	list.Flags().BoolVar(&listJSON, "json", false, "print as a JSON array")
	show := &cobra.Command{
		Use: "show <email|id>", Short: "Show a user with tags and OAuth links", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withExisting(cmd.Context(), g, func(env ascendkit.Environment) error {
				u, err := env.GetUser(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if showJSON {
					return printJSON(g.io.Out, u)
				}
				w := g.io.Out
				fmt.Fprintf(w, "%s  %s\nName:           %s\nEmail verified: %v\nImage:          %s\nCreated:        %s\nLast login:     %s\nBanned:         %v\nTags:           %s\n",
					u.ID, termtext.Clean(u.Email), termtext.Clean(u.Name), u.EmailVerified, termtext.Clean(u.Image),
					u.CreatedAt.Format(time.RFC3339), timeOrNever(u.LastLoginAt), u.Banned, termtext.Clean(strings.Join(u.Tags, ", ")))
				fmt.Fprintln(w, "OAuth links:")
				for _, l := range u.OAuthLinks {
					fmt.Fprintf(w, "  %s %s %s\n", termtext.Clean(l.Provider), termtext.Clean(l.ProviderUserID), termtext.Clean(l.Email))
				}
				meta, _ := json.Marshal(u.Metadata)
				fmt.Fprintf(w, "Metadata:       %s\n", termtext.Clean(string(meta)))
				return nil
			})
		},
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print as a JSON object")
	cmd.AddCommand(list, show)
	return cmd
}

func timeOrNever(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Format(time.RFC3339)
}

func newEventCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "event", Short: "Inspect lifecycle events", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	var typ, user string
	var limit int
	var asJSON bool
	list := &cobra.Command{
		Use: "list", Short: "List events", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withExisting(cmd.Context(), g, func(env ascendkit.Environment) error {
				es, err := env.ListEvents(cmd.Context(), ascendkit.EventFilter{Type: typ, UserID: user, Limit: limit})
				if err != nil {
					return err
				}
				if asJSON {
					if es == nil {
						es = []ascendkit.Event{}
					}
					return printJSON(g.io.Out, es)
				}
				tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tTYPE\tUSER\tCREATED\tPAYLOAD")
				for _, e := range es {
					p, _ := json.Marshal(e.Payload)
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ID, termtext.Clean(e.Type), e.UserID, e.CreatedAt.Format(time.RFC3339), termtext.Clean(string(p)))
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&typ, "type", "", "only events of this type, e.g. user.login")
	list.Flags().StringVar(&user, "user", "", "only events of this user id")
	list.Flags().IntVar(&limit, "limit", 0, "at most this many events (0: all)")
	list.Flags().BoolVar(&asJSON, "json", false, "print as a JSON array")
	cmd.AddCommand(list)
	return cmd
}

func newAuthCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "auth", Short: "Show auth settings", Args: cobra.NoArgs,
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
	cmd.AddCommand(show)
	return cmd
}
