package sqlstore

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestMergeMetadata(t *testing.T) {
	imp := map[string]any{"sourceId": "user_b"}
	for _, tc := range []struct {
		name, meta string
		source     map[string]any
		want       string
		kept       []string
	}{
		{"adds what is missing", `{"role":"user"}`, map[string]any{"plan": "pro", "import": "ignored"},
			`{"import":{"sourceId":"user_b"},"plan":"pro","role":"user"}`, nil},
		{"keeps the user's values", `{"role":"user","n":1.50,"import":"mine"}`,
			map[string]any{"role": "admin", "n": json.Number("1.50"), "b": json.Number("2"), "a": json.Number("1")},
			`{"a":1,"b":2,"import":"mine","n":1.50,"role":"user"}`, []string{"role"}},
		{"a null value is added too", `{"import":"mine","role":"user"}`, map[string]any{"role": "admin", "plan2": nil},
			`{"import":"mine","plan2":null,"role":"user"}`, []string{"role"}},
		{"unreadable starts over", `not json`, map[string]any{"x": true}, `{"import":{"sourceId":"user_b"},"x":true}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, changed, kept, err := mergeMetadata(tc.meta, imp, tc.source)
			if err != nil || out != tc.want || changed != (out != tc.meta) || !slices.Equal(kept, tc.kept) {
				t.Errorf("= %s, %v, %v, %v; want %s, kept %v", out, changed, kept, err, tc.want, tc.kept)
			}
		})
	}
	if out, changed, kept, err := mergeMetadata(`{"import":"mine","a":1}`, imp, map[string]any{"a": json.Number("1")}); out != `{"import":"mine","a":1}` || changed || kept != nil || err != nil {
		t.Errorf("no change = %s, %v, %v, %v: the text must stay as it is", out, changed, kept, err)
	}
}

func TestUnwindMetadata(t *testing.T) {
	b0, b1, b2 := `{"a":1}`, `{"a":1,"import":"i","p":"x"}`, `{"a":1,"import":"i","p":"x","q":2}`
	two := []metaChange{{before: b1, after: b2}, {before: b0, after: b1}} // any order
	for _, tc := range []struct {
		name, cur string
		changes   []metaChange
		want      string
	}{
		{"unchanged since: the text from before", b2, two, b0},
		{"changed since: only what holds the merge's values goes", `{"a":1,"import":"other","p":"y","q":2,"r":3}`, two, `{"a":1,"p":"y","r":3}`},
		{"a started-over merge: all its keys were its own", `{"import":"i","z":1,"k":0}`,
			[]metaChange{{before: "not json", after: `{"import":"i","z":1}`}}, `{"k":0}`},
		{"not an object: someone else's", `[1]`, two, `[1]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := unwindMetadata(tc.cur, tc.changes)
			if err != nil || got != tc.want {
				t.Errorf("= %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}
