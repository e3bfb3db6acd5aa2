package clerk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
	"golang.org/x/time/rate"
)

const testKey = "sk_test_0123456789abcdefSECRET"

// waits records every pause the source asks for instead of sleeping, so
// backoff and Retry-After are observable without slow tests.
type waits struct {
	mu      sync.Mutex
	reasons []string
	slept   []time.Duration
}

func (w *waits) onWait(reason string, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reasons = append(w.reasons, reason)
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.slept = append(w.slept, d)
	return ctx.Err()
}

// newSource builds an APISource against baseURL with fake sleeping and no
// pacing (the limiter is tested separately).
func newSource(t *testing.T, baseURL string, opts clerk.APIOptions) (*clerk.APISource, *waits) {
	t.Helper()
	w := &waits{}
	opts.BaseURL = baseURL
	if opts.Limiter == nil {
		opts.Limiter = rate.NewLimiter(rate.Inf, 1)
	}
	if opts.OnWait == nil {
		opts.OnWait = w.onWait
	}
	src, err := clerk.NewAPISource(testKey, opts)
	if err != nil {
		t.Fatal(err)
	}
	clerk.SetSleep(src, w.sleep)
	t.Cleanup(func() { src.Close() })
	return src, w
}

func startEmulator(t *testing.T, users []clerk.User, opts emulator.Options) *emulator.Server {
	t.Helper()
	srv, err := emulator.Start(users, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// drain reads a source to the end.
func drain(t *testing.T, src clerk.Source) ([]clerk.Record, []int, error) {
	t.Helper()
	var all []clerk.Record
	var pages []int
	for {
		recs, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			if len(recs) != 0 {
				t.Fatalf("io.EOF with %d records", len(recs))
			}
			return all, pages, nil
		}
		if err != nil {
			return all, pages, err
		}
		if len(recs) == 0 {
			t.Fatal("Next returned no records and no error")
		}
		pages = append(pages, len(recs))
		all = append(all, recs...)
		if len(pages) > 10000 {
			t.Fatal("source does not end")
		}
	}
}

func TestAPIPagingAgainstEmulator(t *testing.T) {
	users := emulator.Generate(1234, 7)
	srv := startEmulator(t, users, emulator.Options{SecretKey: testKey})
	src, _ := newSource(t, srv.BaseURL(), clerk.APIOptions{})

	if src.Kind() != "api" {
		t.Errorf("Kind = %q", src.Kind())
	}
	for range 2 { // cached: one count request
		total, err := src.Total(context.Background())
		if err != nil || total != 1234 {
			t.Fatalf("Total = %d, %v", total, err)
		}
	}
	n, err := src.Verify(context.Background())
	if err != nil || n != 1234 {
		t.Fatalf("Verify = %d, %v", n, err)
	}
	recs, pages, err := drain(t, src)
	if err != nil {
		t.Fatal(err)
	}
	// Windows after the first start on the previous window's last user
	// (the overlap that proves nothing moved), so they bring 499 new ones.
	if want := []int{500, 499, 235}; !reflect.DeepEqual(pages, want) {
		t.Errorf("pages = %v, want %v", pages, want)
	}
	if got := srv.RequestsTo("/v1/users"); got != 3 {
		t.Errorf("list requests = %d, want 3", got)
	}
	// The cached count, and the final one that ends the walk.
	if got := srv.RequestsTo("/v1/users/count"); got != 2 {
		t.Errorf("count requests = %d, want 2", got)
	}
	for i, r := range recs {
		if r.Err != nil || r.Pos != i+1 {
			t.Fatalf("record %d: pos %d err %v", i, r.Pos, r.Err)
		}
		// The wire shape carries many extra fields; what clerk.User keeps
		// must survive the round trip exactly.
		if !reflect.DeepEqual(*r.User, users[i]) {
			t.Fatalf("user %d differs:\n got %+v\nwant %+v", i, *r.User, users[i])
		}
	}
	// After EOF, Next keeps saying EOF without asking Clerk again.
	if _, err := src.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Errorf("Next after EOF = %v", err)
	}
	if got := srv.RequestsTo("/v1/users"); got != 3 {
		t.Errorf("list requests after EOF = %d", got)
	}
}

