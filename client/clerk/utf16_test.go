package clerk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
)

// encodeUTF16 encodes s (valid UTF-8) as UTF-16 in the given byte order,
// with a byte-order mark when bom is set.
func encodeUTF16(s string, big, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	return unitBytes(units, big)
}

// unitBytes lays UTF-16 code units out in a byte order.
func unitBytes(units []uint16, big bool) []byte {
	out := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if big {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

// utf16Off is the file offset in a UTF-16 file of the UTF-8 offset off
// of s.
func utf16Off(s string, off int, bom bool) int {
	n := 2 * len(utf16.Encode([]rune(s[:off])))
	if bom {
		n += 2
	}
	return n
}

var utf16Variants = []struct {
	name     string
	big, bom bool
}{{"le-bom", false, true}, {"be-bom", true, true}, {"le", false, false}, {"be", true, false}}

func writeBytes(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// readSource drains path, returning every record with its format, notes
// and the Check pass's count.
type readResult struct {
	recs    []string
	err     string
	format  string
	notes   []string
	checked int
	cerr    string
}

func readSource(t *testing.T, path string) readResult {
	t.Helper()
	src, err := OpenFile(path)
	if err != nil {
		return readResult{err: strings.ReplaceAll(err.Error(), path, "FILE")}
	}
	defer src.Close()
	var res readResult
	for {
		recs, err := src.Next(context.Background())
		for _, r := range recs {
			u, _ := json.Marshal(r.User)
			e := ""
			if r.Err != nil {
				e = r.Err.Error()
			}
			res.recs = append(res.recs, fmt.Sprintf("%d %s %q %s %s", r.Pos, u, e, r.Raw, r.ID))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			res.err = err.Error()
			break
		}
	}
	res.format = src.(Formatter).Format()
	// The file's name is left out: twins are compared.
	res.err = strings.ReplaceAll(res.err, path, "FILE")
	for i := range res.recs {
		res.recs[i] = strings.ReplaceAll(res.recs[i], path, "FILE")
	}
	if n, ok := src.(Noter); ok {
		res.notes = n.Notes()
	}
	n, cerr := src.(Checker).Check(context.Background())
	res.checked = n
	if cerr != nil {
		res.cerr = strings.ReplaceAll(cerr.Error(), path, "FILE")
	}
	return res
}

// A JSON export saved as UTF-16 (PowerShell 5's `>`, Out-File) was read
// as a CSV and refused; it reads now as its UTF-8 twin does: the same
// users, format, notes and Check count, for every JSON shape.
func TestUTF16JSONReadsAsUTF8(t *testing.T) {
	contents := map[string]string{
		"non-bmp": `[{"id":"user_1","first_name":"Zoë 😀 名","email_addresses":[{"id":"e","email_address":"z@x.io"}],"primary_email_address_id":"e","public_metadata":{"emoji":"🎉\ud83d\ude00"}},` +
			"\r\n" + `{"id":"user_2","created_at":"yesterday"}, {"id":"user_3","first_name":"\u00e9"}]`,
		"data-page": `{"data":[{"id":"user_1"}],"total_count":1}`,
	}
	for _, name := range []string{"clerk-api.json", "clerk-support.json", "clerk-migrate.json", "clerk-migration-tool.json", "clerk-dashboard.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		contents[name] = string(b)
	}
	for name, content := range contents {
		want := readSource(t, writeBytes(t, "utf8", []byte(content)))
		if want.err != "" || want.cerr != "" || len(want.recs) == 0 || want.checked != len(want.recs) {
			t.Fatalf("%s: the UTF-8 file reads badly: %+v", name, want)
		}
		for _, v := range utf16Variants {
			got := readSource(t, writeBytes(t, "utf16", encodeUTF16(content, v.big, v.bom)))
			if !slices.Equal(got.recs, want.recs) || got.err != want.err || got.format != want.format ||
				!slices.Equal(got.notes, want.notes) || got.checked != want.checked || got.cerr != want.cerr {
				t.Errorf("%s %s:\n got %+v\nwant %+v", name, v.name, got, want)
			}
		}
	}
}

// Structural errors in a UTF-16 file read as its UTF-8 twin's, with the
// byte offsets of the file the user has, not of its UTF-8 text.
func TestUTF16JSONErrorPositions(t *testing.T) {
	big := `{"id":"user_1","first_name":"` + strings.Repeat("Zoë😀", 40000) + `"}`
	for _, tc := range []struct {
		content string
		at      string // the offset the UTF-8 error names is just before this
	}{
		{`[{"id":"user_1","first_name":"Zoë 😀"},{"id":"us`, `,{"id":"us`},
		{`[{"id":"user_1","first_name":"Zoë 😀"} {"id":"user_2"}]`, `{"id":"user_2"}]`},
		{`{"clerkMigrate":1,"users":[{"id":"user_1","first_name":"名"}]}}`, `}`},
		// Past the transcoder's window: the last complete value ends far
		// before the file does, and the bad byte is deep in it.
		{"[" + big + "," + big + "," + big[:len(big)-9], "," + big[:len(big)-9]},
		{"[" + big + "," + big + "}", "}"},
	} {
		want := readSource(t, writeBytes(t, "export", []byte(tc.content)))
		off := strings.LastIndex(tc.content, tc.at)
		if !strings.Contains(want.err, fmt.Sprintf("at byte %d (", off)) {
			t.Fatalf("%.60q: UTF-8 error %q does not name byte %d", tc.content, want.err, off)
		}
		for _, v := range utf16Variants {
			got := readSource(t, writeBytes(t, "export", encodeUTF16(tc.content, v.big, v.bom)))
			wantErr := strings.Replace(want.err, fmt.Sprintf("at byte %d (", off), fmt.Sprintf("at byte %d (", utf16Off(tc.content, off, v.bom)), 1)
			if got.err != wantErr || !slices.Equal(got.recs, want.recs) || got.cerr != wantErr {
				t.Errorf("%.60q %s:\n got %q (check %q)\nwant %q", tc.content, v.name, got.err, got.cerr, wantErr)
			}
		}
	}
}

// Malformed UTF-16 is refused with its position, after the records
// before it, never decoded into U+FFFD or a panic.
func TestUTF16Malformed(t *testing.T) {
	const good = `[{"id":"user_1","first_name":"Zoë"},{"id":"user_2","first_name":"`
	head := utf16.Encode([]rune(good))
	at := 2 + 2*len(head) // after the BOM and good
	for _, tc := range []struct {
		name  string
		units []uint16 // after the BOM and good
		odd   bool     // one more byte
		recs  int      // read before the error
		want  string
	}{
		{"odd", utf16.Encode([]rune(`Ann"}]`)), true, 2, fmt.Sprintf("invalid UTF-16 at byte %d: the file has an odd number of bytes", at+12)},
		{"truncated", utf16.Encode([]rune(`A`)), true, 1, fmt.Sprintf("invalid UTF-16 at byte %d: the file has an odd number of bytes", at+2)},
		{"lone-high", append([]uint16{'A', 0xD83D, 'x'}, utf16.Encode([]rune(`"}]`))...), false, 1, fmt.Sprintf("invalid UTF-16 at byte %d: lone surrogate 0xD83D", at+2)},
		{"lone-low", append([]uint16{0xDE00}, utf16.Encode([]rune(`"}]`))...), false, 1, fmt.Sprintf("invalid UTF-16 at byte %d: lone surrogate 0xDE00", at)},
		{"high-at-end", []uint16{'A', 0xD83D}, false, 1, fmt.Sprintf("invalid UTF-16 at byte %d: the file ends inside a character", at+2)},
	} {
		for _, big := range []bool{false, true} {
			b := unitBytes(append(append([]uint16{0xFEFF}, head...), tc.units...), big)
			if tc.odd {
				b = append(b, 0)
			}
			got := readSource(t, writeBytes(t, "bad", b))
			// Inside the second record, or after both.
			where := fmt.Sprintf("(after record %d)", tc.recs)
			if tc.recs == 1 {
				where = "(in record 2)"
			}
			if len(got.recs) != tc.recs || !strings.Contains(got.recs[0], `"Zoë"`) || !strings.Contains(got.err, tc.want) ||
				!strings.Contains(got.err, where) || !strings.Contains(got.cerr, tc.want) {
				t.Errorf("%s big=%v: %+v, want %q", tc.name, big, got, tc.want)
			}
		}
	}
	// In a CSV, and before anything is read.
	csv := encodeUTF16("id,first_name,primary_email_address\nuser_1,Ann,a@x.io\nuser_2,Bo", false, true)
	for name, tc := range map[string]struct {
		b    []byte
		want string
	}{
		"csv-odd":       {append(slices.Clone(csv), 'b'), fmt.Sprintf("reading CSV after record 1: invalid UTF-16 at byte %d: the file has an odd number of bytes", len(csv))},
		"csv-lone":      {append(slices.Clone(csv), 0x00, 0xDC, 0x0A, 0x00), fmt.Sprintf("reading CSV after record 1: invalid UTF-16 at byte %d: lone surrogate 0xDC00", len(csv))},
		"bom-and-1byte": {[]byte{0xFF, 0xFE, '['}, "invalid UTF-16 at byte 2: the file has an odd number of bytes"},
	} {
		got := readSource(t, writeBytes(t, "bad", tc.b))
		if !strings.Contains(got.err, tc.want) {
			t.Errorf("%s: %+v, want %q", name, got, tc.want)
		}
	}
	if got := readSource(t, writeBytes(t, "bom", []byte{0xFE, 0xFF})); !strings.Contains(got.err, "is empty") {
		t.Errorf("a lone byte-order mark: %+v", got)
	}
}

// JSON Lines read in a UTF-16 file too; the hints for a single user and
// a JSON scalar reach it, and the jq advice converts it first (jq reads
// UTF-8).
func TestUTF16JSONHints(t *testing.T) {
	for _, v := range utf16Variants {
		lines := encodeUTF16("{\"id\":\"user_1\"}\r\n{\"id\":\"user_2\"}\r\n", v.big, v.bom)
		if got := readSource(t, writeBytes(t, "lines", lines)); got.err != "" || len(got.recs) != 2 {
			t.Errorf("%s JSON Lines: %+v", v.name, got)
		}
		charset := map[bool]string{false: "UTF-16LE", true: "UTF-16BE"}[v.big]
		if v.bom {
			charset = "UTF-16"
		}
		got := readSource(t, writeBytes(t, "single", encodeUTF16("{\"id\":\"user_1\"}\r\n", v.big, v.bom)))
		if want := "one user per line (JSON Lines): put the users in a JSON array first, e.g. iconv -f " + charset + " -t UTF-8 FILE | jq -s . > users.json"; !strings.Contains(got.err, want) {
			t.Errorf("%s: %q, want %q", v.name, got.err, want)
		}
		got = readSource(t, writeBytes(t, "scalar", encodeUTF16(`"users.json"`, v.big, v.bom)))
		if !strings.HasSuffix(got.err, "not a Clerk user export: the file is JSON a string; expected a JSON array of users or a Clerk CSV export") {
			t.Errorf("%s scalar: %q", v.name, got.err)
		}
	}
}

// The transcoder gives what unicode/utf16 decodes, whatever the read
// sizes, or refuses input holding a lone surrogate or an odd byte.
func FuzzUTF16Reader(f *testing.F) {
	for _, s := range []string{"[]", "Zoë 😀 名", "\x00\xd8a\x00", "\x00\xdc", "a", "\x3d\xd8\x00\xde"} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, big bool) {
		units := make([]uint16, len(data)/2)
		for i := range units {
			if big {
				units[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
			} else {
				units[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
			}
		}
		valid := len(data)%2 == 0
		for i := 0; i < len(units) && valid; i++ {
			switch u := units[i]; {
			case u >= 0xD800 && u < 0xDC00 && i+1 < len(units) && units[i+1] >= 0xDC00 && units[i+1] < 0xE000:
				i++
			case u >= 0xD800 && u < 0xE000:
				valid = false
			}
		}
		for _, r := range []io.Reader{
			newUTF16Reader(bytes.NewReader(data), big, 0),
			iotest.OneByteReader(newUTF16Reader(iotest.HalfReader(bytes.NewReader(data)), big, 0)),
		} {
			out, err := io.ReadAll(r)
			var ue *utf16Error
			switch {
			case valid && err != nil:
				t.Fatalf("valid input: %v", err)
			case valid && string(out) != string(utf16.Decode(units)):
				t.Fatalf("got %q, want %q", out, string(utf16.Decode(units)))
			case !valid && !errors.As(err, &ue):
				t.Fatalf("invalid input: err %v", err)
			case !valid && (ue.Off < 0 || ue.Off >= int64(len(data))):
				t.Fatalf("error at byte %d of %d", ue.Off, len(data))
			}
		}
	})
}

// An error inside a record is placed in it: a first record nested too
// deep was said to be "before the first record", a later one "after" the
// record before it.
func TestJSONErrorInsideRecordNamesIt(t *testing.T) {
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	for _, tc := range []struct {
		name, body, want string
	}{
		{"first", `[{"id":"user_1","public_metadata":{"x":` + deep + `}}]`, "(in record 1)"},
		{"second", `[{"id":"user_1"},{"id":"user_2","public_metadata":{"x":` + deep + `}}]`, "(in record 2)"},
		{"between", `[{"id":"user_1"} {"id":"user_2"}]`, "(after record 1)"},
	} {
		got := readSource(t, writeBytes(t, "f.json", []byte(tc.body)))
		if !strings.Contains(got.err, tc.want) {
			t.Errorf("%s: err %q, want it %s", tc.name, got.err, tc.want)
		}
	}
}
