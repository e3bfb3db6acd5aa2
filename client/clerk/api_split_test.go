package clerk

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

var splitSeeds = []string{
	`[]`, ` [ ] `, `[1]`, `[{"id":"user_1"}]`, "[\n{\"id\":\"a\"},\n{\"id\":\"b\"}\n]\n",
	`[{"a":"x\"]}"},{"b":[1,{"c":"\\"}]}]`, `[null,true,false,-1.5e3,"s",[],{}]`,
	`[{"id":"user_1"},{"id":`, `[{"a":[1}]`, `[1 2]`, `[1,]`, `[,1]`, `[{"a":1}}]`, `[1] x`,
	`["\u00e9\\\\"]`, `[{"id":"é","n":{"m":[[],[{}]]}}]`, `[`, `["abc`, `[{"a":"b\`,
}

// FuzzSplitArray: on every array encoding/json accepts, the one-pass split
// yields exactly its elements; on anything else it never panics, and what
// it does split are the array's top-level values (each is decoded on its
// own later).
func FuzzSplitArray(f *testing.F) {
	for _, s := range splitSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := splitArray(b)
		var want []json.RawMessage
		if json.Unmarshal(b, &want) != nil {
			return
		}
		if err != nil {
			t.Fatalf("valid array %q: %v", b, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d elements, want %d", b, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i], bytes.TrimSpace(want[i])) {
				t.Fatalf("%q: element %d = %q, want %q", b, i, got[i], want[i])
			}
		}
	})
}

func TestSplitArrayErrors(t *testing.T) {
	for in, truncated := range map[string]bool{
		`[{"id":"user_1"},{"id":`: true, `[`: true, `["abc`: true, `[{"a":"b\`: true, `[1,`: true,
		`[{"a":[1}]`: false, `[1 2]`: false, `[,1]`: false, `[{"a":1}}]`: false, `[1] x`: false, `{}`: false,
	} {
		_, err := splitArray([]byte(in))
		if err == nil || errors.Is(err, io.ErrUnexpectedEOF) != truncated {
			t.Errorf("%q: err %v, want truncated=%v", in, err, truncated)
		}
	}
}

// skipString looks at eight bytes at a time: a quote or backslash at any
// place in a block, and strings ending anywhere in one, must still split
// exactly as encoding/json reads the array.
func TestSplitStringBlockBoundaries(t *testing.T) {
	for n := range 20 {
		for pos := range n + 1 {
			for _, special := range []string{`\"`, `\\`, `\u0022`, `é`} {
				s := string(bytes.Repeat([]byte{'a'}, pos)) + special + string(bytes.Repeat([]byte{'b'}, n-pos))
				doc := []byte(`[{"s":"` + s + `"},"` + s + `",1]`)
				var want []json.RawMessage
				if err := json.Unmarshal(doc, &want); err != nil {
					t.Fatalf("%s: %v", doc, err)
				}
				got, err := splitArray(doc)
				if err != nil || len(got) != len(want) {
					t.Fatalf("%s: split %d elements (%v), want %d", doc, len(got), err, len(want))
				}
				for i := range want {
					if !bytes.Equal(bytes.TrimSpace(got[i]), want[i]) {
						t.Fatalf("%s: element %d = %s, want %s", doc, i, got[i], want[i])
					}
				}
			}
		}
	}
}
