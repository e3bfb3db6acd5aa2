package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// On a short terminal the source step gives up its explanations, not
// the focused field: after tab the passwords file's field shows, and
// after enter its error and what to do about it.
func TestSourceShortTerminalKeepsFocusedFieldAndError(t *testing.T) {
	for _, size := range [][2]int{{60, 15}, {80, 15}, {60, 16}, {80, 18}} {
		w, h := size[0], size[1]
		for _, mode := range []string{"key", "file"} {
			t.Run(fmt.Sprintf("%s/%dx%d", mode, w, h), func(t *testing.T) {
				dir := t.TempDir()
				cfg := testConfig(newTestEnv(t), makeUsers(10))
				cfg.OpenFile = clerk.OpenFile
				if mode == "key" {
					cfg.APIKey = "sk_test_0123456789abcdef"
				}
				d, _ := sourceDriver(t, cfg, w, h)
				if mode == "file" {
					export := filepath.Join(dir, "export.csv")
					csv, err := os.ReadFile(fixture("clerk-dashboard.csv"))
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(export, csv, 0o600); err != nil {
						t.Fatal(err)
					}
					d.press("2")
					d.send(tea.PasteMsg{Content: export})
				}
				if mode == "file" {
					d.press("shift+tab") // tab completes the export's path
				} else {
					d.press("tab")
				}
				v := d.view()
				assertFits(t, v, w, h)
				if !strings.Contains(v, "Passwords file ›") {
					t.Fatalf("the focused passwords field is not on screen:\n%s", v)
				}
				d.send(tea.PasteMsg{Content: filepath.Join(dir, "missing.csv")})
				d.press("enter")
				s := d.m.screens[stateSource].(*sourceScreen)
				d.waitFor("the refusal", func(Model) bool { return s.err != "" })
				v = d.view()
				assertFits(t, v, w, h)
				for _, want := range []string{"Passwords file ›", "✗ passwords file", "Fix the passwords file's path"} {
					if !strings.Contains(v, want) {
						t.Errorf("screen lacks %q:\n%s", want, v)
					}
				}
			})
		}
	}
}

// A key Clerk refuses: the field, the error and "Fix the key" show on a
// short terminal too.
func TestSourceShortTerminalKeepsKeyError(t *testing.T) {
	for _, size := range [][2]int{{60, 15}, {80, 15}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			cfg := testConfig(newTestEnv(t), nil)
			cfg.APIKey = "sk_test_refused"
			cfg.OpenAPI = func(string, func(string, time.Duration)) (clerk.Source, error) {
				return nil, errors.New("clerk: 401 Unauthorized: the secret key is not valid for any instance; copy it again from the Clerk Dashboard")
			}
			d, _ := sourceDriver(t, cfg, w, h)
			d.press("enter")
			s := d.m.screens[stateSource].(*sourceScreen)
			d.waitFor("the refusal", func(Model) bool { return s.err != "" })
			v := d.view()
			assertFits(t, v, w, h)
			for _, want := range []string{"Secret key ›", "✗", "Fix the key"} {
				if !strings.Contains(v, want) {
					t.Errorf("screen lacks %q:\n%s", want, v)
				}
			}
		})
	}
}
