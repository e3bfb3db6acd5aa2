package clerk

import (
	"encoding/json"
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
