package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/importer"
	"golang.org/x/crypto/bcrypt"
)

// withKeptPassword imports, into h's environment, ada@example.com with a
// kept bcrypt password, so that auth check-password reads one from stdin.
func withKeptPassword(t *testing.T, h *harness) {
	t.Helper()
	digest, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(h.dir, "pw.csv")
	if err := os.WriteFile(file, []byte("id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\n"+
		"user_ada,Ada,,,ada@example.com,,ada@example.com,,,,,"+string(digest)+",bcrypt\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var rep importer.Report
	h.json(&rep, "import", "clerk", "run", "--file", file)
	if rep.Passwords.Kept != 1 {
		t.Fatalf("passwords %+v", rep.Passwords)
	}
}

// zeros is stdin that never sends a newline (/dev/zero).
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// A key or password read from a stdin that never ends a line is refused
// once it passes maxLine, rather than held in memory whole (it reached
// 24 GB from /dev/zero).
func TestSecretFromEndlessStdinRefused(t *testing.T) {
	h := newHarness(t)
	withKeptPassword(t, h)
	for _, args := range [][]string{
		{"import", "clerk", "preview", "--api-key", "-"},
		{"auth", "check-password", "ada@example.com"},
	} {
		var out, errOut strings.Builder
		ios := &IO{In: zeros{}, Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return h.envs[k] }}
		code := make(chan int, 1)
		go func() { code <- Run(context.Background(), ios, args) }()
		select {
		case c := <-code:
			if c == 0 || !strings.Contains(errOut.String(), "longer than 64 KiB") {
				t.Errorf("%v: exit %d, stderr %q", args, c, errOut.String())
			}
		case <-time.After(time.Minute):
			t.Fatalf("%v: still reading stdin after a minute", args)
		}
	}
}

// ctrl+c (the context's end) at a prompt that waits on stdin exits 130
// at once, rather than when Enter comes; an undo so interrupted undoes
// nothing.
func TestPromptsInterrupted(t *testing.T) {
	h := newHarness(t)
	withKeptPassword(t, h)
	var runs []struct{ ID, Status string }
	h.json(&runs, "import", "runs")
	if len(runs) != 1 || runs[0].ID == "" {
		t.Fatalf("runs %+v", runs)
	}
	id := runs[0].ID
	for _, c := range []struct {
		args   []string
		prompt string // written before the read; "" when none (stdin is no terminal)
	}{
		{[]string{"import", "clerk", "preview", "--api-key", "-"}, ""},
		{[]string{"auth", "check-password", "ada@example.com"}, ""},
		{[]string{"import", "undo", id}, "Type undo to confirm"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		stdin, never := io.Pipe()
		errOut := &cancelOnWrite{want: c.prompt, cancel: func() {}}
		if c.prompt != "" {
			errOut.cancel = cancel
		}
		ios := &IO{In: stdin, Out: io.Discard, ErrOut: errOut, IsTTY: c.prompt != "", Getenv: func(k string) string { return h.envs[k] }}
		code := make(chan int, 1)
		go func() { code <- Run(ctx, ios, c.args) }()
		if c.prompt == "" {
			time.Sleep(50 * time.Millisecond) // let it reach the read; the test holds either way
			cancel()
		}
		select {
		case got := <-code:
			if got != ExitInterrupted {
				t.Errorf("%v: exit %d, want %d\n%s", c.args, got, ExitInterrupted, errOut.buf.String())
			}
		case <-time.After(time.Minute):
			t.Fatalf("%v: still waiting on stdin a minute after ctrl+c", c.args)
		}
		never.Close()
		cancel()
	}
	h.json(&runs, "import", "runs")
	for _, r := range runs {
		if r.ID == id && r.Status == "undone" {
			t.Errorf("run %s undone by an interrupted prompt", r.ID)
		}
	}
}
