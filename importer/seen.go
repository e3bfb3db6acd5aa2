package importer

import (
	"hash/maphash"
	"math/bits"
	"runtime"
	"slices"
)

// seenSet remembers the ids, emails and OAuth accounts already met in this
// source, for the repeated_in_source rule. It keeps 8-byte hashes, not
// strings: a false "repeated" needs a 64-bit collision (about 1e-8 at a
// million users). New hashes go to a small table; when it fills, they are
// sorted into runs of doubling size (like a binary counter), so a million
// users cost about 20 MB instead of the ~100 MB a map of every hash would
// (each run's directory, on the heap, adds at most 1/64 of its size).
//
// The runs live outside the Go heap where the system allows (see
// runMem): on the heap, the collector lets the heap grow to twice what is
// live, so the set cost twice its size in memory, and merging two runs
// held both and their union at once. Outside it, a run grows in place and
// a merge gives back the pages of the run it consumes as it goes.
type seenSet struct {
	hash   maphash.Hash // reused: hashing kind and value allocates nothing
	recent recentSet
	batch  []uint64 // reused to sort recent at each compaction
	runs   *seenRuns
}

// seenRuns holds the sorted runs, lengths strictly decreasing. It is
// apart from seenSet so that a cleanup can free it when a caller forgets
// release.
type seenRuns struct {
	r []seenRun
}

func (rs *seenRuns) free() {
	for i := range rs.r {
		rs.r[i].mem.free()
	}
	rs.r = nil
}

// seenRun is one sorted run of hashes and its directory: dir[k] is the
// index of the first hash whose top bits are k or more, so the hashes
// with top bits k are mem.h[dir[k]:dir[k+1]], about runBucket of them.
// Hashes are spread evenly, so where h lies inside its bucket is guessed
// from its lower bits, and a lookup costs a read of the directory (small
// enough to stay in cache) and about one cache miss in the run, where a
// binary search of a million hashes took twenty steps, each a likely miss.
type seenRun struct {
	mem  runMem
	dir  []uint32 // nil for a run too small to need one
	bits uint     // len(dir) is 1<<bits + 1
}

// runBucket is about how many hashes a directory entry covers: a few
// cache lines to look through, and a directory at most 1/64 of the run's size.
const runBucket = 32

// newSeenRun indexes a sorted run.
func newSeenRun(m runMem) seenRun {
	a := m.h
	var b uint
	for len(a)>>(b+1) >= runBucket {
		b++
	}
	if b == 0 {
		return seenRun{mem: m}
	}
	dir := make([]uint32, 1<<b+1)
	i, shift := 0, 64-b
	for k := range uint64(1) << b {
		for i < len(a) && a[i]>>shift < k {
			i++
		}
		dir[k] = uint32(i)
	}
	dir[1<<b] = uint32(len(a))
	return seenRun{mem: m, dir: dir, bits: b}
}

// has reports whether h is in the run.
func (r *seenRun) has(h uint64) bool {
	a := r.mem.h
	lo, hi := 0, len(a)
	if r.dir != nil {
		k := h >> (64 - r.bits)
		lo, hi = int(r.dir[k]), int(r.dir[k+1])
	}
	n := hi - lo
	if n == 0 {
		return false
	}
	if n > bucketScanMax {
		// Only runs of very uneven hashes have a bucket this full.
		_, ok := slices.BinarySearch(a[lo:hi], h)
		return ok
	}
	// The bits below the bucket's say how far into it h would be.
	g, _ := bits.Mul64(h<<r.bits, uint64(n))
	i := lo + int(g)
	if a[i] < h {
		for i++; i < hi && a[i] < h; i++ {
		}
		return i < hi && a[i] == h
	}
	for ; i > lo && a[i] > h; i-- {
	}
	return a[i] == h
}

// bucketScanMax bounds the part of a run has looks through one by one.
const bucketScanMax = 256

// seenRecentMax is how many hashes wait in the table before being sorted.
const seenRecentMax = 1 << 14

func newSeenSet() *seenSet {
	s := &seenSet{
		recent: newRecentSet(),
		batch:  make([]uint64, 0, seenRecentMax),
		runs:   &seenRuns{},
	}
	runtime.AddCleanup(s, (*seenRuns).free, s.runs)
	return s
}

