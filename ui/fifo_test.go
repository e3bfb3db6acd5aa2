package ui

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// mkfifo makes a named pipe with no writer: opening it to read blocks.
func mkfifo(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "users.csv")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	return p
}

// A pipe is refused as the export file and as the passwords file, as the
// CLI's run refuses it, instead of an open that blocks for ever.
func TestSourceRefusesAPipe(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, dir)
	csv := cutoverCSV(t, t.TempDir())
	cfg := Config{Env: newTestEnv(t), OpenFile: clerk.OpenFile}

	d := newDriver(t, cfg, 100, 30)
	s := d.m.screens[stateSource].(*sourceScreen)
	d.press("2")
	d.send(tea.PasteMsg{Content: fifo})
	d.press("enter")
	d.waitFor("the refusal", func(Model) bool { return s.err != "" })
	if !strings.Contains(s.err, "is not a regular file (a pipe or a device)") || !strings.Contains(s.err, "save it to a file first") {
		t.Fatalf("err %q", s.err)
	}
	if s.verifying || d.state() != stateSource {
		t.Fatal("the pipe was opened")
	}

	// The passwords file.
	s.fileInput.SetValue("")
	d.send(tea.PasteMsg{Content: csv})
	d.press("shift+tab")
	d.send(tea.PasteMsg{Content: fifo})
	d.press("enter")
	d.waitFor("the refusal", func(Model) bool { return s.err != "" })
	if !strings.HasPrefix(s.err, "passwords file: ") || !strings.Contains(s.err, "is not a regular file") {
		t.Fatalf("err %q", s.err)
	}
	if d.state() != stateSource {
		t.Fatal("a pipe for passwords was taken")
	}
}

// An open that blocks (the export replaced by a pipe after the source
// step, a hung network mount) neither holds the import's stop nor the
// way out: ctrl+c stops the run at once and a second one quits.
func TestBlockedOpenDoesNotOutliveCtrlC(t *testing.T) {
	d, _ := toConfirm(t, 80, 24)
	release := make(chan struct{})
	defer close(release)
	d.m.pc.cfg.OpenAPI = func(string, func(string, time.Duration)) (clerk.Source, error) {
		<-release
		return &sliceSource{kind: "api"}, nil
	}
	d.press("y")
	if d.state() != stateProgress {
		t.Fatalf("state %v", d.state())
	}
	d.press("ctrl+c")
	p := progressOf(d)
	d.waitFor("the stopped run", func(Model) bool { return p.report != nil })
	if !p.report.Interrupted {
		t.Fatalf("report %+v", p.report)
	}
	d.press("ctrl+c")
	if !d.quit {
		t.Fatal("ctrl+c did not quit after the stop")
	}
}

// The run checks the chosen file again before it opens it.
func TestRunRefusesAnExportReplacedByAPipe(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, dir)
	pc := &programContext{cfg: Config{OpenFile: clerk.OpenFile}}
	pc.sess.source = sourceChoice{Kind: "file", Path: fifo}
	if _, err := pc.opener()(nil); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("err %v", err)
	}
	_ = os.Remove(fifo)
}
