package importer

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// runMem is a run of hashes in anonymous memory mapped outside the Go
// heap, so the collector neither scans it nor sizes the heap after it.
// When a mapping fails it falls back to the heap (mem is then nil).
type runMem struct {
	h   []uint64
	mem []byte // the mapping h lies in, nil when h is on the heap
}

func newRunMem(n int) runMem {
	mem, err := unix.Mmap(-1, 0, pageRound(n*8), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return runMem{h: make([]uint64, n)}
	}
	return runMem{h: asHashes(mem, n), mem: mem}
}

// grow makes the run n long, keeping its content; the kernel moves the
// pages rather than copying them.
func (r *runMem) grow(n int) {
	if r.mem != nil {
		if mem, err := unix.Mremap(r.mem, pageRound(n*8), unix.MREMAP_MAYMOVE); err == nil {
			r.mem, r.h = mem, asHashes(mem, n)
			return
		}
	}
	h := make([]uint64, n)
	copy(h, r.h)
	r.free()
	r.h = h
}

// shrink gives back the whole pages past the first n hashes, which a
// merge has consumed.
func (r *runMem) shrink(n int) {
	keep := pageRound(n * 8)
	if r.mem == nil || keep >= len(r.mem) || keep == 0 {
		return
	}
	if mem, err := unix.Mremap(r.mem, keep, 0); err == nil {
		r.mem, r.h = mem, asHashes(mem, n)
	}
}

func (r *runMem) free() {
	if r.mem != nil {
		_ = unix.Munmap(r.mem) // only fails for a bad address, which r.mem is not
	}
	r.mem, r.h = nil, nil
}

func pageRound(n int) int {
	p := unix.Getpagesize()
	return max(p, (n+p-1)/p*p)
}

// asHashes views the first n*8 bytes of a page-aligned mapping as hashes.
func asHashes(mem []byte, n int) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(mem))), n)
}
