package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// A run whose duplicates were chosen row by row in the wizard's review
// says so in runs show: its default policy alone told a run that merged
// rows "on-duplicate skip".
func TestRunsShowNamesPerUserChoices(t *testing.T) {
	h := newHarness(t)
	target := "local:" + filepath.Join(h.dir, "env.db")
	h.envs["ASCENDKIT_ENV"] = target
	file := filepath.Join(h.dir, "u.json")
	os.WriteFile(file, []byte(`[{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@example.com","verification":{"status":"verified"}}],"primary_email_address_id":"e"}]`), 0o600)
	env, err := ascendkit.Open(target)
	if err != nil {
		t.Fatal(err)
	}
	src, err := clerk.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := importer.Run(context.Background(), src, env, importer.Options{Mode: importer.ModeRun,
		Phases: importer.Phases{Users: true}, Decisions: map[string]importer.Policy{"user_1": importer.PolicyMerge}})
	src.Close()
	env.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out := h.ok("import", "runs", "show", rep.RunID).stdout; !strings.Contains(out, "on-duplicate skip (with 1 per-user choices)") {
		t.Errorf("runs show:\n%s", out)
	}
}

// A run given --from-identity says so in the run history: its stored
// report is written before the sender is set, so without the option
// recorded nothing told which run set the migration sender.
func TestRunsShowNamesTheSenderGiven(t *testing.T) {
	h := newHarness(t)
	h.envs["ASCENDKIT_ENV"] = "local:" + filepath.Join(h.dir, "env.db")
	file := filepath.Join(h.dir, "u.json")
	os.WriteFile(file, []byte(`[{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@example.com","verification":{"status":"verified"}}],"primary_email_address_id":"e"}]`), 0o600)
	var rep importer.Report
	h.json(&rep, "import", "clerk", "run", "--file", file, "--from-identity", " ops@example.com ")
	if rep.Sender != "ops@example.com" {
		t.Fatalf("report sender %q", rep.Sender)
	}
	if out := h.ok("import", "runs", "show", rep.RunID).stdout; !strings.Contains(out, "  sender    ops@example.com (given with --from-identity)\n") {
		t.Errorf("runs show:\n%s", out)
	}
	var ri importer.RunInfo
	h.json(&ri, "import", "runs", "show", rep.RunID)
	if ri.Options.FromIdentity != "ops@example.com" {
		t.Errorf("runs show --json options %+v", ri.Options)
	}
	// A run without it shows no sender line.
	h.json(&rep, "import", "clerk", "run", "--file", file)
	if out := h.ok("import", "runs", "show", rep.RunID).stdout; strings.Contains(out, "sender") {
		t.Errorf("runs show of a run without --from-identity:\n%s", out)
	}
}
