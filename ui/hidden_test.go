package ui

import (
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// What the form refuses and marks, by the importer's rule.
func TestHiddenInFormValues(t *testing.T) {
	for _, s := range []string{"a\u202eb", "zero\u200bwidth", "bom\ufeff", "esc\x1b[31m", "bell\x07", "c1\u009b", "iso\u2066late", "lrm\u200e", "line\u2028sep",
		"Ac\u200dme", "\u200d👩", "👩\u200d", "👩\u200d\u200b👧"} { // a joiner by ASCII, at an end, or by another hidden one
		if importer.HiddenAt(s) < 0 {
			t.Errorf("HiddenAt(%q) found none", s)
		}
	}
	// Joiners between visible characters build emoji and words.
	for _, s := range []string{"Famille 👨\u200d👩\u200d👧 Café", "🏳️\u200d🌈 Pride Co", "می\u200cخواهم", "क्\u200dष"} {
		if importer.HiddenAt(s) >= 0 || markHidden(s) != s {
			t.Errorf("%q taken for hidden", s)
		}
	}
	for _, s := range []string{"Acme", "ünïcødé 名前", "https://acme.example/login?a=1&b=2", "emoji 🚀"} {
		if importer.HiddenAt(s) >= 0 {
			t.Errorf("HiddenAt(%q) found one", s)
		}
	}
}

func TestMarkHiddenInFormViews(t *testing.T) {
	styled := "\x1b[1mAc\u202eme\u200b\x1b[0m"
	if got, want := markHidden(styled), "\x1b[1mAc\ufffdme\ufffd\x1b[0m"; got != want {
		t.Fatalf("MarkHidden = %q, want %q", got, want)
	}
	if s := "plain"; markHidden(s) != s {
		t.Fatal("plain text changed")
	}
}