func TestAPIExactMultipleOfPageSize(t *testing.T) {
	srv := startEmulator(t, emulator.Generate(20, 1), emulator.Options{})
	src, _ := newSource(t, srv.BaseURL(), clerk.APIOptions{PageSize: 10})
	_, pages, err := drain(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pages, []int{10, 9, 1}) {
		t.Errorf("pages = %v", pages)
	}
	// Windows at offsets 0, 9, 18: the only end signal is a short page.
	if got := srv.RequestsTo("/v1/users"); got != 3 {
		t.Errorf("list requests = %d, want 3", got)
	}
}

func TestAPIEmptyInstance(t *testing.T) {
	srv := startEmulator(t, nil, emulator.Options{})
	src, _ := newSource(t, srv.BaseURL(), clerk.APIOptions{})
	recs, _, err := drain(t, src)
	if err != nil || len(recs) != 0 {
		t.Fatalf("got %d records, %v", len(recs), err)
	}
	if n, err := src.Total(context.Background()); n != 0 || err != nil {
		t.Errorf("Total = %d, %v", n, err)
	}
}

func TestAPIRateLimitedHonoursRetryAfter(t *testing.T) {
	srv := startEmulator(t, emulator.Generate(30, 1), emulator.Options{})
	src, w := newSource(t, srv.BaseURL(), clerk.APIOptions{})
	srv.FailNext(2, http.StatusTooManyRequests)
	recs, _, err := drain(t, src)
	if err != nil || len(recs) != 30 {
		t.Fatalf("got %d records, %v", len(recs), err)
	}
	// The emulator sends "Retry-After: 1"; the real header is parsed.
	if want := []time.Duration{time.Second, time.Second}; !reflect.DeepEqual(w.slept, want) {
		t.Errorf("slept %v, want %v", w.slept, want)
	}
	if want := []string{"rate limited by Clerk", "rate limited by Clerk"}; !reflect.DeepEqual(w.reasons, want) {
		t.Errorf("reasons %q", w.reasons)
	}
}

func TestAPIRateLimitedForever(t *testing.T) {
	srv := startEmulator(t, emulator.Generate(3, 1), emulator.Options{})
	src, w := newSource(t, srv.BaseURL(), clerk.APIOptions{MaxRetries: 3})
	srv.FailNext(1000, http.StatusTooManyRequests)
	_, err := src.Next(context.Background())
	var ae *clerk.APIError
	if !errors.As(err, &ae) || ae.Status != 429 {
		t.Fatalf("err = %v, want 429 APIError", err)
	}
	if !strings.Contains(err.Error(), "still rate limited after 3 retries") {
		t.Errorf("err = %q", err)
	}
	if srv.Requests() != 4 || len(w.slept) != 3 {
		t.Errorf("requests %d, waits %d", srv.Requests(), len(w.slept))
	}
}

func TestAPIServerErrorsRetriedWithBackoff(t *testing.T) {
	for _, status := range []int{500, 502, 503} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := startEmulator(t, emulator.Generate(5, 1), emulator.Options{})
			src, w := newSource(t, srv.BaseURL(), clerk.APIOptions{})
			srv.FailNext(4, status)
			recs, _, err := drain(t, src)
			if err != nil || len(recs) != 5 {
				t.Fatalf("got %d records, %v", len(recs), err)
			}
			if len(w.slept) != 4 {
				t.Fatalf("slept %v", w.slept)
			}
			// 500 ms ×1.5 per step, ±50% jitter.
			base := 500 * time.Millisecond
			for i, d := range w.slept {
				lo, hi := base/2, base*3/2+time.Millisecond
				if d < lo || d > hi {
					t.Errorf("wait %d = %v, want within [%v, %v]", i, d, lo, hi)
				}
				base = base * 3 / 2
			}
			want := fmt.Sprintf("Clerk returned %d, retrying", status)
			for _, r := range w.reasons {
				if r != want {
					t.Errorf("reason %q, want %q", r, want)
				}
			}
		})
	}
}

func TestAPIServerErrorsForever(t *testing.T) {
	srv := startEmulator(t, emulator.Generate(5, 1), emulator.Options{})
	src, w := newSource(t, srv.BaseURL(), clerk.APIOptions{})
	srv.FailNext(1000, http.StatusInternalServerError)
	_, err := src.Next(context.Background())
	var ae *clerk.APIError
	if !errors.As(err, &ae) || ae.Status != 500 || ae.Code != "internal_clerk_error" || ae.TraceID == "" {
		t.Fatalf("err = %#v", err)
	}
	// Default bound: the 2-minute budget, not a count, so that a blip of
	// Clerk's does not end a long import: about 11 backed-off retries.
	var total time.Duration
	for _, d := range w.slept {
		total += d
	}
	// The time spent is printed rounded to the second: 1m59.6s reads 2m0s.
	spent := strings.Contains(err.Error(), "retries in 1m") || strings.Contains(err.Error(), "retries in 2m0s")
	if !spent || total > 2*time.Minute || total < time.Minute || len(w.slept) < 8 {
		t.Errorf("err = %q after %d waits of %v in all", err, len(w.slept), total)
	}
	if srv.Requests() != len(w.slept)+1 {
		t.Errorf("requests %d, waits %d", srv.Requests(), len(w.slept))
	}
}

