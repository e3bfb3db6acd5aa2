package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// A killed run's users show in `import runs --json` and in `runs show`,
// text and JSON, as the runs table counts them; a finished run's JSON
// is as before, with no written counts.
func TestRunsShowAKilledRunsUsers(t *testing.T) { eachBackend(t, testRunsShowAKilledRunsUsers) }

func testRunsShowAKilledRunsUsers(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	target := h.envTarget()
	write := func(name, users string) string {
		file := filepath.Join(h.dir, name)
		if err := os.WriteFile(file, []byte(users), 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
	h.ok("import", "clerk", "run", "--file", write("first.json", `[
		{"id":"user_0","email_addresses":[{"id":"e0","email_address":"z@example.com","verification":{"status":"verified"}}],"primary_email_address_id":"e0"}]`), "--users")
	h.ok("import", "clerk", "run", "--file", write("second.json", `[
		{"id":"user_1","email_addresses":[{"id":"e1","email_address":"a@example.com","verification":{"status":"verified"}}],"primary_email_address_id":"e1"},
		{"id":"user_2","email_addresses":[{"id":"e2","email_address":"b@example.com","verification":{"status":"verified"}}],"primary_email_address_id":"e2"},
		{"id":"user_3","email_addresses":[{"id":"e3","email_address":"c@example.com","verification":{"status":"verified"}}],"primary_email_address_id":"e3"}]`), "--users")
	var before []map[string]json.RawMessage
	h.json(&before, "import", "runs")
	if len(before) != 2 {
		t.Fatalf("%d runs", len(before))
	}
	var killed, finished string
	json.Unmarshal(before[0]["id"], &killed)
	json.Unmarshal(before[1]["id"], &finished)
	execTarget(t, target, `UPDATE import_runs SET status = '`+ascendkit.RunInterrupted+`', report = '{}', finished_at = NULL WHERE id = '`+killed+`'`)

	type written struct {
		Imported int `json:"imported"`
		Merged   int `json:"merged"`
	}
	type run struct {
		ID      string          `json:"id"`
		Status  string          `json:"status"`
		Report  json.RawMessage `json:"report"`
		Written *written        `json:"written"`
	}
	var runs []run
	h.json(&runs, "import", "runs")
	if len(runs) != 2 || runs[0].ID != killed || runs[0].Status != ascendkit.RunInterrupted || string(runs[0].Report) != "null" {
		t.Fatalf("runs %+v", runs)
	}
	if w := runs[0].Written; w == nil || *w != (written{Imported: 3}) {
		t.Errorf("the killed run's written %+v in import runs --json", w)
	}
	if runs[1].Written != nil {
		t.Errorf("the finished run has written %+v", runs[1].Written)
	}
	if s := h.ok("import", "runs", "--json").stdout; strings.Count(s, `"written"`) != 1 {
		t.Errorf("written in the JSON of the finished run:\n%s", s)
	}

	var one run
	h.json(&one, "import", "runs", "show", killed)
	if one.ID != killed || one.Written == nil || *one.Written != (written{Imported: 3}) {
		t.Errorf("runs show --json: %+v written %+v", one, one.Written)
	}
	out := h.ok("import", "runs", "show", killed).stdout
	if !strings.Contains(out, "\n  written   3 users imported · 0 merged before the process ended (no report)\n") {
		t.Errorf("runs show of the killed run does not count its users:\n%s", out)
	}
	if out := h.ok("import", "runs", "show", finished).stdout; strings.Contains(out, "written") {
		t.Errorf("runs show of a finished run has a written line:\n%s", out)
	}
}
