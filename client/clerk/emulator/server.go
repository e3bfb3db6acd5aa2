package emulator

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// DemoSecretKey is a well-formed development key for the emulator, for
// `ascendkit demo` and tests that want the auth check switched on.
const DemoSecretKey = "sk_test_ascendkit_emulator_demo_key"

// rateWindow is Clerk's rate-limit window.
const rateWindow = 10 * time.Second

// Options configures a Server.
type Options struct {
	// SecretKey, if set, is the only bearer token accepted; any other gets
	// Clerk's 401 clerk_key_invalid. Empty accepts every request.
	SecretKey string
	// RequestsPer10s limits requests over a sliding 10 s window, like a
	// Clerk instance (production 1000, development 100). 0 = unlimited.
	// Requests over the limit get 429 with Retry-After set to the whole
	// seconds until a slot frees up (at least 1).
	RequestsPer10s int
	// RateWindow replaces the 10 s window of RequestsPer10s, so tests can
	// check pacing in a fraction of the time. 0 = 10 s, as Clerk.
	RateWindow time.Duration
	// Latency delays every response, to make progress visible in demos.
	Latency time.Duration
	// UnknownCursor is the answer to a starting_after naming no user
	// (one deleted meanwhile): 0 is 422 form_param_value_invalid, as
	// Clerk's newer specs describe; 404 is resource_not_found; 200 is an
	// empty page, as some Clerk versions answer.
	UnknownCursor int
	// FailRetryAfter is the Retry-After, in seconds, of the 429s that
	// FailNext injects. Default 1.
	FailRetryAfter int
}

// Server is a running emulated Clerk Backend API.
type Server struct {
	// URL is the server root, e.g. http://127.0.0.1:34567; the API lives
	// under URL+"/v1" (see BaseURL).
	URL string

	opts Options
	srv  *http.Server
	now  func() time.Time

	mu sync.Mutex
	// users is sorted by created_at ascending. It is replaced, never
	// modified in place, so a request can list a snapshot unlocked. Their
	// wire encodings lie in order, comma-separated, in one slab (see
	// inSlab).
	users []entry
	slab  []byte
	// pageFile holds a copy of slab the kernel sends pages from (nil
	// where it cannot be made): see listUsers.
	pageFile   *os.File
	onRequest  func(n int, path string)
	requests   int
	byPath     map[string]int
	failN      int
	failStatus int
	accepted   []time.Time // request times inside the window (rate limit)
	throttled  int         // requests refused with 429 by the rate limit
	closed     bool
}

// Start serves users on 127.0.0.1 at a free port. The slice is copied, so
// the caller may reuse it.
func Start(users []clerk.User, opts Options) (*Server, error) {
	if opts.RequestsPer10s < 0 || opts.RateWindow < 0 {
		return nil, errors.New("emulator: RequestsPer10s and RateWindow must be >= 0")
	}
	if opts.RateWindow == 0 {
		opts.RateWindow = rateWindow
	}
	sorted, err := encode(users)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(sorted, func(a, b entry) int { return cmp.Compare(a.created, b.created) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("emulator: listen: %w", err)
	}
	s := &Server{
		URL:    "http://" + ln.Addr().String(),
		users:  sorted,
		opts:   opts,
		now:    time.Now,
		byPath: map[string]int{},
	}
	s.setUsers(sorted)
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed on Close
	return s, nil
}

// BaseURL is the API root to give a clerk.APISource (URL + "/v1").
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// Close stops the server and drops open connections.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	if s.pageFile != nil {
		s.pageFile.Close()
		s.pageFile = nil
	}
	s.mu.Unlock()
	s.srv.Close()
}

