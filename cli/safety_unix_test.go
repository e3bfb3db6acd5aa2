//go:build unix

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEntriesThroughLinksAndPipes: a symbolic link keeps being a link (the
// file it names gets the entries), and a pipe is written to as it is,
// never replaced by a regular file.
func TestEntriesThroughLinksAndPipes(t *testing.T) {
	h := newHarness(t)
	export := writeClerkFile(t, h.dir, twoUsers)
	env := "local:" + filepath.Join(h.dir, "env.db")

	real, link := filepath.Join(h.dir, "real.jsonl"), filepath.Join(h.dir, "link.jsonl")
	if err := os.WriteFile(real, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if r := h.run("", "import", "clerk", "preview", "--file", export, "--env", env, "--entries", link); r.code != 0 {
		t.Fatalf("through a link: exit %d %s", r.code, r.stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", st.Mode(), err)
	}
	if got := string(readOrEmpty(t, real)); strings.Contains(got, "old") || !strings.Contains(got, `"sourceId"`) {
		t.Errorf("the linked file holds %q", got)
	}

	fifo := filepath.Join(h.dir, "entries.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	read := make(chan []byte)
	go func() {
		f, err := os.Open(fifo) // blocks until the import opens it to write
		if err != nil {
			read <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		read <- b
	}()
	r := h.run("", "import", "clerk", "preview", "--file", export, "--env", env, "--entries", fifo)
	// Had the import not opened the pipe, the reader would wait for ever:
	// a writer opened and closed here ends its wait (with nothing read).
	if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		w.Close()
	}
	if r.code != 0 {
		t.Fatalf("into a pipe: exit %d %s", r.code, r.stderr)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe was replaced: %v %v", st.Mode(), err) // its reader waits on the old one
	}
	if got := string(<-read); !strings.Contains(got, `"sourceId"`) {
		t.Errorf("the pipe carried %q", got)
	}
	noTempFiles(t, h.dir)
}

// TestRunRefusesAPipedFile: a run reads its --file twice, so a pipe (what
// `--file <(gunzip -c users.json.gz)` passes) is refused before anything
// is read or written, with a message saying why; a preview reads it once.
func TestRunRefusesAPipedFile(t *testing.T) {
	h := newHarness(t)
	env := "local:" + filepath.Join(h.dir, "env.db")
	fifo := filepath.Join(h.dir, "users.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	r := h.run("", "import", "clerk", "run", "--file", fifo, "--env", env)
	if r.code != 2 || !strings.Contains(r.stderr, "not a regular file") || !strings.Contains(r.stderr, "save the export to a file") {
		t.Fatalf("run --file <pipe>: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "env.db")); !os.IsNotExist(err) {
		t.Errorf("the refused run created the environment: %v", err)
	}
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			io.WriteString(w, twoUsers)
			w.Close()
		}
	}()
	if r := h.run("", "import", "clerk", "preview", "--file", fifo, "--env", env, "--json"); r.code != 0 || !strings.Contains(r.stdout, `"fetched": 2`) {
		t.Errorf("preview --file <pipe>: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// README: "a preview takes a pipe", standard input too; a run, which
	// reads its file twice, cannot.
	if r := h.run(twoUsers, "import", "clerk", "preview", "--file", "-", "--env", env, "--json"); r.code != 0 || !strings.Contains(r.stdout, `"fetched": 2`) {
		t.Errorf("preview --file -: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := h.run(twoUsers, "import", "clerk", "run", "--file", "-", "--env", env); r.code != 2 || !strings.Contains(r.stderr, "cannot read standard input") {
		t.Errorf("run --file -: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestOpeningAPipeNobodyWritesEnds: opening a named pipe with no writer
// blocks in the kernel; the command still ends when it is interrupted
// (ctrl+c cancels its context) instead of hanging for good.
func TestOpeningAPipeNobodyWritesEnds(t *testing.T) {
	h := newHarness(t)
	fifo := filepath.Join(h.dir, "users.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	env := "local:" + filepath.Join(h.dir, "env.db")
	for _, args := range [][]string{
		{"import", "clerk", "preview", "--file", fifo, "--env", env},
		{"import", "clerk", "preview", "--file", writeClerkFile(t, h.dir, twoUsers), "--passwords", fifo, "--env", env},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errOut bytes.Buffer
		ios := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return h.envs[k] }}
		code := make(chan int, 1)
		go func() { code <- Run(ctx, ios, args) }()
		cancel()
		select {
		case c := <-code:
			if c == 0 {
				t.Errorf("%v: exit 0 after the interrupt", args)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%v: still blocked a minute after the interrupt", args)
		}
	}
}

// An --entries file that cannot be written once the run is done (a full
// disk): the users were written and the run completed, but the command
// printed no report, so a script lost its runId and saw only a failure.
// The report goes out, its error saying what was and was not done.
func TestEntriesWriteFailureKeepsTheReport(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Fatalf("/dev/full: %v", err) // Linux, where CI runs
	}
	h := newHarness(t)
	export := writeClerkFile(t, h.dir, twoUsers)
	env := "local:" + filepath.Join(h.dir, "env.db")
	r := h.run("", "import", "clerk", "run", "--file", export, "--env", env, "--entries", "/dev/full", "--json")
	var rep struct {
		RunID string `json:"runId"`
		Error string `json:"error"`
		Users struct{ Imported int }
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 1 {
		t.Fatalf("exit %d, stdout %q: %v", r.code, r.stdout, err)
	}
	if rep.RunID == "" || rep.Users.Imported != 1 || !strings.Contains(rep.Error, "its users are written) finished, but the --entries file could not be written") {
		t.Errorf("report %+v", rep)
	}
	// The human form prints the report, then says it on stderr.
	r = h.run("", "import", "clerk", "preview", "--file", export, "--env", env, "--entries", "/dev/full")
	if r.code != 1 || !strings.Contains(r.stdout, "Users") || !strings.Contains(r.stderr, "the preview finished, but the --entries file could not be written") ||
		strings.Contains(r.stdout, "Stopped early") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
