package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// TestReportsUsersNoLongerInSource: a Day 3 export without a user Day 1
// imported says so: the count in the summary and in --json, the warning,
// the user among the flagged ones with their AscendKit id, and an entry.
func TestReportsUsersNoLongerInSource(t *testing.T) {
	h := newHarness(t)
	user := func(id, email string) string {
		return `{"id":"` + id + `","first_name":"X","primary_email_address_id":"e_` + id + `","created_at":1752102559068,
			"email_addresses":[{"id":"e_` + id + `","email_address":"` + email + `","verification":{"status":"verified"}}]}`
	}
	write := func(name string, users ...string) string {
		p := filepath.Join(h.dir, name)
		if err := os.WriteFile(p, []byte("["+strings.Join(users, ",")+"]"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	day1 := write("day1.json", user("user_a", "a@example.com"), user("user_b", "b@example.com"), user("user_c", "c@example.com"))
	day3 := write("day3.json", user("user_a", "a@example.com"), user("user_c", "c@example.com"))
	h.ok("import", "clerk", "run", "--file", day1)
	var b struct{ ID string }
	h.json(&b, "user", "show", "b@example.com")

	entries := filepath.Join(h.dir, "entries.jsonl")
	r := h.ok("import", "clerk", "preview", "--file", day3, "--entries", entries)
	for _, want := range []string{
		"  not in source      1  (created by an earlier import",
		"! 1 user an earlier import created from Clerk is not in this source (deleted in Clerk since?)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("preview does not print %q:\n%s", want, r.stdout)
		}
	}
	// Among the flagged users (stderr), named by their AscendKit id.
	if want := "  user_b b@example.com (" + b.ID + "): imported_not_in_source — run run_"; !strings.Contains(r.stderr, want) {
		t.Errorf("preview does not list %q:\n%s", want, r.stderr)
	}
	lines, err := os.ReadFile(entries)
	if err != nil {
		t.Fatal(err)
	}
	var found []importer.Entry
	for _, line := range strings.Split(strings.TrimSpace(string(lines)), "\n") {
		var e importer.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("entry %q: %v", line, err)
		}
		if e.Reason == importer.ReasonImportedNotInSource {
			if strings.Contains(line, `"pos"`) {
				t.Errorf("entry %s has a pos: it is no user of the source (README)", line)
			}
			found = append(found, e)
		}
	}
	if len(found) != 1 || found[0].SourceID != "user_b" || found[0].ExistingUserID != b.ID || found[0].Kind != "warning" {
		t.Errorf("entries %+v", found)
	}
	var rep map[string]any
	h.json(&rep, "import", "clerk", "run", "--file", day3)
	if rep["importedNotInSource"] != 1.0 {
		t.Errorf("run --json importedNotInSource %v", rep["importedNotInSource"])
	}
}
