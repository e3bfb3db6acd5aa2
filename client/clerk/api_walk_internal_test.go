package clerk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// listServer serves n users (user_1 … user_n, created_at 1 … n) in
// +created_at order by offset and limit.
func listServer(t *testing.T, n int) *httptest.Server {
	t.Helper()
	srv, _ := countingListServer(t, n)
	return srv
}

// countingListServer is listServer that also counts the list requests
// that have reached it.
func countingListServer(t *testing.T, n int) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	return countingListServerOf(t, n, func(b *strings.Builder, k int) {
		fmt.Fprintf(b, `{"id":"user_%d","created_at":%d,"email_addresses":[]}`, k, k)
	})
}

// countingListServerOf is countingListServer whose k-th user (from 1)
// entry writes.
func countingListServerOf(t *testing.T, n int, entry func(b *strings.Builder, k int)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var lists atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count") {
			fmt.Fprintf(w, `{"object":"total_count","total_count":%d}`, n)
			return
		}
		lists.Add(1)
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		writePage(w, off, limit, n, entry)
	}))
	t.Cleanup(srv.Close)
	return srv, &lists
}

// While the reader has a page, the next arrived windows are decoded on
// goroutines of their own; each window is decoded exactly once, and the
// pages still come in order.
func TestWalkDecodesAhead(t *testing.T) {
	srv := listServer(t, 100)
	a := pagedSource(t, srv.URL, 8)
	ctx := context.Background()
	if _, err := a.Next(ctx); err != nil {
		t.Fatal(err)
	}
	// Wait for the next windows to arrive, then deliver one more page:
	// delivering it starts the decode of the two after it.
	for _, win := range a.walk.queue[:3] {
		<-win.done
	}
	if _, err := a.Next(ctx); err != nil {
		t.Fatal(err)
	}
	a.walk.wg.Wait() // the fetches in flight and the decodes ahead
	for i, win := range a.walk.queue[:decodeAhead] {
		if !win.ahead || win.raws != nil || len(win.elems) != 10 {
			t.Fatalf("window %d (offset %d): ahead %v, raws %d, elems %d; want it decoded ahead",
				i, win.offset, win.ahead, len(win.raws), len(win.elems))
		}
	}
	if win := a.walk.queue[decodeAhead]; win.ahead || len(win.elems) != 0 {
		t.Errorf("window %d decoded ahead, want only %d", decodeAhead, decodeAhead)
	}
	n := 19
	for {
		recs, err := a.Next(ctx)
		if err != nil {
			break
		}
		for _, r := range recs {
			n++
			if r.User == nil || r.User.ID != "user_"+strconv.Itoa(n) || r.Pos != n {
				t.Fatalf("record %+v, want user_%d at %d", r, n, n)
			}
		}
	}
	if n != 100 {
		t.Fatalf("read %d users, want 100", n)
	}
}

// A list that fits in the burst Prefetch sends is counted once: the
// count asked with the burst is the one its end is checked against, not
// a second one a round trip after the last page. Users who sign up after
// that count are still found when the end comes too late for it (see
// TestWalkRecountsWhenTheEndCountIsOld).
func TestWalkBurstCountIsTheEndCount(t *testing.T) {
	// Fresh however slowly a loaded machine runs the walk.
	defer func(d time.Duration) { endCountFresh = d }(endCountFresh)
	endCountFresh = time.Minute
	const users = 300 // 34 windows of 10 overlapping by one: within the burst
	var counts atomic.Int64
	srv := usersServer(t, func() int { return users }, func() { counts.Add(1) })
	a := burstSource(t, srv.URL, users)
	read, err := readUsers(a, nil)
	if err != nil || read != users {
		t.Fatalf("read %d users (%v), want %d", read, err, users)
	}
	if n := counts.Load(); n != 1 {
		t.Errorf("%d count requests, want 1", n)
	}
}

