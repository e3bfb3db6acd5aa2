package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
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

// printRows prints the rows each yields, as each reads them: a JSON array
// written element by element, or a table whose columns are as wide as
// their widest cell (a first pass of each measures them, the second
// prints). shown and more are what the printing pass reports.
func printRows[T any](out io.Writer, asJSON bool, header []string, cells func(T) []string,
	each func(func(T) error) (int, bool, error)) (shown int, more bool, err error) {
	w := bufio.NewWriter(out)
	if asJSON {
		arr := newJSONArray(w)
		if shown, more, err = each(func(r T) error { return arr.add(r) }); err != nil {
			return 0, false, err
		}
		return shown, more, errors.Join(arr.close(), w.Flush())
	}
	t := newTable(header)
	if _, _, err := each(func(r T) error { t.measure(cells(r)); return nil }); err != nil {
		return 0, false, err
	}
	if err := t.write(w, header); err != nil {
		return 0, false, err
	}
	if shown, more, err = each(func(r T) error { return t.write(w, cells(r)) }); err != nil {
		return 0, false, err
	}
	return shown, more, w.Flush()
}

// userHeader is the header row of `user list`.
var userHeader = []string{"ID", "EMAIL", "NAME", "VERIFIED", "CREATED", "TAGS"}

func userCells(u ascendkit.User) []string {
	return []string{u.ID, termtext.Clean(u.Email), termtext.Clean(u.Name), fmt.Sprint(u.EmailVerified),
		u.CreatedAt.Format("2006-01-02"), termtext.Clean(strings.Join(u.Tags, ","))}
}

func (o *userListOptions) run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	q, err := o.rows.query(cmd)
	if err != nil {
		return err
	}
	return withExisting(ctx, o.g, func(env ascendkit.Environment) error { return o.list(ctx, env, q) })
}

// list prints env's users, reading at most q of them (0 = all).
func (o *userListOptions) list(ctx context.Context, env ascendkit.Environment, q int) error {
	// The users are read a page at a time and printed as they come,
	// so memory stays a page whatever the environment's size.
	each := listRows(&o.rows, q, func(after *ascendkit.ListPosition, n int) ([]ascendkit.User, error) {
		return env.ListUsers(ctx, ascendkit.UserFilter{Tag: o.tag, After: after, Limit: n})
	}, userPosition, func(us []ascendkit.User) ([]ascendkit.User, error) { return us, nil })
	shown, more, err := printRows(o.g.io.Out, o.json, userHeader, userCells, each)
	if err != nil {
		return err
	}
	switch {
	case more && o.tag == "":
		total, err := env.CountUsers(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.g.io.ErrOut, "Showing %s of %s users; --limit N or --all shows more.\n", importer.Thousands(shown), importer.Thousands(total))
	case more:
		fmt.Fprintf(o.g.io.ErrOut, "Showing the first %s users tagged %s; more exist: --limit N or --all shows them.\n", importer.Thousands(shown), termtext.Clean(o.tag))
	default:
		fmt.Fprintf(o.g.io.ErrOut, "%s users\n", importer.Thousands(shown))
	}
	return nil
}

// listPage is how many rows a list command reads per query.
const listPage = 1000

// eachPage reads a listing a page at a time, in keyset order: list is
// asked for at most n rows after the given position (nil: from the
// start), and fn gets each page. At most max rows are read (0 = all).
// Rows added while it reads may or may not appear; none appears twice,
// as each page starts after the last row of the one before.
func eachPage[T any](list func(after *ascendkit.ListPosition, n int) ([]T, error), pos func(T) ascendkit.ListPosition,
	max int, fn func([]T) error) error {
	var after *ascendkit.ListPosition
	for got := 0; ; {
		n := listPage
		if max > 0 {
			n = min(n, max-got)
		}
		if n <= 0 {
			return nil
		}
		page, err := list(after, n)
		if err != nil {
			return err
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
		if len(page) < n {
			return nil
		}
		got += len(page)
		p := pos(page[len(page)-1])
		if after != nil && !positionAfter(p, *after) {
			// A page that does not move on would be read forever.
			return fmt.Errorf("listing: page after %s ends at %s, not after it", after.ID, p.ID)
		}
		after = &p
	}
}

// listRows is the each of printRows for a listing read by eachPage (at
// most q rows): each page is cut to the row limit (more says a row was
// left out) and made into the rows printed.
func listRows[T, R any](r *rowLimit, q int, list func(after *ascendkit.ListPosition, n int) ([]T, error),
	pos func(T) ascendkit.ListPosition, rows func([]T) ([]R, error)) func(func(R) error) (int, bool, error) {
	return func(fn func(R) error) (shown int, more bool, err error) {
		err = eachPage(list, pos, q, func(page []T) error {
			if r.more(shown + len(page)) {
				more = true
				page = page[:r.limit-shown]
			}
			rs, err := rows(page)
			if err != nil {
				return err
			}
			for _, row := range rs {
				shown++
				if err := fn(row); err != nil {
					return err
				}
			}
			return nil
		})
		return shown, more, err
	}
}

// positionAfter reports whether a comes after b in list order.
func positionAfter(a, b ascendkit.ListPosition) bool {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c > 0
	}
	return a.ID > b.ID
}

