package cli

// These tests read password digests from a Clerk Dashboard CSV. They pass
// once the export readers populate clerk.User.PasswordDigest and
// PasswordHasher from the CSV (the parallel export-reader work); before
// that merge the CSV reader only notes that a digest is present.

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
	"golang.org/x/crypto/bcrypt"
)

// writeDashboardCSV writes a Dashboard export with a bcrypt digest of
// "pw-<id>" for each user (Clerk's cost 10 for the first, to test what
// Clerk really exports; the cheapest cost for the rest).
func writeDashboardCSV(t *testing.T, path string, users []clerk.User) []string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := csv.NewWriter(f)
	w.Write(strings.Split("id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher", ","))
	var digests []string
	for i, u := range users {
		cost := bcrypt.MinCost
		if i == 0 {
			cost = 10
		}
		d, err := bcrypt.GenerateFromPassword([]byte("pw-"+u.ID), cost)
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, string(d))
		email := u.EmailAddresses[0].EmailAddress
		w.Write([]string{u.ID, "First", "Last", "", email, "", email, "", "", "", "", string(d), "bcrypt"})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return digests
}

func csvUsers(n int) []clerk.User {
	var out []clerk.User
	for i := range n {
		id := "user_csv" + string(rune('a'+i))
		out = append(out, clerk.User{ID: id, EmailAddresses: []clerk.EmailAddress{{EmailAddress: id + "@example.com"}}})
	}
	return out
}

func TestDashboardCSVDigestsVerify(t *testing.T) {
	h := newHarness(t)
	file := filepath.Join(h.dir, "users.csv")
	users := csvUsers(3)
	digests := writeDashboardCSV(t, file, users)
	r := h.ok("import", "clerk", "run", "--file", file, "--json")
	var rep importer.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Passwords.Kept != 3 || rep.Passwords.NeedsReset != 0 {
		t.Fatalf("passwords %+v", rep.Passwords)
	}
	for _, u := range users {
		email := u.EmailAddresses[0].EmailAddress
		if r := h.run("pw-"+u.ID+"\n", "auth", "check-password", email); r.code != 0 || r.stdout != "password matches\n" {
			t.Errorf("%s right password: exit %d %s", email, r.code, r.stderr)
		}
		if r := h.run("pw-"+u.ID+"!\n", "auth", "check-password", email); r.code != 1 || !strings.Contains(r.stderr, "does not match") {
			t.Errorf("%s wrong password: exit %d %s", email, r.code, r.stderr)
		}
	}
	for _, d := range digests {
		if strings.Contains(r.stdout+r.stderr, d[7:]) {
			t.Fatal("a digest was printed")
		}
	}
}

func TestAPIKeyWithDashboardCSVPasswords(t *testing.T) {
	h := newHarness(t)
	_, all := clerkServer(t, 40)
	pwUsers := firstPasswordUsers(all, 3)
	file := filepath.Join(h.dir, "users.csv")
	writeDashboardCSV(t, file, append(pwUsers, csvUsers(1)...)) // plus one id Clerk lacks
	var rep importer.Report
	h.json(&rep, "import", "clerk", "run", "--api-key", testKey, "--passwords", file)
	if rep.Passwords.Kept == 0 || rep.Passwords.Unmatched != 1 {
		t.Fatalf("passwords %+v", rep.Passwords)
	}
}

// --passwords - reads the passwords file from standard input (a run too:
// it reads that file once), unless --file - or --api-key - reads it.
func TestPasswordsFromStdin(t *testing.T) {
	h := newHarness(t)
	_, all := clerkServer(t, 40)
	pwUsers := firstPasswordUsers(all, 3)
	file := filepath.Join(h.dir, "users.csv")
	writeDashboardCSV(t, file, pwUsers)
	csvText, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r := h.run(string(csvText), "import", "clerk", "run", "--api-key", testKey, "--passwords", "-", "--json")
	var rep importer.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); r.code != 0 || err != nil {
		t.Fatalf("run --passwords -: exit %d %v\n%s", r.code, err, r.stderr)
	}
	if rep.Passwords.Kept != len(pwUsers) {
		t.Errorf("kept %d passwords from stdin, want %d", rep.Passwords.Kept, len(pwUsers))
	}
	for _, args := range [][]string{
		{"--file", "-", "--passwords", "-"},
		{"--api-key", "-", "--passwords", "-"},
	} {
		r := h.run(string(csvText), append([]string{"import", "clerk", "preview"}, args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, "standard input is already read by "+args[0]+" -") {
			t.Errorf("preview %v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// firstPasswordUsers is the first n users of all with a password and an email
// who are not banned.
func firstPasswordUsers(all []clerk.User, n int) []clerk.User {
	var pwUsers []clerk.User
	for _, u := range all {
		if u.PasswordEnabled && !u.Banned && len(u.EmailAddresses) > 0 && len(pwUsers) < n {
			pwUsers = append(pwUsers, u)
		}
	}
	return pwUsers
}

// A digest misplaced in a flat record's date, flag, image URL or external
// id, or pasted into --only, is shown nowhere: not on stderr, stdout,
// --json, the entries file or the run history.
func TestMisplacedDigestShownNowhere(t *testing.T) {
	const d = "$2a$10$QXwQGAWNqe/y55UrFHnwseH4.oTZEVEgEfH/Mbw0kHDcEehbXQzeu"
	h := newHarness(t)
	file := writeClerkFile(t, h.dir, `[{"id":"user_a","first_name":"Ann","email_addresses":"ann@example.com","password_digest":"`+d+`","password_hasher":"bcrypt","created_at":"`+d+`"},`+
		`{"id":"user_b","first_name":"Bob","email_addresses":"bob@example.com","banned":"`+d+`"},`+
		`{"id":"user_c","first_name":"Cy","email_addresses":"cy@example.com","image_url":"`+d+`"},`+
		`{"id":"user_e","first_name":"Ed","email_addresses":"ed@example.com","external_id":"`+d+`"},`+
		`{"id":"user_f","first_name":"Flo","email_addresses":"flo@example.com"}]`)
	entries := filepath.Join(h.dir, "e.jsonl")
	var seen []string
	for _, args := range [][]string{
		{"import", "clerk", "run", "--file", file, "--entries", entries},
		{"import", "clerk", "preview", "--file", file, "--json"},
		{"import", "clerk", "run", "--file", file, "--only", "flo@example.com," + d},
		{"import", "runs"},
	} {
		r := h.run("", args...)
		seen = append(seen, r.stdout+r.stderr)
	}
	if b, err := os.ReadFile(entries); err == nil {
		seen = append(seen, string(b))
	}
	for i, out := range seen {
		if strings.Contains(out, d[7:]) {
			t.Errorf("output %d shows the digest:\n%s", i, out)
		}
	}
	if !strings.Contains(seen[2], "--only: that looks like a password digest (not shown)") {
		t.Errorf("--only with a digest:\n%s", seen[2])
	}
}
