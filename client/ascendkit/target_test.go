package ascendkit

import (
	"strings"
	"testing"
)

func TestParsePostgresTargets(t *testing.T) {
	for _, tc := range []struct {
		in, redacted string
		hasPassword  bool
	}{
		{"postgres://ak:pw@db.internal:5432/mig?sslmode=require", "postgres://ak:xxxxx@db.internal:5432/mig?sslmode=require", true},
		{"postgresql://ak@db.internal/mig", "postgresql://ak@db.internal/mig", false},
		{"postgres://ak@db/mig?password=pw&sslmode=disable", "postgres://ak@db/mig?password=xxxxx&sslmode=disable", true},
		{"postgres:///mig?host=/run/postgresql", "postgres:///mig?host=/run/postgresql", false},
	} {
		got, err := ParseTarget(tc.in)
		if err != nil || got.Kind != TargetPostgres || got.String() != tc.in {
			t.Errorf("ParseTarget(%q) = %+v, %v", tc.in, got, err)
			continue
		}
		if r := got.Redacted(); r != tc.redacted {
			t.Errorf("Redacted(%q) = %q, want %q", tc.in, r, tc.redacted)
		}
		if got.HasPassword() != tc.hasPassword {
			t.Errorf("HasPassword(%q) = %v", tc.in, got.HasPassword())
		}
	}
	for _, bad := range []string{"postgres://ak:pw@/mig", "postgres://ak:pw@host:port/x", "mysql://ak:pw@host/x"} {
		_, err := ParseTarget(bad)
		if err == nil {
			t.Errorf("ParseTarget(%q) accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), ":pw@") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestOpenWithoutBackend(t *testing.T) {
	// No backend package is imported by this test binary.
	_, err := Open("postgres://ak:pw@127.0.0.1/x")
	if err == nil || !strings.Contains(err.Error(), "client/ascendkit/postgres") || strings.Contains(err.Error(), ":pw@") {
		t.Fatalf("Open without backend: %v", err)
	}
	if _, err := Open("local:/tmp/x.db"); err == nil || !strings.Contains(err.Error(), "client/ascendkit/sqlite") {
		t.Fatalf("Open local without backend: %v", err)
	}
}

// A Clerk secret key given as a target is refused without being quoted,
// however it was pasted; real targets containing the text still parse.
func TestParseTargetDoesNotEchoSecretKey(t *testing.T) {
	for _, in := range []string{"sk_live_SECRETabc123", " sk_test_SECRETabc123\n", "pk_x/sk_live_SECRETabc123", "mysql://sk_live_SECRETabc123@h/x", "sk_live_SECRETabc123 local:x.db"} {
		_, err := ParseTarget(in)
		if err == nil {
			t.Errorf("ParseTarget(%q) accepted", in)
			continue
		}
		if strings.Contains(err.Error(), "SECRETabc123") {
			t.Errorf("ParseTarget(%q) error quotes the key: %v", in, err)
		}
		if !strings.Contains(err.Error(), "looks like a Clerk secret key") || !strings.Contains(err.Error(), "local:<path>") {
			t.Errorf("ParseTarget(%q) error does not say what a target is: %v", in, err)
		}
	}
	if got, err := ParseTarget("local:./sk_live_notes.db"); err != nil || got.Path != "./sk_live_notes.db" {
		t.Errorf("a local path containing sk_live_: %+v, %v", got, err)
	}
}

// A password (or user name) with an unencoded @ is refused before any
// part of it can reach an error as a host name, and the refusal quotes
// nothing of the URL's user info.
func TestParseTargetRefusesUnencodedAt(t *testing.T) {
	for _, tc := range []struct{ in, what string }{
		{"postgres://team:p@ss@Wd9Secret@127.0.0.1:5432/db?sslmode=disable", "password"},
		{"postgresql://team:Wd9Secret@@db.internal/db", "password"},
		{"postgres://team@corp@db.internal/db", "user name"},
	} {
		_, err := ParseTarget(tc.in)
		if err == nil {
			t.Errorf("ParseTarget accepted a URL with an unencoded @ (%s)", tc.what)
			continue
		}
		msg := err.Error()
		if want := "the URL's " + tc.what + " has an unencoded @: percent-encode it as %40"; !strings.Contains(msg, want) {
			t.Errorf("error = %q, want it to say %q", msg, want)
		}
		for _, secret := range []string{"Wd9Secret", "ss@", "team", "corp"} {
			if strings.Contains(msg, secret) {
				t.Errorf("error shows %q: %s", secret, msg)
			}
		}
	}
	// Encoded, or an @ past the authority, is fine.
	for _, ok := range []string{"postgres://team:p%40ss%40Wd9Secret@127.0.0.1:5432/db", "postgres://team@db/x?application_name=a@b"} {
		if _, err := ParseTarget(ok); err != nil {
			t.Errorf("ParseTarget(%s): %v", RedactURL(ok), err)
		}
	}
}