// release gives the runs' memory back; the set is empty afterwards.
func (s *seenSet) release() {
	s.runs.free()
	s.recent.clear()
}

// addSeen records kind+v and reports whether it was already there.
func (s *seenSet) addSeen(kind, v string) bool {
	s.hash.Reset()
	s.hash.WriteString(kind)
	s.hash.WriteByte(0)
	s.hash.WriteString(v)
	h := s.hash.Sum64()
	slot, found := s.recent.find(h)
	if found {
		return true
	}
	for i := range s.runs.r {
		if s.runs.r[i].has(h) {
			return true
		}
	}
	s.recent.insert(slot, h)
	if s.recent.n >= seenRecentMax {
		s.compact()
	}
	return false
}

// recentSet is a set of hashes with open addressing: the hashes are
// already random, so their top bits pick the slot, with none of a map's
// rehashing and grouping. It holds at most seenRecentMax hashes in twice
// as many slots, so probe runs stay short. An empty slot is 0; the hash 0
// itself is kept apart.
type recentSet struct {
	slots []uint64
	zero  bool // the hash 0 is in the set
	n     int
}

// recentBits is log2 of the slots: twice seenRecentMax.
const recentBits = 15

func newRecentSet() recentSet { return recentSet{slots: make([]uint64, 1<<recentBits)} }

// find returns whether h is in the set and, when it is not, the slot
// insert puts it in.
func (t *recentSet) find(h uint64) (slot int, found bool) {
	if h == 0 {
		return -1, t.zero
	}
	mask := len(t.slots) - 1
	for i := int(h >> (64 - recentBits)); ; i = (i + 1) & mask {
		switch t.slots[i] {
		case h:
			return i, true
		case 0:
			return i, false
		}
	}
}

// insert adds h, which find did not find, at the slot find returned.
func (t *recentSet) insert(slot int, h uint64) {
	if h == 0 {
		t.zero = true
	} else {
		t.slots[slot] = h
	}
	t.n++
}

// appendTo appends the set's hashes to b.
func (t *recentSet) appendTo(b []uint64) []uint64 {
	if t.zero {
		b = append(b, 0)
	}
	for _, h := range t.slots {
		if h != 0 {
			b = append(b, h)
		}
	}
	return b
}

func (t *recentSet) clear() {
	clear(t.slots)
	t.zero, t.n = false, 0
}

// compact sorts the recent table into a run and merges runs of similar
// size, so there are at most log2(n/seenRecentMax)+1 runs to search.
func (s *seenSet) compact() {
	b := s.recent.appendTo(s.batch[:0])
	slices.Sort(b)
	s.recent.clear()
	s.batch = b[:0]
	run := newRunMem(len(b))
	copy(run.h, b)
	rs := s.runs
	for len(rs.r) > 0 && len(rs.r[len(rs.r)-1].mem.h) <= len(run.h) {
		last := rs.r[len(rs.r)-1]
		rs.r = rs.r[:len(rs.r)-1]
		run = mergeRuns(last.mem, run)
	}
	rs.r = append(rs.r, newSeenRun(run))
}

// mergeRuns merges b into a, growing a in place where it can, and frees
// b. It merges from the back, so a's elements only move towards the end
// and b is consumed from its end, which lets it shrink as it goes.
func mergeRuns(a, b runMem) runMem {
	na, nb := len(a.h), len(b.h)
	a.grow(na + nb)
	i, j, k := na-1, nb-1, na+nb-1
	for j >= 0 {
		if i >= 0 && a.h[i] > b.h[j] {
			a.h[k] = a.h[i]
			i--
		} else {
			a.h[k] = b.h[j]
			j--
			if j&(runShrinkEvery-1) == 0 {
				b.shrink(j + 1) // b.h[j] is the next to read
			}
		}
		k--
	}
	b.free()
	return a
}

// runShrinkEvery is how many consumed hashes a merge waits for before
// giving their memory back (a power of two: 512 KiB).
const runShrinkEvery = 1 << 16
