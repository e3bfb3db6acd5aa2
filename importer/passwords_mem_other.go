//go:build !linux

package importer

// dropMapped is a no-op where madvise(MADV_DONTNEED) is not at hand;
// the kernel still reclaims the mapped pages of the staging file.
func (s *staged) dropMapped() {}
