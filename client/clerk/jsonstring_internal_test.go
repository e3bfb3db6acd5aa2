package clerk

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// FuzzJSONString holds jsonString's fast path to json.Unmarshal: the same
// string or an error for the same inputs.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{`""`, `"$2a$10$abc./XYZ"`, `"a\"b"`, `"tab\there"`, "\"raw\ttab\"", `"é"`, `"\u00e9"`, `"x`, `"`, `"a"b"`, "\"\xff\"", `"<&>"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var want string
		wantErr := json.Unmarshal([]byte(in), &want)
		got, err := jsonString([]byte(in))
		if (err != nil) != (wantErr != nil) || (err == nil && got != want) {
			t.Fatalf("jsonString(%q) = %q, %v; json.Unmarshal gives %q, %v", in, got, err, want, wantErr)
		}
	})
}

// TestIdentsFieldArrays covers identsField's fast paths: empty arrays and
// arrays of plain or escaped strings.
func TestIdentsFieldArrays(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		flat bool
		err  bool
	}{
		{in: `[]`},
		{in: "[ \n\t]"},
		{in: `[null]`},
		{in: `["a@x.io", " b@x.io ", "", null]`, want: []string{"a@x.io", "b@x.io"}, flat: true},
		{in: `["a\"b@x.io", "\u00e9@x.io"]`, want: []string{`a"b@x.io`, "é@x.io"}, flat: true},
		{in: `[1]`, err: true},
	} {
		ids, flat, err := identsField("email_addresses", "email", view(c.in))
		var got []string
		for _, id := range ids {
			got = append(got, id.Value)
		}
		if (err != nil) != c.err || flat != c.flat || fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("identsField(%s) = %q, %v, %v; want %q, %v, error %v", c.in, got, flat, err, c.want, c.flat, c.err)
		}
	}
}

func TestLoneSurrogate(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":"plain"}`:                  "",
		`{"a":"\ud800"}`:                 `\ud800`,
		`{"a":"x\udc00y"}`:               `\udc00`,
		`{"a":"\ud83d\ude00 pair"}`:      "",
		`{"a":"\\ud800 escaped"}`:        "",
		`{"a":"\\\ud800 after"}`:         `\ud800`,
		`{"a":"\n\t\u00e9 then \uDBFF"}`: `\uDBFF`,
		`{"a":"ends with \ud800`:         `\ud800`,
		`{"a":"\u12"}`:                   "",
	} {
		if got := loneSurrogate([]byte(in)); got != want {
			t.Errorf("loneSurrogate(%s) = %q, want %q", in, got, want)
		}
	}
}

// TestMetadataNumbers checks that metadata keeps every digit of a number
// on both paths, and that the go-json option read off Decoder.UseNumber
// still works (a go-json upgrade could break it, which would silently
// send all metadata to the slower encoding/json path).
func TestMetadataNumbers(t *testing.T) {
	if gojsonUseNumber == nil {
		t.Fatal("go-json's UseNumber flag could not be read off its Decoder")
	}
	raw := view(`{"id":12345678901234567890,"f":1.50,"list":[1e400,{"n":-0}],"s":"x"}`)
	for _, reference := range []bool{false, true} {
		m, err := metadataField("public_metadata", raw, reference)
		if err != nil {
			t.Fatalf("reference=%v: %v", reference, err)
		}
		if m["id"] != json.Number("12345678901234567890") || m["f"] != json.Number("1.50") || m["s"] != "x" {
			t.Fatalf("reference=%v: %#v", reference, m)
		}
		list, _ := m["list"].([]any)
		if len(list) != 2 || list[0] != json.Number("1e400") || list[1].(map[string]any)["n"] != json.Number("-0") {
			t.Fatalf("reference=%v: list %#v", reference, m["list"])
		}
	}
	if _, err := metadataField("public_metadata", view(`{"a":tru}`), false); err == nil || !strings.Contains(err.Error(), `field "public_metadata"`) {
		t.Fatalf("bad metadata: %v", err)
	}
}
