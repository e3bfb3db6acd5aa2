package conformance

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// pageUsers lists the users of f a page of n at a time, as `user list`
// does; between gets the number of pages read so far after each one.
func pageUsers(t *testing.T, l ascendkit.Environment, f ascendkit.UserFilter, n int, between func(int)) []ascendkit.User {
	t.Helper()
	var out []ascendkit.User
	f.Limit = n
	for pages := 1; ; pages++ {
		page, err := l.ListUsers(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > n || pages > 1000 {
			t.Fatalf("page %d of %d users for limit %d: paging does not end", pages, len(page), n)
		}
		out = append(out, page...)
		if len(page) < n {
			return out
		}
		last := page[len(page)-1]
		f.After = &ascendkit.ListPosition{CreatedAt: last.CreatedAt, ID: last.ID}
		if between != nil {
			between(pages)
		}
	}
}

func userIDs(us []ascendkit.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

// inListOrder fails unless us are in strictly increasing (creation time,
// id) order: sorted, and none twice.
func inListOrder(t *testing.T, what string, us []ascendkit.User) {
	t.Helper()
	for i := 1; i < len(us); i++ {
		a, b := us[i-1], us[i]
		if c := a.CreatedAt.Compare(b.CreatedAt); c > 0 || c == 0 && a.ID >= b.ID {
			t.Fatalf("%s: %s (%v) before %s (%v)", what, a.ID, a.CreatedAt, b.ID, b.CreatedAt)
		}
	}
}

// testListPages: ListUsers and ListEvents read a page at a time (After,
// Limit) give the whole listing, in order, each row once, also where a
// page ends among rows created at the same instant; rows added between
// pages never make a row appear twice. ListUsers(IDs) looks users up by
// id in the list's order.
func testListPages(t *testing.T, be Backend) {
	l := be.Open(t)
	var b ascendkit.ImportBatch
	b.RunID = "run1"
	for i := 1; i <= 23; i++ {
		u := imported(i)
		// Threes created at the same instant, so pages of 5 end inside ties.
		u.User.CreatedAt = t0.Add(time.Duration(i/3) * time.Minute)
		if i%2 == 0 {
			u.User.Tags = append(u.User.Tags, "even")
		}
		b.Create = append(b.Create, u)
	}
	apply(t, l, b)

	all, err := l.ListUsers(ctx, ascendkit.UserFilter{})
	if err != nil || len(all) != 23 {
		t.Fatalf("ListUsers = %d users, %v", len(all), err)
	}
	inListOrder(t, "ListUsers", all)
	for _, n := range []int{1, 2, 5, 23, 50} {
		if got := pageUsers(t, l, ascendkit.UserFilter{}, n, nil); !slices.Equal(userIDs(got), userIDs(all)) {
			t.Errorf("pages of %d: %v, want %v", n, userIDs(got), userIDs(all))
		}
	}
	even, err := l.ListUsers(ctx, ascendkit.UserFilter{Tag: "even"})
	if err != nil || len(even) != 11 {
		t.Fatalf("ListUsers(even) = %d users, %v", len(even), err)
	}
	if got := pageUsers(t, l, ascendkit.UserFilter{Tag: "even"}, 4, nil); !slices.Equal(userIDs(got), userIDs(even)) {
		t.Errorf("tagged pages: %v, want %v", userIDs(got), userIDs(even))
	}

	// Users created while the pages are read, before and after the pages
	// so far: the listing still holds every user it began with, once each.
	added := 0
	got := pageUsers(t, l, ascendkit.UserFilter{}, 5, func(pages int) {
		if pages > 2 {
			return
		}
		var nb ascendkit.ImportBatch
		nb.RunID = fmt.Sprintf("run_between%d", pages)
		for _, at := range []time.Duration{0, time.Hour} {
			added++
			u := imported(100 + added)
			u.User.CreatedAt = t0.Add(at)
			nb.Create = append(nb.Create, u)
		}
		apply(t, l, nb)
	})
	inListOrder(t, "pages with users added between", got)
	ids := userIDs(got)
	for _, u := range all {
		if !slices.Contains(ids, u.ID) {
			t.Errorf("user %s missing from the pages read while users were added", u.ID)
		}
	}
	if len(got) < len(all) || len(got) > len(all)+added {
		t.Errorf("pages read while %d users were added: %d users, from %d", added, len(got), len(all))
	}

	// Lookup by id: in list order, each once, unknown ids skipped, also
	// past the backend's batch of ids per query.
	want := []ascendkit.User{all[2], all[7], all[20]}
	lookup := []string{all[20].ID, "usr_unknown", all[2].ID, all[7].ID, all[2].ID}
	for i := range 1200 {
		lookup = append(lookup, fmt.Sprintf("usr_none%04d", i))
	}
	lookup = append(lookup, all[20].ID)
	if us, err := l.ListUsers(ctx, ascendkit.UserFilter{IDs: lookup}); err != nil || !slices.Equal(userIDs(us), userIDs(want)) {
		t.Errorf("ListUsers(IDs) = %v, %v; want %v", userIDs(us), err, userIDs(want))
	} else if us[1].Email != all[7].Email || !slices.Equal(us[1].Tags, all[7].Tags) || len(us[1].OAuthLinks) != 1 {
		t.Errorf("ListUsers(IDs) user %+v, want %+v", us[1], all[7])
	}
	if us, err := l.ListUsers(ctx, ascendkit.UserFilter{IDs: []string{}}); err != nil || us == nil || len(us) != 0 {
		t.Errorf("ListUsers(no IDs) = %#v, %v", us, err)
	}
	if us, err := l.ListUsers(ctx, ascendkit.UserFilter{IDs: userIDs(all), Tag: "even", Limit: 3}); err != nil || !slices.Equal(userIDs(us), userIDs(even[:3])) {
		t.Errorf("ListUsers(IDs, even, 3) = %v, %v; want %v", userIDs(us), err, userIDs(even[:3]))
	}

	// Events: all of a batch share its instant, so only ids order them.
	events, err := l.ListEvents(ctx, ascendkit.EventFilter{})
	if err != nil || len(events) < 46 {
		t.Fatalf("ListEvents = %d events, %v", len(events), err)
	}
	for _, f := range []ascendkit.EventFilter{{}, {Type: "user.login"}, {UserID: all[4].ID}} {
		whole, err := l.ListEvents(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var paged []ascendkit.Event
		f.Limit = 3
		for pages := 0; ; pages++ {
			if pages > 1000 {
				t.Fatalf("events %+v: paging does not end", f)
			}
			page, err := l.ListEvents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, page...)
			if len(page) < f.Limit {
				break
			}
			last := page[len(page)-1]
			f.After = &ascendkit.ListPosition{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		if len(paged) != len(whole) || len(whole) == 0 {
			t.Fatalf("events %+v: %d paged, %d whole", f, len(paged), len(whole))
		}
		for i := range whole {
			if paged[i].ID != whole[i].ID {
				t.Fatalf("events %+v: row %d is %s paged, %s whole", f, i, paged[i].ID, whole[i].ID)
			}
		}
	}
}
