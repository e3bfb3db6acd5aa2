package rules

import (
	"encoding/json"
	"math"
	"math/rand"
	"strings"
	"testing"
)

// TestMarshalObjectIsEncodingJSON: MarshalObject writes what
// encoding/json writes, byte for byte, and fails where it fails, over random metadata of every JSON type with the
// strings encoders differ on (HTML, U+2028, control bytes, invalid UTF-8,
// surrogates) and floats at the edges of each notation, plus values of
// other Go types.
func TestMarshalObjectIsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	pieces := []string{"a", "<", ">", "&", "\u2028", "\u2029", "\x00", "\x1f", "\x7f", "\b", "\f", "\n", "\r", "\t",
		`"`, `\`, "/", "é", "😀", "\xff", "\xc3", "\xed\xa0\x80", "\ufffd"}
	str := func() string {
		var b strings.Builder
		for i := r.Intn(8); i > 0; i-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		return b.String()
	}
	floats := []float64{0, math.Copysign(0, -1), 1e21, 1e20, 1e-6, 1e-7, 123.456, -5, 1 << 53,
		3.0000000000000004, math.MaxFloat64, math.SmallestNonzeroFloat64}
	var value func(depth int) any
	value = func(depth int) any {
		switch k := r.Intn(9); {
		case k == 0 && depth < 3:
			m := map[string]any{}
			for i := r.Intn(5); i > 0; i-- {
				m[str()] = value(depth + 1)
			}
			return m
		case k == 1 && depth < 3:
			var a []any
			for i := r.Intn(4); i > 0; i-- {
				a = append(a, value(depth+1))
			}
			return a
		case k == 2:
			if r.Intn(2) == 0 {
				return floats[r.Intn(len(floats))]
			}
			return r.NormFloat64() * math.Pow(10, float64(r.Intn(40)-20))
		case k == 3:
			return r.Intn(2) == 0
		case k == 4:
			return nil
		case k == 5:
			return json.Number([]string{"1", "-0", "1e400", "12345678901234567890", "1.5"}[r.Intn(5)])
		default:
			return str()
		}
	}
	same := func(m map[string]any) {
		t.Helper()
		want, werr := "{}", error(nil)
		if len(m) > 0 {
			var b []byte
			b, werr = json.Marshal(m)
			want = string(b)
		}
		got, gerr := MarshalObject(m)
		if (werr == nil && got != want) || (werr == nil) != (gerr == nil) {
			t.Fatalf("MarshalObject(%#v) = %q, %v; encoding/json: %q, %v", m, got, gerr, want, werr)
		}
	}
	for range 20000 {
		m := map[string]any{}
		for i := r.Intn(6); i > 0; i-- {
			m[str()] = value(0)
		}
		same(m)
	}
	type tagged struct {
		A string `json:"a"`
		B int
	}
	for _, v := range []any{math.NaN(), math.Inf(-1), int64(-5), uint8(3), []string{"<x>"}, map[string]string{"b": "&"},
		tagged{"<", 2}, &tagged{}, []byte("hi"), json.RawMessage(`{"z":1, "a":[1,  2]}`), float32(0.1), make(chan int)} {
		same(map[string]any{"k": v})
	}
	same(nil)
	same(map[string]any{})
}
