//go:build linux

package emulator

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// newPageFile copies a list's slab into an anonymous in-memory file
// (memfd), or returns nil if the system will not make one.
func newPageFile(slab []byte) *os.File {
	fd, err := unix.MemfdCreate("clerk-emulator-users", unix.MFD_CLOEXEC)
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), "clerk-emulator-users")
	if _, err := f.Write(slab); err != nil {
		f.Close()
		return nil
	}
	return f
}

// reopen opens f again, with a read offset of its own (a dup would share
// f's): each request seeks to its page. The new file keeps the memory
// alive after f is closed (the list replaced).
func reopen(f *os.File) (*os.File, error) {
	return os.Open("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
}
