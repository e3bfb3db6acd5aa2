package clerk

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	"golang.org/x/time/rate"
)

// The walk lets go of a page once it has delivered it: the array behind
// its queue of windows kept every delivered window's users (10 KB of
// metadata each took a preview of 40,000 users to 838 MB RSS).
func TestWalkLetsGoOfDeliveredPages(t *testing.T) {
	srv := listServer(t, 400)
	a := pagedSource(t, srv.URL, 16)
	ctx := context.Background()
	var firsts []weak.Pointer[User]
	for range 30 {
		recs, err := a.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		firsts = append(firsts, weak.Make(recs[0].User))
	}
	// The walk holds on to the last user delivered (the next page must
	// follow it): the last page's users are its.
	firsts = firsts[:len(firsts)-1]
	// Twice: after one cycle the page before last was still reported
	// held, by the old code and the new alike.
	runtime.GC()
	runtime.GC()
	for i, p := range firsts {
		if p.Value() != nil {
			t.Errorf("page %d's first user is still held once delivered", i+1)
		}
	}
}

// Pages read and not yet delivered stay counted in the read gate, so a
// walk's burst of large pages, sent before any showed its size, does not
// all come in at once: past the budget, only the page next to deliver is
// read. Every user still comes, in order.
func TestWalkKeepsWaitingPagesWithinTheReadGate(t *testing.T) {
	srv, _ := countingListServerOf(t, 200, paddedUser)
	a := pagedSource(t, srv.URL, 16)
	const page = 1600 // a page of 10 such users is about 1,500 bytes
	a.reading = newReadGate(2 * page)
	ctx := context.Background()
	if _, err := a.Next(ctx); err != nil {
		t.Fatal(err)
	}
	arrived := func() int {
		n := 0
		for _, win := range a.walk.queue {
			select {
			case <-win.done:
				n++
			default:
			}
		}
		return n
	}
	// The page next to deliver always comes in; whether a second one does
	// first depends on how the reads share the budget (several partly
	// read pages may hold it between them, leaving only the next to
	// finish), so only the first is waited for.
	for deadline := time.Now().Add(5 * time.Second); arrived() < 1; {
		if time.Now().After(deadline) {
			t.Fatalf("%d windows arrived, want the one next to deliver", arrived())
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // time for any more to come in
	if n := arrived(); n > 3 {
		t.Errorf("%d pages read ahead of delivery with room for 2 (and the next to deliver)", n)
	}
	a.reading.mu.Lock()
	used := a.reading.used
	a.reading.mu.Unlock()
	if used > 3*page {
		t.Errorf("%d bytes held in the gate, want at most %d", used, 3*page)
	}
	read, err := readUsers(a, nil)
	if err != nil || read != 190 {
		t.Fatalf("read %d more users (%v), want 190", read, err)
	}
	// Windows issued past the list's end are given back as the walk
	// drops them, on goroutines of their own.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		a.reading.mu.Lock()
		used := a.reading.used
		a.reading.mu.Unlock()
		if used == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes still held after the walk", used)
		}
	}
}

// A page's read may grow past the budget once it is the next to deliver
// (its turn), which the pages after it fill, and without taking the place
// for large reads, which a page keeping its bytes would keep from them.
func TestReadGateLetsTheNextPageThrough(t *testing.T) {
	g := newReadGate(100)
	ctx := context.Background()
	full := g.hold()
	if err := full.grow(ctx, 100); err != nil {
		t.Fatal(err)
	}
	turn := make(chan struct{})
	next := g.hold()
	next.turn = turn
	done := growWaits(t, next, 50, "a page not yet next grew past the budget")
	close(turn)
	if err := <-done; err != nil || next.large {
		t.Fatalf("next: %v, large %t", err, next.large)
	}
	// The place for large reads is still free for a request of another
	// kind (a count, a re-read).
	other := g.hold()
	if err := other.grow(ctx, 50); err != nil || !other.large {
		t.Fatalf("other: %v, large %t", err, other.large)
	}
	releaseAll(t, g, full, next, other)
}

