package conformance

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// metadataText is the stored metadata of the user with email, as text.
func metadataText(t *testing.T, be Backend, l ascendkit.Environment, email string) string {
	t.Helper()
	rows := be.Query(t, l, `SELECT metadata FROM users WHERE email = $1`, email)
	if len(rows) != 1 {
		t.Fatalf("%s: %d users", email, len(rows))
	}
	return rows[0][0]
}

// metadataOf decodes text as a metadata object.
func metadataOf(t *testing.T, text string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("metadata %q: %v", text, err)
	}
	return m
}

// A merge carries the source's metadata (Fill.Metadata) key by key where
// the user has none, never overwriting a key the user has (it reports
// those whose values differ), and its undo puts the metadata back: the
// exact text when nothing changed it since, also after two merges of one
// run into one user; else only the keys that still hold the merge's
// values go, with metadata.import.
func testMergeCarriesMetadataAndUndoRestoresIt(t *testing.T, be Backend) {
	l := be.Open(t)
	own := func(i int, meta map[string]any) ascendkit.ImportedUser {
		u := imported(i)
		u.Source = "signup" // predates the import
		u.User.Metadata = meta
		return u
	}
	apply(t, l, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{
		own(1, map[string]any{"role": "user", "seats": json.Number("3")}),
		own(2, map[string]any{"import": "mine", "n": json.Number("1.50")}),
		own(3, nil),
		own(4, map[string]any{"role": "user"}),
	}})
	emails := []string{"user1@example.com", "user2@example.com", "user3@example.com", "user4@example.com"}
	before := map[string]string{}
	for _, e := range emails {
		before[e] = metadataText(t, be, l, e)
	}
	imp := func(id string) map[string]any { return map[string]any{"source": "clerk", "sourceId": id} }
	merge := func(email, id string, meta map[string]any) ascendkit.Merge {
		meta["import"] = imp(id) // as mapping sets it: the merge's own record
		return ascendkit.Merge{Email: email, Source: "clerk", SourceID: id, ImportMeta: imp(id), Fill: ascendkit.User{Metadata: meta}}
	}
	startRun(t, l, "run_m")
	res := apply(t, l, ascendkit.ImportBatch{RunID: "run_m", Merge: []ascendkit.Merge{
		merge("User1@Example.com", "user_1b", map[string]any{"role": "admin", "plan": "pro", "seats": json.Number("3"), "publicImport": "theirs"}),
		// A second merge of the run into the same user.
		merge("user1@example.com", "user_1c", map[string]any{"plan": "team", "tier": json.Number("2")}),
		merge("user2@example.com", "user_2b", map[string]any{"n": json.Number("1.50"), "x": true}),
		merge("user3@example.com", "user_3b", map[string]any{"role": "admin"}),
		// Nothing to add: the import record goes in, and the differing key is reported.
		merge("user4@example.com", "user_4b", map[string]any{"role": "owner"}),
	}})
	finishRun(t, l, "run_m")
	wantKept := []ascendkit.KeptMetadata{
		{SourceID: "user_1b", Keys: []string{"role"}},
		{SourceID: "user_1c", Keys: []string{"plan"}},
		{SourceID: "user_4b", Keys: []string{"role"}},
	}
	if res.Merged != 5 || !reflect.DeepEqual(res.MetadataKept, wantKept) {
		t.Fatalf("result %+v, want kept %+v", res, wantKept)
	}
	want := map[string]map[string]any{
		"user1@example.com": {"role": "user", "seats": 3.0, "plan": "pro", "publicImport": "theirs", "tier": 2.0, "import": imp("user_1b")},
		"user2@example.com": {"import": "mine", "n": 1.5, "x": true},
		"user3@example.com": {"role": "admin", "import": imp("user_3b")},
		"user4@example.com": {"role": "user", "import": imp("user_4b")},
	}
	for e, w := range want {
		if got := metadataOf(t, metadataText(t, be, l, e)); !reflect.DeepEqual(got, w) {
			t.Errorf("%s metadata %v, want %v", e, got, w)
		}
	}
	// Numbers keep their text.
	if got := metadataText(t, be, l, "user2@example.com"); got != `{"import":"mine","n":1.50,"x":true}` {
		t.Errorf("user2 metadata text %s", got)
	}
	p, err := l.PlanUndo(ctx, "run_m")
	if err != nil || p.Metadata != 4 || p.MergedUsers != 5 {
		t.Fatalf("plan %+v, %v", p, err)
	}
	if _, err := l.UndoRun(ctx, "run_m", false, t0); err != nil {
		t.Fatal(err)
	}
	for _, e := range emails {
		if got := metadataText(t, be, l, e); got != before[e] {
			t.Errorf("%s metadata after undo %s, want %s", e, got, before[e])
		}
	}

	// Changed since the merge: what still holds the merge's value goes
	// (and metadata.import), what was changed or added since stays.
	startRun(t, l, "run_n")
	apply(t, l, ascendkit.ImportBatch{RunID: "run_n", Merge: []ascendkit.Merge{
		merge("user1@example.com", "user_1d", map[string]any{"plan": "pro", "tier": json.Number("2"), "x": "y"}),
		merge("user1@example.com", "user_1e", map[string]any{"z": json.Number("9")}),
		merge("user2@example.com", "user_2d", map[string]any{"x": true}),
		merge("user3@example.com", "user_3d", map[string]any{"role": "admin"}),
	}})
	finishRun(t, l, "run_n")
	edited := metadataOf(t, metadataText(t, be, l, "user1@example.com"))
	edited["tier"], edited["added"] = json.Number("5"), "by hand"
	b, _ := json.Marshal(edited)
	be.Exec(t, l, `UPDATE users SET metadata = $1 WHERE email = $2`, string(b), "user1@example.com")
	be.Exec(t, l, `UPDATE users SET metadata = $1 WHERE email = $2`, `{"x":false,"import":"mine","n":1.50}`, "user2@example.com")
	be.Exec(t, l, `UPDATE users SET metadata = $1 WHERE email = $2`, `not json`, "user3@example.com")
	if _, err := l.UndoRun(ctx, "run_n", false, t0); err != nil {
		t.Fatal(err)
	}
	want = map[string]map[string]any{
		"user1@example.com": {"role": "user", "seats": 3.0, "tier": 5.0, "added": "by hand"},
		"user2@example.com": {"import": "mine", "n": 1.5, "x": false},
	}
	for e, w := range want {
		if got := metadataOf(t, metadataText(t, be, l, e)); !reflect.DeepEqual(got, w) {
			t.Errorf("%s metadata after undo of a changed merge %v, want %v", e, got, w)
		}
	}
	if got := metadataText(t, be, l, "user3@example.com"); got != "not json" {
		t.Errorf("user3 metadata after undo %q: not the merge's to change", got)
	}
}
