package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

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
	return abandonable(ctx, func() (string, error) {
		line, err := bufio.NewReader(io.LimitReader(r, maxLine+1)).ReadString('\n')
		if errors.Is(err, io.EOF) {
			err = nil
			if len(line) > maxLine {
				err = fmt.Errorf("the line on standard input is longer than %d KiB: nothing was read", maxLine>>10)
			}
		}
		return strings.TrimRight(line, "\r\n"), err
	})
}

// abandonable runs read on a goroutine of its own and returns what it
// read, or ctx's error as soon as ctx ends: a read blocked on stdin
// cannot be interrupted, only left behind.
func abandonable(ctx context.Context, read func() (string, error)) (string, error) {
	type answer struct {
		line string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		line, err := read()
		got <- answer{line, err}
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
// typed password does not stay on screen).
//
// On a terminal it reads in raw mode, set and restored here rather than
// by a reader that ctrl+c may leave behind (term.ReadPassword restored
// nothing when abandoned, and could turn the echo off after an early
// restore): so ctrl+c arrives as a byte, and the shell always gets its
// terminal back as it was.
func readSecret(ctx context.Context, ios *IO, prompt string) (string, error) {
	f, ok := ios.In.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return readLine(ctx, ios.In)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	fd := int(f.Fd())
	state, err := term.MakeRaw(fd)
	if err != nil {
		return "", err
	}
	defer term.Restore(fd, state) //nolint:errcheck // nothing more to do on the way out
	fmt.Fprint(ios.ErrOut, prompt)
	defer fmt.Fprint(ios.ErrOut, "\r\n") // raw mode: no carriage return of its own
	return abandonable(ctx, func() (string, error) { return typedLine(f) })
}

// typedLine reads what is typed on a raw terminal up to Enter, with
// backspace and ctrl+u for editing; ctrl+c is an interrupt (raw mode
// sends no signal), ctrl+d on an empty line the end of input.
func typedLine(r io.Reader) (string, error) {
	var line []byte
	var b [1]byte
	for {
		if _, err := r.Read(b[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return string(line), nil
			}
			return "", err
		}
		switch c := b[0]; c {
		case '\r', '\n':
			return string(line), nil
		case 3: // ctrl+c
			return "", context.Canceled
		case 4: // ctrl+d
			if len(line) == 0 {
				return "", nil
			}
		case 8, 127: // backspace
			if len(line) > 0 {
				_, n := utf8.DecodeLastRune(line)
				line = line[:len(line)-n]
			}
		case 21: // ctrl+u
			line = line[:0]
		default:
			if len(line) >= maxLine {
				return "", fmt.Errorf("the line typed is longer than %d KiB: nothing was read", maxLine>>10)
			}
			line = append(line, c)
		}
	}
}
