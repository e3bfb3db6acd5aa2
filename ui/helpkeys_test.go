package ui

import (
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// The confirmation's full help lists w (the warnings) once, and the
// global keys once: the full help is not the short list's backing
// array, which the global keys are appended to.
func TestConfirmFullHelpListsWarnings(t *testing.T) {
	for _, c := range []struct {
		name string
		to   func(t *testing.T) *driver
	}{
		{"y/n", func(t *testing.T) *driver { d, _ := toConfirm(t, 120, 30, bigPreview); return d }},
		{"production", func(t *testing.T) *driver { return toProductionConfirm(t, 120, 30, bigPreview) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := c.to(t)
			if len(confirmOf(d).runWarnings()) == 0 {
				t.Fatal("the preview has no warnings")
			}
			// f1: in production the typed word's field takes "?".
			d.send(tea.KeyPressMsg{Code: tea.KeyF1})
			v := d.view()
			if !regexp.MustCompile(`\bw +warnings\b`).MatchString(v) {
				t.Errorf("full help lacks w:\n%s", v)
			}
			for _, help := range []string{"more keys", "close help", "f1"} {
				if n := strings.Count(v, help); n > 1 {
					t.Errorf("%q is listed %d times:\n%s", help, n, v)
				}
			}
		})
	}
}
