//go:build unix

package rules

import (
	"errors"
	"syscall"
)

// ProcessAlive sends signal 0: no error (or EPERM, someone else's
// process) means the pid exists.
func ProcessAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