// A list that fits in the burst but is walked for longer than a count
// stays fresh has its end count sent again a round trip or two before
// its end, as the time between pages predicts it, not after its last
// page: a 100k-user preview on a busy machine crossed endCountFresh and
// waited a round trip more at its end. The new count is fresh at the
// end, so no third one is asked.
func TestWalkSendsTheEndCountAgainBeforeTheEnd(t *testing.T) {
	// The second: two round trips ahead would be more than the count
	// stays fresh, so it goes out later (half of endCountFresh ahead),
	// not stale by the end.
	for _, tc := range []struct{ latency, fresh, pace time.Duration }{
		{50 * time.Millisecond, time.Second, 40 * time.Millisecond}, // 34 pages: about 1.4 s
		{300 * time.Millisecond, 500 * time.Millisecond, 20 * time.Millisecond},
	} {
		t.Run(fmt.Sprint(tc.latency), func(t *testing.T) { testEndCountAgain(t, tc.latency, tc.fresh, tc.pace) })
	}
}

func testEndCountAgain(t *testing.T, latency, fresh, pace time.Duration) {
	defer func(d time.Duration) { endCountFresh = d }(endCountFresh)
	endCountFresh = fresh
	const users = 300 // 34 windows of 10 overlapping by one: within the burst
	var mu sync.Mutex
	var counts []time.Time // when each count request came in
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count") {
			mu.Lock()
			counts = append(counts, time.Now())
			mu.Unlock()
		}
		time.Sleep(latency)
		if strings.HasSuffix(r.URL.Path, "/count") {
			fmt.Fprintf(w, `{"object":"total_count","total_count":%d}`, users)
			return
		}
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		writeUsers(w, off, limit, users)
	}))
	defer srv.Close()
	a := burstSource(t, srv.URL, users)
	var last time.Time // when the caller got the last users
	read, err := readUsers(a, func(read int) {
		if read == users {
			last = time.Now()
			return
		}
		time.Sleep(pace)
	})
	if err != nil || read != users {
		t.Fatalf("read %d users (%v), want %d", read, err, users)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(counts) != 2 {
		t.Fatalf("%d count requests, want 2 (the burst's and one before the end, fresh at it)", len(counts))
	}
	if !counts[1].Before(last) {
		t.Errorf("the second count was asked %v after the last page was delivered, want before it", counts[1].Sub(last))
	}
}

// A list that ends sooner than predicted, while the count sent again
// before its end is unanswered, is checked against the count before it
// if that one is fresh yet, rather than waited a round trip on; one that
// is not fresh waits for the new count.
func TestEndTotalUsesTheEarlierCountWhileFresh(t *testing.T) {
	a := &APISource{}
	earlier := &counted{sent: time.Now(), done: make(chan struct{}), n: 41}
	close(earlier.done)
	pending := &counted{sent: time.Now(), done: make(chan struct{}), refresh: true, prev: earlier}
	a.walk.endCount = pending
	answer := time.AfterFunc(2*time.Second, func() { // a round trip, long
		pending.n = 99
		close(pending.done)
	})
	defer answer.Stop()
	if n, err := a.endTotal(context.Background()); err != nil || n != 41 {
		t.Fatalf("endTotal = %d, %v; want the earlier count, 41", n, err)
	}

	// The new one failed: the earlier, fresh, serves without a recount
	// (a count now would find no server: a.client is nil).
	failed := &counted{sent: time.Now(), done: make(chan struct{}), err: errors.New("refused"), refresh: true, prev: earlier}
	close(failed.done)
	a.walk.endCount = failed
	if n, err := a.endTotal(context.Background()); err != nil || n != 41 {
		t.Fatalf("endTotal = %d, %v; want the earlier count, 41, the new one having failed", n, err)
	}

	earlier.sent = time.Now().Add(-2 * endCountFresh)
	pending = &counted{sent: time.Now(), done: make(chan struct{}), refresh: true, prev: earlier}
	a.walk.endCount = pending
	go func() {
		time.Sleep(20 * time.Millisecond)
		pending.n = 42
		close(pending.done)
	}()
	if n, err := a.endTotal(context.Background()); err != nil || n != 42 {
		t.Fatalf("endTotal = %d, %v; want the new count, 42, the earlier one being stale", n, err)
	}
}

