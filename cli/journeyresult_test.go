package cli

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// TestMigrationJourneyCreateJSONShape: every entry of `migration-journey
// create --json` has the same fields whatever its state, so a script can
// read them: journeys always carry status, updated and problems (an
// array, [] when none); templates carry their slug and no journey fields.
func TestMigrationJourneyCreateJSONShape(t *testing.T) {
	h := newHarness(t)
	full := []string{"import", "migration-journey", "create", "--from-identity", "hi@acme.dev", "--app-name", "Acme",
		"--login-url", "https://acme.dev/login", "--reset-url", "https://acme.dev/reset"}
	// Created with problems (nothing set), then again with none and not
	// updated (the same values twice): both ends of each optional field.
	runs := [][]string{{"import", "migration-journey", "create"}, full, full}
	for i, args := range runs {
		r := h.ok(append(args, "--json")...)
		var res struct {
			Templates []map[string]json.RawMessage `json:"templates"`
			Journeys  []map[string]json.RawMessage `json:"journeys"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, r.stdout)
		}
		if len(res.Templates) != 5 || len(res.Journeys) != 2 {
			t.Fatalf("run %d: %d templates, %d journeys", i, len(res.Templates), len(res.Journeys))
		}
		for _, tm := range res.Templates {
			if got := slices.Sorted(maps.Keys(tm)); !slices.Equal(got, []string{"created", "id", "name", "slug"}) {
				t.Errorf("run %d: template fields %v", i, got)
			}
		}
		for _, j := range res.Journeys {
			if got := slices.Sorted(maps.Keys(j)); !slices.Equal(got, []string{"created", "id", "name", "problems", "sending", "status", "updated"}) {
				t.Errorf("run %d: journey fields %v", i, got)
			}
			if p := string(j["problems"]); !strings.HasPrefix(p, "[") {
				t.Errorf("run %d: problems is %s, want an array", i, p)
			}
			if u := string(j["updated"]); u != "true" && u != "false" {
				t.Errorf("run %d: updated is %s", i, u)
			}
		}
		if i == 2 {
			for _, j := range res.Journeys {
				if string(j["problems"]) != "[]" || string(j["updated"]) != "false" {
					t.Errorf("unchanged rerun: problems %s, updated %s", j["problems"], j["updated"])
				}
			}
		}
	}
}

// TestNextAfterCreateWhenActive: once the migration journeys are active,
// `migration-journey create` does not suggest activating one again, and
// neither does `journey set-vars` on an active journey.
func TestNextAfterCreateWhenActive(t *testing.T) {
	h := newHarness(t)
	var created importer.JourneysResult
	h.json(&created, "import", "migration-journey", "create", "--from-identity", "hi@acme.dev", "--app-name", "Acme",
		"--login-url", "https://acme.dev/login", "--reset-url", "https://acme.dev/reset")
	first, second := created.Journeys[0].ID, created.Journeys[1].ID
	h.ok("journey", "activate", first, "--yes")
	// One active, one draft: the draft one is next.
	if out := h.ok("import", "migration-journey", "create").stdout; !strings.HasSuffix(out, "\nNext: ascendkit journey activate "+second+" --dry-run\n") {
		t.Errorf("one journey active: output does not suggest activating the other:\n%s", out)
	}
	h.ok("journey", "activate", second, "--yes")
	out := h.ok("import", "migration-journey", "create").stdout
	if strings.Contains(out, "journey activate") || !strings.Contains(out, "already active") ||
		!strings.HasSuffix(out, "\nNext: ascendkit journey show "+first+"\n") {
		t.Errorf("both journeys active: want them said active and journey show next:\n%s", out)
	}
	out = h.ok("journey", "set-vars", first, "--var", "appName=Acme Inc").stdout
	if strings.Contains(out, "journey activate") || !strings.HasSuffix(out, "\nNext: ascendkit journey show "+first+"\n") {
		t.Errorf("set-vars on an active journey suggests activating it:\n%s", out)
	}
}
