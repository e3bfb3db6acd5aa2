package importer

import "golang.org/x/sys/unix"

// dropMapped lets go of this process's mapping of the staging tree's
// pages. bbolt reads through a shared read-only mapping, and every page a
// join touches would otherwise stay counted in this process's resident
// memory until the file is closed: with a 1M-digest file that is the
// whole ~150 MB file, though the kernel may reclaim it at will. The pages
// stay in the page cache, so the next lookup maps them again cheaply; the
// data is the file's, so nothing is lost.
func (s *staged) dropMapped() {
	if s.db == nil || s.mapped <= 0 {
		return
	}
	// A raw syscall: the mapping's address is a uintptr (bbolt's Info),
	// and turning it back into a pointer is what vet rightly flags.
	n := s.mapped &^ int64(unix.Getpagesize()-1)
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, s.db.Info().Data, uintptr(n), unix.MADV_DONTNEED)
}
