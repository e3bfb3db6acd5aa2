package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// maxLine bounds a line read from stdin: a key, a password or an answer
// is short, and stdin may be a file or a device (/dev/zero) that never
// sends a newline, which an unbounded read would hold in memory whole.
const maxLine = 64 << 10

// readLine reads one line of at most maxLine bytes from r, without its
// line ending; EOF ends the line. ctx's end abandons the read: ctrl+c
// only cancels ctx (the signal is caught for graceful stops), and a read
// waiting on a terminal or a pipe would otherwise go on until Enter.
func readLine(ctx context.Context, r io.Reader) (string, error) {
	type answer struct {
		line string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(io.LimitReader(r, maxLine+1)).ReadString('\n')
		if errors.Is(err, io.EOF) {
			err = nil
			if len(line) > maxLine {
				err = fmt.Errorf("the line on standard input is longer than %d KiB: nothing was read", maxLine>>10)
			}
		}
		got <- answer{strings.TrimRight(line, "\r\n"), err}
	}()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case a := <-got:
		return a.line, a.err
	}
}

// readSecret reads one line from stdin as readLine does, without
// echoing it after prompt when stdin is a terminal (so a pasted key or a
// typed password does not stay on screen). ctrl+c restores the echo.
func readSecret(ctx context.Context, ios *IO, prompt string) (string, error) {
	f, ok := ios.In.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return readLine(ctx, ios.In)
	}
	fd := int(f.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return "", err
	}
	fmt.Fprint(ios.ErrOut, prompt)
	type answer struct {
		b   []byte
		err error
	}
	got := make(chan answer, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		got <- answer{b, err}
	}()
	defer fmt.Fprintln(ios.ErrOut)
	select {
	case <-ctx.Done():
		// The abandoned read turned echo off; the shell gets it back.
		term.Restore(fd, state) //nolint:errcheck // best effort on the way out
		return "", ctx.Err()
	case a := <-got:
		return string(a.b), a.err
	}
}
