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
	"sync/atomic"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// A burst's answers all come in at once: only the first readAhead
// windows read their bodies, the others wait their turn (answered, their
// requests no longer in flight nor holding a place in the allowance), and
// every user still comes once, in order.
func TestWalkReadsBodiesInTurn(t *testing.T) {
	const users = 3000 // 334 windows of 10 overlapping by one
	srv, lists := countingListServer(t, users)
	a, err := NewAPISource("sk_live_0123456789abcdefSECRET", APIOptions{BaseURL: srv.URL + "/v1", PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Prefetch(false)
	if _, err := a.Total(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitArrived(a)
	if len(a.walk.queue) <= readAhead {
		t.Fatalf("the burst sent %d windows; the test wants more than readAhead (%d)", len(a.walk.queue), readAhead)
	}
	for i, win := range a.walk.queue {
		select {
		case <-win.done:
			if i >= readAhead {
				t.Fatalf("window %d (offset %d) was read before its turn", i, win.offset)
			}
		default:
			if i < readAhead {
				t.Fatalf("window %d (offset %d) was not read, among the first %d", i, win.offset, readAhead)
			}
		}
	}
	if out := a.walk.outstanding(); out != 0 {
		t.Fatalf("%d windows outstanding, want 0: every request was answered", out)
	}
	// Nor do they hold a place in the allowance: their answers are in,
	// so Clerk has counted them.
	a.allowance.mu.Lock()
	open := 0
	for _, p := range a.allowance.held {
		if !p.ended {
			open++
		}
	}
	a.allowance.mu.Unlock()
	if open != 0 {
		t.Fatalf("%d places in the allowance still open, want 0: every request was answered", open)
	}
	mustReadAll(t, a, users)
	if n := lists.Load(); n != 334 {
		t.Errorf("%d list requests, want 334 (each window once)", n)
	}
}

// Pages waiting their turn to be read hold no place in the allowance: a
// small allowance shared with dozens of answered pages still has room for
// the retry of the page the caller waits for. (Held until read, the
// waiting pages took every place, and the retry waited for a place that
// only its own page could free.)
func TestWalkRetriesTheHeadPastPagesWaitingTheirTurn(t *testing.T) {
	const users = 2000
	const failAt = 45 * 9 // the window at which the walk is wide
	var failed atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count") {
			fmt.Fprintf(w, `{"object":"total_count","total_count":%d}`, users)
			return
		}
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if off == failAt && failed.CompareAndSwap(false, true) {
			// Answered late, once every window after it had time to
			// come back and wait.
			time.Sleep(200 * time.Millisecond)
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		writePage(w, off, limit, users, func(b *strings.Builder, k int) {
			fmt.Fprintf(b, `{"id":"user_%d","created_at":%d,"email_addresses":[]}`, k, k)
		})
	}))
	defer srv.Close()
	allow, err := NewAllowance(readAhead+4, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAPISource("sk_live_0123456789abcdefSECRET", APIOptions{BaseURL: srv.URL + "/v1", PageSize: 10, Allowance: allow})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.newBackOff = func() backoff.BackOff { return &backoff.ZeroBackOff{} }
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	read := 0
	for {
		// A caller far slower than the latency: the walk holds all the
		// windows it may.
		SetLatency(a, time.Hour)
		recs, err := a.Next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("after %d users: %v", read, err)
		}
		for _, r := range recs {
			read++
			if r.User == nil || r.User.ID != "user_"+strconv.Itoa(read) {
				t.Fatalf("user %d: %+v", read, r)
			}
		}
	}
	if read != users || !failed.Load() {
		t.Fatalf("read %d users (the failure injected: %v), want %d", read, failed.Load(), users)
	}
}
