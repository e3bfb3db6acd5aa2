package importer

import (
	"strings"
	"testing"
)

func TestValidateURL(t *testing.T) {
	good := []string{"https://acme.dev/login", "http://localhost:3000/reset?x=1", "https://acme.dev", "https://bücher.example/anmelden",
		"https://[::1]:8443/login", "http://127.0.0.1:65535/x", "https://Acme.Dev./login", "https://BÜCHER.example/"}
	for _, s := range good {
		if err := ValidateURL(s); err != nil {
			t.Errorf("ValidateURL(%q) = %v, want ok", s, err)
		}
	}
	bad := []string{"", "https://", "http://", "https:///path", "acme.dev/login", "ftp://acme.dev", "javascript:alert(1)",
		"https://acme .dev", "https://acme.dev/\x1b[31m", "mailto:a@b.co", "//acme.dev/login", "https:acme.dev", "https://:443/x",
		"https://" + strings.Repeat("a", maxURLLen),
		// Links that read other than where they go; the wizard's form
		// refused these while migration-journey create took them.
		"https://acme.dev/lo\u200bgin", "https://acme.dev/\u202enigol", "https://ac\u200dme.dev/login",
		"https://acme.dev/\u2066login", "https://acme.dev/{{resetUrl}}",
		// No browser opens these: a port out of range, a host that is
		// no host name.
		"https://localhost:99999/", "https://acme.dev:0/login", "https://acme_dev.com/login", "https://-acme.dev/",
		"https://acme..dev/", "https://acme/login"}
	for _, s := range bad {
		if err := ValidateURL(s); err == nil {
			t.Errorf("ValidateURL(%q) = nil, want an error", s)
		}
	}
}

func TestValidateSender(t *testing.T) {
	for _, s := range []string{"hello@acme.dev", "Team.Mail+x@acme.co.uk"} {
		if err := ValidateSender(s); err != nil {
			t.Errorf("ValidateSender(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "hello", "Acme <hello@acme.dev>", "hello@localhost", "a@b.c d",
		"sup\u200bport@acme.dev", "h\u202ei@acme.dev", "hi\u2066@acme.dev"} { // look like other addresses
		if err := ValidateSender(s); err == nil {
			t.Errorf("ValidateSender(%q) = nil, want an error", s)
		}
	}
	if err := ValidateIdentity(""); err != nil {
		t.Errorf("ValidateIdentity(\"\") = %v: no sender yet is allowed", err)
	}
}

func TestValidateJourneySetup(t *testing.T) {
	if err := ValidateJourneySetup("", "", "", false); err != nil {
		t.Errorf("optional setup left empty: %v", err)
	}
	err := ValidateJourneySetup("", "", "", true)
	if err == nil {
		t.Fatal("required setup left empty: no error")
	}
	for _, name := range []string{"sender", "login URL", "reset URL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	// Given values are checked even when optional; the CLI and the wizard
	// must refuse the same "https://".
	err = ValidateJourneySetup("hi@acme.dev", "https://", "", false)
	if err == nil || !strings.Contains(err.Error(), "login URL") || strings.Contains(err.Error(), "reset URL") {
		t.Errorf("optional setup with login URL https:// = %v", err)
	}
	if err := ValidateJourneySetup("hi@acme.dev", "https://acme.dev/login", "https://acme.dev/reset", true); err != nil {
		t.Errorf("complete setup: %v", err)
	}
}

func TestValidateAppName(t *testing.T) {
	for _, s := range []string{"Acme Café", "Famille 👨\u200d👩\u200d👧 Café", "🏳️\u200d🌈 Pride Co", "می\u200cخواهم", "क्\u200dष"} {
		if err := ValidateAppName(s); err != nil {
			t.Errorf("ValidateAppName(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"Shalom\u200f Co", "Ac\u200dme", "Line\u2028Two", "👩\u200d", "A{{userEmail}}", "x}}"} {
		if err := ValidateAppName(s); err == nil {
			t.Errorf("ValidateAppName(%q) = nil", s)
		}
	}
	for _, s := range []string{"", "  ", "Ac\u202eme", "Acme\x1b[31mRED", "Ac\u200bme", "A\x07"} {
		if err := ValidateAppName(s); err == nil {
			t.Errorf("ValidateAppName(%q) = nil", s)
		}
	}
	// A soft hyphen or invisible operator is refused as in a subject
	// line, where {{appName}} goes, and the error says where it is.
	for _, s := range []string{"Ac\u00adme", "Acme\u2062"} {
		err := ValidateAppName(s)
		if err == nil || !strings.Contains(err.Error(), "after \"Ac") {
			t.Errorf("ValidateAppName(%q) = %v", s, err)
		}
		if err := ValidateVariable("supportName", s); err == nil || !strings.Contains(err.Error(), "U+") {
			t.Errorf("ValidateVariable(supportName, %q) = %v", s, err)
		}
	}
	for _, v := range []string{"Ac\u202eme", "x\x1b[2J", "A{{userEmail}}"} {
		if err := ValidateVariable("appName", v); err == nil {
			t.Errorf("ValidateVariable(appName, %q) = nil", v)
		}
	}
}

// The limit is in bytes, and the message says bytes: 1,514 characters of
// which 1,500 are two bytes each were said to be "3014 characters".
func TestValidateURLLengthInBytes(t *testing.T) {
	err := ValidateURL("https://x.com/" + strings.Repeat("é", 1500))
	if err == nil || err.Error() != "URL is 3014 bytes long; at most 2048" {
		t.Errorf("err = %v", err)
	}
}
