package importer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// TestSeenSetAgreesWithAMap checks the compacted set against a plain map
// across many compactions, with repeats both recent and long past, with
// the whole hashes in temporary files and in memory.
func TestSeenSetAgreesWithAMap(t *testing.T) {
	for _, spill := range []bool{true, false} {
		t.Run(fmt.Sprint("spill=", spill), func(t *testing.T) {
			fds := openFDs()
			s := newSeenSet()
			dir := t.TempDir()
			s.create = func() (*os.File, error) { return os.CreateTemp(dir, "seen-*") }
			if !spill {
				s.create = nil
			}
			want := map[string]bool{}
			r := rand.New(rand.NewPCG(1, 2))
			for i := range 200_000 {
				v := fmt.Sprintf("user%d@example.com", r.IntN(150_000))
				if i%7 == 0 {
					v = fmt.Sprintf("user%d@example.com", i) // mostly new ones too
				}
				got := s.addSeen("email", v)
				if got != want[v] {
					t.Fatalf("step %d: addSeen(%q) = %v, want %v", i, v, got, want[v])
				}
				want[v] = true
			}
			if err := s.check(); err != nil {
				t.Fatal(err)
			}
			runs := s.runs.r
			if len(runs) == 0 || len(runs) > 8 {
				t.Fatalf("%d runs: compaction did not happen or did not merge", len(runs))
			}
			for i := range runs {
				r := &runs[i]
				full := readStore(t, r.full)
				if !slices.IsSorted(full) || len(full) != r.len() {
					t.Fatalf("run %d: %d whole hashes, sorted %v, for %d keys", i, len(full), slices.IsSorted(full), r.len())
				}
				for j, h := range full {
					if r.keys.k[j] != runKey(h, r.bits) {
						t.Fatalf("run %d: key %d is %#x, its hash %#x", i, j, r.keys.k[j], h)
					}
				}
				if _, onFile := r.full.(*fileStore); onFile != spill {
					t.Fatalf("run %d: store %T, spill %v", i, r.full, spill)
				}
				if i > 0 && r.len() >= runs[i-1].len() {
					t.Fatalf("run sizes not decreasing: %d then %d", runs[i-1].len(), r.len())
				}
				if r.dir == nil {
					t.Fatalf("run %d of %d hashes has no directory", i, r.len())
				}
			}
			if s.addSeen("id", "user1@example.com") {
				t.Fatal("kinds are separate: an id is not an email")
			}
			// The files are unlinked as soon as they are made: nothing is
			// left behind, whatever ends the process.
			if left, _ := os.ReadDir(dir); runtime.GOOS == "linux" && len(left) != 0 {
				t.Fatalf("%d temporary files left in the directory", len(left))
			}
			s.release()
			if now := openFDs(); now != fds {
				t.Fatalf("%d files open after release, %d before: a run's file was not closed", now, fds)
			}
		})
	}
}

// readStore reads a whole store in order.
func readStore(t *testing.T, st hashStore) []uint64 {
	t.Helper()
	var out []uint64
	r := st.reader()
	for {
		h, ok, err := r.next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return out
		}
		out = append(out, h)
	}
}