// burstSource is a production key's source, windows of 10, whose
// Prefetch burst covers a list of users, counted.
func burstSource(t *testing.T, url string, users int) *APISource {
	t.Helper()
	a, err := NewAPISource("sk_live_0123456789abcdefSECRET", APIOptions{BaseURL: url + "/v1", PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	a.Prefetch(false)
	if a.walk.burst*9 < users {
		t.Fatalf("a burst of %d windows does not cover %d users", a.walk.burst, users)
	}
	if _, err := a.Total(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a
}

// waitArrived waits until every window the walk holds has its answer.
func waitArrived(a *APISource) {
	for _, win := range a.walk.queue {
		// Past readAhead, an answered window waits for its turn to read
		// its body: it has arrived as far as the walk's sending goes.
		for !win.kept.waiting.Load() {
			select {
			case <-win.done:
			case <-time.After(time.Millisecond):
				continue
			}
			break
		}
	}
}

// A burst that arrives at once does not stop the walk: once the caller
// has taken the burst's pages down to the walk's bound, the walk sends
// more (it keeps requests outstanding, not pages waiting) though every
// window it holds has arrived, yet never holds more than maxAutoInFlight
// windows, arrived or not, after the burst.
func TestWalkIssuesPastArrivedPages(t *testing.T) {
	const users = 3000 // 334 windows of 10 overlapping by one
	srv, lists := countingListServer(t, users)
	a, err := NewAPISource("sk_live_0123456789abcdefSECRET", APIOptions{BaseURL: srv.URL + "/v1", PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	a.Prefetch(false)
	burst := a.walk.burst
	if burst <= maxAutoInFlight || burst > maxBurst {
		t.Fatalf("a burst of %d windows; the test wants one past maxAutoInFlight (%d), within maxBurst", burst, maxAutoInFlight)
	}
	if _, err := a.Total(ctx); err != nil {
		t.Fatal(err)
	}
	waitArrived(a)
	if got := lists.Load(); got != int64(burst) {
		t.Fatalf("%d list requests from the burst, want %d", got, burst)
	}
	var got []Record
	for page := 1; ; page++ {
		// A latency far above the caller's pace asks for the widest walk
		// (nothing is in flight to observe a shorter one meanwhile).
		SetLatency(a, time.Hour)
		recs, err := a.Next(ctx)
		if err != nil {
			break
		}
		got = append(got, recs...)
		waitArrived(a)
		held := int(lists.Load()) - page // windows sent and not delivered
		if held != len(a.walk.queue) || held > max(burst-page, maxAutoInFlight) {
			t.Fatalf("after page %d: %d windows held (queue %d), want at most %d", page, held, len(a.walk.queue), max(burst-page, maxAutoInFlight))
		}
		// The burst's pages were all waiting: the walk sent nothing more
		// while it held more than its bound, then, though every page it
		// held had arrived, one for each page taken.
		if want := max(burst-page, maxAutoInFlight-1); page <= 200 && held != want {
			t.Fatalf("after page %d: %d windows held, want %d (the walk stalled on arrived pages)", page, held, want)
		}
	}
	if len(got) != users || got[0].User.ID != "user_1" || got[users-1].User.ID != "user_3000" {
		t.Fatalf("read %d users", len(got))
	}
	for i, r := range got {
		if r.Pos != i+1 || r.User.ID != "user_"+strconv.Itoa(i+1) {
			t.Fatalf("record %d = %+v", i, r)
		}
	}
	if n := lists.Load(); n != 334 {
		t.Errorf("%d list requests, want 334 (each window once)", n)
	}
}

// Pages of large users are held fewer at a time: in every pacing mode,
// the walk's windows stay within its byte budget at the page size seen,
// though the caller's pace asks for the widest walk, and never fewer than
// the page delivered and those decoded ahead; every user still comes
// once, in order.
func TestWalkHoldsLargePagesWithinBudget(t *testing.T) {
	const users = 1500
	// Each user carries 2,000 bytes of metadata: a page of 10 is ~21 KB.
	pad := strings.Repeat("x", 2000)
	for _, c := range []struct {
		name   string
		opts   APIOptions
		budget int
		room   int // windows the budget holds
	}{
		{"allowance", APIOptions{}, 200_000, 9},
		{"max in flight", APIOptions{MaxInFlight: 64}, 200_000, 9},
		{"token bucket", APIOptions{Limiter: rate.NewLimiter(rate.Inf, 1)}, 200_000, 9},
		{"budget under a page", APIOptions{}, 1000, decodeAhead + 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, lists := countingListServerOf(t, users, func(b *strings.Builder, k int) {
				fmt.Fprintf(b, `{"id":"user_%d","created_at":%d,"email_addresses":[],"private_metadata":{"notes":%q}}`, k, k, pad)
			})
			opts := c.opts
			opts.BaseURL, opts.PageSize = srv.URL+"/v1", 10
			a, err := NewAPISource("sk_live_0123456789abcdefSECRET", opts)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			a.walk.budget = c.budget
			ctx := context.Background()
			var got []Record
			peakLate, firstWave := 0, 0
			for page := 1; ; page++ {
				SetLatency(a, time.Hour) // the widest walk the caller's pace allows
				recs, err := a.Next(ctx)
				if err != nil {
					break
				}
				got = append(got, recs...)
				waitArrived(a)
				if n := a.walk.heldCap(a.pageSize); n != c.room {
					t.Fatalf("after page %d: room for %d windows, want %d", page, n, c.room)
				}
				// The first windows went out before any page had shown its
				// size; once they are taken, the budget holds.
				if page == 1 {
					firstWave = int(lists.Load())
				} else if page > firstWave {
					peakLate = max(peakLate, int(lists.Load())-page)
				}
			}
			// One window of the budget's is the page just delivered.
			if peakLate != c.room-1 {
				t.Errorf("%d windows held once the page size was known, want %d", peakLate, c.room-1)
			}
			if len(got) != users {
				t.Fatalf("read %d users, want %d", len(got), users)
			}
			for i, r := range got {
				if r.Pos != i+1 || r.User == nil || r.User.ID != "user_"+strconv.Itoa(i+1) {
					t.Fatalf("record %d = %+v", i, r)
				}
			}
		})
	}
}

// A walk's first pages are small and its later ones large (users listed
// by sign-up date, the later ones with more metadata): the budget follows
// the large pages at once, not the average since the start.
func TestWalkBudgetFollowsLargerPages(t *testing.T) {
	var w walk
	w.budget = 1 << 20
	for range 1000 {
		w.noteSize(1000*10, 10) // 1 KB users
	}
	if n := w.heldCap(10); n != 104 {
		t.Fatalf("room for %d windows of 1 KB users, want 104", n)
	}
	w.noteSize(8000*10, 10) // one page of 8 KB users
	if n := w.heldCap(10); n != 13 {
		t.Fatalf("room for %d windows after a page of 8 KB users, want 13", n)
	}
	w.noteSize(1000*10, 10) // a smaller page lowers the estimate by an eighth only
	if n := w.heldCap(10); n != 14 {
		t.Fatalf("room for %d windows after a page of 1 KB users, want 14", n)
	}
	w.noteSize(0, 0) // an empty page changes nothing
	if n := w.heldCap(10); n != 14 {
		t.Fatalf("room for %d windows after an empty page, want 14", n)
	}
}

// A caller slow to take pages is not handed a hundred: the walk keeps
// inFlight requests outstanding for it and holds twice that at most.
func TestWalkSlowCallerHoldsTwiceInFlight(t *testing.T) {
	srv, lists := countingListServer(t, 2000)
	a, err := NewAPISource("sk_live_0123456789abcdefSECRET", APIOptions{BaseURL: srv.URL + "/v1", PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	peak := 0
	for page := 1; page <= 50; page++ {
		// An hour per page: latency ÷ pace is nil, so 8 (+1) outstanding.
		SetPace(a, time.Hour)
		a.walk.returned = time.Time{}
		if _, err := a.Next(ctx); err != nil {
			t.Fatal(err)
		}
		if n := a.inFlight(); n != 9 {
			t.Fatalf("inFlight = %d for a slow caller, want 9", n)
		}
		waitArrived(a)
		held := int(lists.Load()) - page
		if held > 2*9 {
			t.Fatalf("after page %d: %d windows held, want at most %d", page, held, 2*9)
		}
		peak = max(peak, held)
	}
	// Arrived pages did not stop the walk at 9: it went on to its bound
	// (less the page just delivered).
	if peak != 2*9-1 {
		t.Errorf("at most %d windows held, want %d", peak, 2*9-1)
	}
}

// Restarting the walk (a resync) drops the windows in flight; their
// requests, cancelled but not yet finished, do not count against the new
// generation, which gets its full width at once.
func TestWalkRestartDoesNotCountCancelledWindows(t *testing.T) {
	var lists atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count") {
			fmt.Fprint(w, `{"object":"total_count","total_count":5000}`)
			return
		}
		lists.Add(1)
		<-r.Context().Done() // a list request is answered by nothing but its cancel
	}))
	t.Cleanup(srv.Close)
	a, err := NewAPISource("sk_live_0123456789abcdefSECRET", APIOptions{BaseURL: srv.URL + "/v1", PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() }) // before srv.Close, which waits for the hung requests
	if _, err := a.Total(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.startWalk(a.total)
	a.fill()
	if n := a.walk.outstanding(); n != startInFlight {
		t.Fatalf("%d windows outstanding, want %d", n, startInFlight)
	}
	old := a.walk.queue
	a.walk.restart(900)
	a.fill()
	if n := a.walk.outstanding(); n != startInFlight || len(a.walk.queue) != startInFlight || a.walk.queue[0].offset != 900 {
		t.Fatalf("after a restart: %d outstanding, %d held, first at offset %d; want %d from 900",
			a.walk.outstanding(), len(a.walk.queue), a.walk.queue[0].offset, startInFlight)
	}
	// Close cancels both generations and waits for them.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for _, win := range old {
		select {
		case <-win.done:
		default:
			t.Fatal("a cancelled window was still running after Close")
		}
		if win.err == nil {
			t.Fatalf("cancelled window at offset %d has no error", win.offset)
		}
	}
}

// The count that checks the end of the list goes out with the last
// window, not after its answer: the server below holds the last window
// until that count has arrived, so a walk that asked for it only after
// the last page would wait out the hold. That count is the walk's
// second and last.
func TestWalkCountsWithTheLastWindow(t *testing.T) {
	const n = 100
	var counts, lists atomic.Int64
	released := make(chan struct{})
	var heldOut atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count") {
			if counts.Add(1) == 2 {
				close(released)
			}
			fmt.Fprintf(w, `{"object":"total_count","total_count":%d}`, n)
			return
		}
		lists.Add(1)
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if off+limit > n {
			select {
			case <-released:
			case <-time.After(5 * time.Second):
				heldOut.Store(true)
			}
		}
		writeUsers(w, off, limit, n)
	}))
	defer srv.Close()
	a := pagedSource(t, srv.URL, 4)
	read, _ := readUsers(a, nil)
	if read != n || heldOut.Load() || counts.Load() != 2 {
		t.Errorf("read %d users, last window held out %t, %d count requests; want %d, false, 2", read, heldOut.Load(), counts.Load(), n)
	}
}