// A page waiting in the read gate while the caller is slow is not
// failing: when its answer then has to be retried (a 500, a 200 cut
// short), the wait does not count against the retry budget. It did, and
// a caller slower than the budget made the first retryable answer end
// the walk "after 0 retries".
func TestWalkGateWaitIsNotFailing(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
		body   string
	}{
		{"500", 500, `{"errors":[{"message":"internal","code":"internal_error"}]}`},
		{"200 cut short", 200, `[{"id":"user_19","created_at":19,"first_na`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var failed atomic.Bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/count") {
					fmt.Fprint(w, `{"object":"total_count","total_count":100}`)
					return
				}
				off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
				limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
				if off == 18 && failed.CompareAndSwap(false, true) {
					w.WriteHeader(c.status)
					fmt.Fprint(w, c.body)
					return
				}
				writePage(w, off, limit, 100, paddedUser)
			}))
			defer srv.Close()
			a, err := NewAPISource("sk_test_0123456789abcdefSECRET", APIOptions{
				BaseURL: srv.URL + "/v1", PageSize: 10, MaxInFlight: 4, Limiter: rate.NewLimiter(rate.Inf, 1),
				RetryBudget: 2 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			a.reading = newReadGate(1600) // about one page: the next ones wait
			read, err := readUsers(a, func(read int) {
				if read == 10 {
					time.Sleep(3 * time.Second) // a slow caller (a batch being written)
				}
			})
			if err != nil || read != 100 {
				t.Fatalf("read %d users: %v", read, err)
			}
		})
	}
}

// A latency measured below zero (the wall clock stepped during a wait, as
// the gate's wait was once timed) leaves the walk at least one window in
// flight, not a negative width that sends none.
func TestWalkWidthNeverBelowOne(t *testing.T) {
	a, err := NewAPISource("sk_live_0123456789abcdefSECRET", APIOptions{BaseURL: "http://127.0.0.1:1/v1"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.walk.pace.observe(10 * time.Millisecond)
	a.latency.observe(-time.Hour)
	if n := a.width(); n < 1 {
		t.Errorf("width %d, want at least 1", n)
	}
}

// paddedUser writes user k with a 100-byte first name: pages of 10 such
// users are about 1,500 bytes, for tests that size the read gate by them.
func paddedUser(b *strings.Builder, k int) {
	fmt.Fprintf(b, `{"id":"user_%d","created_at":%d,"first_name":"%s","email_addresses":[]}`, k, k, strings.Repeat("x", 100))
}

// Over HTTP/2, as Clerk's API is served, a response's bytes come into
// the process whether or not the walk reads them: the transport buffers
// each stream's data up to its flow-control window (4 MiB by default),
// past the read gate. The walk's transport keeps that window small, so
// the windows waiting for their turn hold little each, and Clerk, not
// this process, waits with the rest of their pages.
func TestWalkOverHTTP2BuffersLittlePerWindow(t *testing.T) {
	const (
		users    = 200
		pad      = 350 << 10 // metadata per user: pages of 10 users are 3.5 MB
		inFlight = 16
	)
	var written atomic.Int64
	var http1 atomic.Bool
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			http1.Store(true)
		}
		if strings.HasSuffix(r.URL.Path, "/count") {
			fmt.Fprintf(w, `{"object":"total_count","total_count":%d}`, users)
			return
		}
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		var b strings.Builder
		writePage(&b, off, limit, users, func(b *strings.Builder, k int) {
			fmt.Fprintf(b, `{"id":"user_%d","created_at":%d,"email_addresses":[],"public_metadata":{"pad":"%s"}}`, k, k, strings.Repeat("x", pad))
		})
		page := b.String()
		for len(page) > 0 {
			n := min(len(page), 32<<10)
			if _, err := io.WriteString(w, page[:n]); err != nil {
				return
			}
			written.Add(int64(n))
			page = page[n:]
		}
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	a, err := NewAPISource("sk_test_0123456789abcdefSECRET", APIOptions{
		BaseURL: srv.URL + "/v1", PageSize: 10, MaxInFlight: inFlight, Limiter: rate.NewLimiter(rate.Inf, 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// The walk's own transport, trusting the test server's certificate.
	a.client.Transport.(*http.Transport).TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	const page = 10 * (pad + 100)
	a.reading = newReadGate(page)
	ctx := context.Background()
	if _, err := a.Next(ctx); err != nil {
		t.Fatal(err)
	}
	// Let the transfers settle: the server writes until the windows of
	// the streams nobody reads are full.
	for last, stable := int64(-1), 0; stable < 10; time.Sleep(20 * time.Millisecond) {
		if n := written.Load(); n == last {
			stable++
		} else {
			last, stable = n, 0
		}
	}
	// Read: the page delivered, the one the gate holds and the one next
	// in line; beside them each window in flight may have its stream's
	// window, and some in the server's buffers. (With the transport's
	// default window, each has all its 3.5 MB.)
	bound := int64(3*page + inFlight*(h2StreamWindow+h2StreamWindow/2))
	t.Logf("the server sent %d KB, bound %d KB", written.Load()>>10, bound>>10)
	if n := written.Load(); n > bound {
		t.Errorf("the server sent %d MB for a walk reading at most %d MB", n>>20, bound>>20)
	}
	read, err := readUsers(a, nil)
	if err != nil || read != users-10 {
		t.Fatalf("read %d more users (%v), want %d", read, err, users-10)
	}
	if http1.Load() {
		t.Fatal("the walk's requests went over HTTP/1.1")
	}
}
