//go:build !unix

package ascendkit

import "os"

// processAlive: on Windows, FindProcess opens the process and fails when
// it no longer exists.
func processAlive(pid int) bool {
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