// A list that fits in the first windows has its end count sent as the
// walk begins; a caller that reaches the end later (a run writing its
// users) must not check the list against that old count: users who
// signed up meanwhile are counted again and read.
func TestWalkRecountsWhenTheEndCountIsOld(t *testing.T) {
	defer func(d time.Duration) { endCountFresh = d }(endCountFresh)
	endCountFresh = 10 * time.Millisecond
	var mu sync.Mutex
	n := 30
	srv := usersServer(t, func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}, nil)
	a := pagedSource(t, srv.URL, 8)
	read, _ := readUsers(a, func(read int) {
		if read == 30 {
			// Every window was answered; two users sign up while the
			// caller writes the last page.
			mu.Lock()
			n = 32
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	})
	if read != 32 {
		t.Errorf("read %d users, want the 30 and the 2 who signed up before the end", read)
	}
}

// A list found shorter than its count (users deleted since), whose count
// then moves again while it is re-read (a sign-up meanwhile), is read
// again rather than called short: the walk once failed with ErrListShort
// on a normal instance.
func TestWalkRereadsWhenTheCountMovesAgain(t *testing.T) {
	var mu sync.Mutex
	n, counts := 30, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if strings.HasSuffix(r.URL.Path, "/count") {
			counts++
			answer := n + 5 // five users deleted just after each of the first two counts
			if counts >= 3 {
				n = 31 // one signs up just before the third
				answer = n
			}
			mu.Unlock()
			fmt.Fprintf(w, `{"object":"total_count","total_count":%d}`, answer)
			return
		}
		total := n
		mu.Unlock()
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		writeUsers(w, off, limit, total)
	}))
	defer srv.Close()
	mustReadAll(t, pagedSource(t, srv.URL, 8), 31)
}