// runOf makes a run of the sorted hashes, spilled or not.
func runOf(t testing.TB, s *seenSet, sorted []uint64) seenRun {
	run, err := s.merge(slices.Clone(sorted), nil, len(sorted))
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// TestMergeKeepsEveryHash merges several runs larger than a file chunk
// with a batch, with equal and interleaved values, and checks the result
// against a sort.
func TestMergeKeepsEveryHash(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, spill := range []bool{true, false} {
		s := newSeenSet()
		if !spill {
			s.create = nil
		}
		for _, sizes := range [][]int{{1, 1}, {5, 3}, {0, 3}, {storeChunk/8 + 7, storeChunk/8 + 7, 2}, {3 * storeChunk / 8, 2*storeChunk/8 + 1, 100, 9}} {
			var want []uint64
			var olds []seenRun
			var batch []uint64
			for k, n := range sizes {
				hs := make([]uint64, n)
				for i := range hs {
					hs[i] = r.Uint64() >> 1
					if i%5 == 0 && len(want) > 0 {
						hs[i] = want[i%len(want)] // the same hash in two sources
					}
				}
				slices.Sort(hs)
				want = append(want, hs...)
				if k == len(sizes)-1 {
					batch = hs
				} else {
					olds = append(olds, runOf(t, s, hs))
				}
			}
			slices.Sort(want)
			got, err := s.merge(batch, olds, len(want))
			if err != nil {
				t.Fatal(err)
			}
			if full := readStore(t, got.full); !slices.Equal(full, want) {
				t.Fatalf("spill %v: merge of %v hashes differs from a sort", spill, sizes)
			}
			for i, h := range want {
				if got.keys.k[i] != runKey(h, got.bits) {
					t.Fatalf("spill %v: key %d is %#x for hash %#x", spill, i, got.keys.k[i], h)
				}
			}
			got.free()
		}
	}
}

// TestSeenSetFallsBackToMemory: when the temporary file cannot be
// written (a full disk), the run's whole hashes stay in memory and the
// set still answers exactly.
func TestSeenSetFallsBackToMemory(t *testing.T) {
	dir := t.TempDir()
	fds := openFDs()
	s := newSeenSet()
	s.create = func() (*os.File, error) {
		f, err := os.CreateTemp(dir, "seen-*")
		if err != nil {
			return nil, err
		}
		f.Close()
		return os.Open(f.Name()) // read-only: every write fails
	}
	for i := range 3 * seenRecentMax {
		if s.addSeen("id", fmt.Sprint(i)) {
			t.Fatalf("%d: new id seen", i)
		}
	}
	for i := range 3 * seenRecentMax {
		if !s.addSeen("id", fmt.Sprint(i)) {
			t.Fatalf("%d: repeated id not seen", i)
		}
	}
	if err := s.check(); err != nil {
		t.Fatal(err)
	}
	for i, r := range s.runs.r {
		if _, ok := r.full.(*memStore); !ok {
			t.Fatalf("run %d: store %T after failed writes", i, r.full)
		}
	}
	if w := s.memoryWarning(); !strings.Contains(w, "bad file descriptor") {
		t.Fatalf("warning %q does not say why the file failed", w)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("%d failed temporary files left", len(left))
	}
	s.release()
	if now := openFDs(); now != fds {
		t.Fatalf("%d files open after release, %d before: a failed file was not closed", now, fds)
	}
}

// TestSeenSetStopsOnAnUnreadableRun: a run whose file cannot be read
// back makes the set stop answering and check report it, for a lookup
// that needs the file and for a merge alike.
func TestSeenSetStopsOnAnUnreadableRun(t *testing.T) {
	for _, when := range []string{"lookup", "merge"} {
		t.Run(when, func(t *testing.T) {
			fds := openFDs()
			s := newSeenSet()
			for i := range seenRecentMax {
				s.addSeen("id", fmt.Sprint(i))
			}
			if len(s.runs.r) != 1 {
				t.Fatalf("%d runs after one compaction", len(s.runs.r))
			}
			s.runs.r[0].full.(*fileStore).f.Close()
			if when == "lookup" {
				if s.addSeen("id", "7") { // a repeat: its whole hash is read
					t.Fatal("an unreadable run answered")
				}
			} else {
				for i := range seenRecentMax {
					s.addSeen("id", fmt.Sprint("new", i))
				}
			}
			err := s.check()
			if err == nil || !strings.Contains(err.Error(), "in-source duplicate check") {
				t.Fatalf("check() = %v", err)
			}
			if s.addSeen("id", "7") || len(s.runs.r) != 0 {
				t.Fatal("a failed set still answers or holds runs")
			}
			s.release()
			if now := openFDs(); now != fds {
				t.Fatalf("%d files open after release, %d before", now, fds)
			}
		})
	}
}

// TestSeenSetRelease checks that release empties the set.
func TestSeenSetRelease(t *testing.T) {
	s := newSeenSet()
	for i := range 3 * seenRecentMax {
		s.addSeen("id", fmt.Sprint(i))
	}
	s.release()
	if len(s.runs.r) != 0 || s.addSeen("id", "1") {
		t.Fatal("release kept hashes")
	}
}

// BenchmarkSeenSet adds a million new emails and ids to a fresh set, as
// the classifier does for 500,000 users; ns/op is per add.
func BenchmarkSeenSet(b *testing.B) {
	keys := make([]string, 500_000)
	for i := range keys {
		keys[i] = fmt.Sprintf("user%d@example.com", i)
	}
	b.ResetTimer()
	for range b.N {
		s := newSeenSet()
		for _, k := range keys {
			if s.addSeen("email", k) || s.addSeen("id", k) {
				b.Fatal("a new key was seen")
			}
		}
		s.release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*2*len(keys)), "ns/add")
}

