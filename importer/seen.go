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
// users cost about 20 MB instead of the ~100 MB a map of every hash would.
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
	r []runMem
}

func (rs *seenRuns) free() {
	for i := range rs.r {
		rs.r[i].free()
	}
	rs.r = nil
}

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
		if searchRun(s.runs.r[i].h, h) {
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

// searchRun reports whether h is in the sorted run a. Hashes are spread
// evenly over 64 bits, so a run of n holds about n*d/2^64 of them in a
// span of width d: the place of h is guessed from its value, and each
// guess corrected by the same rule from the value found there, which
// reaches it in about three probes where a binary search of a million
// takes twenty, each a likely cache miss. The guesses also narrow the
// range h can be in; after a few, a binary search of what is left ends
// it, so a run of uneven values costs no more than before.
func searchRun(a []uint64, h uint64) bool {
	n := uint64(len(a))
	lo, hi := 0, len(a) // if h is in a, it is in a[lo:hi]
	g, _ := bits.Mul64(h, n)
	i := int(g)
	for range guesses {
		if lo >= hi {
			return false
		}
		i = min(max(i, lo), hi-1)
		switch v := a[i]; {
		case v == h:
			return true
		case v < h:
			lo = i + 1
			d, _ := bits.Mul64(h-v, n)
			i += int(d)
		default:
			hi = i
			d, _ := bits.Mul64(v-h, n)
			i -= int(d)
		}
	}
	_, ok := slices.BinarySearch(a[lo:hi], h)
	return ok
}

// guesses bounds searchRun's guesses.
const guesses = 16

// compact sorts the map into a run and merges runs of similar size, so
// there are at most log2(n/seenRecentMax)+1 runs to search.
func (s *seenSet) compact() {
	b := s.recent.appendTo(s.batch[:0])
	slices.Sort(b)
	s.recent.clear()
	s.batch = b[:0]
	run := newRunMem(len(b))
	copy(run.h, b)
	rs := s.runs
	for len(rs.r) > 0 && len(rs.r[len(rs.r)-1].h) <= len(run.h) {
		last := rs.r[len(rs.r)-1]
		rs.r = rs.r[:len(rs.r)-1]
		run = mergeRuns(last, run)
	}
	rs.r = append(rs.r, run)
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
