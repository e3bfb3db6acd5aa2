package clerk

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestAllowancePlaces(t *testing.T) {
	w, err := NewAllowance(3, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_700_000_000, 0)
	sec := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	// The window's allowance goes at once.
	var ps []*place
	for i := range 3 {
		p, _ := w.reserve(t0)
		if p == nil || !p.at.Equal(t0) {
			t.Fatalf("place %d: %+v, want one at once", i, p)
		}
		ps = append(ps, p)
	}
	// With every place held by a request still going, the next waits for
	// one to end…
	p, freed := w.reserve(sec(1))
	if p != nil || freed == nil {
		t.Fatalf("4th place granted while 3 requests are going: %+v", p)
	}
	select {
	case <-freed:
		t.Fatal("freed closed before any request ended")
	default:
	}
	w.release(ps[0], sec(0.3))
	select {
	case <-freed:
	default:
		t.Fatal("freed not closed when a request ended")
	}
	// …and then for that request's answer to leave the window.
	p4, _ := w.reserve(sec(1))
	if p4 == nil || !p4.at.Equal(sec(10.3)) {
		t.Fatalf("4th place %+v, want at +10.3s", p4)
	}
	// Cancelled, its place still stands for the answered request it took
	// over, until that one leaves the window.
	w.cancel(p4)
	p5, _ := w.reserve(sec(2))
	if p5 == nil || !p5.at.Equal(sec(10.3)) {
		t.Fatalf("place after cancel %+v, want at +10.3s", p5)
	}
	w.release(ps[1], sec(0.5))
	w.release(ps[2], sec(0.6))
	w.release(p5, sec(10.6))
	// A window later only p5's answer still counts.
	p6, _ := w.reserve(sec(20))
	if p6 == nil || !p6.at.Equal(sec(20)) {
		t.Fatalf("place a window later %+v, want at once", p6)
	}
	if len(w.held) != 2 {
		t.Errorf("%d places held, want 2 (p5's answer, p6)", len(w.held))
	}
	// A fresh place cancelled is gone at the next request.
	w.cancel(p6)
	if p7, _ := w.reserve(sec(20)); p7 == nil || !p7.at.Equal(sec(20)) || len(w.held) != 2 {
		t.Errorf("after cancelling a fresh place: %+v, %d held", p7, len(w.held))
	}
}

// Whatever the latencies, the requests arrive at the server (somewhere
// between being sent and being answered) never more than Requests within
// one window, which is how Clerk counts them.
func TestAllowanceNeverOverspends(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + r.IntN(20)
		per := time.Duration(1+r.IntN(1000)) * time.Millisecond
		lat := time.Duration(1+r.IntN(500)) * time.Millisecond
		w, _ := NewAllowance(n, per)
		type req struct {
			p   *place
			end time.Time
		}
		now := time.Unix(0, 0)
		var going []req
		var arrivals []time.Time
		// releaseUntil ends, in order, the requests answered by t.
		releaseUntil := func(t time.Time) {
			slices.SortFunc(going, func(a, b req) int { return a.end.Compare(b.end) })
			for len(going) > 0 && !going[0].end.After(t) {
				w.release(going[0].p, going[0].end)
				going = going[1:]
			}
		}
		for range 300 {
			now = now.Add(time.Duration(r.Int64N(int64(2*per/time.Duration(n)) + 1)))
			releaseUntil(now)
			p, _ := w.reserve(now)
			for p == nil {
				// Every place is going: wait for the first answer.
				slices.SortFunc(going, func(a, b req) int { return a.end.Compare(b.end) })
				now = going[0].end
				releaseUntil(now)
				p, _ = w.reserve(now)
			}
			if p.at.Before(now) {
				t.Fatalf("trial %d: place at %v before the request %v", trial, p.at, now)
			}
			arrive := p.at.Add(time.Duration(r.Int64N(int64(lat))))
			end := arrive.Add(time.Duration(r.Int64N(int64(lat))))
			arrivals = append(arrivals, arrive)
			going = append(going, req{p, end})
		}
		slices.SortFunc(arrivals, time.Time.Compare)
		for i := n; i < len(arrivals); i++ {
			if d := arrivals[i].Sub(arrivals[i-n]); d < per {
				t.Fatalf("trial %d (%d per %v, latency ≤ %v): %d requests arrived within %v", trial, n, per, lat, n+1, d)
			}
		}
	}
}

// Sources for one instance share its default allowance, so a run that
// follows a preview in one process (the wizard) paces with the preview's
// requests instead of earning 429s for them; another instance, or a key
// of another instance, has its own.
func TestDefaultAllowanceIsPerInstance(t *testing.T) {
	open := func(base, key string) *Allowance {
		t.Helper()
		src, err := NewAPISource(key, APIOptions{BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		return src.allowance
	}
	const live, test = "sk_live_0123456789abcdefALLOW", "sk_test_0123456789abcdefALLOW"
	a := open("http://127.0.0.1:1/v1", live)
	if b := open("http://127.0.0.1:1/v1/", live); b != a {
		t.Error("two sources for one instance have two allowances")
	}
	if a.Requests() != 900 {
		t.Errorf("production allowance %d, want 900", a.Requests())
	}
	if c := open("http://127.0.0.1:2/v1", live); c == a {
		t.Error("another API root shares the allowance")
	}
	d := open("http://127.0.0.1:1/v1", test)
	if d == a || d.Requests() != 90 {
		t.Errorf("a development key: shared %v, %d requests (want its own, 90)", d == a, d.Requests())
	}
}
