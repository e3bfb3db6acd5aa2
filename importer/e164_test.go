package importer

import (
	"strings"
	"testing"
)

// International numbers with + or the 00 prefix are kept in E.164; a
// national number (no country code) is refused, not guessed.
func TestE164(t *testing.T) {
	for in, want := range map[string]string{
		"+1 (415) 555-2671":  "+14155552671",
		"0044 20 7946 0958":  "+442079460958",
		"001 415 555 2671":   "+14155552671",
		"00 44 20 7946 0958": "+442079460958",
		"00-1-415-555-2671":  "+14155552671",
		"00 0 123":           "",
		"020 7946 0958":      "",
		"000 123":            "",
		"00":                 "",
		"'+14155552671":      "+14155552671", // an exporter's formula escape
		"''+14155552671":     "",
		"＋１ ４１５ ５５５ ２６７１":      "+14155552671", // fullwidth, as an IME types it
		"００４４ ２０ ７９４６ ０９５８":    "+442079460958",
		"+1 415\u200b555 2671": "", // a hidden character: refused (phoneDamage says why)
	} {
		got, ext, ok := e164(in)
		if got != want || ok != (want != "") || ext != "" {
			t.Errorf("e164(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// An extension is returned apart: E.164 has none.
func TestE164Extension(t *testing.T) {
	got, ext, ok := e164("+1 415-555-2671 ext. 99")
	if got != "+14155552671" || ext != "99" || !ok {
		t.Errorf("e164 = %q, %q, %v; want +14155552671, 99", got, ext, ok)
	}
}

// A number a spreadsheet spoilt says how: the "+" dropped, or scientific
// notation that lost the last digits. Others say nothing more.
func TestPhoneDamage(t *testing.T) {
	for in, want := range map[string]string{
		"14155550100":           `without the leading "+"`,
		"1.41556E+10":           "scientific notation",
		"1.41556e10":            "scientific notation",
		"1,41556E+10":           "scientific notation", // a comma-decimal spreadsheet
		"+1 415 555 0100\u202e": "an invisible character (U+202E) at character 16",
		"+1 415\x1b[31m":        "a control character (U+001B) at character 7",
		"020 7946":              "",
		"1234":                  "",
		"+1 415":                "",
		"E164":                  "",
	} {
		got := phoneDamage(in)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("phoneDamage(%q) = %q, want %q", in, got, want)
		}
	}
}
