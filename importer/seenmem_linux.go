package importer

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// runMem is a run's keys in anonymous memory mapped outside the Go heap,
// so the collector neither scans it nor sizes the heap after it. When a
// mapping fails it falls back to the heap (mem is then nil).
type runMem struct {
	k   []uint16
	mem []byte // the mapping k lies in, nil when k is on the heap
}

func newRunMem(n int) runMem {
	mem, err := unix.Mmap(-1, 0, pageRound(n*2), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return runMem{k: make([]uint16, n)}
	}
	return runMem{k: asKeys(mem, n), mem: mem}
}

// grow makes the run n long, keeping its content; the kernel moves the
// pages rather than copying them.
func (r *runMem) grow(n int) {
	if r.mem != nil {
		if mem, err := unix.Mremap(r.mem, pageRound(n*2), unix.MREMAP_MAYMOVE); err == nil {
			r.mem, r.k = mem, asKeys(mem, n)
			return
		}
	}
	k := make([]uint16, n)
	copy(k, r.k)
	r.free()
	r.k = k
}

func (r *runMem) free() {
	if r.mem != nil {
		_ = unix.Munmap(r.mem) // only fails for a bad address, which r.mem is not
	}
	r.mem, r.k = nil, nil
}

// pageRound rounds n bytes up to whole pages (at least one: a mapping
// cannot be empty).
func pageRound(n int) int {
	p := unix.Getpagesize()
	return max(p, (n+p-1)/p*p)
}

// asKeys views the first n*2 bytes of a page-aligned mapping as keys.
func asKeys(mem []byte, n int) []uint16 {
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(mem))), n)
}