// TestSeenRunAgreesWithBinarySearch checks a run's directory and guessed
// search on even, clustered and degenerate runs, for values present,
// absent, between and beyond them.
func TestSeenRunAgreesWithBinarySearch(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	runs := map[string][]uint64{"empty": nil, "one": {7}, "zeros": make([]uint64, 100)}
	// Hashes whose top halves are equal: only the whole hash tells them apart.
	var halves []uint64
	for i := range uint64(600) {
		halves = append(halves, (i/200)<<40|i%200*3)
	}
	runs["same top halves"] = halves
	for _, n := range []int{2, 17, 1000, 100_000} {
		even := make([]uint64, n)
		for i := range even {
			even[i] = r.Uint64()
		}
		// Clustered: most values crowd into a narrow band, a few are far
		// out, so guesses from the ends land badly.
		clustered := make([]uint64, n)
		for i := range clustered {
			clustered[i] = 1<<40 + r.Uint64N(1<<20)
			if i%97 == 0 {
				clustered[i] = r.Uint64()
			}
		}
		clustered[0], clustered[n-1] = 0, ^uint64(0)
		runs[fmt.Sprint("even", n)], runs[fmt.Sprint("clustered", n)] = even, clustered
		runs[fmt.Sprint("repeats", n)] = append(slices.Repeat([]uint64{3}, n), 5, 5, 9)
	}
	s := newSeenSet()
	defer s.release()
	for name, run := range runs {
		slices.Sort(run)
		sr := runOf(t, s, run)
		if len(run) >= 2*runBucket && len(sr.dir) != 1<<sr.bits+1 {
			t.Fatalf("%s: %d hashes, directory of %d", name, len(run), len(sr.dir))
		}
		probes := []uint64{0, 1, ^uint64(0), ^uint64(0) - 1, 4, 6}
		for i := range run {
			probes = append(probes, run[i], run[i]+1, run[i]-1)
		}
		for range 1000 {
			probes = append(probes, r.Uint64(), 1<<40+r.Uint64N(1<<20))
		}
		for _, h := range probes {
			_, want := slices.BinarySearch(run, h)
			if got, err := sr.has(h); got != want || err != nil {
				t.Fatalf("%s: has(%#x) = %v, %v; want %v", name, h, got, err, want)
			}
		}
	}
}

func BenchmarkSeenRun(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	run := make([]uint64, 1<<20)
	for i := range run {
		run[i] = r.Uint64()
	}
	slices.Sort(run)
	s := newSeenSet()
	defer s.release()
	sr := runOf(b, s, run)
	probes := make([]uint64, 1<<16)
	for i := range probes {
		probes[i] = r.Uint64()
		if i%2 == 0 {
			probes[i] = run[r.IntN(len(run))]
		}
	}
	found := 0
	b.Run("directory", func(b *testing.B) {
		for i := range b.N {
			if ok, _ := sr.has(probes[i&(len(probes)-1)]); ok {
				found++
			}
		}
	})
	b.Run("binary", func(b *testing.B) {
		for i := range b.N {
			if _, ok := slices.BinarySearch(run, probes[i&(len(probes)-1)]); ok {
				found++
			}
		}
	})
	if found == 0 {
		b.Fatal("no probe found")
	}
}

