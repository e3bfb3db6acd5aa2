package clerk_test

import (
	"net/http"
	"net/http/httptest"
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

func TestAPICursorPaging(t *testing.T) {
	users := emulator.Generate(1234, 5)
	for _, mode := range []string{"", "ignore", "refuse"} {
		t.Run("clerk "+mode, func(t *testing.T) {
			emu := startEmulator(t, users, emulator.Options{})
			proxy := &cursorProxy{mode: mode, next: emu}
			srv := httptest.NewServer(proxy)
			t.Cleanup(srv.Close)
			src, _ := newSource(t, srv.URL+"/v1", clerk.APIOptions{})
			recs, _, err := drain(t, src)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(users) {
				t.Fatalf("read %d of %d users", len(recs), len(users))
			}
			for i, r := range recs {
				if r.User == nil || r.User.ID != users[i].ID || r.Pos != i+1 {
					t.Fatalf("record %d = %+v, want %s", i, r, users[i].ID)
				}
			}
			withCursor := 0
			for _, q := range proxy.queries {
				if strings.Contains(q, "starting_after=") {
					withCursor++
				}
			}
			switch mode {
			case "": // cursor works: used for every page after the first
				if len(proxy.queries) != 3 || withCursor != 2 || !strings.Contains(proxy.queries[0], "offset=0") {
					t.Errorf("queries = %v", proxy.queries)
				}
			default: // tried once, then offsets for good
				if withCursor != 1 || len(proxy.queries) != 4 || !strings.Contains(proxy.queries[3], "offset=1000") {
					t.Errorf("queries = %v", proxy.queries)
				}
			}
		})
	}
}
