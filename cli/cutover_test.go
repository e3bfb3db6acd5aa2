package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
	"golang.org/x/crypto/bcrypt"
)

// passwordsJSON writes a support-style JSON export that carries digests:
// for the users with a password, bcrypt of "pw-<id>"; md5 for one of
// them; and one id the source does not have. It returns the digests.
func passwordsJSON(t *testing.T, path string, users []clerk.User) (digests []string, md5User string) {
	t.Helper()
	type rec struct {
		ID     string `json:"id"`
		Email  string `json:"email_address"`
		Digest string `json:"password_digest"`
		Hasher string `json:"password_hasher"`
	}
	var recs []map[string]any
	for _, u := range users {
		if !u.PasswordEnabled || len(u.EmailAddresses) == 0 {
			continue
		}
		if md5User == "" && !u.Banned {
			md5User = u.ID
			recs = append(recs, map[string]any{"id": u.ID, "password_digest": "5f4dcc3b5aa765d61d8327deb882cf99", "password_hasher": "md5"})
			continue
		}
		d, err := bcrypt.GenerateFromPassword([]byte("pw-"+u.ID), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, string(d))
		recs = append(recs, map[string]any{"id": u.ID, "password_digest": string(d), "password_hasher": "bcrypt"})
	}
	ghost, _ := bcrypt.GenerateFromPassword([]byte("ghost"), bcrypt.MinCost)
	digests = append(digests, string(ghost))
	recs = append(recs, map[string]any{"id": "user_not_in_clerk", "password_digest": string(ghost), "password_hasher": "bcrypt"})
	b, _ := json.Marshal(recs)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return digests, md5User
}

func TestPasswordsWithAPIKeyAndCheckPassword(t *testing.T) {
	eachBackend(t, testPasswordsWithAPIKeyAndCheckPassword)
}

