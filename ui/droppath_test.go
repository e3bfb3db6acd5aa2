package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// A file dragged onto the terminal is pasted shell-quoted or escaped,
// often with a trailing space: the source step takes it as the file.
func TestSourceTakesADroppedPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Clerk exports (it's mine)")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := cutoverCSV(t, dir)
	escaped := strings.NewReplacer(" ", `\ `, "(", `\(`, ")", `\)`, "'", `\'`).Replace(path)
	for name, pasted := range map[string]string{
		"single-quoted": "'" + strings.ReplaceAll(path, "'", `'\''`) + "' ",
		"double-quoted": `"` + path + `"`,
		"escaped":       escaped + " ",
		"file URL":      "file://" + strings.ReplaceAll(strings.ReplaceAll(path, " ", "%20"), "'", "%27"),
	} {
		t.Run(name, func(t *testing.T) {
			d := newDriver(t, Config{Env: newTestEnv(t), OpenFile: clerk.OpenFile}, 100, 30)
			d.press("2")
			d.send(tea.PasteMsg{Content: pasted})
			// The passwords file too (the same export carries digests).
			d.press("shift+tab")
			d.send(tea.PasteMsg{Content: pasted})
			d.press("enter")
			d.waitFor("the settings step", func(m Model) bool {
				return m.state == stateSettings || m.screens[stateSource].(*sourceScreen).err != ""
			})
			src := d.m.pc.sess.source
			if d.state() != stateSettings || src.Path != path || src.Passwords != path {
				t.Fatalf("pasted %q: source %+v; screen:\n%s", pasted, src, d.view())
			}
		})
	}
}

func TestDroppedPath(t *testing.T) {
	for in, want := range map[string]string{
		`/a/dir\ with\ space/x.csv `: "/a/dir with space/x.csv",
		`'/a/x.csv'`:                 "/a/x.csv",
		`'/a/it'\''s.csv'`:           "/a/it's.csv",
		`"/a/\$x \"q\".csv"`:         `/a/$x "q".csv`,
		`file:///a/b%20c.csv`:        "/a/b c.csv",
		`/plain/path.csv`:            "/plain/path.csv",
		`'`:                          "'",
	} {
		if got := droppedPath(in); got != want {
			t.Errorf("droppedPath(%q) = %q, want %q", in, got, want)
		}
	}
}
