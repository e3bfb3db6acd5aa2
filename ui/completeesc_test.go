package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// A file whose name holds an escape sequence is not offered as a
// completion (the field would show it raw and the terminal obey it);
// the other names still are.
func TestCompletionsLeaveOutControlCharacters(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"xa\x1b[41mevil.csv", "xb\x9bbad.csv", "xc\xffnot-utf8.csv", "xd-good.csv"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("id\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := pathCompletions(dir + "/x")
	if want := []string{filepath.Join(dir, "xd-good.csv")}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("completions %q, want %q", got, want)
	}

	cfg := testConfig(newTestEnv(t), nil)
	for _, pw := range []bool{false, true} {
		d, _ := sourceDriver(t, cfg, 80, 24)
		s := d.m.screens[stateSource].(*sourceScreen)
		d.press("2")
		field := &s.fileInput
		if pw {
			d.press("shift+tab")
			field = &s.pwInput
		}
		d.send(tea.PasteMsg{Content: dir + "/x"})
		d.waitFor("the completions", func(Model) bool { return len(field.MatchedSuggestions()) > 0 })
		if raw := d.m.View().Content; strings.Contains(raw, "\x1b[41m") || strings.Contains(raw, "\x9b") || strings.Contains(raw, "evil") {
			t.Errorf("passwords %v: the view shows the escaping name: %q", pw, raw)
		}
		d.press("tab")
		if want := filepath.Join(dir, "xd-good.csv"); field.Value() != want {
			t.Errorf("passwords %v: tab completed %q, want %q", pw, field.Value(), want)
		}
	}
}
