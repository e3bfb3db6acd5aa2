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
		if !slices.IsSorted(r.h) {
			t.Fatalf("run %d not sorted", i)
		}
		if i > 0 && len(r.h) >= len(runs[i-1].h) {
			t.Fatalf("run sizes not decreasing: %d then %d", len(runs[i-1].h), len(r.h))
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

func BenchmarkSeenSet(b *testing.B) {
	s := newSeenSet()
	for i := 0; i < b.N; i++ {
		s.addSeen("email", fmt.Sprintf("user%d@example.com", i))
	}
}
