package termtext

import "testing"

func TestClean(t *testing.T) {
	cases := map[string]string{
		"Ada Lovelace":             "Ada Lovelace",
		"\x1b[31mred\x1b[0m":       "red",
		"title\x1b]0;pwned\x07end": "titleend",
		"bell\x07 and \x9b31m c1":  "bell and  c1",
		"tab\tnew\nline":           "tab new line",
		"bidi\u202eevil":           "bidievil",
		"ünïcødé 名前":               "ünïcødé 名前",
		"\x1b[2J\x1b[Hclear":       "clear",
		"":                         "",
	}
	for in, want := range cases {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanBlock(t *testing.T) {
	got := CleanBlock("Hi \x1b[1mAda\x1b[0m,\r\nline two\x07")
	if want := "Hi Ada,\nline two"; got != want {
		t.Fatalf("CleanBlock = %q, want %q", got, want)
	}
}

func TestHidden(t *testing.T) {
	for _, s := range []string{"a\u202eb", "zero\u200bwidth", "bom\ufeff", "esc\x1b[31m", "bell\x07", "c1\u009b", "iso\u2066late", "lrm\u200e", "line\u2028sep",
		"Ac\u200dme", "\u200d👩", "👩\u200d", "👩\u200d\u200b👧"} { // a joiner by ASCII, at an end, or by another hidden one
		if !HasHidden(s) {
			t.Errorf("HasHidden(%q) = false", s)
		}
	}
	// Joiners between visible characters build emoji and words.
	for _, s := range []string{"Famille 👨\u200d👩\u200d👧 Café", "🏳️\u200d🌈 Pride Co", "می\u200cخواهم", "क्\u200dष"} {
		if HasHidden(s) || MarkHidden(s) != s {
			t.Errorf("%q taken for hidden", s)
		}
	}
	for _, s := range []string{"Acme", "ünïcødé 名前", "https://acme.example/login?a=1&b=2", "emoji 🚀"} {
		if HasHidden(s) {
			t.Errorf("HasHidden(%q) = true", s)
		}
	}
}

func TestMarkHidden(t *testing.T) {
	styled := "\x1b[1mAc\u202eme\u200b\x1b[0m"
	if got, want := MarkHidden(styled), "\x1b[1mAc\ufffdme\ufffd\x1b[0m"; got != want {
		t.Fatalf("MarkHidden = %q, want %q", got, want)
	}
	if s := "plain"; MarkHidden(s) != s {
		t.Fatal("plain text changed")
	}
}
