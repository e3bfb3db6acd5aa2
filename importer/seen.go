package importer

import (
	"errors"
	"fmt"
	"hash/maphash"
	"os"
	"runtime"
	"slices"
	"sort"
)

// seenSet remembers the ids, emails and OAuth accounts already met in this
// source, for the repeated_in_source rule. It keeps 8-byte hashes, not
// strings: a false "repeated" needs a 64-bit collision (about 1e-8 at a
// million users). New hashes go to a small table; when it fills, they are
// sorted into runs of doubling size (like a binary counter), so there are
// few runs to search.
//
// A run keeps in memory only 16 bits of each hash (the 16 below those
// that pick its directory bucket: see seenRun), outside the Go heap where
// the system allows (see runMem), and the whole hashes in a temporary
// file, read only when those 16 bits match: a repeat, or by chance for
// about one probe of a run in a thousand. So a million users cost about
// 5 MB of process memory instead of the 20 MB of whole hashes (or the
// ~100 MB a map of every hash would), and a merge, which reads the whole
// hashes from the files, holds no run twice. The files are in os.TempDir:
// on disk, their pages are cache the system can drop; where /tmp is a
// tmpfs they stay in memory, only outside the process. Where no temporary
// file can be written the whole hashes stay in the process.
type seenSet struct {
	hash   maphash.Hash // reused: hashing kind and value allocates nothing
	recent recentSet
	batch  []uint64 // reused to sort recent at each compaction
	runs   *seenRuns
	// create makes a run's temporary file; nil keeps whole hashes in
	// memory.
	create func() (*os.File, error)
	// err is a run that could not be read back: the set can no longer
	// answer, and the caller stops with it (see check).
	err error
	// inMemory is why a run's whole hashes are kept in memory besides its
	// keys (its temporary file could not be made or written), for the
	// report.
	inMemory error
}

// seenRuns holds the sorted runs, lengths strictly decreasing. It is
// apart from seenSet so that a cleanup can free it when a caller forgets
// release.
type seenRuns struct {
	r []seenRun
}

func (rs *seenRuns) free() {
	for i := range rs.r {
		rs.r[i].free()
	}
	rs.r = nil
}

// seenRun is one sorted run of hashes. Its directory splits them by
// their top bits (bits of them): dir[k] is the index of the first hash
// whose top bits are k or more, so those with top bits k are at
// dir[k]:dir[k+1], about runBucket of them. Inside a bucket the hashes
// are told apart by their next 16 bits, keys[i] (see runKey), in order;
// full.at(i) is the whole hash. Hashes are spread evenly, so where a key
// lies inside its bucket is guessed from its value, and a lookup costs a
// read of the directory (small enough to stay in cache) and about one
// cache miss in the keys, where a binary search of a million hashes took
// twenty steps, each a likely miss.
type seenRun struct {
	keys runMem
	full hashStore
	dir  []uint32 // nil for a run too small to need one
	bits uint     // len(dir) is 1<<bits + 1
}

// runBucket is the fewest hashes a directory entry covers (they cover
// runBucket to 2*runBucket): a few cache lines of keys to look through,
// and a directory of at most a bit per hash.
const runBucket = 32

// runBits is how many top bits a run of n hashes has its directory on.
func runBits(n int) uint {
	var b uint
	for n>>(b+1) >= runBucket {
		b++
	}
	return b
}

// runKey is the key of h in a run whose directory is on its top b bits.
func runKey(h uint64, b uint) uint16 { return uint16(h >> (48 - b)) }

func (r *seenRun) len() int { return len(r.keys.k) }

func (r *seenRun) free() {
	r.keys.free()
	if r.full != nil {
		r.full.close()
		r.full = nil
	}
	r.dir = nil
}

