package cli

import (
	"strings"
	"testing"
)

// template update measures a new subject as each journey sending the
// template would render it: quoting a long app name three times is
// refused (exit 2), --force or not, and no version is made.
func TestTemplateUpdateMeasuresRenderedSubject(t *testing.T) {
	h := newHarness(t)
	name := strings.Repeat("N", 400) // within the app-name bound alone
	h.ok("import", "migration-journey", "create", "--from-identity", "hi@acme.dev", "--app-name", name,
		"--login-url", "https://acme.dev/login", "--reset-url", "https://acme.dev/reset")
	for _, extra := range [][]string{nil, {"--force"}} {
		args := append([]string{"template", "update", "migration-reminder", "--subject", "{{appName}} {{appName}} {{appName}}"}, extra...)
		r := h.run("", args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "998") || !strings.Contains(r.stderr, "migration-reminder") {
			t.Errorf("%v: exit %d\n%s", extra, r.code, r.stderr)
		}
	}
	if r := h.run("", "template", "show", "migration-reminder"); strings.Contains(r.stdout, "{{appName}} {{appName}}") {
		t.Errorf("the refused subject was written:\n%s", r.stdout)
	}
}
