package ascendkit

import (
	"strings"
	"testing"
)

// TrimBlank's shortcut for names with printable ASCII at both ends gives
// what trimming by the whole set gives.
func TestTrimBlankAgreesWithTheSet(t *testing.T) {
	parts := []string{"", "a", "Zoë", " ", "\u200b", "\ufeff", "\u3164", "\u00a0", "\x7f", "~", "!", "名", "\ufe0f", "\U000E0067"}
	for _, a := range parts {
		for _, b := range parts {
			for _, c := range parts {
				s := a + b + c
				want := strings.Trim(s, edgeRunes)
				if BlankName(s) {
					want = ""
				}
				if got := TrimBlank(s); got != want {
					t.Errorf("TrimBlank(%+q) = %+q, want %+q", s, got, want)
				}
			}
		}
	}
}

// Emoji keep what ends them: a variation selector, a flag's tags.
func TestTrimBlankKeepsEmojiWhole(t *testing.T) {
	scotland := "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"
	for in, want := range map[string]string{
		"Ana \u2764\ufe0f":         "Ana \u2764\ufe0f",
		"\u200bAna " + scotland:    "Ana " + scotland,
		"\ufe0f":                   "",
		"\u200b\U000E0067\u200b":   "",
		"\u200d\U0001F469\u200d":   "\U0001F469",
		"\u200b\u2764\ufe0f\u200b": "\u2764\ufe0f",
	} {
		if got := TrimBlank(in); got != want {
			t.Errorf("TrimBlank(%+q) = %+q, want %+q", in, got, want)
		}
	}
}