// has reports whether h is in the run.
func (r *seenRun) has(h uint64) (bool, error) {
	a := r.keys.k
	key := runKey(h, r.bits)
	lo, hi := 0, len(a)
	if r.dir != nil {
		k := h >> (64 - r.bits)
		lo, hi = int(r.dir[k]), int(r.dir[k+1])
	}
	n := hi - lo
	if n == 0 {
		return false, nil
	}
	var i int
	if n > bucketScanMax {
		// Only runs of very uneven hashes have a bucket this full.
		i, _ = slices.BinarySearch(a[lo:hi], key)
		i += lo
	} else {
		// From where the key would be if the bucket's keys were spread
		// evenly, find the first key not below it.
		i = lo + int(uint64(key)*uint64(n)>>16)
		for i > lo && a[i-1] >= key {
			i--
		}
		for i < hi && a[i] < key {
			i++
		}
	}
	if i == hi || a[i] != key {
		return false, nil
	}
	// The keys equal to key: by chance almost always one, but hashes a
	// test (or a bad hash) crowds together may share it by thousands.
	j := i + 1
	for j < hi && a[j] == key && j-i < 8 {
		j++
	}
	if j-i == 8 {
		j += sort.Search(hi-j, func(k int) bool { return a[j+k] != key })
	}
	// Their whole hashes are sorted too.
	for i < j {
		m := int(uint(i+j) >> 1)
		v, err := r.full.at(m)
		switch {
		case err != nil:
			return false, err
		case v < h:
			i = m + 1
		case v > h:
			j = m
		default:
			return true, nil
		}
	}
	return false, nil
}

// bucketScanMax bounds the part of a run has looks through one by one.
const bucketScanMax = 256

// seenCreate makes the temporary file of a run (tests replace it).
var seenCreate = func() (*os.File, error) { return os.CreateTemp("", "ascendkit-seen-*") }

// seenRecentMax is how many hashes wait in the table before being sorted.
const seenRecentMax = 1 << 14

func newSeenSet() *seenSet {
	s := &seenSet{
		recent: newRecentSet(),
		batch:  make([]uint64, 0, seenRecentMax),
		runs:   &seenRuns{},
		create: seenCreate,
	}
	runtime.AddCleanup(s, (*seenRuns).free, s.runs)
	return s
}

// release gives the runs' memory and files back; the set is empty
// afterwards.
func (s *seenSet) release() {
	s.runs.free()
	s.recent.clear()
}

// check is the error that made the set stop answering, if any: callers
// check it before they act on what addSeen said for a page.
func (s *seenSet) check() error {
	if s.err != nil {
		return fmt.Errorf("the in-source duplicate check could not read its temporary file: %w", s.err)
	}
	return nil
}

// keptInMemory notes the first reason a run went to memory.
func (s *seenSet) keptInMemory(err error) {
	if s.inMemory == nil {
		s.inMemory = err
	}
}

// memoryWarning says, for the report, that the set could not keep its
// hashes on disk and why; "" when it could.
func (s *seenSet) memoryWarning() string {
	if s.inMemory == nil {
		return ""
	}
	return fmt.Sprintf("The in-source duplicate check could not use a temporary file (%v), so it kept in memory what it would have written there: about 8 more bytes for each id, email and OAuth account concerned. Point TMPDIR at a writable directory with free space to keep them on disk.", s.inMemory)
}

// fail stops the set: its answers are no longer sure.
func (s *seenSet) fail(err error) {
	if s.err == nil {
		s.err = err
	}
	s.release()
}

// addSeen records kind+v and reports whether it was already there. After
// a failure (see check) it reports false and records nothing.
func (s *seenSet) addSeen(kind, v string) bool { return s.lookup(kind, v, true) }

// hasSeen reports whether kind+v was recorded, recording nothing.
func (s *seenSet) hasSeen(kind, v string) bool { return s.lookup(kind, v, false) }