// TestRecentSet fills the table with hashes that share a slot, wrap past
// its end, and 0, and checks membership and what compaction reads back.
func TestRecentSet(t *testing.T) {
	t.Parallel()
	s := newRecentSet()
	last := uint64(len(s.slots)-1) << (64 - recentBits) // top bits: the last slot
	var in []uint64
	for i := range uint64(40) {
		in = append(in, last|i+1, 7<<(64-recentBits)|i) // 7<<…|0 is slot 7's own
	}
	in = append(in, 0)
	for _, h := range in {
		if _, found := s.find(h); found {
			t.Fatalf("%#x found before insert", h)
		}
		slot, _ := s.find(h)
		s.insert(slot, h)
		if _, found := s.find(h); !found {
			t.Fatalf("%#x not found after insert", h)
		}
	}
	for _, h := range []uint64{last, 1, 7<<(64-recentBits) | 40, ^uint64(0)} {
		if _, found := s.find(h); found {
			t.Fatalf("%#x found, never inserted", h)
		}
	}
	got := s.appendTo(nil)
	slices.Sort(got)
	slices.Sort(in)
	if !slices.Equal(got, in) || s.n != len(in) {
		t.Fatalf("appendTo = %d hashes (n %d), want the %d inserted", len(got), s.n, len(in))
	}
	s.clear()
	if _, found := s.find(0); found || len(s.appendTo(nil)) != 0 || s.n != 0 {
		t.Fatal("clear kept hashes")
	}
}

// TestImportStopsWhenTheDuplicateSetFails: when the set cannot read its
// files back, a preview and a run stop with the error on the page that
// needed them, instead of classifying its users on answers that are no
// longer sure; a run writes the pages before it and nothing of it.
func TestImportStopsWhenTheDuplicateSetFails(t *testing.T) {
	const pageSize, pages, failAfter = 500, 40, 36
	var users []*clerk.User
	for i := range pages * pageSize {
		users = append(users, mkUser(fmt.Sprintf("user_%05d", i), fmt.Sprintf("u%05d@example.com", i)))
	}
	// The first user of the page after failAfter repeats the 6th user,
	// whose hashes went to a run long before: its lookup reads a file.
	users[failAfter*pageSize] = mkUser("user_00005", "again@example.com")
	for _, mode := range []Mode{ModePreview, ModeRun} {
		t.Run(string(mode), func(t *testing.T) {
			files := trackSeenFiles(t)
			env := openEnv(t)
			_, err := Run(context.Background(), newSource(pageSize, users...), env, Options{
				Mode: mode, BatchSize: pageSize, // each page is written as soon as it is checked
				OnEvent: func(ev Event) {
					if p, ok := ev.(PageRead); ok && p.Fetched == failAfter*pageSize {
						closeAll(*files) // from now on, every run's file fails to read
					}
				},
			})
			if err == nil || !strings.Contains(err.Error(), "in-source duplicate check") {
				t.Fatalf("err %v", err)
			}
			if mode != ModeRun {
				return
			}
			last := fmt.Sprintf("user_%05d", failAfter*pageSize-1)
			next := []string{fmt.Sprintf("user_%05d", failAfter*pageSize+1), fmt.Sprintf("user_%05d", (failAfter+1)*pageSize-1)}
			got, err := env.LookupSourceIDs(context.Background(), SourceClerk, append(next, last))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := got[last]; !ok || len(got) != 1 {
				t.Fatalf("written of the last checked page and the failed one: %v; want only %s", got, last)
			}
		})
	}
}

