package clerk_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
)

// cursorProxy sits in front of the emulator, records list queries and can
// play a Clerk that ignores or refuses starting_after.
type cursorProxy struct {
	mu      sync.Mutex
	queries []string
	mode    string // "", "ignore", "refuse"
	next    http.Handler
}

func (p *cursorProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v1/users" {
		p.mu.Lock()
		p.queries = append(p.queries, r.URL.RawQuery)
		p.mu.Unlock()
		q := r.URL.Query()
		if q.Get("starting_after") != "" {
			switch p.mode {
			case "ignore":
				q.Del("starting_after")
				r.URL.RawQuery = q.Encode()
			case "refuse":
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(`{"errors":[{"message":"is unknown","long_message":"starting_after is not a valid parameter for this request.","code":"form_param_unknown"}]}`))
				return
			}
		}
	}
	p.next.ServeHTTP(w, r)
}

func (p *cursorProxy) listQueries() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.queries)
}

// proxiedEmulator serves users from an emulator behind a cursorProxy
// that records the list queries; base is the API root to walk.
func proxiedEmulator(t *testing.T, users []clerk.User) (emu *emulator.Server, proxy *cursorProxy, base string) {
	t.Helper()
	emu = startEmulator(t, users, emulator.Options{})
	proxy = &cursorProxy{next: emu}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return emu, proxy, srv.URL + "/v1"
}

// A stable list is walked by offset windows alone, each starting on the
// last user of the one before.
func TestAPIStableListUsesOffsetsOnly(t *testing.T) {
	users := emulator.Generate(1234, 5)
	_, proxy, base := proxiedEmulator(t, users)
	src, _ := newSource(t, base, clerk.APIOptions{})
	recs, _, err := drain(t, src)
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, recs, ids(users))
	got := proxy.listQueries()
	slices.Sort(got)
	want := []string{
		"limit=500&offset=0&order_by=%2Bcreated_at",
		"limit=500&offset=499&order_by=%2Bcreated_at",
		"limit=500&offset=998&order_by=%2Bcreated_at",
	}
	if !slices.Equal(got, want) {
		t.Errorf("queries = %q", got)
	}
}

// Users deleted behind the walk shift the next window; the walk notices at
// the overlap and re-reads the stretch: with the cursor where Clerk honours
// it, by offset where it ignores or refuses it. Nobody is missed or read
// twice.
func TestAPIDeletionMidWalkResyncs(t *testing.T) {
	for _, mode := range []string{"", "ignore", "refuse"} {
		t.Run("clerk "+mode, func(t *testing.T) {
			users := emulator.Generate(1234, 5)
			emu := startEmulator(t, users, emulator.Options{})
			// Requests: count, window 0, then window 1 — which arrives
			// after ten users of window 0 are gone.
			emu.OnRequest(func(n int, path string) {
				if n == 3 {
					emu.DeleteUsers(ids(users[100:110])...)
				}
			})
			proxy := &cursorProxy{mode: mode, next: emu}
			srv := httptest.NewServer(proxy)
			t.Cleanup(srv.Close)
			src, _ := newSource(t, srv.URL+"/v1", clerk.APIOptions{MaxInFlight: 1})
			recs, _, err := drain(t, src)
			if err != nil {
				t.Fatal(err)
			}
			// The deleted users were read before they went.
			checkIDs(t, recs, ids(users))
			q := proxy.listQueries()
			cursors := 0
			for _, s := range q {
				if strings.Contains(s, "starting_after=") {
					cursors++
				}
			}
			switch mode {
			case "":
				// window 0, window 1 (mismatch), the cursor page, then a
				// window resuming exactly where the cursor page ended.
				want := []string{
					"limit=500&offset=0&order_by=%2Bcreated_at",
					"limit=500&offset=499&order_by=%2Bcreated_at",
					"limit=500&offset=0&order_by=%2Bcreated_at&starting_after=" + users[499].ID,
					"limit=500&offset=989&order_by=%2Bcreated_at",
				}
				if !slices.Equal(q, want) {
					t.Errorf("queries = %q", q)
				}
			default: // tried once, then found by offset
				if cursors != 1 {
					t.Errorf("queries = %q", q)
				}
			}
		})
	}
}
