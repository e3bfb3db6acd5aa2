package clerk

import (
	"strings"
	"testing"
)

// Blank lines before a CSV header end in CR only (Excel for Mac), CRLF
// or LF: the line numbers in later errors count each as one line (a
// CR-only file was numbered as if they were not there).
func TestCSVLeadingBlankLineEnds(t *testing.T) {
	for name, eol := range map[string]string{"lf": "\n", "crlf": "\r\n", "cr": "\r"} {
		content := strings.Join([]string{"", " ", "\t", "id,primary_email_address", "user_1,a@x.io", "user_2,b@x.io,extra", ""}, eol)
		for _, enc := range []string{"utf8", "utf16"} {
			if enc == "utf16" {
				content = string(encodeUTF16(content, false, true))
			}
			recs, err := readAll(t, content)
			if err != nil || len(recs) != 2 || recs[1].Err == nil || !strings.Contains(recs[1].Err.Error(), "record 2 (line 6)") {
				t.Errorf("%s %s: %v, %+v", name, enc, err, recs)
			}
		}
	}
}