// A body waiting for room in the read gate holds none: another that fits
// the budget is read meanwhile (waiting bodies once kept the gate over
// budget, so 5 MB pages were read one at a time), and the waiting one
// goes on when bytes are given back.
func TestReadGateCountsOnlyBytesAllocated(t *testing.T) {
	g := newReadGate(100)
	ctx := context.Background()
	a, b, c := g.hold(), g.hold(), g.hold()
	if err := a.grow(ctx, 60); err != nil {
		t.Fatal(err)
	}
	// b takes the place for large reads, c then waits for room.
	if err := b.grow(ctx, 60); err != nil || !b.large {
		t.Fatalf("b: %v, large %t", err, b.large)
	}
	done := growWaits(t, c, 30, "c grew past the budget with the large place taken")
	d := g.hold()
	a.release()
	// With a's bytes back, c's 30 fit beside b's 60 (and d's 10 too).
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := d.grow(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if g.used != 100 {
		t.Errorf("used %d, want 100 (b 60, c 30, d 10)", g.used)
	}
	releaseAll(t, g, b, c, d)
}

// growWaits starts h growing by n and checks that it waits (20 ms): the
// gate has no room for it yet. The growth's error comes on the channel.
func growWaits(t *testing.T, h *heldBytes, n int, grew string) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- h.grow(context.Background(), n) }()
	select {
	case err := <-done:
		t.Fatalf("%s: %v", grew, err)
	case <-time.After(20 * time.Millisecond):
	}
	return done
}

