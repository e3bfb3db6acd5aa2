package clerk_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
)

// listGate holds the count request until n list requests have reached
// the server (or a deadline passes), so a test can tell whether the list
// requests went out with the count or waited for its answer.
type listGate struct {
	mu      sync.Mutex
	lists   int
	want    int
	wait    time.Duration
	reached chan struct{}
	// countSawLists is how many list requests had arrived when the count
	// was let through.
	countSawLists int
}

func newListGate(want int, wait time.Duration) *listGate {
	return &listGate{want: want, wait: wait, reached: make(chan struct{})}
}

func (g *listGate) onRequest(_ int, path string) {
	if path == "/v1/users/count" {
		select {
		case <-g.reached:
		case <-time.After(g.wait):
		}
		g.mu.Lock()
		g.countSawLists = g.lists
		g.mu.Unlock()
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lists++
	if g.lists == g.want {
		close(g.reached)
	}
}

// listsBeforeCount prefetches, counts, and returns how many list
// requests had reached the server when the count was answered.
func (g *listGate) listsBeforeCount(t *testing.T, src *clerk.APISource) int {
	t.Helper()
	return g.listsBeforeCountOf(t, src, false)
}

// listsBeforeCountOf is listsBeforeCount for a caller slow or not.
func (g *listGate) listsBeforeCountOf(t *testing.T, src *clerk.APISource, slow bool) int {
	t.Helper()
	src.Prefetch(slow)
	if _, err := src.Total(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.countSawLists
}

func newAllowanceSource(t *testing.T, key, baseURL string, opts clerk.APIOptions) *clerk.APISource {
	t.Helper()
	opts.BaseURL = baseURL
	src, err := clerk.NewAPISource(key, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// burst is the windows Prefetch sends under a production key's
// allowance (1,000 requests per 10 s, of which the walk spends 900): a
// quarter of it, within the 256 the walk may take in before any page
// showed the users' size.
const burst = 225

// Prefetch sends the first list windows along with the count: a
// production key's burst reaches the server while the count is still
// unanswered, and the walk then reads every user exactly once.
func TestAPIPrefetchSendsWindowsWithTheCount(t *testing.T) {
	const key = "sk_live_0123456789abcdefSECRET"
	users := emulator.Generate(3000, 11)
	srv := startEmulator(t, users, emulator.Options{SecretKey: key})
	gate := newListGate(burst, 5*time.Second)
	srv.OnRequest(gate.onRequest)
	// Windows of 10 users: the burst covers 225*9 = 2025 users, so the
	// count (3000) has to extend the plan.
	src := newAllowanceSource(t, key, srv.BaseURL(), clerk.APIOptions{PageSize: 10})
	if saw := gate.listsBeforeCount(t, src); saw < burst {
		t.Fatalf("the count was answered after %d list requests; want the %d of the burst before it", saw, burst)
	}
	if n, err := src.Total(context.Background()); err != nil || n != len(users) {
		t.Fatalf("Total = %d, %v; want %d", n, err, len(users))
	}
	recs, _, err := drain(t, src)
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, recs, ids(users))
	// 3000 users in windows of 10 overlapping by one: 334 windows (the
	// last one short); a burst reaching past the end would show here.
	if got := srv.RequestsTo("/v1/users"); got != 334 {
		t.Errorf("%d list requests, want 334", got)
	}
}

// A list shorter than the burst: the windows past its end come back
// empty and are never delivered; the users are read once, in order.
func TestAPIPrefetchShortList(t *testing.T) {
	const key = "sk_live_0123456789abcdefSECRET"
	for _, n := range []int{0, 1, 9, 10, 30, 577, burst*9 + 1} {
		users := emulator.Generate(n, 3)
		srv := startEmulator(t, users, emulator.Options{SecretKey: key})
		src := newAllowanceSource(t, key, srv.BaseURL(), clerk.APIOptions{PageSize: 10})
		src.Prefetch(false)
		if got, err := src.Total(context.Background()); err != nil || got != n {
			t.Fatalf("%d users: Total = %d, %v", n, got, err)
		}
		recs, _, err := drain(t, src)
		if err != nil {
			t.Fatalf("%d users: %v", n, err)
		}
		checkIDs(t, recs, ids(users))
		if got := srv.RequestsTo("/v1/users"); got > burst+1 {
			t.Errorf("%d users: %d list requests, want at most the burst", n, got)
		}
	}
}

// A development key's allowance is 90 per 10 s: its burst is a quarter
// of that (22 windows), not 225.
func TestAPIPrefetchBurstFollowsTheAllowance(t *testing.T) {
	users := emulator.Generate(1000, 5)
	srv := startEmulator(t, users, emulator.Options{SecretKey: testKey})
	gate := newListGate(23, time.Second) // 23 is never reached
	srv.OnRequest(gate.onRequest)
	src := newAllowanceSource(t, testKey, srv.BaseURL(), clerk.APIOptions{PageSize: 10})
	if saw := gate.listsBeforeCount(t, src); saw != 22 {
		t.Errorf("%d list requests went out before the count's answer, want 22", saw)
	}
}

// A slow caller (an import run, writing each page) is sent the burst
// that fits the walk's budget (96 windows), not a quarter of the
// allowance: it would hold the pages for seconds, and a second round
// trip costs it nothing it would notice.
func TestAPIPrefetchSlowCallerBurst(t *testing.T) {
	const key = "sk_live_0123456789abcdefSECRET"
	srv := startEmulator(t, emulator.Generate(3000, 11), emulator.Options{SecretKey: key})
	gate := newListGate(97, time.Second) // 97 is never reached
	srv.OnRequest(gate.onRequest)
	src := newAllowanceSource(t, key, srv.BaseURL(), clerk.APIOptions{PageSize: 10})
	if saw := gate.listsBeforeCountOf(t, src, true); saw != 96 {
		t.Errorf("%d list requests went out before the count's answer, want 96", saw)
	}
}

// A bad key: the count's 401 is the error, the burst's requests are
// stopped with the source, and nothing is read.
func TestAPIPrefetchBadKey(t *testing.T) {
	users := emulator.Generate(100, 5)
	srv := startEmulator(t, users, emulator.Options{SecretKey: "sk_live_theRightOne"})
	src := newAllowanceSource(t, "sk_live_0123456789abcdefWRONG", srv.BaseURL(), clerk.APIOptions{})
	src.Prefetch(false)
	_, err := src.Total(context.Background())
	var apiErr *clerk.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
		t.Fatalf("Total error = %v, want a 401 APIError", err)
	}
	done := make(chan struct{})
	go func() {
		src.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return: the burst's requests were not stopped")
	}
}

// Prefetch does nothing where the caller set the pace (a limiter or a
// fixed width): nothing is sent until the count.
func TestAPIPrefetchOnlyUnderAnAllowance(t *testing.T) {
	users := emulator.Generate(100, 5)
	srv := startEmulator(t, users, emulator.Options{SecretKey: testKey})
	gate := newListGate(1, 500*time.Millisecond) // reached only by a list request sent early
	srv.OnRequest(gate.onRequest)
	src, _ := newSource(t, srv.BaseURL(), clerk.APIOptions{}) // rate.Inf limiter
	if saw := gate.listsBeforeCount(t, src); saw != 0 {
		t.Fatalf("%d list requests before the count with a limiter, want 0", saw)
	}
	recs, _, err := drain(t, src)
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, recs, ids(users))
}
