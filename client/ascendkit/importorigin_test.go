package ascendkit

import "testing"

// ImportOrigin takes only strings at the exact keys, as the backends'
// SQL read them before, and is "" for whatever else is stored.
func TestImportOrigin(t *testing.T) {
	for _, c := range []struct{ meta, source, sourceID string }{
		{`{"import":{"source":"clerk","sourceId":"user_1"},"plan":"pro"}`, "clerk", "user_1"},
		{`{"import":{"source":"cl\u0000erk","sourceId":"user_\u00e9"}}`, "cl\x00erk", "user_é"},
		{`{"import":{"source":7,"sourceId":["x"]}}`, "", ""},
		{`{"import":{"sourceId":"user_1"}}`, "", "user_1"},
		{`{"Import":{"Source":"clerk","SourceID":"user_1"}}`, "", ""},
		{`{"import":{"source":null,"sourceId":"a"}}`, "", "a"},
		{`{"import":"clerk"}`, "", ""},
		{`{"import":null}`, "", ""},
		{`{}`, "", ""},
		{`null`, "", ""},
		{`not json`, "", ""},
		{``, "", ""},
	} {
		if s, id := ImportOrigin([]byte(c.meta)); s != c.source || id != c.sourceID {
			t.Errorf("ImportOrigin(%s) = %q, %q, want %q, %q", c.meta, s, id, c.source, c.sourceID)
		}
	}
}