// TestAPIServiceUnavailableHonoursRetryAfter: a 503's Retry-After is
// waited at least, as for a 429.
func TestAPIServiceUnavailableHonoursRetryAfter(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls <= 2 {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"object":"total_count","total_count":3}`))
	}))
	t.Cleanup(srv.Close)
	src, w := newSource(t, srv.URL+"/v1", clerk.APIOptions{})
	if n, err := src.Total(context.Background()); err != nil || n != 3 {
		t.Fatalf("Total = %d, %v", n, err)
	}
	if len(w.slept) != 2 || w.slept[0] < 5*time.Second || w.slept[1] < 5*time.Second {
		t.Errorf("waits %v, want two of at least 5s", w.slept)
	}
}

// unavailable answers the first n requests with a 503 asking to retry
// after the given seconds, then counts 3 users.
func unavailable(t *testing.T, n int, after string) string {
	t.Helper()
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		c := calls
		mu.Unlock()
		if c <= n {
			w.Header().Set("Retry-After", after)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"errors":[{"message":"maintenance","long_message":"Clerk is under maintenance","code":"service_unavailable"}]}`))
			return
		}
		w.Write([]byte(`{"object":"total_count","total_count":3}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// TestAPIServiceUnavailableWaitsPastTheRetryBudget: a 503 asking for a
// wait longer than the retry budget (maintenance) is waited, as a 429's
// is, rather than ending the import at once.
func TestAPIServiceUnavailableWaitsPastTheRetryBudget(t *testing.T) {
	src, w := newSource(t, unavailable(t, 2, "150"), clerk.APIOptions{})
	if n, err := src.Total(context.Background()); err != nil || n != 3 {
		t.Fatalf("Total = %d, %v", n, err)
	}
	if want := []time.Duration{150 * time.Second, 150 * time.Second}; !reflect.DeepEqual(w.slept, want) {
		t.Errorf("slept %v, want %v", w.slept, want)
	}
	if len(w.reasons) != 2 || w.reasons[0] != "Clerk returned 503 and asked to retry later" {
		t.Errorf("reasons %q", w.reasons)
	}
}

// TestAPIServiceUnavailableOverTheCap: a 503 asking for more than the
// 10 minutes a wait may last stops the run at once, saying what Clerk
// asked and the limit, not "gave up after 0 retries"; one asking again
// and again stops after the retries a 429 gets.
func TestAPIServiceUnavailableOverTheCap(t *testing.T) {
	src, w := newSource(t, unavailable(t, 1000, "3600"), clerk.APIOptions{})
	_, err := src.Total(context.Background())
	var ae *clerk.APIError
	if !errors.As(err, &ae) || ae.Status != 503 {
		t.Fatalf("err = %v, want a 503 APIError", err)
	}
	for _, want := range []string{"Clerk is under maintenance", "asked to retry after 3600 s", "over the 10-minute limit", "run it again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "gave up") || len(w.slept) != 0 {
		t.Errorf("err %q after waits %v", err, w.slept)
	}
	// More than a day is not quoted as the day the wait is capped at.
	src, _ = newSource(t, unavailable(t, 1000, "100000"), clerk.APIOptions{})
	if _, err := src.Total(context.Background()); err == nil || !strings.Contains(err.Error(), "asked to retry after a day or more") {
		t.Errorf("err %v", err)
	}

	src, w = newSource(t, unavailable(t, 1000, "150"), clerk.APIOptions{MaxRetries: 3})
	_, err = src.Total(context.Background())
	if err == nil || !strings.Contains(err.Error(), "still unavailable after 3 retries") || len(w.slept) != 3 {
		t.Errorf("err %v after waits %v", err, w.slept)
	}
}

// TestAPICancelDuringServiceUnavailableWait: ctrl+c ends a wait Clerk
// asked for at once.
func TestAPICancelDuringServiceUnavailableWait(t *testing.T) {
	cancelDuringWait(t, unavailable(t, 1000, "590"))
}

// cancelDuringWait cancels Next 10 ms into a wait announced (the real,
// timer-based sleep) and asserts that it returns context.Canceled at
// once. It returns the last wait announced.
func cancelDuringWait(t *testing.T, baseURL string) time.Duration {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu     sync.Mutex // the waits may be announced by the walk's requests
		waited time.Duration
	)
	src, err := clerk.NewAPISource(testKey, clerk.APIOptions{
		BaseURL: baseURL,
		Limiter: rate.NewLimiter(rate.Inf, 1),
		OnWait: func(reason string, d time.Duration) {
			mu.Lock()
			waited = d
			mu.Unlock()
			go func() { time.Sleep(10 * time.Millisecond); cancel() }()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	done := make(chan error, 1)
	go func() { _, err := src.Next(ctx); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Next did not return after cancel")
	}
	mu.Lock()
	defer mu.Unlock()
	return waited
}

// TestAPIClosedConnectionIsNoEndOfList: a server that closes connections
// without answering fails the import; it is not the end of the list
// (net/http reports it as io.EOF, which once ended the walk "completed"
// with the users after that page missing).
func TestAPIClosedConnectionIsNoEndOfList(t *testing.T) {
	users := emulator.Generate(1200, 1)
	emu := startEmulator(t, users, emulator.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") != "" && r.URL.Query().Get("offset") != "0" {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	src, w := newSource(t, srv.URL+"/v1", clerk.APIOptions{MaxRetries: 2})
	n := 0
	var err error
	for {
		var recs []clerk.Record
		recs, err = src.Next(context.Background())
		if err != nil {
			break
		}
		n += len(recs)
	}
	if errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "closed before Clerk answered") {
		t.Fatalf("after %d users: err = %v", n, err)
	}
	if len(w.reasons) == 0 || w.reasons[0] != "Clerk closed the connection without answering, retrying" {
		t.Errorf("reasons %q", w.reasons)
	}
}

func TestAPIConnectionErrorsRetried(t *testing.T) {
	srv := startEmulator(t, nil, emulator.Options{})
	base := srv.BaseURL()
	srv.Close() // nothing listens there any more
	src, w := newSource(t, base, clerk.APIOptions{MaxRetries: 2})
	_, err := src.Total(context.Background())
	if err == nil || !strings.Contains(err.Error(), "gave up after 2 retries") {
		t.Fatalf("err = %v", err)
	}
	if len(w.slept) != 2 || w.reasons[0] != "could not reach Clerk, retrying" {
		t.Errorf("waits %v %q", w.slept, w.reasons)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Error("key in error")
	}
}

func TestAPINoRetriesWhenNegative(t *testing.T) {
	srv := startEmulator(t, nil, emulator.Options{})
	src, w := newSource(t, srv.BaseURL(), clerk.APIOptions{MaxRetries: -1})
	srv.FailNext(1, 503)
	if _, err := src.Total(context.Background()); err == nil {
		t.Fatal("want error")
	}
	if srv.Requests() != 1 || len(w.slept) != 0 {
		t.Errorf("requests %d waits %d", srv.Requests(), len(w.slept))
	}
}

func TestAPIInvalidKey(t *testing.T) {
	srv := startEmulator(t, emulator.Generate(3, 1), emulator.Options{SecretKey: "sk_test_the_right_one"})
	src, w := newSource(t, srv.BaseURL(), clerk.APIOptions{})
	_, err := src.Verify(context.Background())
	var ae *clerk.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if ae.Status != 401 || ae.Code != "clerk_key_invalid" || ae.TraceID == "" {
		t.Errorf("APIError = %+v", ae)
	}
	// With Clerk's trace id, which Clerk support asks for.
	want := "clerk: The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct. (401 clerk_key_invalid, Clerk trace id " + ae.TraceID + ")"
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err.Error(), want)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Error("key in error")
	}
	if srv.Requests() != 1 || len(w.slept) != 0 {
		t.Errorf("401 was retried: %d requests", srv.Requests())
	}
	if _, err := src.Next(context.Background()); !errors.As(err, &ae) || ae.Status != 401 {
		t.Errorf("Next err = %v", err)
	}
}

// A server (or proxy) echoing the key back must not get it into errors.
func TestAPIErrorNeverContainsKey(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		switch r.URL.Path {
		case "/v1/users/count":
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"errors":[{"message":"bad %s","long_message":"header was %s","code":"x_%s"}],"clerk_trace_id":"%s"}`, auth, auth, auth, auth)
		default:
			w.WriteHeader(200)
			fmt.Fprintf(w, `<html>you sent %s</html>`, auth)
		}
	}))
	defer hs.Close()
	src, _ := newSource(t, hs.URL+"/v1", clerk.APIOptions{})
	_, err := src.Total(context.Background())
	var ae *clerk.APIError
	if err == nil || !errors.As(err, &ae) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), testKey) || strings.Contains(fmt.Sprintf("%+v", ae), testKey) {
		t.Errorf("key leaked: %q %+v", err, ae)
	}
	_, err = src.Next(context.Background())
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Errorf("Next err = %v", err)
	}
}

