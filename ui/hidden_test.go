package ui

import (
	"strings"
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

// What is typed into the review's filter, the canary's search and the
// source's file fields never acts on the terminal either: a pasted
// direction override (U+202E) shows as a marker, as in the forms.
func TestHiddenInTextInputs(t *testing.T) {
	pc := &programContext{width: 100, height: 30, styles: newStyles(true)}
	pc.sess.entries = manyEntries(5)
	typed := "ab\u202ecd"
	review := newDuplicatesScreen(pc)
	review.filter.Focus()
	review.filter.SetValue(typed)
	canary := newCanaryScreen(pc)
	canary.search.SetValue(typed)
	source := newSourceScreen(pc)
	source.mode = modeFile
	source.fileInput.SetValue(typed)
	source.pwInput.SetValue(typed)
	for name, view := range map[string]string{"review": review.View(), "canary": canary.View(), "source": source.View()} {
		if strings.ContainsRune(view, '\u202e') || !strings.ContainsRune(view, hiddenMarker) {
			t.Errorf("%s: the override reaches the terminal, or is not marked:\n%s", name, view)
		}
	}
}

// A name of thousands of characters (a bot's sign-up) does not push the
// reason a user was skipped out of the review's detail lines.
func TestReviewDetailKeepsTheReason(t *testing.T) {
	pc := &programContext{width: 80, height: 24, styles: newStyles(true)}
	pc.sess.entries = []importer.Entry{{Pos: 1, SourceID: "user_long", Name: strings.Repeat("L", 3000), Email: strings.Repeat("e", 300) + "@example.com",
		Kind: kindSkipped, Reason: importer.ReasonInvalidEmail, Detail: "the address holds a control character"}}
	s := newDuplicatesScreen(pc)
	if view := s.View(); !strings.Contains(view, "the address holds a control character") {
		t.Errorf("the reason is not shown:\n%s", view)
	}
}