func userPosition(u ascendkit.User) ascendkit.ListPosition {
	return ascendkit.ListPosition{CreatedAt: u.CreatedAt, ID: u.ID}
}

func eventPosition(e ascendkit.Event) ascendkit.ListPosition {
	return ascendkit.ListPosition{CreatedAt: e.CreatedAt, ID: e.ID}
}

// jsonArray writes a JSON array an element at a time, byte for byte as
// printJSON writes the whole slice, so a listing need not be held whole.
type jsonArray struct {
	w   io.Writer
	n   int
	buf bytes.Buffer
	out []byte
}

func newJSONArray(w io.Writer) *jsonArray { return &jsonArray{w: w} }

// add writes v as the array's next element.
func (a *jsonArray) add(v any) error {
	a.buf.Reset()
	enc := json.NewEncoder(&a.buf)
	enc.SetEscapeHTML(false)
	// An element of printJSON's array: its lines one level in.
	enc.SetIndent("  ", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	sep := ",\n  "
	if a.n == 0 {
		sep = "[\n  "
	}
	a.n++
	a.out = escapeJSONText(append(a.out[:0], sep...), bytes.TrimSuffix(a.buf.Bytes(), []byte("\n")))
	_, err := a.w.Write(a.out)
	return err
}

// close ends the array (an empty one is "[]", as encoding/json writes it).
func (a *jsonArray) close() error {
	end := "\n]\n"
	if a.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(a.w, end)
	return err
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
					switch {
					case e.Status != "active": // "completed": the journey is done for this user
						next = "finished"
					case e.JourneyStatus == ascendkit.StatusPaused:
						next = "journey paused: nothing is sent until it is activated again"
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

// userEmails maps the user ids of es to their emails, reading the users by
// id in batches: a page of events costs a few queries, not a user each
// nor the whole environment.
func userEmails(ctx context.Context, env ascendkit.Environment, es []ascendkit.Event) (map[string]string, error) {
	ids := map[string]string{}
	for _, e := range es {
		if e.UserID != "" {
			ids[e.UserID] = ""
		}
	}
	if len(ids) == 0 {
		return ids, nil
	}
	batch := make([]string, 0, len(ids))
	for id := range ids {
		batch = append(batch, id)
	}
	us, err := env.ListUsers(ctx, ascendkit.UserFilter{IDs: batch})
	if err != nil {
		return nil, err
	}
	for _, u := range us {
		ids[u.ID] = u.Email
	}
	return ids, nil
}

// eventHeader is the header row of `event list`.
var eventHeader = []string{"ID", "TYPE", "EMAIL", "USER", "CREATED", "PAYLOAD"}

func eventCells(e eventRow) []string {
	p, _ := json.Marshal(e.Payload)
	return []string{e.ID, termtext.Clean(e.Type), termtext.Clean(e.UserEmail), e.UserID,
		e.CreatedAt.Format(time.RFC3339), termtext.Clean(string(p))}
}

func (o *eventListOptions) run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	q, err := o.rows.query(cmd)
	if err != nil {
		return err
	}
	return withExisting(ctx, o.g, func(env ascendkit.Environment) error { return o.list(ctx, env, q) })
}

// list prints env's events, reading at most q of them (0 = all).
func (o *eventListOptions) list(ctx context.Context, env ascendkit.Environment, q int) error {
	userID := o.user
	if strings.Contains(userID, "@") {
		u, err := env.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		userID = u.ID
	}
	// A page of events at a time, with its users' emails read for it.
	each := listRows(&o.rows, q, func(after *ascendkit.ListPosition, n int) ([]ascendkit.Event, error) {
		return env.ListEvents(ctx, ascendkit.EventFilter{Type: o.typ, UserID: userID, After: after, Limit: n})
	}, eventPosition, func(es []ascendkit.Event) ([]eventRow, error) {
		emails, err := userEmails(ctx, env, es)
		if err != nil {
			return nil, err
		}
		rows := make([]eventRow, len(es))
		for i, e := range es {
			rows[i] = eventRow{Event: e, UserEmail: emails[e.UserID]}
		}
		return rows, nil
	})
	shown, more, err := printRows(o.g.io.Out, o.json, eventHeader, eventCells, each)
	if err != nil {
		return err
	}
	if more {
		fmt.Fprintf(o.g.io.ErrOut, "Showing the first %s events; more exist: --limit N or --all shows them.\n", importer.Thousands(shown))
	} else {
		fmt.Fprintf(o.g.io.ErrOut, "%s events\n", importer.Thousands(shown))
	}
	return nil
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
