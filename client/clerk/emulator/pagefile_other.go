//go:build !linux

package emulator

import (
	"errors"
	"os"
)

// newPageFile: pages are written from memory on this system.
func newPageFile([]byte) *os.File { return nil }

func reopen(*os.File) (*os.File, error) { return nil, errors.New("emulator: no page file") }