// TestImportWarnsWhenTheDuplicateSetStaysInMemory: a temporary file that
// cannot be made leaves the answers exact but costs memory, and the
// report says so and why; with a file, it says nothing.
func TestImportWarnsWhenTheDuplicateSetStaysInMemory(t *testing.T) {
	var users []*clerk.User
	for i := range seenRecentMax { // two hashes each: the set merges runs
		users = append(users, mkUser(fmt.Sprintf("user_%05d", i), fmt.Sprintf("u%05d@example.com", i)))
	}
	users = append(users, mkUser("user_00005", "again@example.com"))
	const why = "no space left on device"
	for _, broken := range []bool{false, true} {
		t.Run(fmt.Sprint("broken=", broken), func(t *testing.T) {
			if broken {
				defer func(f func() (*os.File, error)) { seenCreate = f }(seenCreate)
				seenCreate = func() (*os.File, error) { return nil, errors.New(why) }
			}
			rep, err := Run(context.Background(), newSource(500, users...), openEnv(t), Options{Mode: ModePreview})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Users.Duplicates != 1 {
				t.Fatalf("%d duplicates, want 1", rep.Users.Duplicates)
			}
			var warned []string
			for _, w := range rep.Warnings {
				if strings.Contains(w, "in-source duplicate check") {
					warned = append(warned, w)
				}
			}
			switch {
			case broken && (len(warned) != 1 || !strings.Contains(warned[0], why)):
				t.Fatalf("warnings %q: want one that says %q", rep.Warnings, why)
			case !broken && len(warned) != 0:
				t.Fatalf("warned %q with a working temporary file", warned)
			}
		})
	}
}

// TestRecountStopsWhenTheDuplicateSetFails: the wizard's recount of a
// classified preview stops on the same error.
func TestRecountStopsWhenTheDuplicateSetFails(t *testing.T) {
	var users []*clerk.User
	for i := range 3 * seenRecentMax {
		users = append(users, mkUser(fmt.Sprintf("user_%05d", i), fmt.Sprintf("u%05d@example.com", i)))
	}
	c, _ := classify(t, newSource(500, users...), openEnv(t), Options{})
	dir := t.TempDir()
	defer func(f func() (*os.File, error)) { seenCreate = f }(seenCreate)
	seenCreate = func() (*os.File, error) {
		// Write-only: the runs are written, and reading them back (to
		// merge them, at the latest) fails.
		return os.OpenFile(filepath.Join(dir, fmt.Sprint("seen-", rand.Int64())), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	}
	if _, err := c.Recount(context.Background(), Options{}); err == nil || !strings.Contains(err.Error(), "in-source duplicate check") {
		t.Fatalf("recount: err %v", err)
	}
}

// trackSeenFiles makes seenCreate keep the files it creates, for the test.
func trackSeenFiles(t *testing.T) *[]*os.File {
	var files []*os.File
	prev := seenCreate
	t.Cleanup(func() { seenCreate = prev })
	seenCreate = func() (*os.File, error) {
		f, err := prev()
		if err == nil {
			files = append(files, f)
		}
		return f, err
	}
	return &files
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close() // those the set closed already say so; no matter
	}
}

// openFDs counts the process's open file descriptors (-1 where /proc is
// not there to tell).
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// TestRunBitsAndKeys: a directory entry covers runBucket to 2*runBucket
// hashes, and a key is exactly the 16 bits below the directory's.
func TestRunBitsAndKeys(t *testing.T) {
	for n := range 2 * runBucket {
		if b := runBits(n); b != 0 {
			t.Fatalf("runBits(%d) = %d for a run too small for a directory", n, b)
		}
	}
	for _, n := range []int{2 * runBucket, 2*runBucket + 1, 100, 16384, 16385, 1 << 20, 3_000_000} {
		b := runBits(n)
		if per := n >> b; per < runBucket || per >= 2*runBucket {
			t.Fatalf("runBits(%d) = %d: %d hashes per directory entry", n, b, per)
		}
	}
	for _, b := range []uint{0, 1, 9, 20} {
		if k := runKey(1<<(63-b), b); k != 0x8000 {
			t.Fatalf("b=%d: the key's top bit reads %#x", b, k)
		}
		if k := runKey(1<<(48-b), b); k != 1 {
			t.Fatalf("b=%d: the key's lowest bit reads %#x", b, k)
		}
		if k := runKey(1<<(47-b)|(1<<(48-b)-1)>>1, b); k != 0 {
			t.Fatalf("b=%d: bits below the key read %#x", b, k)
		}
		if b > 0 {
			if k := runKey(1<<(64-b), b); k != 0 {
				t.Fatalf("b=%d: a directory bit reads %#x in the key", b, k)
			}
		}
	}
}
