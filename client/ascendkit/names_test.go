package ascendkit

import (
	"strings"
	"testing"
)

// TrimBlank's shortcut for names with printable ASCII at both ends gives
// what trimming by the whole set gives.
func TestTrimBlankAgreesWithTheSet(t *testing.T) {
	parts := []string{"", "a", "Zoë", " ", "\u200b", "\ufeff", "\u3164", "\u00a0", "\x7f", "~", "!", "名"}
	for _, a := range parts {
		for _, b := range parts {
			for _, c := range parts {
				s := a + b + c
				if got, want := TrimBlank(s), strings.Trim(s, BlankNameRunes); got != want {
					t.Errorf("TrimBlank(%+q) = %+q, want %+q", s, got, want)
				}
			}
		}
	}
}