// FailNext makes the next n requests answer status with Clerk's body for
// it (a 429 carries Retry-After: Options.FailRetryAfter, 1 by default; a
// 502 is a load balancer's HTML page).
func (s *Server) FailNext(n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// OnRequest calls f for every request as it arrives, with the request's
// number (from 1) and path, before the request is served; f may change
// the users (AddUsers, DeleteUsers) to play sign-ups and deletions in the
// middle of a client's walk. Requests are served concurrently, so f may be
// called concurrently too. nil removes the hook.
func (s *Server) OnRequest(f func(n int, path string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onRequest = f
}

// entry is a user's id, creation time and wire JSON, encoded once: the
// emulator stands in for Clerk's servers, whose encoding costs an
// importer nothing, so in-process benchmarks should not pay it on every
// request either. The decoded user is not kept: a million of them were a
// heap of pointers for the benchmark process's garbage collector to scan
// on every cycle, a cost no real Clerk puts on the importer.
type entry struct {
	id      string
	created clerk.Millis
	wire    []byte
	off     int // where wire starts in the list's slab
}

// inSlab copies the entries' encodings into one slab, in order and
// separated by commas, and points each entry at its place there: a page
// in ascending order is then one slice of it, written to the connection
// in a few large writes instead of two small ones per user (which cost
// the in-process benchmark a syscall every few users, on the client's
// cores).
func inSlab(users []entry) ([]entry, []byte) {
	size := 0
	for _, e := range users {
		size += len(e.wire) + 1
	}
	slab := make([]byte, 0, size)
	for i := range users {
		if i > 0 {
			slab = append(slab, ',')
		}
		users[i].off = len(slab)
		slab = append(slab, users[i].wire...)
		users[i].wire = slab[users[i].off:len(slab):len(slab)]
	}
	return users, slab
}

// setUsers replaces the list; s.mu must be held (or s not yet shared).
func (s *Server) setUsers(users []entry) {
	s.users, s.slab = inSlab(users)
	if s.pageFile != nil {
		s.pageFile.Close() // requests reading it hold files of their own
	}
	s.pageFile = nil
	if !s.closed {
		s.pageFile = newPageFile(s.slab)
	}
}

func encode(users []clerk.User) ([]entry, error) {
	out := make([]entry, len(users))
	for i, u := range users {
		b, err := json.Marshal(toWire(u))
		if err != nil {
			return nil, fmt.Errorf("emulator: user %s: %w", u.ID, err)
		}
		out[i] = entry{id: u.ID, created: u.CreatedAt, wire: b}
	}
	return out, nil
}

// AddUsers adds users as sign-ups would: each goes after the users created
// at or before its created_at.
func (s *Server) AddUsers(users ...clerk.User) error {
	add, err := encode(users)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := slices.Clone(s.users)
	for _, e := range add {
		i, _ := slices.BinarySearchFunc(next, e.created+1, func(x entry, t clerk.Millis) int {
			return cmp.Compare(x.created, t)
		})
		next = slices.Insert(next, i, e)
	}
	s.setUsers(next)
	return nil
}

// DeleteUsers removes the users with these ids and returns how many it
// found.
func (s *Server) DeleteUsers(ids ...string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	gone := make(map[string]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
	}
	next := slices.DeleteFunc(slices.Clone(s.users), func(e entry) bool { return gone[e.id] })
	n := len(s.users) - len(next)
	s.setUsers(next)
	return n
}

// snapshot returns the current users and their slab, which callers must
// not modify, and with file a file of the slab's copy to send pages from,
// opened for the caller to close (nil if there is none).
func (s *Server) snapshot(file bool) ([]entry, []byte, *os.File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var f *os.File
	if file && s.pageFile != nil {
		f, _ = reopen(s.pageFile)
	}
	return s.users, s.slab, f
}

// Requests returns how many requests the server has received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// RequestsTo returns how many requests were made to path (e.g.
// "/v1/users"), whatever their outcome.
func (s *Server) RequestsTo(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byPath[path]
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	status, retryAfter := s.admit(r)
	if status != 0 {
		writeError(w, status, retryAfter)
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, 0)
		return
	}
	switch strings.TrimRight(r.URL.Path, "/") {
	case "/v1/users":
		s.listUsers(w, r)
	case "/v1/users/count":
		users, _, _ := s.snapshot(false)
		writeJSON(w, http.StatusOK, map[string]any{"object": "total_count", "total_count": len(users)})
	default:
		writeError(w, http.StatusNotFound, 0)
	}
}

// Throttled is how many requests the rate limit refused with 429
// (failures injected by FailNext not included).
func (s *Server) Throttled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttled
}

