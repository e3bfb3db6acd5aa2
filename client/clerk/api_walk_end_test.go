package clerk_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
)

// walkFake walks f's list, served over HTTP, with opts: the users read
// and the walk's error.
func walkFake(t *testing.T, f *fakeList, opts clerk.APIOptions) ([]clerk.Record, error) {
	t.Helper()
	hs := httptest.NewServer(f)
	t.Cleanup(hs.Close)
	src, _ := newSource(t, hs.URL, opts)
	recs, _, err := drain(t, src)
	return recs, err
}

// The last user of a window is deleted before the next window is read,
// so that window starts past it and the stretch is re-read by cursor,
// naming the deleted user. Whether Clerk answers that with an empty page,
// a 404 or a 422, the walk finds its place by offset and reads every
// user left: an empty cursor page once ended the walk there (999 of
// 3,000 users read, exit 0), a 404 stopped it with an error.
func TestAPICursorOnDeletedUser(t *testing.T) {
	users := byCreation(emulator.Generate(3000, 31))
	for _, status := range []int{http.StatusOK, http.StatusNotFound, http.StatusUnprocessableEntity} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			emu := startEmulator(t, users, emulator.Options{UnknownCursor: status})
			gone := users[998].ID // the last user of the window at offset 499
			// One window at a time: request 1 counts, 2 and 3 read the
			// windows at 0 and 499; the deletion lands before the one at 998.
			emu.OnRequest(func(k int, _ string) {
				if k == 4 {
					emu.DeleteUsers(gone)
				}
			})
			src, _ := newSource(t, emu.BaseURL(), clerk.APIOptions{MaxInFlight: 1})
			recs, _, err := drain(t, src)
			if err != nil {
				t.Fatalf("after %d users: %v", len(recs), err)
			}
			walkStats(t, recs, users, map[string]bool{gone: true}, nil)
			// It was read before it was deleted.
			checkIDs(t, recs, ids(users))
		})
	}
}

// byCreation sorts users as the list walks them (the emulator's order).
func byCreation(users []clerk.User) []clerk.User {
	slices.SortStableFunc(users, func(a, b clerk.User) int { return cmp.Compare(a.CreatedAt, b.CreatedAt) })
	return users
}

// A server that caps limit at 100 answers the first window short, as if
// the list ended there, while the windows after it return users: the
// walk once ended quietly after 100 of 3,000 users. It now stops with an
// error that says what the server did.
func TestAPIShortPageContradictedByLaterWindows(t *testing.T) {
	f := newFakeList(3000)
	f.maxLimit = 100
	recs, err := walkFake(t, f, clerk.APIOptions{MaxInFlight: 4})
	if err == nil || !strings.Contains(err.Error(), "does not fill its pages") {
		t.Fatalf("read %d of 3000 users, err = %v", len(recs), err)
	}
}

// Users who sign up during the walk are read, and the final count (the
// walk's last request) says so: the source's Total is then that count,
// which the importer compares with the users read, instead of the count
// taken before the sign-ups.
func TestAPIFinalCountAfterSignUps(t *testing.T) {
	users := byCreation(emulator.Generate(2000, 33))
	emu := startEmulator(t, users, emulator.Options{})
	extra := emulator.Generate(700, 34)
	for i := range extra {
		extra[i].CreatedAt = users[len(users)-1].CreatedAt + clerk.Millis(i+1)
	}
	emu.OnRequest(func(k int, _ string) {
		if k == 3 {
			if err := emu.AddUsers(extra...); err != nil {
				t.Error(err)
			}
		}
	})
	src, _ := newSource(t, emu.BaseURL(), clerk.APIOptions{MaxInFlight: 2})
	recs, _, err := drain(t, src)
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, recs, append(ids(users), ids(extra)...))
	n, err := src.Total(context.Background())
	if err != nil || n != 2700 {
		t.Errorf("Total after the walk = %d, %v; want the final count 2700", n, err)
	}
}

// A page that comes back short once, as if the list ended there, with no
// later window to contradict it: the final count shows users missing,
// and the re-read after the last user read finds them.
func TestAPIFinalCountRereadsAfterAnEarlyEnd(t *testing.T) {
	f := newFakeList(3000)
	f.shortOnce = 998
	recs, err := walkFake(t, f, clerk.APIOptions{MaxInFlight: 1})
	if err != nil {
		t.Fatalf("after %d users: %v", len(recs), err)
	}
	if len(recs) != 3000 {
		t.Fatalf("read %d users, want 3000", len(recs))
	}
	for i, r := range recs {
		if want := fmt.Sprintf("user_%05d", i); r.User == nil || r.User.ID != want {
			t.Fatalf("record %d = %+v, want %s", i, r.User, want)
		}
	}
}

