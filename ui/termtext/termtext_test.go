package termtext

import "testing"

func TestClean(t *testing.T) {
	cases := map[string]string{
		"Ada Lovelace":                                        "Ada Lovelace",
		"\x1b[31mred\x1b[0m":                                  "red",
		"title\x1b]0;pwned\x07end":                            "titleend",
		"bell\x07 and \x9b31m c1":                             "bell and  c1",
		"tab\tnew\nline":                                      "tab new line",
		"bidi\u202eevil":                                      "bidievil",
		"zero\u200bwidth\u2060\ufeff":                         "zerowidth",
		"Admin\U000E0061\u00ad\u180e\ufff9":                   "Admin",                                               // tag, soft hyphen, Mongolian vowel separator, annotation
		"\U0001F468\u200d\U0001F469 \u0645\u06cc\u200c\u0631": "\U0001F468\u200d\U0001F469 \u0645\u06cc\u200c\u0631", // ZWJ, ZWNJ kept
		"ünïcødé 名前":                                          "ünïcødé 名前",
		"\x1b[2J\x1b[Hclear":                                  "clear",
		"":                                                    "",
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

// A joiner between Latin letters hid in names and provider names
// ("Ann\u200dMarie" printed as "AnnMarie", and shifted the wizard's
// columns); where it joins emoji or a Persian word it stays.
func TestJoinersOnlyWhereTheyJoin(t *testing.T) {
	for in, want := range map[string]string{
		"Ann\u200dMarie":            "AnnMarie",
		"oauth_face\u200cbook":      "oauth_facebook",
		"\u200dlead":                "lead",
		"👨\u200d👩\u200d👧":           "👨\u200d👩\u200d👧",
		"🏳\ufe0f\u200d🌈":            "🏳\ufe0f\u200d🌈",
		"می\u200cخواهم":             "می\u200cخواهم",
		"é\u200da":                  "éa",
		"zero\u200bwidth\ufeffmark": "zerowidthmark",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}