// admit counts the request and applies, in order: injected failures, the
// key check and the rate limit. It returns 0 if the request may proceed.
func (s *Server) admit(r *http.Request) (status int, retryAfter int) {
	s.mu.Lock()
	s.requests++
	s.byPath[r.URL.Path]++
	if f := s.onRequest; f != nil {
		n := s.requests
		s.mu.Unlock()
		f(n, r.URL.Path)
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	if s.failN > 0 {
		s.failN--
		ra := 0
		if s.failStatus == http.StatusTooManyRequests {
			ra = max(1, s.opts.FailRetryAfter)
		}
		return s.failStatus, ra
	}
	if s.opts.SecretKey != "" {
		key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || key != s.opts.SecretKey {
			return http.StatusUnauthorized, 0
		}
	}
	if limit := s.opts.RequestsPer10s; limit > 0 {
		now := s.now()
		cut := 0
		for cut < len(s.accepted) && now.Sub(s.accepted[cut]) >= s.opts.RateWindow {
			cut++
		}
		s.accepted = s.accepted[cut:]
		if len(s.accepted) >= limit {
			s.throttled++
			wait := s.opts.RateWindow - now.Sub(s.accepted[0])
			secs := int((wait + time.Second - 1) / time.Second)
			return http.StatusTooManyRequests, max(secs, 1)
		}
		s.accepted = append(s.accepted, now)
	}
	return 0, 0
}

// listUsers serves GET /v1/users: limit 1..500 (default 10), offset >= 0,
// order_by ±created_at (default -created_at) and the starting_after
// cursor, validated as Clerk's newer API specs describe.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := intParam(q.Get("limit"), 10)
	if !ok || limit < 1 || limit > 500 {
		writeParamError(w, "limit", "limit must be an integer between 1 and 500")
		return
	}
	offset, ok := intParam(q.Get("offset"), 0)
	if !ok || offset < 0 {
		writeParamError(w, "offset", "offset must be an integer greater than or equal to 0")
		return
	}
	desc := true
	switch q.Get("order_by") {
	case "", "-created_at":
	case "created_at", "+created_at":
		desc = false
	default:
		writeParamError(w, "order_by", fmt.Sprintf("order_by %q is not supported by the emulator; use +created_at or -created_at", q.Get("order_by")))
		return
	}
	// An ascending page is one stretch of the slab, sent from its file.
	users, slab, pages := s.snapshot(!desc)
	if pages != nil {
		defer pages.Close()
	}
	// idx(k) maps the k-th user in the requested order to users.
	n := len(users)
	idx := func(k int) int {
		if desc {
			return n - 1 - k
		}
		return k
	}
	start := offset
	if after := q.Get("starting_after"); after != "" {
		if offset != 0 {
			writeParamError(w, "offset", "offset must be 0 when starting_after is used")
			return
		}
		pos := -1
		for k := 0; k < n; k++ {
			if users[idx(k)].id == after {
				pos = k
				break
			}
		}
		if pos < 0 {
			switch s.opts.UnknownCursor {
			case http.StatusOK:
				writeJSON(w, http.StatusOK, []any{})
			case http.StatusNotFound:
				writeError(w, http.StatusNotFound, 0)
			default:
				writeParamError(w, "starting_after", "no user with id "+strconv.Quote(after))
			}
			return
		}
		start = pos + 1
	}
	end := min(n, start+limit)
	size := 2 + max(end-start-1, 0)
	for k := start; k < end; k++ {
		size += len(users[idx(k)].wire)
	}
	// The users' encodings go straight to the connection's buffered
	// writer: assembling each page of a few MB first cost the in-process
	// benchmark an allocation (and its clearing and collection) per page,
	// CPU that a real Clerk spends on its own machines.
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(size))
	w.WriteHeader(http.StatusOK)
	// A failed write is a client gone away: nothing to do about it.
	w.Write([]byte{'['}) //nolint:errcheck
	if !desc && start < end {
		// The page is one stretch of the slab, commas included. From the
		// slab's file it goes by sendfile, without the copy into the
		// socket that, in process, took the benchmark's cores from the
		// client it measures (0.28 s of CPU in a 100k-user walk): a real
		// Clerk's sending costs the importer's machine nothing.
		from, n := users[start].off, last(users[end-1])-users[start].off
		if pages == nil || !sendFrom(w, pages, from, n) {
			w.Write(slab[from : from+n]) //nolint:errcheck
		}
	} else {
		for k := start; k < end; k++ {
			if k > start {
				w.Write([]byte{','}) //nolint:errcheck
			}
			if _, err := w.Write(users[idx(k)].wire); err != nil {
				return
			}
		}
	}
	w.Write([]byte{']'}) //nolint:errcheck
}

