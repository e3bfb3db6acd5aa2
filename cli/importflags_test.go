package cli

import (
	"strings"
	"testing"
)

// --providers with --users alone would change nothing (the settings
// phase is left out): a usage error rather than a choice silently dropped.
func TestProvidersWithUsersOnlyRefused(t *testing.T) {
	h := newHarness(t)
	file := writeClerkFile(t, h.dir, twoUsers)
	r := h.run("", "import", "clerk", "preview", "--file", file, "--users", "--providers", "github")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--providers") || !strings.Contains(r.stderr, "--users") {
		t.Errorf("--users --providers: exit %d, stderr %q", r.code, r.stderr)
	}
	h.ok("import", "clerk", "preview", "--file", file, "--users", "--settings", "--providers", "github")
	h.ok("import", "clerk", "preview", "--file", file, "--providers", "github")
}

// A query that matches no template says so, rather than that there are
// no templates (which sent the user to create those that exist).
func TestTemplateQueryWithoutMatch(t *testing.T) {
	h := newHarness(t)
	h.ok("import", "migration-journey", "create", "--from-identity", "hi@acme.dev", "--app-name", "Acme",
		"--login-url", "https://acme.dev/login", "--reset-url", "https://acme.dev/reset")
	if r := h.ok("template", "list", "--query", "zzz"); r.stdout != "No template matches \"zzz\".\n" {
		t.Errorf("no match: %q", r.stdout)
	}
	if r := h.ok("template", "list", "--query", "password"); !strings.Contains(r.stdout, "SLUG") {
		t.Errorf("a match: %q", r.stdout)
	}
}
