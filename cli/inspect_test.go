package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/conformance"
	"github.com/ascendkit/ascendkit/client/ascendkit/sqlite"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

// recordingEnv records the list queries a command makes, and can act
// between them (as another writer would).
type recordingEnv struct {
	ascendkit.Environment
	users  []ascendkit.UserFilter
	events []ascendkit.EventFilter
	// afterUsers runs after each ListUsers of the listing itself (no IDs).
	afterUsers func(call int)
}

func (r *recordingEnv) ListUsers(ctx context.Context, f ascendkit.UserFilter) ([]ascendkit.User, error) {
	r.users = append(r.users, f)
	us, err := r.Environment.ListUsers(ctx, f)
	if r.afterUsers != nil && f.IDs == nil {
		r.afterUsers(len(r.users))
	}
	return us, err
}

func (r *recordingEnv) ListEvents(ctx context.Context, f ascendkit.EventFilter) ([]ascendkit.Event, error) {
	r.events = append(r.events, f)
	return r.Environment.ListEvents(ctx, f)
}

// bounded fails unless every recorded query asks for at most a page: the
// listing's memory is a page, whatever the environment's size.
func (r *recordingEnv) bounded(t *testing.T, what string) {
	t.Helper()
	for _, f := range r.users {
		// A lookup by id is bounded by its ids, a listing by its limit.
		if f.IDs != nil && (len(f.IDs) == 0 || len(f.IDs) > listPage) ||
			f.IDs == nil && (f.Limit < 1 || f.Limit > listPage) {
			t.Errorf("%s: ListUsers asked for limit %d, %d ids; want at most a page (%d)", what, f.Limit, len(f.IDs), listPage)
		}
	}
	for _, f := range r.events {
		if f.Limit < 1 || f.Limit > listPage {
			t.Errorf("%s: ListEvents asked for limit %d; want at most a page (%d)", what, f.Limit, listPage)
		}
	}
}

var listT0 = time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC)

