package importer

import (
	"hash/maphash"
	"slices"
)

// seenSet remembers the ids, emails and OAuth accounts already met in this
// source, for the repeated_in_source rule. It keeps 8-byte hashes, not
// strings: a false "repeated" needs a 64-bit collision (about 1e-8 at a
// million users). New hashes go to a small map; when it fills, they are
// sorted into runs of doubling size (like a binary counter), so a million
// users cost about 20 MB instead of the ~100 MB a map of every hash would.
type seenSet struct {
	hash   maphash.Hash // reused: hashing kind and value allocates nothing
	recent map[uint64]struct{}
	runs   [][]uint64 // each sorted; lengths strictly decrease
}

// seenRecentMax is how many hashes wait in the map before being sorted.
const seenRecentMax = 1 << 14

func newSeenSet() *seenSet {
	return &seenSet{recent: make(map[uint64]struct{}, seenRecentMax)}
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
	for _, r := range s.runs {
		if _, ok := slices.BinarySearch(r, h); ok {
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
	run := make([]uint64, 0, len(s.recent))
	for h := range s.recent {
		run = append(run, h)
	}
	slices.Sort(run)
	clear(s.recent)
	for len(s.runs) > 0 && len(s.runs[len(s.runs)-1]) <= len(run) {
		last := s.runs[len(s.runs)-1]
		s.runs = s.runs[:len(s.runs)-1]
		run = mergeSorted(last, run)
	}
	s.runs = append(s.runs, run)
}

func mergeSorted(a, b []uint64) []uint64 {
	out := make([]uint64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}