// releaseAll gives back the bytes of every hold and checks that the gate
// then holds none.
func releaseAll(t *testing.T, g *readGate, holds ...*heldBytes) {
	t.Helper()
	for _, h := range holds {
		h.release()
	}
	if g.used != 0 {
		t.Errorf("used %d after every release", g.used)
	}
}

// The windows Prefetch sends before the count has come back follow a
// provisional plan whose "last" window is not the list's: no end count
// goes out with it (one did, at the walk's start, and was then taken for
// the end's check, missing users who signed up during the walk).
func TestWalkSendsNoEndCountWithTheBurst(t *testing.T) {
	srv := listServer(t, 100)
	a, err := NewAPISource("sk_live_0123456789abcdefSECRET", APIOptions{BaseURL: srv.URL + "/v1", PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Prefetch(false)
	if a.walk.endCount != nil {
		t.Fatal("an end count went out with the burst")
	}
	read, _ := readUsers(a, nil)
	if read != 100 {
		t.Errorf("read %d users, want 100", read)
	}
}

// A page short by one, whose next window starts right after it, ends
// where the list ended when it was read: the users the next window holds
// signed up since, and nothing can lie between the two. They are read,
// not taken for a server capping its pages (which stopped the run and
// dropped the users read).
func TestWalkShortByOneThenSignUp(t *testing.T) {
	var mu sync.Mutex
	n := 18
	served9 := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count") {
			fmt.Fprint(w, `{"object":"total_count","total_count":19}`)
			return
		}
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if off == 18 {
			<-served9
		}
		mu.Lock()
		total := n
		if off == 9 && n == 18 {
			defer func() { mu.Lock(); n = 19; mu.Unlock(); close(served9) }() // signs up after this page is read
		}
		mu.Unlock()
		writeUsers(w, off, limit, total)
	}))
	defer srv.Close()
	mustReadAll(t, pagedSource(t, srv.URL, 8), 19)
}