func (s *seenSet) lookup(kind, v string, add bool) bool {
	if s.err != nil {
		return false
	}
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
		ok, err := s.runs.r[i].has(h)
		if err != nil {
			s.fail(err)
			return false
		}
		if ok {
			return true
		}
	}
	if !add {
		return false
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

// compact sorts the recent table into a run and merges it with the runs
// no longer than what it has gathered (as a binary counter carries), so
// there are at most log2(n/seenRecentMax)+1 runs to search. The merge
// reads every source once, whatever their number.
func (s *seenSet) compact() {
	b := s.recent.appendTo(s.batch[:0])
	slices.Sort(b)
	s.recent.clear()
	s.batch = b[:0]
	rs := s.runs
	total, j := len(b), len(rs.r)
	for j > 0 && rs.r[j-1].len() <= total {
		j--
		total += rs.r[j].len()
	}
	run, err := s.merge(b, rs.r[j:], total)
	if err != nil {
		s.fail(err)
		return
	}
	rs.r = append(rs.r[:j], run)
}

// merge merges the sorted batch and the runs olds, which it consumes,
// into one run of total hashes. The keys and directory are rebuilt from
// the whole hashes, so the largest run's keys grow to hold the result
// (in place on Linux: see runMem) and the others' are freed first: no
// keys are held twice. When the new file cannot be written, the merge is
// done again into memory.
func (s *seenSet) merge(batch []uint64, olds []seenRun, total int) (seenRun, error) {
	var keys runMem
	if len(olds) > 0 {
		keys = olds[0].keys // the largest
		olds[0].keys = runMem{}
		for i := 1; i < len(olds); i++ {
			olds[i].keys.free()
		}
		keys.grow(total)
	} else {
		keys = newRunMem(total)
	}
	run := seenRun{keys: keys, bits: runBits(total)}
	if run.bits > 0 {
		run.dir = make([]uint32, 1<<run.bits+1)
	}
	w := newStoreWriter(s.create, total)
	full, err := mergeInto(&run, w, batch, olds)
	why := w.createErr // the file that could not be made, if any
	if se := (sourceError{}); err != nil && !errors.As(err, &se) {
		why = err
		full, err = mergeInto(&run, newStoreWriter(nil, total), batch, olds)
	}
	if err == nil && why != nil {
		s.keptInMemory(why)
	}
	for i := range olds {
		olds[i].free()
	}
	if err != nil {
		run.free()
		return seenRun{}, err
	}
	run.full = full
	return run, nil
}

// sourceError is a failure to read a run being merged, which no retry
// into memory mends.
type sourceError struct{ err error }

func (e sourceError) Error() string { return e.err.Error() }
func (e sourceError) Unwrap() error { return e.err }

// mergeInto writes the merge of batch and the runs' whole hashes to w,
// fills run's keys and directory, and returns the finished store.
func mergeInto(run *seenRun, w *storeWriter, batch []uint64, olds []seenRun) (hashStore, error) {
	keys, dir, b := run.keys.k, run.dir, run.bits
	// heads[i] is the next hash of source live[i]; source len(olds) is
	// the batch.
	readers := make([]*hashReader, len(olds))
	heads := make([]uint64, 0, len(olds)+1)
	live := make([]int, 0, len(olds)+1)
	for i := range olds {
		readers[i] = olds[i].full.reader()
		h, ok, err := readers[i].next()
		if err != nil {
			w.abandon()
			return nil, sourceError{err}
		}
		if ok {
			heads, live = append(heads, h), append(live, i)
		}
	}
	if len(batch) > 0 {
		heads, live = append(heads, batch[0]), append(live, len(olds))
	}
	bi, bucket := 1, 0 // bucket: the next directory entry to fill
	for k := range keys {
		if len(heads) == 0 {
			w.abandon()
			return nil, fmt.Errorf("the runs merged hold %d hashes, not %d", k, len(keys))
		}
		m := 0
		for i := 1; i < len(heads); i++ {
			if heads[i] < heads[m] {
				m = i
			}
		}
		h := heads[m]
		w.put(h)
		keys[k] = runKey(h, b)
		if dir != nil {
			for top := int(h >> (64 - b)); bucket <= top; bucket++ {
				dir[bucket] = uint32(k)
			}
		}
		var next uint64
		var ok bool
		if src := live[m]; src == len(olds) {
			if ok = bi < len(batch); ok {
				next = batch[bi]
				bi++
			}
		} else {
			var err error
			if next, ok, err = readers[src].next(); err != nil {
				w.abandon()
				return nil, sourceError{err}
			}
		}
		if ok {
			heads[m] = next
		} else {
			heads, live = slices.Delete(heads, m, m+1), slices.Delete(live, m, m+1)
		}
	}
	if len(heads) != 0 {
		w.abandon()
		return nil, fmt.Errorf("the runs merged hold more than %d hashes", len(keys))
	}
	for ; bucket < len(dir); bucket++ {
		dir[bucket] = uint32(len(keys))
	}
	return w.finish()
}
