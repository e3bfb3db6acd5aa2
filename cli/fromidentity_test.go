package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// TestFromIdentityTrimmedAlike: a sender with spaces pasted around it is
// accepted by `import clerk run --from-identity` as by `migration-journey
// create`, and both store the trimmed address.
func TestFromIdentityTrimmedAlike(t *testing.T) {
	h := newHarness(t)
	file := filepath.Join(h.dir, "users.json")
	if err := os.WriteFile(file, []byte(`[]`), 0o600); err != nil {
		t.Fatal(err)
	}
	var created importer.JourneysResult
	h.json(&created, "import", "migration-journey", "create", "--from-identity", " old@acme.dev ")
	r := h.run("", "import", "clerk", "run", "--file", file, "--from-identity", " hi@acme.dev\t", "--json")
	if r.code != 0 {
		t.Fatalf("run refused a sender create accepts: exit %d\n%s", r.code, r.stderr)
	}
	var rep importer.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Sender != "hi@acme.dev" {
		t.Errorf("report's sender %q, want the trimmed address", rep.Sender)
	}
	var j struct {
		Nodes []struct {
			From string `json:"from"`
		} `json:"nodes"`
	}
	h.json(&j, "journey", "show", created.Journeys[0].ID)
	if len(j.Nodes) == 0 {
		t.Fatal("journey show --json has no nodes")
	}
	for _, n := range j.Nodes {
		if n.From != "" && n.From != "hi@acme.dev" {
			t.Errorf("journey node sender %q, want the trimmed address", n.From)
		}
	}
	// What is wrong inside the spaces is still refused by both.
	for _, args := range [][]string{
		{"import", "clerk", "run", "--file", file, "--from-identity", " nobody "},
		{"import", "migration-journey", "create", "--from-identity", " nobody "},
	} {
		if r := h.run("", args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
	}
}

// A preview with --from-identity said nothing of the sender the run then
// sets on every migration email, active journeys' too; it says it now,
// and changes nothing.
func TestPreviewSaysTheSenderTheRunSets(t *testing.T) {
	h := newHarness(t)
	file := filepath.Join(h.dir, "users.json")
	if err := os.WriteFile(file, []byte(`[]`), 0o600); err != nil {
		t.Fatal(err)
	}
	var created importer.JourneysResult
	h.json(&created, "import", "migration-journey", "create", "--from-identity", "old@acme.dev")
	var rep importer.Report
	h.json(&rep, "import", "clerk", "preview", "--file", file, "--from-identity", "hi@acme.dev")
	if rep.Sender != "hi@acme.dev" {
		t.Errorf("preview's sender %q", rep.Sender)
	}
	if out := h.ok("import", "clerk", "preview", "--file", file, "--from-identity", "hi@acme.dev").stdout; !strings.Contains(out, "Migration sender: the run sets it to hi@acme.dev") {
		t.Errorf("preview output:\n%s", out)
	}
	var j struct {
		Nodes []struct {
			From string `json:"from"`
		} `json:"nodes"`
	}
	h.json(&j, "journey", "show", created.Journeys[0].ID)
	for _, n := range j.Nodes {
		if n.From != "" && n.From != "old@acme.dev" {
			t.Errorf("the preview changed a node's sender to %q", n.From)
		}
	}
}
