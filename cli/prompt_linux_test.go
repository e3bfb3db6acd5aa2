//go:build linux

package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal: the master to type into and the
// slave to read from as a terminal stdin.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminal: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// echoOn reports whether the terminal echoes what is typed.
func echoOn(t *testing.T, f *os.File) bool {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO != 0
}

// The key prompt on a terminal: what is typed (with backspace) is read
// and not echoed; ctrl+c typed, or the context ending (SIGTERM, or a
// ctrl+c caught elsewhere), ends it at once; and the terminal's echo is
// back on whichever way it ends, even when the context ended before it
// began (an abandoned reader once turned it off after the restore).
func TestSecretPromptOnATerminal(t *testing.T) {
	read := func(ctx context.Context, typed string) (string, error, bool) {
		master, slave := openPTY(t)
		if !echoOn(t, slave) {
			t.Fatal("a new terminal does not echo")
		}
		go io.Copy(io.Discard, master) // what the prompt writes back
		if typed != "" {
			go func() {
				time.Sleep(20 * time.Millisecond)
				master.WriteString(typed)
			}()
		}
		got, err := readSecret(ctx, &IO{In: slave, ErrOut: io.Discard}, "Clerk secret key: ")
		return got, err, echoOn(t, slave)
	}
	if got, err, echo := read(context.Background(), "sk_test_abx\x7fc\r"); got != "sk_test_abc" || err != nil || !echo {
		t.Errorf("typed a key: %q, %v, echo %t", got, err, echo)
	}
	if got, err, echo := read(context.Background(), "sk_te\x03"); got != "" || !errors.Is(err, context.Canceled) || !echo {
		t.Errorf("ctrl+c typed: %q, %v, echo %t", got, err, echo)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err, echo := read(ctx, ""); !errors.Is(err, context.DeadlineExceeded) || !echo {
		t.Errorf("context ended while waiting: %v, echo %t", err, echo)
	}
	done, stop := context.WithCancel(context.Background())
	stop()
	if _, err, echo := read(done, ""); !errors.Is(err, context.Canceled) || !echo {
		t.Errorf("context ended before: %v, echo %t", err, echo)
	}
}
