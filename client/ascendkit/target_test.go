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
		// No host: libpq's default socket (or $PGHOST), as psql takes it.
		{"postgres:///mig", "postgres:///mig", false},
		{"postgres://ak:pw@/mig", "postgres://ak:xxxxx@/mig", true},
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
	for _, bad := range []string{"postgres://ak:pw@host:port/x", "mysql://ak:pw@host/x"} {
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

// A libpq keyword/value string is recognised and refused without being
// quoted; other unknown text has any password=… masked before it is.
func TestParseTargetKeywordValueNotEchoed(t *testing.T) {
	for _, in := range []string{
		"host=127.0.0.1 user=pwuser password=s3cr3tPW_xyz dbname=team4",
		"dbname=team4 password='s3cr3tPW_xyz with space'",
		" user = pwuser password = s3cr3tPW_xyz",
	} {
		_, err := ParseTarget(in)
		if err == nil {
			t.Errorf("ParseTarget accepted a keyword/value string")
			continue
		}
		if strings.Contains(err.Error(), "s3cr3tPW_xyz") || strings.Contains(err.Error(), "pwuser") {
			t.Errorf("error quotes the string: %v", err)
		}
		if !strings.Contains(err.Error(), "libpq keyword/value") || !strings.Contains(err.Error(), "postgres:// URL") {
			t.Errorf("error does not say what was recognised and what to give: %v", err)
		}
	}
	for _, in := range []string{
		"team4 password=s3cr3tPW_xyz",
		`./x.db sslpassword="s3cr3tPW_xyz" y`,
		"pk_live_1 password='s3cr3tPW_xyz'",
		"mysql://h/x?sslpassword=s3cr3tPW_xyz",
	} {
		_, err := ParseTarget(in)
		if err == nil {
			t.Errorf("ParseTarget accepted %q", in)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3tPW_xyz") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

// Every secret-bearing query parameter is masked, sslpassword (the client
// key's passphrase, which pgx reads) among them.
func TestRedactURLMasksEverySecretParameter(t *testing.T) {
	in := "postgres://pwuser:PwInUserInfo9@127.0.0.1:20443/team4?sslmode=require&sslpassword=SslKeyPass77&password=QueryPw88&application_name=ak"
	got, err := ParseTarget(in)
	if err != nil {
		t.Fatal(err)
	}
	r := got.Redacted()
	for _, secret := range []string{"PwInUserInfo9", "SslKeyPass77", "QueryPw88"} {
		if strings.Contains(r, secret) {
			t.Errorf("Redacted shows %s: %s", secret, r)
		}
	}
	for _, kept := range []string{"sslmode=require", "application_name=ak", "sslpassword=xxxxx", "127.0.0.1:20443/team4"} {
		if !strings.Contains(r, kept) {
			t.Errorf("Redacted lost %q: %s", kept, r)
		}
	}
	only, _ := ParseTarget("postgres://pwuser@127.0.0.1/team4?sslpassword=SslKeyPass77")
	if !only.HasPassword() {
		t.Error("HasPassword false for a URL carrying sslpassword")
	}
	if r := only.Redacted(); strings.Contains(r, "SslKeyPass77") {
		t.Errorf("Redacted shows sslpassword: %s", r)
	}
}

// A password with an unencoded / ? or # before its @ is refused, saying
// which characters to encode, without quoting any of it.
func TestParseTargetRefusesCutUserInfo(t *testing.T) {
	for i, in := range []string{
		"postgres://pwuser:2024/Summer_s3cr3t@127.0.0.1:20443/team4",
		"postgres://pwuser:2024?Summer_s3cr3t@127.0.0.1:20443/team4",
		"postgres://pwuser:2024#Summer_s3cr3t@127.0.0.1:20443/team4",
		"postgres://pwuser:2024/a?Summer_s3cr3t@127.0.0.1/team4?sslmode=disable",
		// A ? then = before the @: url.Parse reads a query holding the
		// password, pgx (as libpq) a password "2024?Summer_s3cr3t=1".
		"postgres://pwuser:2024?Summer_s3cr3t=1@127.0.0.1:20443/team4",
		"postgres://pwuser:2024?a=b&Summer_s3cr3t=1@127.0.0.1/team4",
		"postgres://pwuser:2024#Summer_s3cr3t=1@127.0.0.1/team4",
	} {
		_, err := ParseTarget(in)
		if err == nil {
			t.Errorf("case %d: ParseTarget accepted a password with an unencoded / ? or #", i)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "Summer_s3cr3t") || strings.Contains(msg, "2024") || strings.Contains(msg, "pwuser") {
			t.Errorf("error quotes the URL: %s", msg)
		}
		if !strings.Contains(msg, "percent-encode") || !strings.Contains(msg, "/ ? # @ or :") || !strings.Contains(msg, "%2F") {
			t.Errorf("error does not say which characters to encode: %s", msg)
		}
	}
	for _, ok := range []string{
		"postgres://pwuser:2024%2FSummer_s3cr3t@127.0.0.1:20443/team4",
		"postgres://team@db/x?application_name=a@b",
		"postgres://team@db/x?sslmode=disable&application_name=a@b",
		"postgres://u@/db?host=/run/postgresql",
	} {
		if _, err := ParseTarget(ok); err != nil {
			t.Errorf("ParseTarget(%s): %v", RedactURL(ok), err)
		}
	}
}

// A Clerk publishable key (pk_test_ and the base64 of "<frontend api>$")
// was saved as an AscendKit environment, as was an empty pk_dev_.
func TestParseTargetRefusesClerkPublishableKeys(t *testing.T) {
	for _, bad := range []string{"pk_test_Y2xlcmsuZXhhbXBsZS5jb20k", "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k"} {
		if _, err := ParseTarget(bad); err == nil || !strings.Contains(err.Error(), "Clerk publishable key") || strings.Contains(err.Error(), "Y2xl") {
			t.Errorf("ParseTarget(%q) = %v", bad, err)
		}
	}
	for _, bad := range []string{"pk_dev_", "pk_"} {
		if _, err := ParseTarget(bad); err == nil || !strings.Contains(err.Error(), "malformed public key") {
			t.Errorf("ParseTarget(%q) = %v", bad, err)
		}
	}
	for _, ok := range []string{"pk_dev_3f9a2c", "pk_live_8d1e0b7a", "pk_test_abc"} {
		if got, err := ParseTarget(ok); err != nil || got.Kind != TargetRemote {
			t.Errorf("ParseTarget(%q) = %+v, %v", ok, got, err)
		}
	}
}

// No password is quoted from a target, however it is mistyped: a query
// password with a bare % or &, a URL missing its // or its scheme, a URL
// after local: (which would have been made a directory). The scheme is
// taken in any case.
func TestTargetsNeverShowTheirPassword(t *testing.T) {
	for _, tc := range []struct{ in, redacted string }{
		{"postgres://pwuser@127.0.0.1:12653/pwdb?password=SecretZZ%", "postgres://pwuser@127.0.0.1:12653/pwdb?password=xxxxx"},
		{"postgres://pwuser@h/pwdb?password=100%25SecretZZ%&sslmode=disable", "postgres://pwuser@h/pwdb?password=xxxxx&sslmode=disable"},
		{"postgres://pwuser@h/pwdb?password=Sec&retZZ", "postgres://pwuser@h/pwdb?password=xxxxx&xxxxx"},
		{"POSTGRES://pwuser:SecretZZ@h:5432/db", "postgres://pwuser:xxxxx@h:5432/db"},
		{"Postgresql://pwuser@h/db?Password=SecretZZ", "postgresql://pwuser@h/db?Password=xxxxx"},
		{"postgres://u@h/db?sslmode=disable;password=SecretZZ", "postgres://u@h/db?sslmode=disable;password=xxxxx"},
	} {
		got, err := ParseTarget(tc.in)
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", tc.in, err)
			continue
		}
		if r := got.Redacted(); r != tc.redacted {
			t.Errorf("Redacted(%q) = %q, want %q", tc.in, r, tc.redacted)
		}
		if !got.HasPassword() {
			t.Errorf("HasPassword(%q) = false", tc.in)
		}
	}
	for _, in := range []string{
		"postgres:/pwuser:SecretZZ@127.0.0.1:12653/pwdb",
		"postgres//pwuser:SecretZZ@127.0.0.1:12653/pwdb",
		"postgres:pwuser:SecretZZ@127.0.0.1:12653/pwdb",
		"pwuser:SecretZZ@127.0.0.1:12653/pwdb",
		"pk_live_x postgres://pwuser:SecretZZ@h/db",
		"local:postgres://pwuser:SecretZZ@h/db",
		"local:postgres:/u:SecretZZ@h/db",
		"local:postgres//u:SecretZZ@h/db",
		"pk_dev_x?password=SecretZZ",
		"postgres:u:SecretZZ",
		"postgres:/u:SecretZZ/h/db",
	} {
		_, err := ParseTarget(in)
		if err == nil {
			t.Errorf("ParseTarget(%q) accepted", in)
			continue
		}
		if strings.Contains(err.Error(), "SecretZZ") {
			t.Errorf("ParseTarget(%q) error shows the password: %v", in, err)
		}
	}
}