func testPasswordsWithAPIKeyAndCheckPassword(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	_, users := clerkServer(t, 80)
	pwFile := filepath.Join(h.dir, "passwords.json")
	digests, md5User := passwordsJSON(t, pwFile, users)
	entries := filepath.Join(h.dir, "entries.jsonl")
	var everything strings.Builder
	keep := func(r result) result {
		everything.WriteString(r.stdout + r.stderr)
		return r
	}

	pre := keep(h.ok("import", "clerk", "preview", "--api-key", testKey, "--passwords", pwFile, "--json"))
	r := keep(h.ok("import", "clerk", "run", "--api-key", testKey, "--passwords", pwFile, "--entries", entries, "--json"))
	var rep importer.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	var prep importer.Report
	json.Unmarshal([]byte(pre.stdout), &prep)
	p := rep.Passwords
	if p.Kept == 0 || p.Unmatched != 1 || p.UnsupportedHasher["md5"] != 1 || p.Kept != rep.Tags[importer.TagPasswordKept] ||
		p.NeedsReset != rep.Tags[importer.TagNeedsPasswordReset] || prep.Passwords.Kept != p.Kept {
		t.Fatalf("passwords block %+v (preview %+v), tags %v", p, prep.Passwords, rep.Tags)
	}
	if !strings.Contains(r.stdout, `"passwords": {`) || !strings.Contains(r.stdout, `"unsupportedHasher"`) || !strings.Contains(r.stdout, `"runId": "run_`) {
		t.Errorf("JSON report lacks the passwords block or run id:\n%s", r.stdout)
	}
	eb, _ := os.ReadFile(entries)
	everything.Write(eb)
	if !strings.Contains(string(eb), `"sourceId":"user_not_in_clerk"`) || !strings.Contains(string(eb), importer.ReasonPasswordUnmatched) {
		t.Errorf("entries lack the unmatched id:\n%s", eb)
	}

	var kept []ascendkit.User
	h.json(&kept, "user", "list", "--tag", importer.TagPasswordKept)
	if len(kept) != p.Kept {
		t.Fatalf("%d users tagged kept, report says %d", len(kept), p.Kept)
	}
	u := kept[0]
	id := u.Metadata["import"].(map[string]any)["sourceId"].(string)
	if r := keep(h.run("pw-"+id+"\n", "auth", "check-password", u.Email)); r.code != 0 || r.stdout != "password matches\n" {
		t.Errorf("right password: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := keep(h.run("pw-wrong\n", "auth", "check-password", u.Email)); r.code != 1 || !strings.Contains(r.stderr, "password does not match") {
		t.Errorf("wrong password: exit %d %q", r.code, r.stderr)
	}
	if r := keep(h.run("", "auth", "check-password", u.Email)); r.code != 2 {
		t.Errorf("empty stdin: exit %d %q", r.code, r.stderr)
	}
	var reset []ascendkit.User
	h.json(&reset, "user", "list", "--tag", importer.TagNeedsPasswordReset)
	var md5Email string
	for _, x := range reset {
		if x.Metadata["import"].(map[string]any)["sourceId"] == md5User {
			md5Email = x.Email
		}
	}
	if md5Email == "" {
		t.Fatalf("the md5 user %s was not imported", md5User)
	}
	if r := keep(h.run("password\n", "auth", "check-password", md5Email)); r.code != 1 || !strings.Contains(r.stderr, `hasher "md5" is not supported`) {
		t.Errorf("md5 user: exit %d %q", r.code, r.stderr)
	}
	var social []ascendkit.User
	h.json(&social, "user", "list", "--tag", importer.TagSocialOnly)
	if r := keep(h.run("x\n", "auth", "check-password", social[0].Email)); r.code != 1 || !strings.Contains(r.stderr, "the source says this user has no password in Clerk") {
		t.Errorf("social user: exit %d %q", r.code, r.stderr)
	}
	if r := keep(h.run("x\n", "auth", "check-password", "nobody@example.com")); r.code != 1 {
		t.Errorf("unknown user: exit %d", r.code)
	}

	// Digests appear in no output: reports, entries, runs, users, events.
	keep(h.ok("import", "clerk", "run", "--api-key", testKey, "--passwords", pwFile)) // human summary
	keep(h.ok("import", "runs"))
	keep(h.ok("import", "runs", "--json"))
	keep(h.ok("import", "runs", "show", rep.RunID))
	keep(h.ok("import", "runs", "show", rep.RunID, "--json"))
	keep(h.ok("user", "list", "--json"))
	keep(h.ok("event", "list", "--json"))
	keep(h.ok("user", "show", u.Email, "--json"))
	out := everything.String()
	for _, d := range digests {
		if strings.Contains(out, d) || strings.Contains(out, d[7:]) {
			t.Fatalf("a digest was printed")
		}
	}
	if strings.Contains(out, "5f4dcc3b5aa765d61d8327deb882cf99") {
		t.Fatal("the md5 digest was printed")
	}
}

func TestCanaryRunsAndUndo(t *testing.T) { eachBackend(t, testCanaryRunsAndUndo) }

func testCanaryRunsAndUndo(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	_, users := clerkServer(t, 60)
	var canary, full importer.Report
	var pick []string
	for _, u := range users {
		if len(u.EmailAddresses) == 1 && !u.Banned && len(pick) < 2 && strings.Contains(u.EmailAddresses[0].EmailAddress, "@") {
			if len(pick) == 0 {
				pick = append(pick, strings.ToUpper(u.EmailAddresses[0].EmailAddress))
			} else {
				pick = append(pick, u.ID)
			}
		}
	}
	h.json(&canary, "import", "clerk", "run", "--api-key", testKey, "--only", strings.Join(pick, ","))
	if canary.Users.Imported != 2 || canary.Users.Fetched != 60 {
		t.Fatalf("canary %+v", canary.Users)
	}
	h.json(&full, "import", "clerk", "run", "--api-key", testKey)
	if full.Users.DuplicateReasons[importer.ReasonAlreadyImported] != 2 || full.Users.Imported == 0 {
		t.Fatalf("full run %+v", full.Users)
	}
	var runs []importer.RunInfo
	h.json(&runs, "import", "runs")
	if len(runs) != 2 || runs[1].ID != canary.RunID || runs[1].Status != "completed" || len(runs[1].Options.Only) != 2 {
		t.Fatalf("runs %+v", runs)
	}
	if r := h.ok("import", "runs"); !strings.Contains(r.stdout, "canary: ") || !strings.Contains(r.stdout, full.RunID) {
		t.Errorf("runs table:\n%s", r.stdout)
	}

	// A later run from an export has another Clerk user with a canary
	// user's address: two Clerk users are two accounts, so it is never
	// merged into them, and undoing the canary is not held up by it.
	email := strings.ToLower(pick[0])
	file := filepath.Join(h.dir, "other.json")
	os.WriteFile(file, []byte(`[{"id":"user_other_1","email_addresses":[{"id":"e1","email_address":"`+email+`","verification":{"status":"verified"}}],"primary_email_address_id":"e1","created_at":1700000000000,"external_accounts":[{"provider":"oauth_github","provider_user_id":"gh-merge-1","verification":{"status":"verified"}}]}]`), 0o600)
	var merge importer.Report
	h.json(&merge, "import", "clerk", "run", "--file", file, "--on-duplicate", "merge")
	if merge.Users.Merged != 0 || merge.EmailOfOtherImport != 1 {
		t.Fatalf("merge run %+v (emailOfOtherImport %d)", merge.Users, merge.EmailOfOtherImport)
	}
	// Undo needs --yes off a terminal, and the typed word on one.
	if r := h.run("", "import", "undo", full.RunID); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("no --yes: exit %d %s", r.code, r.stderr)
	}
	if r := h.runTTY("yes\n", "import", "undo", full.RunID); r.code != 1 || !strings.Contains(r.stderr, "not confirmed") {
		t.Errorf("wrong word: exit %d %s", r.code, r.stderr)
	}
	if r := h.runTTY("undo\n", "import", "undo", full.RunID); r.code != 0 || !strings.Contains(r.stdout, "Undone") {
		t.Fatalf("typed undo: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	// Undo the merge, then the canary goes without --force.
	var res struct {
		Undone bool
		Plan   ascendkit.UndoPlan
	}
	h.json(&res, "import", "undo", merge.RunID, "--yes")
	if !res.Undone || res.Plan.MergedUsers != 0 || res.Plan.Links != 0 || res.Plan.Users != 0 {
		t.Fatalf("merge undo %+v", res)
	}
	h.json(&res, "import", "undo", canary.RunID, "--yes")
	if res.Plan.Users != 2 {
		t.Fatalf("canary undo %+v", res)
	}
	var left []ascendkit.User
	h.json(&left, "user", "list")
	if len(left) != 0 {
		t.Fatalf("%d users left after undoing every run", len(left))
	}
	if r := h.run("", "import", "undo", canary.RunID, "--yes"); r.code != 1 || !strings.Contains(r.stderr, "already undone") {
		t.Errorf("second undo: exit %d %s", r.code, r.stderr)
	}
	// An undone run's report does not offer its undo again.
	if r := h.ok("import", "runs", "show", canary.RunID); !strings.Contains(r.stdout, "undone ") || strings.Contains(r.stdout, "undo with") {
		t.Errorf("runs show of an undone run:\n%s", r.stdout)
	}
	// A new run imports them all again.
	var again importer.Report
	h.json(&again, "import", "clerk", "run", "--api-key", testKey)
	if again.Users.Imported != full.Users.Imported+2 {
		t.Errorf("after undo imported %d, want %d", again.Users.Imported, full.Users.Imported+2)
	}
}

func TestUndoForced(t *testing.T) { eachBackend(t, testUndoForced) }

func testUndoForced(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	clerkServer(t, 20)
	var first importer.Report
	h.json(&first, "import", "clerk", "run", "--api-key", testKey)
	var created []ascendkit.User
	h.json(&created, "user", "list")
	victim := created[0].Email
	file := filepath.Join(h.dir, "other.json")
	os.WriteFile(file, []byte(`[{"id":"user_x","email_addresses":[{"id":"e1","email_address":"`+victim+`","verification":{"status":"verified"}}],"primary_email_address_id":"e1","created_at":1700000000000}]`), 0o600)
	var merge importer.Report
	h.json(&merge, "import", "clerk", "run", "--file", file, "--on-duplicate", "merge")
	// Another Clerk user is never merged into an imported one.
	if merge.Users.Merged != 0 || merge.EmailOfOtherImport != 1 {
		t.Fatalf("merge run %+v", merge.Users)
	}
	if r := h.run("", "import", "undo", first.RunID, "--yes", "--force"); r.code != 0 {
		t.Fatalf("forced undo: exit %d %s", r.code, r.stderr)
	}
	var left []ascendkit.User
	h.json(&left, "user", "list")
	if len(left) != 0 {
		t.Errorf("%d users left", len(left))
	}
}

func TestUndoPutsBackTheSender(t *testing.T) { eachBackend(t, testUndoPutsBackTheSender) }

// `import clerk run --from-identity` changes the journeys' sender; `import
// undo` of that run says so in its plan and puts the sender back.
func testUndoPutsBackTheSender(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	clerkServer(t, 30)
	var created importer.JourneysResult
	h.json(&created, "import", "migration-journey", "create", "--from-identity", "old@acme.dev")
	var rep importer.Report
	h.json(&rep, "import", "clerk", "run", "--api-key", testKey, "--from-identity", "new@acme.dev")
	if rep.Sender != "new@acme.dev" {
		t.Errorf("the --json report's sender is %q, want the one the run set", rep.Sender)
	}
	id := created.Journeys[0].ID
	if text := h.ok("journey", "show", id).stdout; !strings.Contains(text, "new@acme.dev") {
		t.Fatalf("--from-identity did not reach the journey:\n%s", text)
	}
	r := h.ok("import", "undo", rep.RunID, "--yes")
	if !strings.Contains(r.stdout, "the migration sender it set with --from-identity") {
		t.Errorf("undo plan does not name the sender:\n%s", r.stdout)
	}
	text := h.ok("journey", "show", id).stdout
	if !strings.Contains(text, "old@acme.dev") || strings.Contains(text, "new@acme.dev") {
		t.Errorf("undo did not put the sender back:\n%s", text)
	}
}

// A JSON export whose id and password fields are swapped (a hand-made
// mapping), as the main file, as a migration-script file and as the
// passwords file: the digests in the ids are named nowhere, not in the
// output, the entries or a user's metadata; each such record is
// malformed, as the Dashboard CSV's reader makes such a row.
func TestDigestInIDIsNotShown(t *testing.T) {
	h := newHarness(t)
	d1, _ := bcrypt.GenerateFromPassword([]byte("pw-1"), bcrypt.MinCost)
	d2, _ := bcrypt.GenerateFromPassword([]byte("pw-2"), bcrypt.MinCost)
	argon := "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA"
	files := map[string]string{
		"swapped.json": `[{"id":"` + string(d1) + `","first_name":"Ann","email_addresses":"ann@example.com","password_digest":"user_a1","password_hasher":"bcrypt"},
			{"id":"` + argon + `","email_addresses":"","password_digest":"user_a2","password_hasher":"argon2id"},
			{"id":"user_ok","email_addresses":"ok@example.com","first_name":"` + string(d2) + `"}]`,
		"camel.json":     `[{"userId":"` + string(d2) + `","email":"bob@example.com","password":"user_b1","passwordHasher":"bcrypt"}]`,
		"passwords.json": `[{"id":"` + string(d1) + `","password_digest":"user_a1","password_hasher":"bcrypt"}]`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(h.dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join(h.dir, "src.json")
	if err := os.WriteFile(src, []byte(`[{"id":"user_c1","email_addresses":"c1@example.com"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	var everything strings.Builder
	for i, args := range [][]string{
		{"--file", filepath.Join(h.dir, "swapped.json")},
		{"--file", filepath.Join(h.dir, "camel.json")},
		{"--file", src, "--passwords", filepath.Join(h.dir, "passwords.json")},
	} {
		entries := filepath.Join(h.dir, fmt.Sprintf("entries%d.jsonl", i))
		r := h.run("", append([]string{"import", "clerk", "run", "--json", "--entries", entries}, args...)...)
		b, err := os.ReadFile(entries)
		if err != nil {
			t.Fatalf("%v: %v (%s)", args, err, r.stderr)
		}
		everything.WriteString(r.stdout + r.stderr + string(b))
		if !strings.Contains(string(b), "looks like a password digest (not shown)") {
			t.Errorf("%v: entries %s", args, b)
		}
	}
	users := h.ok("user", "list", "--all", "--json")
	everything.WriteString(users.stdout)
	for _, secret := range []string{string(d1), string(d2), argon, "$2a$04$"} {
		if strings.Contains(everything.String(), secret) {
			t.Errorf("a digest is shown: %.20s…", secret)
		}
	}
}
