package cli

import (
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// TestAppNameTooLongRefused: an app name that would push a migration
// subject past the 998-byte header line limit is a usage error, from
// `migration-journey create` and from `journey set-vars`, and nothing is
// stored; a real name renders a subject within the limit.
func TestAppNameTooLongRefused(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("A", 1200)
	r := h.run("", "import", "migration-journey", "create", "--from-identity", "hi@acme.dev", "--app-name", long)
	if r.code != 2 || !strings.Contains(r.stderr, "--app-name") || !strings.Contains(r.stderr, "998") {
		t.Fatalf("1200-byte --app-name: exit %d, stderr %q", r.code, r.stderr)
	}
	if out := h.run("", "journey", "list").stdout; strings.Contains(out, "Migration") {
		t.Fatalf("journeys created despite the refused name:\n%s", out)
	}
	var created importer.JourneysResult
	h.json(&created, "import", "migration-journey", "create", "--from-identity", "hi@acme.dev", "--app-name", "Acme")
	id := created.Journeys[0].ID
	r = h.run("", "journey", "set-vars", id, "--var", "appName="+strings.Repeat("B", 5000))
	if r.code != 2 || !strings.Contains(r.stderr, "appName") || !strings.Contains(r.stderr, "998") {
		t.Fatalf("5000-byte appName: exit %d, stderr %q", r.code, r.stderr)
	}
	var j struct {
		Nodes []struct {
			Variables map[string]string `json:"variables"`
		} `json:"nodes"`
	}
	h.json(&j, "journey", "show", id)
	set := 0
	for _, n := range j.Nodes {
		if v, ok := n.Variables["appName"]; ok {
			set++
			if v != "Acme" {
				t.Errorf("appName is %d bytes after the refused set-vars", len(v))
			}
		}
	}
	if set == 0 {
		t.Fatal("journey show --json: no node has appName")
	}
}
