//go:build !linux

package importer

// runMem is a run of hashes on the heap, where no anonymous mapping that
// can grow in place is available.
type runMem struct {
	h []uint64
}

func newRunMem(n int) runMem { return runMem{h: make([]uint64, n)} }

func (r *runMem) grow(n int) {
	h := make([]uint64, n)
	copy(h, r.h)
	r.h = h
}

func (r *runMem) shrink(int) {}

func (r *runMem) free() { r.h = nil }
