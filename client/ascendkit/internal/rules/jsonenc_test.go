package rules

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

type named string

// TestMarshalObjectAsMarshal checks MarshalObject against json.Marshal on
// values every fast path and every fallback meets.
func TestMarshalObjectAsMarshal(t *testing.T) {
	objects := []map[string]any{
		{"plain": "abc", "n": json.Number("12"), "f": 1.5, "b": true, "z": nil},
		{"html": "<a href=\"x\">&</a>", "ctl": "tab\there\nnl\x01\x7f", "bs": `back\slash`},
		{"uni": "é ü 日本", "sep": "a\u2028b\u2029c", "bidi": "\u202eevil", "c1": "\u0085", "bad": "\xff\xfe", "half": "\xe2\x80"},
		{"nested": map[string]any{"b": []any{1.0, "x", nil, map[string]any{}, []any{}}, "a": map[string]any(nil)}, "nilslice": []any(nil)},
		{"floats": []any{0.0, math.Copysign(0, -1), 1e20, 1e21, 123456789.0, 1e-6, 1e-7, 0.000001234, -2.5e-10, 1.7976931348623157e308, 5e-324}},
		{"numbers": []any{json.Number("-0"), json.Number("1.0e+10"), json.Number("0.5E-3"), json.Number("")}},
		{"typed": named("x<y"), "ints": []int{1, 2}, "strs": []string{"a", "<"}, "struct": struct{ A int }{3}},
		{"Z": 1.0, "a": 2.0, "B": 3.0, "é": 4.0, "": 5.0, "<k>": 6.0, "k\"": 7.0},
	}
	for _, m := range objects {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := MarshalObject(m)
		if err != nil || got != string(want) {
			t.Errorf("MarshalObject = %s, %v\nwant           %s", got, err, want)
		}
	}
}

// TestMarshalObjectErrors: what Marshal refuses, MarshalObject refuses.
func TestMarshalObjectErrors(t *testing.T) {
	for _, m := range []map[string]any{
		{"nan": math.NaN()},
		{"inf": []any{math.Inf(1)}},
		{"num": json.Number("1x")},
		{"num": json.Number("01")},
		{"num": json.Number("1.")},
		{"ch": make(chan int)},
	} {
		if got, err := MarshalObject(m); err == nil {
			t.Errorf("%v: MarshalObject = %s, no error", m, got)
		}
	}
	if got, err := MarshalObject(nil); err != nil || got != "{}" {
		t.Errorf("MarshalObject(nil) = %s, %v", got, err)
	}
}

// FuzzMarshalObject decodes the input as JSON objects do when read from
// an export (numbers as json.Number) and as plain floats, and checks that
// MarshalObject writes them exactly as json.Marshal does.
func FuzzMarshalObject(f *testing.F) {
	f.Add(`{"a":"<b>","c":[1,2.5e-9,{"d":null}],"e":"\u2028\ud800"}`)
	f.Add(`{"n":1e21,"m":-0.0000001,"s":"\u00e9\u0085"}`)
	f.Fuzz(func(t *testing.T, in string) {
		for _, useNumber := range []bool{true, false} {
			dec := json.NewDecoder(bytes.NewReader([]byte(in)))
			if useNumber {
				dec.UseNumber()
			}
			var m map[string]any
			if dec.Decode(&m) != nil || len(m) == 0 {
				return
			}
			want, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := MarshalObject(m); err != nil || got != string(want) {
				t.Fatalf("MarshalObject = %s, %v\nwant           %s", got, err, want)
			}
		}
	})
}