// A list that ends short of Clerk's count, the re-read after its last
// user finding no more: the walk fails with ErrListShort instead of
// ending quietly with part of the users.
func TestAPIFinalCountUnaccountedFails(t *testing.T) {
	for _, ignoreOffset := range []bool{false, true} {
		t.Run(fmt.Sprint("ignore offset ", ignoreOffset), func(t *testing.T) {
			f := newFakeList(1200)
			f.extraCount = 500
			f.ignoreOffset = ignoreOffset
			recs, err := walkFake(t, f, clerk.APIOptions{})
			if !errors.Is(err, clerk.ErrListShort) {
				t.Fatalf("read %d users, err = %v", len(recs), err)
			}
			if !strings.Contains(err.Error(), "Clerk counts 1700 users") {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// A server answering every page with a body over the 64 MiB cap (chunked,
// so its length is not announced) once had each of the walk's requests
// in flight read 64 MiB before the error: gigabytes. The reads share a
// budget past which bodies are read one at a time, and the first body
// over the cap cancels the others: the server gets to send a fraction.
func TestAPIOversizeBodiesBounded(t *testing.T) {
	var mu sync.Mutex
	sent := 0
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count") {
			io.WriteString(w, `{"object":"total_count","total_count":30000}`)
			return
		}
		io.WriteString(w, "[")
		chunk := strings.Repeat(" ", 1<<20)
		for range 66 {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
			mu.Lock()
			sent += len(chunk)
			mu.Unlock()
		}
	}))
	t.Cleanup(hs.Close)
	src, _ := newSource(t, hs.URL, clerk.APIOptions{MaxInFlight: 32})
	_, err := src.Next(context.Background())
	if err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Fatalf("err = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	// 32 × 64 MiB unbounded; the budget, one body and the sockets'
	// buffers bounded.
	if sent > 768<<20 {
		t.Errorf("the server sent %d MiB", sent>>20)
	}
	t.Logf("the server sent %d MiB", sent>>20)
}

// A page that comes in slowly but steadily, over longer than the request
// timeout, is read: the timeout bounds the wait for the headers and each
// stall of the body, not the whole transfer. (On a slow link shared by
// dozens of windows, every page once timed out, round after round.)
func TestAPISlowBodyNotTimedOut(t *testing.T) {
	f := newFakeList(40)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count") {
			f.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		f.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		// 20 pieces 60 ms apart: 1.2 s in all, well over the timeout,
		// no stall near it.
		step := len(body)/20 + 1
		for len(body) > 0 {
			n := min(step, len(body))
			if _, err := w.Write(body[:n]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			body = body[n:]
			time.Sleep(60 * time.Millisecond)
		}
	}))
	t.Cleanup(hs.Close)
	src, _ := newSource(t, hs.URL, clerk.APIOptions{RequestTimeout: 400 * time.Millisecond, MaxRetries: 2})
	recs, _, err := drain(t, src)
	if err != nil || len(recs) != 40 {
		t.Fatalf("%d users, %v", len(recs), err)
	}
}

// A page that comes in slowly for longer than the retry budget and is
// then cut is retried: the time its bytes kept coming is progress, not
// failing (it once gave up at once, "after 0 retries").
func TestAPISlowBodyCutIsRetried(t *testing.T) {
	f := newFakeList(40)
	var mu sync.Mutex
	cut := false
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !cut && !strings.HasSuffix(r.URL.Path, "/count")
		cut = cut || first
		mu.Unlock()
		if !first {
			f.ServeHTTP(w, r)
			return
		}
		// Headers, then a byte every 150 ms for 1.5 s (the budget is
		// 1 s, the timeout 400 ms), then the connection is cut.
		w.Header().Set("Content-Length", "100000")
		for range 10 {
			if _, err := io.WriteString(w, " "); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			time.Sleep(150 * time.Millisecond)
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(hs.Close)
	src, _ := newSource(t, hs.URL, clerk.APIOptions{RequestTimeout: 400 * time.Millisecond, RetryBudget: time.Second, MaxInFlight: 1})
	recs, _, err := drain(t, src)
	if err != nil || len(recs) != 40 {
		t.Fatalf("%d users, %v", len(recs), err)
	}
}

// A timeout narrows the walk: half as many requests in flight, widening
// again as answers come.
func TestAPITimeoutNarrowsTheWalk(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count") {
			io.WriteString(w, `{"object":"total_count","total_count":3000}`)
			return
		}
		<-r.Context().Done()
	}))
	t.Cleanup(hs.Close)
	src, _ := newSource(t, hs.URL, clerk.APIOptions{MaxInFlight: 8, RequestTimeout: 150 * time.Millisecond, MaxRetries: -1})
	if n := clerk.InFlight(src); n != 8 {
		t.Fatalf("InFlight = %d before any timeout", n)
	}
	if _, err := src.Next(context.Background()); err == nil || !strings.Contains(err.Error(), "no answer") {
		t.Fatalf("err = %v", err)
	}
	if n := clerk.InFlight(src); n != 4 {
		t.Errorf("InFlight = %d after a wave of timeouts, want 4", n)
	}
}
