package conformance

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// UserStates reads metadata.import of users whose public metadata the
// backend's own JSON functions refuse (SQLite nesting past 1000 levels,
// PostgreSQL's json operators a \u0000 escape): a re-run reads the states
// of every user of its source, so one such user must not fail them all.
// The metadata reads back as it was written.
func testUserStatesOfAnyMetadata(t *testing.T, be Backend) {
	l := be.Open(t)
	var deep any = json.Number("1")
	for range 1001 {
		deep = map[string]any{"a": deep}
	}
	metas := []map[string]any{
		{"deep": deep, "import": map[string]any{"source": "clerk", "sourceId": "user_1"}},
		{"s": "\x00nul", "import": map[string]any{"source": "clerk", "sourceId": "user_2"}},
	}
	var users []ascendkit.ImportedUser
	for i, m := range metas {
		u := imported(i + 1)
		u.User.Metadata = m
		users = append(users, u)
	}
	apply(t, l, ascendkit.ImportBatch{RunID: "r", Create: users})
	var ids []string
	for i, u := range users {
		got, err := l.GetUser(ctx, u.User.Email)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Metadata, metas[i]) {
			t.Errorf("metadata of %s reads back changed", u.User.Email)
		}
		ids = append(ids, got.ID)
	}
	states, err := l.UserStates(ctx, ids)
	if err != nil {
		t.Fatalf("user states: %v", err)
	}
	for i, id := range ids {
		s := states[id]
		if want := metas[i]["import"].(map[string]any)["sourceId"]; s.ImportSource != "clerk" || s.ImportSourceID != want {
			t.Errorf("state of %s: import %q %q, want clerk %q", id, s.ImportSource, s.ImportSourceID, want)
		}
	}
}