// writeUsers writes the page of a list of total users (user_1 …, created
// at 1 …) at off for limit.
// usersServer serves the count and the list of total() users, asked at
// each request (a test may change it), calling onCount (when set) for
// each count request.
func usersServer(t *testing.T, total func() int, onCount func()) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := total()
		if strings.HasSuffix(r.URL.Path, "/count") {
			if onCount != nil {
				onCount()
			}
			fmt.Fprintf(w, `{"object":"total_count","total_count":%d}`, n)
			return
		}
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		writeUsers(w, off, limit, n)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func writeUsers(w io.Writer, off, limit, total int) {
	writePage(w, off, limit, total, func(b *strings.Builder, k int) {
		fmt.Fprintf(b, `{"id":"user_%d","created_at":%d,"email_addresses":[]}`, k, k)
	})
}

// writePage writes the page of a list of total users at off for limit,
// the k-th user (from 1) as entry writes it.
func writePage(w io.Writer, off, limit, total int, entry func(b *strings.Builder, k int)) {
	var b strings.Builder
	b.WriteByte('[')
	for k := off; k < min(total, off+limit); k++ {
		if k > off {
			b.WriteByte(',')
		}
		entry(&b, k+1)
	}
	b.WriteByte(']')
	io.WriteString(w, b.String())
}

// pagedSource walks the list at url by pages of 10, maxInFlight at once,
// with no pacing.
func pagedSource(t *testing.T, url string, maxInFlight int) *APISource {
	t.Helper()
	a, err := NewAPISource("sk_test_0123456789abcdefSECRET", APIOptions{
		BaseURL: url + "/v1", PageSize: 10, MaxInFlight: maxInFlight, Limiter: rate.NewLimiter(rate.Inf, 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// readUsers reads a to its end: the users read and the error that ended
// it (nil for the list's end); after, if set, runs after each page.
func readUsers(a *APISource, after func(read int)) (int, error) {
	read := 0
	for {
		recs, err := a.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return read, nil
		}
		if err != nil {
			return read, err
		}
		read += len(recs)
		if after != nil {
			after(read)
		}
	}
}

// mustReadAll reads a to its end, which must come without an error
// after want users.
func mustReadAll(t *testing.T, a *APISource, want int) {
	t.Helper()
	read, err := readUsers(a, nil)
	if err != nil {
		t.Fatalf("after %d users: %v", read, err)
	}
	if read != want {
		t.Errorf("read %d users, want %d", read, want)
	}
}
