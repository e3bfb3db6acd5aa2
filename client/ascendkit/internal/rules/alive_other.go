//go:build !unix

package rules

import "os"

// ProcessAlive: on Windows, FindProcess opens the process and fails when
// it no longer exists.
func ProcessAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
