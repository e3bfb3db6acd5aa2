package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/conformance"
)

// The list filters become SQL only when given, numbering their parameters
// as they go: every combination of them, with and without a limit, must
// bind each value to its own condition.
func TestListFiltersCombine(t *testing.T) {
	each(t, func(t *testing.T, env ascendkit.Environment) {
		batch := ascendkit.ImportBatch{RunID: "r"}
		for i := range 4 {
			tags := []string{"even"}
			if i%2 == 1 {
				tags = []string{"odd"}
			}
			batch.Create = append(batch.Create, conformance.Imported(i, tags...))
		}
		if _, err := env.ApplyImport(ctx, batch, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		emails := func(us []ascendkit.User) []string {
			var out []string
			for _, u := range us {
				out = append(out, u.Email)
			}
			return out
		}
		for _, c := range []struct {
			f    ascendkit.UserFilter
			want []string
		}{
			{ascendkit.UserFilter{}, []string{"user0@example.com", "user1@example.com", "user2@example.com", "user3@example.com"}},
			{ascendkit.UserFilter{Tag: "odd"}, []string{"user1@example.com", "user3@example.com"}},
			{ascendkit.UserFilter{Tag: "odd", Limit: 1}, []string{"user1@example.com"}},
			{ascendkit.UserFilter{Limit: 3}, []string{"user0@example.com", "user1@example.com", "user2@example.com"}},
		} {
			got, err := env.ListUsers(ctx, c.f)
			if err != nil || !slices.Equal(emails(got), c.want) {
				t.Errorf("ListUsers(%+v) = %v, %v; want %v", c.f, emails(got), err, c.want)
			}
		}

		u2, err := env.GetUser(ctx, "user2@example.com")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			f    ascendkit.EventFilter
			want int
		}{
			{ascendkit.EventFilter{}, 8},
			{ascendkit.EventFilter{Limit: 5}, 5},
			{ascendkit.EventFilter{Type: "user.login"}, 4},
			{ascendkit.EventFilter{UserID: u2.ID}, 2},
			{ascendkit.EventFilter{Type: "user.login", UserID: u2.ID}, 1},
			{ascendkit.EventFilter{Type: "user.login", UserID: u2.ID, Limit: 1}, 1},
			{ascendkit.EventFilter{Type: "user.imported", Limit: 3}, 3},
			{ascendkit.EventFilter{Type: "nope", UserID: u2.ID}, 0},
		} {
			got, err := env.ListEvents(ctx, c.f)
			if err != nil || len(got) != c.want {
				t.Errorf("ListEvents(%+v) = %d events, %v; want %d", c.f, len(got), err, c.want)
				continue
			}
			for _, e := range got {
				if c.f.Type != "" && e.Type != c.f.Type || c.f.UserID != "" && e.UserID != c.f.UserID {
					t.Errorf("ListEvents(%+v) returned %+v", c.f, e)
				}
			}
		}
	})
}
