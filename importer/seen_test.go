package importer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSeenSetAgreesWithAMap checks the compacted set against a plain map
// across many compactions, with repeats both recent and long past.
func TestSeenSetAgreesWithAMap(t *testing.T) {
	s := newSeenSet()
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
	runs := s.runs.r
	if len(runs) == 0 || len(runs) > 8 {
		t.Fatalf("%d runs: compaction did not happen or did not merge", len(runs))
	}
	for i, r := range runs {
		if !slices.IsSorted(r.mem.h) {
			t.Fatalf("run %d not sorted", i)
		}
		if i > 0 && len(r.mem.h) >= len(runs[i-1].mem.h) {
			t.Fatalf("run sizes not decreasing: %d then %d", len(runs[i-1].mem.h), len(r.mem.h))
		}
		if r.dir == nil {
			t.Fatalf("run %d of %d hashes has no directory", i, len(r.mem.h))
		}
	}
	if s.addSeen("id", "user1@example.com") {
		t.Fatal("kinds are separate: an id is not an email")
	}
}

// TestMergeRunsKeepsEveryHash merges runs larger than a shrink step, with
// equal and interleaved values, and checks the result against a sort.
func TestMergeRunsKeepsEveryHash(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range [][2]int{{1, 1}, {5, 3}, {runShrinkEvery + 7, runShrinkEvery + 7}, {3 * runShrinkEvery, 2*runShrinkEvery + 1}} {
		a, b := newRunMem(n[0]), newRunMem(n[1])
		var want []uint64
		for i := range a.h {
			a.h[i] = r.Uint64() >> 1
		}
		for i := range b.h {
			b.h[i] = r.Uint64() >> 1
			if i%5 == 0 {
				b.h[i] = a.h[i%len(a.h)]
			}
		}
		slices.Sort(a.h)
		slices.Sort(b.h)
		want = append(append(want, a.h...), b.h...)
		slices.Sort(want)
		got := mergeRuns(a, b)
		if !slices.Equal(got.h, want) {
			t.Fatalf("merge of %d and %d hashes differs from a sort", n[0], n[1])
		}
		got.free()
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
	for name, run := range runs {
		slices.Sort(run)
		sr := newSeenRun(runMem{h: run})
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
			if got := sr.has(h); got != want {
				t.Fatalf("%s: has(%#x) = %v, want %v", name, h, got, want)
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
	sr := newSeenRun(runMem{h: run})
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
			if sr.has(probes[i&(len(probes)-1)]) {
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