// last is where e's encoding ends in the slab.
func last(e entry) int { return e.off + len(e.wire) }

// sendFrom writes n bytes of f from off to w; false if it could not
// start (nothing written: the caller writes them from memory).
func sendFrom(w http.ResponseWriter, f *os.File, off, n int) bool {
	if _, err := f.Seek(int64(off), io.SeekStart); err != nil {
		return false
	}
	// The ResponseWriter's ReadFrom hands a LimitedReader of an
	// *os.File to the connection, which sends it with sendfile.
	io.Copy(w, io.LimitReader(f, int64(n))) //nolint:errcheck // a client gone away
	return true
}

func intParam(v string, def int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// clerkError is one entry of Clerk's error envelope.
type clerkError struct {
	Message     string         `json:"message"`
	LongMessage string         `json:"long_message"`
	Code        string         `json:"code"`
	Meta        map[string]any `json:"meta,omitempty"`
}

// errorBodies holds Clerk's wording per status. The 401 text is Clerk's
// real one; the others follow Clerk's envelope with plausible text.
var errorBodies = map[int]clerkError{
	http.StatusUnauthorized: {
		Message:     "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
		LongMessage: "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
		Code:        "clerk_key_invalid",
	},
	http.StatusForbidden: {
		Message:     "Unauthorized request",
		LongMessage: "You are not authorized to perform this request",
		Code:        "authorization_invalid",
	},
	http.StatusNotFound: {
		Message:     "not found",
		LongMessage: "The requested resource was not found",
		Code:        "resource_not_found",
	},
	http.StatusMethodNotAllowed: {
		Message:     "method not allowed",
		LongMessage: "The request method is not supported for this resource",
		Code:        "method_not_allowed",
	},
	http.StatusTooManyRequests: {
		Message:     "Too many requests",
		LongMessage: "Too many requests, please retry later",
		Code:        "too_many_requests",
	},
	http.StatusInternalServerError: {
		Message:     "Oops, an unexpected error occurred",
		LongMessage: "There was an internal error on our servers. We've been notified and are working on fixing it.",
		Code:        "internal_clerk_error",
	},
	http.StatusServiceUnavailable: {
		Message:     "Service unavailable",
		LongMessage: "The service is temporarily unavailable, please try again later",
		Code:        "service_unavailable",
	},
}

var traceSeq struct {
	sync.Mutex
	n uint64
}

// newTraceID returns a fresh Clerk-style trace id (32 hex digits).
func newTraceID() string {
	traceSeq.Lock()
	traceSeq.n++
	n := traceSeq.n
	traceSeq.Unlock()
	return fmt.Sprintf("%016x%016x", mix(n), mix(n+1))
}

func writeError(w http.ResponseWriter, status, retryAfter int) {
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	if status == http.StatusBadGateway || status == http.StatusGatewayTimeout {
		// What a load balancer in front of an API really sends.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n</body>\r\n</html>\r\n",
			status, http.StatusText(status), status, http.StatusText(status))
		return
	}
	e, ok := errorBodies[status]
	if !ok {
		e = clerkError{Message: strings.ToLower(http.StatusText(status)), LongMessage: http.StatusText(status), Code: "unexpected_error"}
	}
	writeClerkError(w, status, e)
}

func writeParamError(w http.ResponseWriter, param, long string) {
	writeClerkError(w, http.StatusUnprocessableEntity, clerkError{
		Message:     "is invalid",
		LongMessage: long,
		Code:        "form_param_value_invalid",
		Meta:        map[string]any{"param_name": param},
	})
}

func writeClerkError(w http.ResponseWriter, status int, e clerkError) {
	trace := newTraceID()
	w.Header().Set("Clerk-Trace-Id", trace)
	writeJSON(w, status, struct {
		Errors  []clerkError `json:"errors"`
		TraceID string       `json:"clerk_trace_id"`
	}{[]clerkError{e}, trace})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"encoding failed","long_message":"encoding failed","code":"internal_clerk_error"}]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b) //nolint:errcheck // the client went away; nothing to do
}
