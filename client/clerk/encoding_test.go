package clerk

import (
	"strings"
	"testing"
	"unicode/utf16"
)

// A UTF-32 file is refused by name before anything reads it, rather than
// taken for UTF-16 (its little-endian mark starts the same) and failing
// on a header it cannot be.
func TestUTF32IsNamed(t *testing.T) {
	const text = `[{"id":"user_1"}]`
	for name, b := range map[string][]byte{
		"le-bom": utf32(text, false, true),
		"be-bom": utf32(text, true, true),
		"le":     utf32(text, false, false),
		"be":     utf32(text, true, false),
	} {
		got := readSource(t, writeBytes(t, "u32", b))
		if !strings.Contains(got.err, "FILE is saved as UTF-32") || !strings.Contains(got.err, "iconv -f UTF-32 -t UTF-8") || len(got.recs) != 0 {
			t.Errorf("%s: %+v", name, got)
		}
	}
	// UTF-16 with the same start is still read.
	b := unitBytes(append([]uint16{0xFEFF}, utf16.Encode([]rune(text))...), false)
	if got := readSource(t, writeBytes(t, "u16", b)); got.err != "" || len(got.recs) != 1 {
		t.Errorf("UTF-16: %+v", got)
	}
}

func utf32(s string, big, bom bool) []byte {
	rs := []rune(s)
	if bom {
		rs = append([]rune{0xFEFF}, rs...)
	}
	var out []byte
	for _, r := range rs {
		if big {
			out = append(out, byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
		} else {
			out = append(out, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
		}
	}
	return out
}

// A row re-saved in Windows-1252 names the column holding the bad bytes
// and says how to convert the file; a JSON record names the byte. The
// rows around it are read.
func TestNotUTF8NamesWhereAndHow(t *testing.T) {
	csv := "id,first_name,last_name,primary_email_address\nuser_1,Ann,Lee,a@x.io\nuser_2,Ren\xe9,Roe,r@x.io\nuser_3,Bo,Li,b@x.io\n"
	got := readSource(t, writeBytes(t, "cp1252.csv", []byte(csv)))
	if got.err != "" || len(got.recs) != 3 {
		t.Fatalf("%+v", got)
	}
	for _, want := range []string{`not valid UTF-8 in column \"first_name\"`, "iconv -f WINDOWS-1252 -t UTF-8"} {
		if !strings.Contains(got.recs[1], want) {
			t.Errorf("record 2 %q lacks %q", got.recs[1], want)
		}
	}
	if strings.Contains(got.recs[0], "UTF-8") || strings.Contains(got.recs[2], "UTF-8") {
		t.Errorf("good rows carry the error: %+v", got.recs)
	}
	// Excel for Mac's "CSV (Macintosh)": lines end in a CR alone, and the
	// bytes are Mac Roman ("José" is "Jos\x8e"), which the Windows-1252
	// conversion would turn into "JosŽ": the hint names Mac Roman.
	mac := strings.ReplaceAll(strings.ReplaceAll(csv, "Ren\xe9", "Jos\x8e"), "\n", "\r")
	got = readSource(t, writeBytes(t, "mac.csv", []byte(mac)))
	if len(got.recs) != 3 || !strings.Contains(got.recs[1], "iconv -f MACINTOSH -t UTF-8") || strings.Contains(got.recs[1], "WINDOWS-1252") {
		t.Errorf("lone-CR file: %+v", got)
	}
	js := `[{"id":"user_1","first_name":"Ren` + "\xe9" + `"}]`
	got = readSource(t, writeBytes(t, "cp1252.json", []byte(js)))
	if len(got.recs) != 1 || !strings.Contains(got.recs[0], "not valid UTF-8 (at byte 33 of the record)") || !strings.Contains(got.recs[0], "WINDOWS-1252") {
		t.Errorf("%+v", got)
	}
}
