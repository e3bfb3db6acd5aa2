//go:build !linux

package importer

// runMem is a run's keys on the heap, where no anonymous mapping that can
// grow in place is available.
type runMem struct {
	k []uint16
}

func newRunMem(n int) runMem { return runMem{k: make([]uint16, n)} }

func (r *runMem) grow(n int) {
	k := make([]uint16, n)
	copy(k, r.k)
	r.k = k
}

func (r *runMem) free() { r.k = nil }
