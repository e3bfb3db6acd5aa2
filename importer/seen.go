package importer

import (
	"hash/maphash"
	"runtime"
	"slices"
)

// seenSet remembers the ids, emails and OAuth accounts already met in this
// source, for the repeated_in_source rule. It keeps 8-byte hashes, not
// strings: a false "repeated" needs a 64-bit collision (about 1e-8 at a
// million users). New hashes go to a small map; when it fills, they are
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
	recent map[uint64]struct{}
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

// seenRecentMax is how many hashes wait in the map before being sorted.
const seenRecentMax = 1 << 14

func newSeenSet() *seenSet {
	s := &seenSet{
		recent: make(map[uint64]struct{}, seenRecentMax),
		batch:  make([]uint64, 0, seenRecentMax),
		runs:   &seenRuns{},
	}
	runtime.AddCleanup(s, (*seenRuns).free, s.runs)
	return s
}

// release gives the runs' memory back; the set is empty afterwards.
func (s *seenSet) release() {
	s.runs.free()
	clear(s.recent)
}

// addSeen records kind+v and reports whether it was already there.
func (s *seenSet) addSeen(kind, v string) bool {
	s.hash.Reset()
	s.hash.WriteString(kind)
	s.hash.WriteByte(0)
	s.hash.WriteString(v)
	h := s.hash.Sum64()
	if _, ok := s.recent[h]; ok {
		return true
	}
	for i := range s.runs.r {
		if _, ok := slices.BinarySearch(s.runs.r[i].h, h); ok {
			return true
		}
	}
	s.recent[h] = struct{}{}
	if len(s.recent) >= seenRecentMax {
		s.compact()
	}
	return false
}

// compact sorts the map into a run and merges runs of similar size, so
// there are at most log2(n/seenRecentMax)+1 runs to search.
func (s *seenSet) compact() {
	b := s.batch[:0]
	for h := range s.recent {
		b = append(b, h)
	}
	slices.Sort(b)
	clear(s.recent)
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
