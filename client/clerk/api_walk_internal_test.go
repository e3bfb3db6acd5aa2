package clerk

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/time/rate"
)

// listServer serves n users (user_1 … user_n, created_at 1 … n) in
// +created_at order by offset and limit.
func listServer(t *testing.T, n int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count") {
			fmt.Fprintf(w, `{"object":"total_count","total_count":%d}`, n)
			return
		}
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		var b strings.Builder
		b.WriteByte('[')
		for k := off; k < min(n, off+limit); k++ {
			if k > off {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"user_%d","created_at":%d,"email_addresses":[]}`, k+1, k+1)
		}
		b.WriteByte(']')
		w.Write([]byte(b.String()))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// While the reader has a page, the next arrived windows are decoded on
// goroutines of their own; each window is decoded exactly once, and the
// pages still come in order.
func TestWalkDecodesAhead(t *testing.T) {
	srv := listServer(t, 100)
	a, err := NewAPISource("sk_test_0123456789abcdefSECRET", APIOptions{
		BaseURL: srv.URL + "/v1", PageSize: 10, MaxInFlight: 8, Limiter: rate.NewLimiter(rate.Inf, 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
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
