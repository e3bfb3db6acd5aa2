package clerk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestScannerValueEnds checks that value finds where a value ends, as
// encoding/json does, when brackets, quotes and escapes sit inside
// strings and when the reader's buffer splits the value anywhere (a
// 16-byte buffer splits it between every kind of byte).
func TestScannerValueEnds(t *testing.T) {
	values := []string{
		`{"a":"x}]\"{[","b":[1,{"c":"\\"}],"d":"\\\""}`,
		`["]", "[", "\\", "\"", {"}": "{"}, [[[]]], "é\u00e9"]`,
		`"a long string with \\ and \" and } ] { [ inside, long enough to span buffers"`,
		`{"nested":{"deeper":{"deepest":["\\\\\\\"",{}]}}}`,
	}
	for _, v := range values {
		dec := json.NewDecoder(strings.NewReader(v + ` {"next":1}`))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("test value %s: %v", v, err)
		}
		want := dec.InputOffset()
		for _, size := range []int{16, 17, 31, 4096} {
			s := &scanner{br: bufio.NewReaderSize(strings.NewReader(v+` {"next":1}`), size)}
			var kept []byte
			n, err := s.value(&kept, 1<<20)
			if err != nil || n != want || !bytes.Equal(kept, raw) {
				t.Errorf("buffer %d, value %s: size %d, kept %s, err %v; want size %d", size, v, n, kept, err, want)
			}
			// The next value starts where this one ended.
			var next []byte
			if _, err := s.value(&next, 1<<20); err != nil || string(next) != `{"next":1}` {
				t.Errorf("buffer %d, after %s: next value %s, err %v", size, v, next, err)
			}
		}
	}
}

// TestScannerValueMismatch checks that a closing bracket of the wrong kind
// outside a string is still caught after the fast skip over plain bytes.
func TestScannerValueMismatch(t *testing.T) {
	for _, v := range []string{`{"a":"]"]`, `[1, 2, "}" }`, `{"a":[1}`} {
		s := &scanner{br: bufio.NewReaderSize(strings.NewReader(v), 16)}
		if _, err := s.value(nil, 0); err == nil {
			t.Errorf("%s: no error", v)
		}
	}
}

// TestSkipInString checks the eight-byte skip stops at the first quote or
// backslash wherever it sits, next to bytes that could fool the bit trick
// (0x21 and 0x23 around a quote, 0x5b/0x5d around a backslash, 0x80 and
// 0xff, and a zero byte whose borrow flags the byte above it).
func TestSkipInString(t *testing.T) {
	fillers := []byte{'a', 0x21, 0x23, 0x5b, 0x5d, 0x80, 0xff, 0x00, 0x01}
	for _, stop := range []byte{'"', '\\'} {
		for _, fill := range fillers {
			for length := 0; length <= 20; length++ {
				for at := -1; at < length; at++ {
					b := bytes.Repeat([]byte{fill}, length)
					want := length
					if at >= 0 {
						b[at], want = stop, at
					}
					if got := skipInString(b, 0); got != want {
						t.Fatalf("stop %q fill %#x in %d bytes at %d: got %d", stop, fill, length, at, got)
					}
				}
			}
		}
	}
}
