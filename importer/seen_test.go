package importer

import (
	"fmt"
	"math/rand/v2"
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
	if len(s.runs) == 0 || len(s.runs) > 8 {
		t.Fatalf("%d runs: compaction did not happen or did not merge", len(s.runs))
	}
	for i := 1; i < len(s.runs); i++ {
		if len(s.runs[i]) >= len(s.runs[i-1]) {
			t.Fatalf("run sizes not decreasing: %d then %d", len(s.runs[i-1]), len(s.runs[i]))
		}
	}
	if s.addSeen("id", "user1@example.com") {
		t.Fatal("kinds are separate: an id is not an email")
	}
}

func BenchmarkSeenSet(b *testing.B) {
	s := newSeenSet()
	for i := 0; i < b.N; i++ {
		s.addSeen("email", fmt.Sprintf("user%d@example.com", i))
	}
}