// listEnv is an environment of n users, seven at each instant (so that
// pages end among users created together), with two events each.
func listEnv(t *testing.T, n int) ascendkit.Environment {
	t.Helper()
	l, err := sqlite.OpenLocal(filepath.Join(t.TempDir(), "env", "ascendkit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	addUsers(t, l, "run_list", 1, n, func(i int) time.Time { return listT0.Add(time.Duration(i/7) * time.Minute) })
	return l
}

func addUsers(t *testing.T, env ascendkit.Environment, run string, from, to int, created func(int) time.Time) {
	t.Helper()
	b := ascendkit.ImportBatch{RunID: run}
	for i := from; i <= to; i++ {
		u := conformance.Imported(i)
		u.User.CreatedAt = created(i)
		if i%3 == 0 {
			u.User.Tags = append(u.User.Tags, "third")
		}
		if i%5 == 0 {
			u.User.Name = "Zoë \u202eevil\x1b[31m " + strings.Repeat("名", i%11)
		}
		b.Create = append(b.Create, u)
	}
	if _, err := env.ApplyImport(context.Background(), b, listT0.Add(time.Duration(from)*time.Second)); err != nil {
		t.Fatal(err)
	}
}

// oldUserList is `user list` as it printed before it streamed: the whole
// listing read at once, then printJSON or a table measured over it all.
func oldUserList(t *testing.T, env ascendkit.Environment, tag string, n int, asJSON bool) string {
	t.Helper()
	us, err := env.ListUsers(context.Background(), ascendkit.UserFilter{Tag: tag, Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if asJSON {
		if err := printJSON(&b, us); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	var rows [][]string
	for _, u := range us {
		rows = append(rows, []string{u.ID, termtext.Clean(u.Email), termtext.Clean(u.Name),
			fmt.Sprint(u.EmailVerified), u.CreatedAt.Format("2006-01-02"), termtext.Clean(strings.Join(u.Tags, ","))})
	}
	if err := printTable(&b, []string{"ID", "EMAIL", "NAME", "VERIFIED", "CREATED", "TAGS"}, rows); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// oldEventList is `event list` as it printed before it streamed.
func oldEventList(t *testing.T, env ascendkit.Environment, n int, asJSON bool) string {
	t.Helper()
	ctx := context.Background()
	es, err := env.ListEvents(ctx, ascendkit.EventFilter{Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]eventRow, len(es))
	for i, e := range es {
		rows[i].Event = e
		if u, err := env.GetUser(ctx, e.UserID); err == nil {
			rows[i].UserEmail = u.Email
		} else if !errors.Is(err, ascendkit.ErrNotFound) {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if asJSON {
		if err := printJSON(&b, rows); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	var cells [][]string
	for _, e := range rows {
		p, _ := json.Marshal(e.Payload)
		cells = append(cells, []string{e.ID, termtext.Clean(e.Type), termtext.Clean(e.UserEmail), e.UserID,
			e.CreatedAt.Format(time.RFC3339), termtext.Clean(string(p))})
	}
	if err := printTable(&b, []string{"ID", "TYPE", "EMAIL", "USER", "CREATED", "PAYLOAD"}, cells); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func listIO() (*globalOptions, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &globalOptions{io: &IO{Out: &out, ErrOut: &errOut}}, &out, &errOut
}

// The listings read the environment a page at a time and print exactly
// what reading it whole printed, across page boundaries, for --all and
// for limits at, below and past a page.
func TestListsStreamInPages(t *testing.T) {
	const n = 2*listPage + 45
	env := listEnv(t, n)
	ctx := context.Background()
	for _, tc := range []struct {
		tag   string
		limit int // 0: --all
	}{{"", 0}, {"", 5}, {"", listPage}, {"", listPage + 1}, {"third", 0}, {"third", listPage - 1}, {"nope", 0}} {
		for _, asJSON := range []bool{true, false} {
			name := fmt.Sprintf("user list tag %q limit %d json %v", tc.tag, tc.limit, asJSON)
			rec := &recordingEnv{Environment: env}
			g, out, errOut := listIO()
			o := &userListOptions{g: g, tag: tc.tag, rows: rowLimit{limit: tc.limit, all: tc.limit == 0}, json: asJSON}
			q := 0
			if tc.limit > 0 {
				q = tc.limit + 1
			}
			if err := o.list(ctx, rec, q); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want := oldUserList(t, env, tc.tag, tc.limit, asJSON)
			if out.String() != want {
				t.Errorf("%s: output differs from the whole listing's (%d bytes, want %d)", name, out.Len(), len(want))
			}
			rec.bounded(t, name)
			if tc.limit == 0 && tc.tag == "" && len(rec.users) < 3 {
				t.Errorf("%s: %d queries for %d users: not read in pages", name, len(rec.users), n)
			}
			if tc.limit == 0 && !strings.HasSuffix(errOut.String(), " users\n") {
				t.Errorf("%s: stderr %q", name, errOut.String())
			}
			if tc.limit == 5 && !strings.Contains(errOut.String(), fmt.Sprintf("Showing 5 of %s users", "2,045")) {
				t.Errorf("%s: stderr %q", name, errOut.String())
			}
		}
	}

	for _, limit := range []int{0, 7, listPage, 2*listPage + 1} {
		for _, asJSON := range []bool{true, false} {
			name := fmt.Sprintf("event list limit %d json %v", limit, asJSON)
			rec := &recordingEnv{Environment: env}
			g, out, _ := listIO()
			o := &eventListOptions{g: g, rows: rowLimit{limit: limit, all: limit == 0}, json: asJSON}
			q := 0
			if limit > 0 {
				q = limit + 1
			}
			if err := o.list(ctx, rec, q); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if want := oldEventList(t, env, limit, asJSON); out.String() != want {
				t.Errorf("%s: output differs from the whole listing's (%d bytes, want %d)", name, out.Len(), len(want))
			}
			rec.bounded(t, name)
			lookups := 0
			for _, f := range rec.users {
				if f.IDs == nil {
					t.Errorf("%s: ListUsers without ids (%+v): the emails must be looked up by id", name, f)
				}
				lookups++
			}
			if limit == 0 && (len(rec.events) < 4 || lookups < 4) {
				t.Errorf("%s: %d event pages, %d lookups for %d events", name, len(rec.events), lookups, 2*n)
			}
		}
	}
}

// Users created while `user list --all` reads its pages, before and after
// the page it is at, never make a user appear twice, and every user that
// was there at the start appears, in order.
func TestUserListWhileUsersAreAdded(t *testing.T) {
	env := listEnv(t, 2*listPage+45)
	ctx := context.Background()
	before, err := env.ListUsers(ctx, ascendkit.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	added := 0
	rec := &recordingEnv{Environment: env}
	rec.afterUsers = func(call int) {
		if call > 2 {
			return
		}
		// One user at the very start (already read past), one at the end.
		base := 10000 + 10*call
		addUsers(t, env, fmt.Sprintf("run_between%d", call), base, base, func(int) time.Time { return listT0.Add(-time.Hour) })
		addUsers(t, env, fmt.Sprintf("run_after%d", call), base+1, base+1, func(int) time.Time { return listT0.Add(time.Hour * 24) })
		added += 2
	}
	g, out, _ := listIO()
	o := &userListOptions{g: g, rows: rowLimit{all: true}, json: true}
	if err := o.list(ctx, rec, 0); err != nil {
		t.Fatal(err)
	}
	var got []ascendkit.User
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if added != 4 {
		t.Fatalf("%d users added between pages, want 4", added)
	}
	seen := map[string]bool{}
	for i, u := range got {
		if seen[u.ID] {
			t.Fatalf("user %s listed twice", u.ID)
		}
		seen[u.ID] = true
		if i > 0 && !positionAfter(userPosition(u), userPosition(got[i-1])) {
			t.Fatalf("user %s listed after %s, out of order", u.ID, got[i-1].ID)
		}
	}
	for _, u := range before {
		if !seen[u.ID] {
			t.Errorf("user %s, there from the start, not listed", u.ID)
		}
	}
	if len(got) > len(before)+added {
		t.Errorf("%d users listed, from %d and %d added", len(got), len(before), added)
	}
	rec.bounded(t, "user list --all while users are added")
}

// table aligns as tabwriter does, for multi-byte and empty cells that
// fit their caps, where a rune takes one terminal cell (ASCII, Latin
// letters, U+FFFD). Where it does not (CJK, emoji, accents written as
// combining marks) tabwriter misaligned the columns: TestTableAlignsByDisplayWidth.
// (Byte 0xff, tabwriter's escape, never reaches either: termtext.Clean
// turns invalid UTF-8 into U+FFFD.)
func TestTableMatchesTabwriter(t *testing.T) {
	rows := [][]string{
		{"ID", "NAME", "X", "LAST"},
		{"a", "", "Zoë", "tail"},
		{"longer id", "Ærøskøbing", "", ""},
		{"", "\ufffd", "x", "t\u00e9"},
		{"b", "ok", strings.Repeat("w", 40), "end"},
	}
	var want bytes.Buffer
	tw := tabwriter.NewWriter(&want, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	tb := newTable(rows[0])
	for _, r := range rows[1:] {
		tb.measure(r)
	}
	var got bytes.Buffer
	for _, r := range rows {
		if err := tb.write(&got, r); err != nil {
			t.Fatal(err)
		}
	}
	if got.String() != want.String() {
		t.Errorf("table:\n%q\ntabwriter:\n%q", got.String(), want.String())
	}
	var arr bytes.Buffer
	a := newJSONArray(&arr)
	if err := a.close(); err != nil || arr.String() != "[]\n" {
		t.Errorf("empty array %q, %v", arr.String(), err)
	}
	if !slices.Equal(userHeader, []string{"ID", "EMAIL", "NAME", "VERIFIED", "CREATED", "TAGS"}) {
		t.Errorf("user header %v", userHeader)
	}
}