func TestAPIRequestHeaders(t *testing.T) {
	var got http.Header
	var query string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count") {
			io.WriteString(w, `{"object":"total_count","total_count":0}`)
			return
		}
		got = r.Header.Clone()
		query = r.URL.RawQuery
		io.WriteString(w, `[]`)
	}))
	defer hs.Close()
	src, _ := newSource(t, hs.URL+"/v1/", clerk.APIOptions{PageSize: 100})
	if _, err := src.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if got.Get("Authorization") != "Bearer "+testKey {
		t.Errorf("Authorization = %q", got.Get("Authorization"))
	}
	if got.Get("User-Agent") != "ascendkit-cli" {
		t.Errorf("User-Agent = %q", got.Get("User-Agent"))
	}
	if query != "limit=100&offset=0&order_by=%2Bcreated_at" {
		t.Errorf("query = %q", query)
	}
}

// pageServer serves fixed /users bodies in order, whatever the query, and
// answers /users/count with total.
func pageServer(t *testing.T, total int, bodies ...string) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	i := 0
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/count") {
			fmt.Fprintf(w, `{"object":"total_count","total_count":%d}`, total)
			return
		}
		if i >= len(bodies) {
			io.WriteString(w, "[]")
			return
		}
		io.WriteString(w, bodies[i])
		i++
	}))
	t.Cleanup(hs.Close)
	return hs
}

// listServer serves the raw JSON elements as Clerk's list, honouring
// limit and offset, and counts them.
func listServer(t *testing.T, elems ...string) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count") {
			fmt.Fprintf(w, `{"object":"total_count","total_count":%d}`, len(elems))
			return
		}
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		offset, _ := strconv.Atoi(q.Get("offset"))
		lo, hi := min(offset, len(elems)), min(offset+limit, len(elems))
		io.WriteString(w, "["+strings.Join(elems[lo:hi], ",")+"]")
	}))
	t.Cleanup(hs.Close)
	return hs
}

func TestAPIMalformedElementMidPage(t *testing.T) {
	hs := listServer(t,
		`{"id":"user_1","created_at":1}`, `{"id":"user_2","created_at":2}`,
		`{"id":"user_3","created_at":"yesterday"}`, `{"id":"user_4","created_at":4}`,
		`42`,
	)
	src, _ := newSource(t, hs.URL, clerk.APIOptions{PageSize: 2})
	recs, _, err := drain(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range recs {
		if r.Pos != i+1 {
			t.Errorf("record %d has Pos %d", i, r.Pos)
		}
	}
	bad := recs[2]
	if bad.Err == nil || bad.User != nil || !strings.Contains(string(bad.Raw), "yesterday") {
		t.Errorf("bad record = %+v", bad)
	}
	for _, want := range []string{"record 3", `"user_3"`, "created_at"} {
		if !strings.Contains(bad.Err.Error(), want) {
			t.Errorf("err %q lacks %q", bad.Err, want)
		}
	}
	if recs[3].User == nil || recs[3].User.ID != "user_4" || recs[3].Raw != nil {
		t.Errorf("record after the bad one = %+v", recs[3])
	}
	if recs[4].Err == nil || recs[4].Pos != 5 {
		t.Errorf("non-object element = %+v", recs[4])
	}
}

func TestAPIDataEnvelopeTolerated(t *testing.T) {
	hs := pageServer(t, 1, `{"data":[{"id":"user_1"}],"total_count":1}`)
	src, _ := newSource(t, hs.URL, clerk.APIOptions{})
	recs, _, err := drain(t, src)
	if err != nil || len(recs) != 1 || recs[0].User.ID != "user_1" {
		t.Fatalf("recs %+v err %v", recs, err)
	}
}

func TestAPIMalformedBodies(t *testing.T) {
	for name, body := range map[string]string{
		"html":         `<html>hello</html>`,
		"object":       `{"users":[]}`,
		"wrong-number": `42`, // an empty body is retried (TestAPITruncatedPageRetried)
	} {
		t.Run(name, func(t *testing.T) {
			hs := pageServer(t, 1, body)
			src, _ := newSource(t, hs.URL, clerk.APIOptions{})
			_, err := src.Next(context.Background())
			if err == nil || errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "/users") {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("count", func(t *testing.T) {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"object":"total_count"}`)
		}))
		t.Cleanup(hs.Close)
		src, _ := newSource(t, hs.URL, clerk.APIOptions{})
		if _, err := src.Total(context.Background()); err == nil || !strings.Contains(err.Error(), "unexpected response") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestAPINotFoundNonJSON(t *testing.T) {
	hs := httptest.NewServer(http.NotFoundHandler())
	defer hs.Close()
	src, w := newSource(t, hs.URL, clerk.APIOptions{})
	_, err := src.Total(context.Background())
	var ae *clerk.APIError
	if !errors.As(err, &ae) || ae.Status != 404 {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"404", "not a Clerk error", "CLERK_API_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if len(w.slept) != 0 {
		t.Error("404 was retried")
	}
}

func TestAPICancelDuringRetryAfterWait(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	}))
	defer hs.Close()
	// The real (timer-based) sleep: the wait is capped at 10 minutes, so
	// only cancellation can make this test finish.
	if waited := cancelDuringWait(t, hs.URL); waited != 10*time.Minute {
		t.Errorf("announced wait %v, want the 10 min cap", waited)
	}
}

func TestAPICancelDuringPacing(t *testing.T) {
	srv := startEmulator(t, emulator.Generate(3, 1), emulator.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex // the window and the count sent with it wait at once
	var reasons []string
	src, err := clerk.NewAPISource(testKey, clerk.APIOptions{
		BaseURL: srv.BaseURL(),
		// One request per hour: the second must wait, until cancelled.
		Limiter: rate.NewLimiter(rate.Every(time.Hour), 1),
		OnWait: func(reason string, d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			reasons = append(reasons, reason)
			cancel()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Total(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	src.Close() // waits for the walk's requests
	mu.Lock()
	defer mu.Unlock()
	if len(reasons) == 0 || len(reasons) > 2 {
		t.Errorf("reasons %q, want the page's wait (and the count's sent with it)", reasons)
	}
	for _, r := range reasons {
		if !strings.Contains(r, "pacing") {
			t.Errorf("reason %q", r)
		}
	}
	if srv.RequestsTo("/v1/users") != 0 {
		t.Error("request sent despite cancel")
	}
}

func TestAPIPacingAnnounced(t *testing.T) {
	srv := startEmulator(t, emulator.Generate(5, 1), emulator.Options{})
	src, w := newSource(t, srv.BaseURL(), clerk.APIOptions{
		PageSize: 2,
		Limiter:  rate.NewLimiter(rate.Every(time.Second), 1),
	})
	recs, _, err := drain(t, src)
	if err != nil || len(recs) != 5 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	// At 1/s with burst 1, every request after the first waits.
	if n := srv.Requests(); len(w.slept) != n-1 || n < 3 || w.slept[0] < 500*time.Millisecond {
		t.Errorf("%d requests, slept %v", n, w.slept)
	}
	for _, r := range w.reasons {
		if !strings.Contains(r, "pacing") {
			t.Errorf("reason %q", r)
		}
	}
}

// By default a source paces at 90% of the instance's documented window
// (1000 or 100 requests per 10 s), leaving the app room for its own calls.
func TestDefaultAllowance(t *testing.T) {
	for key, want := range map[string]int{
		"sk_test_abc": 90,
		"sk_live_abc": 900,
	} {
		src, err := clerk.NewAPISource(key, clerk.APIOptions{BaseURL: "http://127.0.0.1:1"})
		if err != nil {
			t.Fatal(err)
		}
		w := clerk.AllowanceOf(src)
		if w == nil || clerk.LimiterOf(src) != nil {
			t.Fatalf("%s: allowance %v, limiter %v", key[:8], w, clerk.LimiterOf(src))
		}
		if w.Requests() != want || w.Per() != 10*time.Second {
			t.Errorf("%s: %d per %v, want %d per 10s", key[:8], w.Requests(), w.Per(), want)
		}
	}
	allow, err := clerk.NewAllowance(5, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clerk.NewAPISource("sk_live_abc", clerk.APIOptions{Allowance: allow, Limiter: rate.NewLimiter(1, 1)}); err == nil {
		t.Error("both Allowance and Limiter accepted")
	}
	for _, bad := range [][2]int{{0, 1}, {1, 0}, {-1, 1}} {
		if _, err := clerk.NewAllowance(bad[0], time.Duration(bad[1])*time.Second); err == nil {
			t.Errorf("NewAllowance(%d, %ds) accepted", bad[0], bad[1])
		}
	}
}

func TestNewAPISourceValidation(t *testing.T) {
	for _, key := range []string{
		"", "   ", "pk_test_Y2xlcmsuZXhhbXBsZSQ", "sk_prod_abcdef", "sk_live_", "sk_test_abc def",
		"sk_test_abc\x1b[31m", "SK_TEST_abc",
	} {
		_, err := clerk.NewAPISource(key, clerk.APIOptions{})
		if err == nil {
			t.Errorf("key %q accepted", key)
			continue
		}
		if strings.TrimSpace(key) != "" && len(key) > 8 && strings.Contains(err.Error(), key) {
			t.Errorf("error echoes the key: %q", err)
		}
	}
	if _, err := clerk.NewAPISource("pk_test_Y2xlcmsu", clerk.APIOptions{}); err == nil || !strings.Contains(err.Error(), "publishable") {
		t.Errorf("publishable key error = %v", err)
	}
	// A trailing newline from a paste is forgiven.
	if _, err := clerk.NewAPISource("sk_live_abc\n", clerk.APIOptions{}); err != nil {
		t.Errorf("trailing newline: %v", err)
	}
	for _, opts := range []clerk.APIOptions{
		{PageSize: 501}, {PageSize: -1}, {PageSize: 1}, {BaseURL: "ftp://x"}, {BaseURL: "not a url"},
		{MaxInFlight: -1}, {RequestTimeout: -time.Second}, {RetryBudget: -time.Second},
		{BaseURL: "https://user:pass@api.clerk.com/v1"},
	} {
		if _, err := clerk.NewAPISource(testKey, opts); err == nil {
			t.Errorf("options %+v accepted", opts)
		}
	}
}

func TestKeyInBaseURLNotEchoed(t *testing.T) {
	t.Setenv("CLERK_API_URL", testKey)
	_, err := clerk.NewAPISource(testKey, clerk.APIOptions{})
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Errorf("err = %v", err)
	}
}

func TestIsProduction(t *testing.T) {
	if !clerk.IsProduction("sk_live_x") || clerk.IsProduction("sk_test_x") || clerk.IsProduction("") {
		t.Error("IsProduction wrong")
	}
}

func TestBaseURLFromEnv(t *testing.T) {
	srv := startEmulator(t, emulator.Generate(4, 1), emulator.Options{})
	t.Setenv("CLERK_API_URL", srv.BaseURL())
	src, err := clerk.NewAPISource(testKey, clerk.APIOptions{Limiter: rate.NewLimiter(rate.Inf, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if n, err := src.Total(context.Background()); n != 4 || err != nil {
		t.Fatalf("Total = %d, %v", n, err)
	}
}

func TestAPIErrorFormatting(t *testing.T) {
	cases := []struct {
		e    clerk.APIError
		want string
	}{
		{clerk.APIError{Status: 401, Code: "clerk_key_invalid", Message: "short", LongMessage: "long"}, "clerk: long (401 clerk_key_invalid)"},
		{clerk.APIError{Status: 403, Message: "short"}, "clerk: short (403)"},
		{clerk.APIError{Status: 418}, "clerk: I'm a teapot (418)"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("got %q want %q", got, c.want)
		}
	}
}

func TestAPIWithEmulatorRateLimitAndRealPacing(t *testing.T) {
	// End to end with the default limiter for a development key: the
	// emulator's limit (100 / 10 s) is never hit by a paced client.
	srv := startEmulator(t, emulator.Generate(50, 3), emulator.Options{SecretKey: testKey, RequestsPer10s: 100})
	src, err := clerk.NewAPISource(testKey, clerk.APIOptions{BaseURL: srv.BaseURL(), PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	recs, _, err := drain(t, src)
	if err != nil || len(recs) != 50 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.User.ID)
	}
	b, _ := json.Marshal(ids)
	if strings.Count(string(b), "user_") != 50 {
		t.Error("ids missing")
	}
}

// A proxy page echoing the key past the 80 bytes an error quotes: the cut
// kept the key's first characters, which scrub (looking for the whole
// key) let through into the error, --json and the run's record.
func TestCutQuoteKeepsNoPartOfTheKey(t *testing.T) {
	key := "sk_live_" + strings.Repeat("Ab3dEf6hIj9kL", 4)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		fmt.Fprintf(w, `<html><body>Refused: %s</body></html>`, r.Header.Get("Authorization"))
	}))
	defer hs.Close()
	t.Setenv("CLERK_API_URL", hs.URL+"/v1")
	src, err := clerk.NewAPISource(key, clerk.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Total(context.Background())
	if err == nil || strings.Contains(err.Error(), "sk_live_Ab") || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("err = %v", err)
	}
	var ae *clerk.APIError
	if errors.As(err, &ae) && strings.Contains(fmt.Sprintf("%+v", ae), "sk_live_Ab") {
		t.Errorf("the APIError keeps part of the key: %+v", ae)
	}
}

// A redirect was followed: to another host without the key (and blamed on
// it as a 401 there), to the same host with it. It is an error now, and
// the key goes nowhere else.
func TestAPIRedirectRefused(t *testing.T) {
	var sent atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			sent.Add(1)
		}
		io.WriteString(w, `{"object":"total_count","total_count":3}`)
	}))
	defer other.Close()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer hs.Close()
	t.Setenv("CLERK_API_URL", hs.URL)
	src, err := clerk.NewAPISource(testKey, clerk.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Total(context.Background())
	if err == nil || !strings.Contains(err.Error(), "answered with a redirect to "+other.URL+"/v1/users/count") || strings.Contains(err.Error(), testKey) {
		t.Errorf("err = %v", err)
	}
	if sent.Load() != 0 {
		t.Error("the key was sent to the redirect's target")
	}
}

// CLERK_API_URL is the API's root, as Clerk's SDKs read it; /v1 is added
// unless it is there. A 404 names the URL asked.
func TestClerkAPIURLAsTheSDKsReadIt(t *testing.T) {
	var paths []string
	var mu sync.Mutex
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		if r.URL.Path != "/v1/users/count" && r.URL.Path != "/proxy/v1/users/count" {
			w.WriteHeader(404)
			io.WriteString(w, `{"errors":[{"message":"not found","long_message":"The requested resource was not found","code":"resource_not_found"}]}`)
			return
		}
		io.WriteString(w, `{"object":"total_count","total_count":3}`)
	}))
	defer hs.Close()
	for _, base := range []string{hs.URL, hs.URL + "/", hs.URL + "/v1", hs.URL + "/v1/", hs.URL + "/proxy"} {
		t.Setenv("CLERK_API_URL", base)
		src, err := clerk.NewAPISource(testKey, clerk.APIOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := src.Total(context.Background()); n != 3 || err != nil {
			t.Errorf("%s: %d, %v (paths %v)", base, n, err, paths)
		}
	}
	src, err := clerk.NewAPISource(testKey, clerk.APIOptions{BaseURL: hs.URL + "/nowhere"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Total(context.Background()); err == nil || !strings.Contains(err.Error(), "GET "+hs.URL+"/nowhere/users/count: check the API URL") {
		t.Errorf("404: %v", err)
	}
}

// Nothing has ever answered where the source points (a wrong
// CLERK_API_URL): it gives up after two retries and says to check the
// URL, instead of retrying for two minutes. Once something answered, a
// refused connection is a blip, retried up to the usual limit.
func TestAPIUnreachableFailsFast(t *testing.T) {
	srv := startEmulator(t, nil, emulator.Options{})
	base := srv.BaseURL()
	srv.Close()
	src, w := newSource(t, base, clerk.APIOptions{MaxRetries: 5})
	_, err := src.Total(context.Background())
	if err == nil || !strings.Contains(err.Error(), "gave up after 2 retries: nothing has answered there; check CLERK_API_URL") {
		t.Fatalf("err = %v", err)
	}
	if len(w.slept) != 2 {
		t.Errorf("waits %v", w.slept)
	}

	srv = startEmulator(t, emulator.Generate(3, 1), emulator.Options{})
	src, w = newSource(t, srv.BaseURL(), clerk.APIOptions{MaxRetries: 5})
	if _, err := src.Total(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	_, err = src.Next(context.Background())
	if err == nil || !strings.Contains(err.Error(), "gave up after 5 retries") {
		t.Fatalf("after an answer: err = %v", err)
	}
}
