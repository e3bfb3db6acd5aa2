package clerk

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v5"
	"golang.org/x/time/rate"
)

// DefaultBaseURL is Clerk's Backend API root.
const DefaultBaseURL = "https://api.clerk.com/v1"

// userAgent identifies the importer to Clerk (their logs, support tickets).
const userAgent = "ascendkit-cli"

const (
	// defaultMaxRetries bounds the 429s (and the 5xx with a Retry-After)
	// one request takes before giving up: each waits what Clerk asked, so
	// a few prove a lasting refusal.
	defaultMaxRetries = 6
	// defaultMaxFailures bounds the 5xx answers and connection failures
	// one request takes; the retry budget, two minutes, ends them first
	// (about 11 backed-off retries), so a blip of Clerk's does not end a
	// long import while a dead API still fails in minutes.
	defaultMaxFailures = 30
	// defaultRetryAfter is used when a 429 carries no usable Retry-After;
	// it is what Clerk's own migration tool waits.
	defaultRetryAfter = 10 * time.Second
	// maxRetryAfter caps a Retry-After we honour, so a bogus header cannot
	// park the import for hours: a 429 asking for longer is retried after
	// it (retrying early just earns another 429); a 503 asking for longer
	// (maintenance) stops the run, saying so.
	maxRetryAfter = 10 * time.Minute
	// maxBodyBytes bounds one response: a full page of 500 users is a few
	// MB, anything far beyond that is not a Clerk page.
	maxBodyBytes = 64 << 20
	// readBudget bounds the bytes of a source's responses being read and
	// of the walk's pages read and not yet delivered (see readGate): about
	// 90 pages of typical 1.5 KB users, a dozen of users carrying 10 KB of
	// metadata. Past it, bodies wait for room, and a server answering
	// with tens of MB (gone wrong) is read one body at a time, not 64 ×
	// 64 MiB at once. A preview of 40,000 users of 10 KB each peaked at
	// 229 MB RSS with 64 MiB, 371 MB with 128 MiB and 597 MB with 256 MiB;
	// 100,000 typical users were walked as fast with each.
	readBudget = 64 << 20
	// h2StreamWindow is the flow-control window of an HTTP/2 response:
	// what of a page may come in before the walk reads it. A typical page
	// of 500 users (1-2 KB each) fits in it or nearly; a larger one comes
	// in as it is read.
	h2StreamWindow = 1 << 20
	// defaultRequestTimeout bounds the wait for a response's headers and
	// each stall of its body (no bytes for that long), not the whole
	// transfer: a slow link shared by dozens of requests brings a page in
	// over minutes, every byte of it progress. A timeout counts as a
	// connection error and is retried (and narrows the walk).
	defaultRequestTimeout = 30 * time.Second
	// defaultRetryBudget bounds the time one request (one page) may spend
	// failing and backing off, so a hung API fails in minutes, not in
	// retries × timeout.
	defaultRetryBudget = 2 * time.Minute
)

// APIOptions tunes an APISource. The zero value is ready for production.
type APIOptions struct {
	// BaseURL is the API root. Default: $CLERK_API_URL, else DefaultBaseURL.
	BaseURL string
	// HTTPClient sends the requests. Default: a client keeping enough idle
	// connections for the concurrent walk, whose HTTP/2 streams take in
	// at most h2StreamWindow of a page before it is read (a client of the
	// caller's keeps its own windows: 4 MiB each by default).
	HTTPClient *http.Client
	// PageSize is the `limit` per list request, 2..500. Default 500.
	// Consecutive list windows overlap by one user, so a page brings
	// PageSize-1 new users after the first.
	PageSize int
	// MaxInFlight caps concurrent list requests and the pages held for
	// the caller with them. 0 sizes the walk from the allowance (or the
	// limiter's rate) and the measured latency, up to 128; 1 pages
	// sequentially.
	MaxInFlight int
	// RequestTimeout bounds the wait for a response's headers, and each
	// stall of its body (no bytes for that long). Default 30 s.
	RequestTimeout time.Duration
	// RetryBudget bounds how long one request may keep failing and being
	// retried (waits Clerk asks for with Retry-After excluded: Clerk says
	// how long). Default 2 min.
	RetryBudget time.Duration
	// Allowance paces requests as Clerk counts them: so many per window.
	// Default: 90% of the instance's limit (production 900 of 1000 req per
	// 10 s, development 90 of 100), leaving room for the app's own
	// traffic, one per instance (API root and key) in the process, which
	// every source for that instance shares.
	Allowance *Allowance
	// Limiter, if set instead of Allowance, paces requests with a token
	// bucket (tests use rate.Inf to turn pacing off).
	Limiter *rate.Limiter
	// MaxRetries bounds retries of one request for each failure class.
	// 0 means the default (6); negative disables retries.
	MaxRetries int
	// OnWait, if set, is called before every pause (pacing, rate limiting,
	// retry backoff) so a UI can say why nothing seems to happen.
	OnWait func(reason string, d time.Duration)
}

// APISource streams users from Clerk's Backend API, oldest first, with a
// bounded window of pages in flight. It is not safe for concurrent use.
type APISource struct {
	key         string
	base        string
	client      *http.Client
	ownClient   bool
	pageSize    int
	allowance   *Allowance    // the pacing, unless limiter is set
	limiter     *rate.Limiter // a token bucket chosen by the caller
	maxRetries  int           // 429s per request
	maxFailures int           // 5xx and connection failures per request
	maxInFlight int
	reqTimeout  time.Duration
	budget      time.Duration
	onWait      func(string, time.Duration)
	// sleep waits for d or until ctx ends; tests replace it so backoff and
	// Retry-After can be checked without real waiting.
	sleep func(ctx context.Context, d time.Duration) error
	// newBackOff builds the retry schedule for one request.
	newBackOff func() backoff.BackOff

	total     int
	haveTotal bool
	// pageHint is the buffer to read a list page into when its length
	// is not announced (see readBody): the last full page's, and an
	// eighth.
	pageHint atomic.Int64
	// reading bounds the memory of the bodies being read.
	reading *readGate
	// narrowed caps the walk's requests in flight after timeouts (see
	// narrow); 0: no cap.
	narrowed narrowing
	// latency is the smoothed duration of a successful request, which
	// sizes the walk (rate × latency requests in flight).
	latency latencyMeter
	// throttle is the pause of the last 429, shared by every request.
	throttle throttle
	// answered: some request got an HTTP answer (whatever its status), so
	// a refused connection is a blip, not a wrong URL (see unreachable).
	answered atomic.Bool
	// paced is the end of the last pacing wait announced.
	paced pacedUntil

	walk   walk
	done   bool
	closed bool
	// err ends the stream: every later Next returns it.
	err error
}

// IsProduction reports whether key is a production (sk_live_) secret key.
func IsProduction(key string) bool {
	return strings.HasPrefix(strings.TrimSpace(key), "sk_live_")
}

// NewAPISource validates the key and options; it makes no request (use
// Verify to check the key against Clerk).
func NewAPISource(secretKey string, opts APIOptions) (*APISource, error) {
	// Keys are often pasted with a trailing newline; that is not a typo the
	// user should have to chase.
	key := strings.TrimSpace(secretKey)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	base, fromEnv := opts.BaseURL, false
	if base == "" {
		base, fromEnv = os.Getenv("CLERK_API_URL"), true
	}
	if base == "" {
		base, fromEnv = DefaultBaseURL, false
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL may come from the environment; a key pasted there by
		// mistake must not be echoed.
		return nil, fmt.Errorf("clerk: API URL %q is not an http(s) URL", strings.ReplaceAll(base, key, redacted))
	}
	if u.User != nil {
		// Credentials in the URL would leak into every error message.
		return nil, errors.New("clerk: API URL must not contain credentials")
	}
	base = strings.TrimRight(base, "/")
	if fromEnv && !strings.HasSuffix(base, "/v1") {
		// Clerk's SDKs read CLERK_API_URL as the API's root and add the
		// version (https://api.clerk.com, then /v1/users): a .env made
		// for them must work here too.
		base += "/v1"
	}
	size := opts.PageSize
	switch {
	case size == 0:
		size = pageSize
	case size < 2 || size > pageSize:
		// One user of each window is the overlap with the previous one.
		return nil, fmt.Errorf("clerk: page size %d out of range 2..%d", size, pageSize)
	}
	allow := opts.Allowance
	switch {
	case allow != nil && opts.Limiter != nil:
		return nil, errors.New("clerk: set Allowance or Limiter, not both")
	case allow == nil && opts.Limiter == nil:
		allow = defaultAllowance(base, key)
	}
	retries, failures := opts.MaxRetries, opts.MaxRetries
	switch {
	case retries == 0:
		retries, failures = defaultMaxRetries, defaultMaxFailures
	case retries < 0:
		retries, failures = 0, 0
	}
	if opts.MaxInFlight < 0 || opts.RequestTimeout < 0 || opts.RetryBudget < 0 {
		return nil, errors.New("clerk: MaxInFlight, RequestTimeout and RetryBudget must not be negative")
	}
	a := &APISource{
		key:         key,
		base:        base,
		client:      opts.HTTPClient,
		pageSize:    size,
		allowance:   allow,
		limiter:     opts.Limiter,
		maxRetries:  retries,
		maxFailures: failures,
		maxInFlight: opts.MaxInFlight,
		reqTimeout:  cmp.Or(opts.RequestTimeout, defaultRequestTimeout),
		budget:      cmp.Or(opts.RetryBudget, defaultRetryBudget),
		onWait:      opts.OnWait,
		sleep:       sleepCtx,
		newBackOff:  defaultBackOff,
		reading:     newReadGate(readBudget),
	}
	if a.client == nil {
		// The default transport keeps 2 idle connections per host: a walk
		// with dozens of requests in flight would reconnect (and redo TLS)
		// for most of them.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = maxAutoInFlight * 2
		// Over HTTP/2 the transport takes in each stream's data up to its
		// flow-control window, read or not: 4 MiB a window by default,
		// past the read gate, for every window the walk has in flight.
		t.HTTP2 = &http.HTTP2Config{MaxReceiveBufferPerStream: h2StreamWindow}
		a.client = &http.Client{Transport: t, CheckRedirect: refuseRedirect}
		a.ownClient = true
	}
	return a, nil
}

// errRedirected is a redirect, which the Clerk API never answers: a proxy
// or a wrong API URL. Followed, one to another host lost the key (and was
// blamed on it: 401), one to the same host took it along.
var errRedirected = errors.New("answered with a redirect")

func refuseRedirect(req *http.Request, _ []*http.Request) error {
	to := *req.URL
	to.User, to.RawQuery, to.Fragment = nil, "", ""
	return fmt.Errorf("%w to %s, which the Clerk API never does: check the API URL (CLERK_API_URL) or the proxy in between; the key was not sent there", errRedirected, to.String())
}

// checkKey rejects anything that is not a secret key, without ever putting
// the key (or part of it) in the error.
func checkKey(key string) error {
	const where = "Clerk Dashboard → API Keys"
	switch {
	case key == "":
		return fmt.Errorf("clerk: no secret key given (find it in %s)", where)
	case strings.HasPrefix(key, "pk_"):
		return fmt.Errorf("clerk: that is a publishable key (pk_…); the import needs the secret key (sk_live_… or sk_test_…) from %s", where)
	case !strings.HasPrefix(key, "sk_live_") && !strings.HasPrefix(key, "sk_test_"):
		return fmt.Errorf("clerk: secret key must start with sk_live_ or sk_test_ (find it in %s)", where)
	case len(key) == len("sk_live_"):
		return errors.New("clerk: secret key is incomplete (only the sk_live_/sk_test_ prefix was given)")
	}
	for i := 0; i < len(key); i++ {
		// A header value with spaces or control bytes is a paste accident
		// (or header injection); net/http would reject it less clearly.
		if c := key[i]; c <= ' ' || c >= 0x7f {
			return errors.New("clerk: secret key contains spaces or unexpected characters")
		}
	}
	return nil
}

// defaultAllowance is 90% of the instance's documented limit, so the
// importer never trips the 429 that would block the endpoint for a while
// and leaves room in every window for the app's own traffic. It is one
// per instance (API root and key) in the process: sources that follow
// each other, like the wizard's preview and then its run, pace together
// instead of the second earning 429s for the first one's requests.
func defaultAllowance(base, key string) *Allowance {
	instances.mu.Lock()
	defer instances.mu.Unlock()
	id := base + "\x00" + key
	if w, ok := instances.m[id]; ok {
		return w
	}
	n := 90 // of 100 requests per 10 s (development)
	if IsProduction(key) {
		n = 900 // of 1000
	}
	w, _ := NewAllowance(n, 10*time.Second)
	if instances.m == nil {
		instances.m = map[string]*Allowance{}
	}
	instances.m[id] = w
	return w
}

// instances holds the default allowance of each instance this process
// has talked to (a handful at most).
var instances struct {
	mu sync.Mutex
	m  map[string]*Allowance
}

// defaultBackOff is Clerk's SDK schedule: 500 ms, ×1.5, ±50% jitter, 60 s cap.
func defaultBackOff() backoff.BackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 500 * time.Millisecond
	b.Multiplier = 1.5
	b.RandomizationFactor = 0.5
	b.MaxInterval = 60 * time.Second
	b.Reset()
	return b
}

// sleepCtx waits for d, returning early with ctx's error if it ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Kind implements Source.
func (a *APISource) Kind() string { return "api" }

// Total implements Source: one GET /users/count, cached for the source's
// lifetime so progress bars and the wizard do not spend rate-limit budget.
func (a *APISource) Total(ctx context.Context) (int, error) {
	if a.haveTotal {
		return a.total, nil
	}
	sent := time.Now()
	n, err := a.count(ctx)
	if err != nil {
		return 0, err
	}
	a.total, a.haveTotal = n, true
	a.walk.replan(n, a.pageSize, sent)
	return a.total, nil
}

// count asks Clerk how many users there are; unlike Total it changes
// nothing, so the walk may ask it on a goroutine of its own.
func (a *APISource) count(ctx context.Context) (int, error) {
	var n int
	err := a.get(ctx, "/users/count", nil, func(body []byte) error {
		var resp struct {
			TotalCount *int `json:"total_count"`
		}
		if err := json.Unmarshal(body, &resp); err != nil || resp.TotalCount == nil || *resp.TotalCount < 0 {
			if truncatedJSON(body) {
				return errTruncated
			}
			return fmt.Errorf("clerk: GET %s/users/count: unexpected response %s", a.base, preview(body))
		}
		n = *resp.TotalCount
		return nil
	})
	return n, err
}

// Verify checks the key (and connectivity) with the cheapest authenticated
// call, returning the user count for the wizard to show. A bad key yields
// an *APIError with status 401.
func (a *APISource) Verify(ctx context.Context) (int, error) {
	return a.Total(ctx)
}

// Close implements Source.
func (a *APISource) Close() error {
	a.closed = true
	a.walk.stop()
	if a.ownClient {
		a.client.CloseIdleConnections()
	}
	return nil
}

// splitPage splits a list response into its elements without decoding
// them, so one bad user cannot spoil the page. Clerk returns a bare array;
// an object with a `data` array (the SDK shape) is accepted too.
func splitPage(body []byte) ([]json.RawMessage, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return nil, errors.New("empty response body")
	}
	switch b[0] {
	case '[':
		elems, err := splitArray(b)
		if err != nil {
			return nil, fmt.Errorf("malformed JSON array: %w", err)
		}
		return elems, nil
	case '{':
		var obj struct {
			Data *[]json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, fmt.Errorf("malformed JSON object: %v", err)
		}
		if obj.Data == nil {
			return nil, fmt.Errorf("expected a JSON array of users, got an object without \"data\": %s", preview(b))
		}
		return *obj.Data, nil
	}
	return nil, fmt.Errorf("expected a JSON array of users, got %s", preview(b))
}

// errTruncated marks a 200 body that ends mid-JSON: a connection cut the
// framing did not show, retried like a reset.
var errTruncated = errors.New("response cut short")

// errNoAnswer is a request that timed out (see APIOptions.RequestTimeout).
var errNoAnswer = errors.New("no answer")

// retryReason says, in the notice of a retry, what went wrong with a
// request that got no usable answer.
func retryReason(err error) string {
	switch {
	case errors.Is(err, errClosed):
		return "Clerk closed the connection without answering, retrying"
	case errors.Is(err, errNoAnswer):
		return "Clerk did not answer in time, retrying"
	case errors.Is(err, errTruncated), errors.Is(err, io.ErrUnexpectedEOF):
		return "Clerk's answer was cut short, retrying"
	}
	return "could not reach Clerk, retrying"
}

// unreachableRetries is how often a request is retried when its
// connection is refused or its host unknown and no request of the source
// has had an answer yet.
const unreachableRetries = 2

// unreachable says whether err is a connection refused or a host name
// that does not resolve: nothing listens where the source points.
func unreachable(err error) bool {
	var dns *net.DNSError
	return errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &dns) && dns.IsNotFound)
}

// errClosed is a connection closed before any answer (net/http's
// io.EOF), retried like a reset.
var errClosed = errors.New("the connection was closed before Clerk answered")

// errTooLarge is a body over maxBodyBytes: not retried, since the server
// would send the same again.
var errTooLarge = fmt.Errorf("response larger than %d MiB", maxBodyBytes>>20)

// get performs one GET with pacing and retries and hands the 200 body to
// parse. Retry policy: 5xx, connection errors, timeouts and cut-short
// bodies back off exponentially (what Clerk's SDKs do), within the retry
// count and the time budget; 429 waits what Retry-After says; other
// statuses are the caller's problem (bad key, bad request) and fail at
// once. parse returns errTruncated to have a body retried.
func (a *APISource) get(ctx context.Context, path string, q url.Values, parse func([]byte) error) error {
	endpoint := a.base + path
	if len(q) > 0 {
		endpoint += "?" + q.Encode()
	}
	bo := a.newBackOff()
	start := time.Now()
	failures, throttled := 0, 0
	var waited time.Duration // what the waits asked, which a test's sleep skips
	// excused is the time spent in waits Clerk asked for: not failing.
	var excused time.Duration
	// asked waits what a Retry-After asks, shared by every request (see
	// hold), outside the retry budget.
	asked := func(reason string, d time.Duration) error {
		t0 := time.Now()
		err := a.hold(ctx, reason, d)
		excused += time.Since(t0)
		return err
	}
	// retry pauses after a failure, or says why it gives up.
	retry := func(what error, reason string) error {
		d := bo.NextBackOff()
		spent := max(time.Since(start)-excused, waited)
		switch {
		case failures >= a.maxFailures:
			return a.scrub(fmt.Errorf("%w (gave up after %d retries)", what, failures))
		case spent+d > a.budget:
			return a.scrub(fmt.Errorf("%w (gave up after %d retries in %s)", what, failures, spent.Round(time.Second)))
		}
		failures++
		waited += d
		return a.wait(ctx, reason, d)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		release, err := a.pace(ctx)
		if err != nil {
			return err
		}
		t0 := time.Now()
		hint := 0
		if path == "/users" {
			hint = int(a.pageHint.Load())
		}
		// The place in the allowance ends with the answer's headers:
		// Clerk has counted the request by then, and a page waiting its
		// turn to be read (readAhead) must not keep a request that the
		// page before it needs (a retry, say) from being sent.
		status, hdr, body, moved, gated, err := a.do(ctx, endpoint, hint, release)
		gated = min(max(gated, 0), time.Since(t0))
		release()
		if err == nil {
			a.answered.Store(true)
		}
		// Waiting in the read gate for pages ahead to be taken is neither
		// failing nor Clerk's latency.
		excused += moved + gated
		if errors.Is(err, errNoAnswer) && path == "/users" {
			a.narrowed.narrow(a.reqTimeout)
		}
		if err == nil && status == http.StatusOK {
			perr := parse(body)
			if perr == nil {
				a.latency.observe(time.Since(t0) - gated)
				if path == "/users" {
					a.narrowed.widen()
				}
				return nil
			}
			if !errors.Is(perr, errTruncated) {
				return a.scrub(perr)
			}
			err = perr
		}
		switch {
		case errors.Is(err, errTooLarge), errors.Is(err, errRedirected):
			return a.scrub(fmt.Errorf("clerk: GET %s: %w", a.base+path, unwrapURLError(err)))
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			cause := unwrapURLError(err)
			if errors.Is(cause, io.EOF) {
				// net/http's word for a connection closed before any
				// answer: as %w it would pass for the end of the list.
				cause = errClosed
			}
			if !a.answered.Load() && unreachable(cause) && failures >= unreachableRetries {
				// Nothing has ever answered there: a wrong CLERK_API_URL or
				// no network, which two minutes of retries (every request
				// of the walk saying so) would not mend.
				where := "check the network connection"
				if a.base != DefaultBaseURL {
					where = "check CLERK_API_URL (the API's root, e.g. " + strings.TrimSuffix(DefaultBaseURL, "/v1") + ")"
				}
				return a.scrub(fmt.Errorf("clerk: GET %s: %w (gave up after %d retries: nothing has answered there; %s)", a.base+path, cause, failures, where))
			}
			if err := retry(fmt.Errorf("clerk: GET %s: %w", a.base+path, cause), retryReason(cause)); err != nil {
				return err
			}
		case status == http.StatusTooManyRequests:
			if throttled >= a.maxRetries {
				return a.scrub(fmt.Errorf("%w (still rate limited after %d retries)", apiError(status, hdr, body), throttled))
			}
			throttled++
			if err := asked("rate limited by Clerk", parseRetryAfter(hdr.Get("Retry-After"), time.Now())); err != nil {
				return err
			}
		case status >= 500:
			// A 503's Retry-After says when Clerk expects to be back
			// (maintenance): waited like a 429's, up to maxRetryAfter,
			// however short the retry budget.
			if after, ok := retryAfter(hdr.Get("Retry-After"), time.Now()); ok {
				ae := apiError(status, hdr, body)
				switch {
				case after > maxRetryAfter:
					return a.scrub(fmt.Errorf("%w; Clerk asked to retry after %s, over the %d-minute limit this import waits for Clerk, so it stops here: run it again once Clerk is back", ae, seconds(after), int(maxRetryAfter/time.Minute)))
				case throttled >= a.maxRetries:
					return a.scrub(fmt.Errorf("%w (still unavailable after %d retries, each after the wait Clerk asked)", ae, throttled))
				}
				throttled++
				if err := asked(fmt.Sprintf("Clerk returned %d and asked to retry later", status), max(after, bo.NextBackOff())); err != nil {
					return err
				}
				continue
			}
			if err := retry(apiError(status, hdr, body), fmt.Sprintf("Clerk returned %d, retrying", status)); err != nil {
				return err
			}
		default:
			ae := apiError(status, hdr, body)
			if status == http.StatusNotFound {
				// The list and count always exist: the URL is wrong.
				ae.LongMessage = cmp.Or(ae.LongMessage, ae.Message) + fmt.Sprintf("; GET %s: check the API URL (CLERK_API_URL: the API's root, e.g. %s)", a.base+path, strings.TrimSuffix(DefaultBaseURL, "/v1"))
			}
			return a.scrub(ae)
		}
	}
}

// do sends one request and reads the whole (bounded) body. The timeout
// bounds the wait for the headers, then each stall of the body: a page
// coming in slowly but steadily is not cut off and fetched again.
//
// moved is how long a body that then failed kept coming in (from its
// headers to its last bytes): progress, which the retry budget does not
// count as failing (a page read slowly for minutes, then cut, is retried).
// gated is how long the body waited for room in the read gate: a page
// waits there until the caller takes the pages before it, however long
// that is. answered is called when the headers are in.
func (a *APISource) do(ctx context.Context, endpoint string, hint int, answered func()) (status int, hdr http.Header, body []byte, moved, gated time.Duration, err error) {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st := newStall(a.reqTimeout, cancel)
	defer st.stop()
	// noAnswer names a timeout of this request (not the caller's cancel).
	noAnswer := func(err error) error {
		if ctx.Err() == nil && st.fired() {
			if st.body.Load() {
				return fmt.Errorf("%w: the answer stalled for %s", errNoAnswer, a.reqTimeout)
			}
			return fmt.Errorf("%w within %s", errNoAnswer, a.reqTimeout)
		}
		return err
	}
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return 0, nil, nil, 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, nil, 0, 0, noAnswer(err)
	}
	answered()
	defer resp.Body.Close()
	st.body.Store(true)
	st.progress()
	headers := time.Now()
	resp.Body = &stallReader{ReadCloser: resp.Body, st: st}
	bctx := rctx
	if resp.StatusCode != http.StatusOK {
		// An error's body is not a page to keep for the caller (see
		// keptBody): it is read like any other request's, not behind
		// the pages waiting their turn.
		bctx = withKept(rctx, nil)
	}
	body, err = readBody(bctx, resp, hint, a.reading.withStall(st))
	gated = st.pausedFor()
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return 0, nil, nil, 0, gated, err
		}
		moved = max(0, time.Unix(0, st.last.Load()).Sub(headers)-gated)
		// A connection cut mid-body is as retryable as one cut before it.
		return 0, nil, nil, moved, gated, noAnswer(fmt.Errorf("reading response: %w", err))
	}
	if len(body) > maxBodyBytes {
		return 0, nil, nil, 0, gated, errTooLarge
	}
	return resp.StatusCode, resp.Header, body, 0, gated, nil
}

// readBody reads a response body of at most maxBodyBytes+1 bytes (one
// more tells an oversized body). A page is a few MB: when Clerk says how
// long it is, the buffer is allocated once instead of grown by doubling,
// which costs a concurrent walk as much CPU as decoding the users.
//
// Without a length (a compressed or chunked answer), the buffer starts at
// hint bytes, the size of the last such body, and grows only past it.
// (bytes.Buffer.ReadFrom would not do: it wants 512 bytes free before
// each read, so a buffer of the exact length was reallocated at twice its
// size whenever the last read brought fewer than 512 bytes, and the page
// then held that.)
//
// Its buffers are counted in gate (nil: not bounded), which makes a body
// that would take the source's reads past their budget wait its turn.
func readBody(ctx context.Context, resp *http.Response, hint int, gate *readGate) ([]byte, error) {
	r := io.LimitReader(resp.Body, maxBodyBytes+1)
	size := min(hint, maxBodyBytes+1)
	switch n := resp.ContentLength; {
	case n > maxBodyBytes:
		return nil, errTooLarge // announced: no need to read it
	case n >= 0:
		// One byte more than announced, so reading to EOF needs no growth
		// and a body longer than announced is still read (net/http cuts
		// it, but a proxy may not) rather than silently truncated.
		size = int(n) + 1
	}
	size = max(size, 512)
	held := gate.hold()
	kept := keptFrom(ctx)
	if kept != nil {
		held.turn = kept.turn
		if err := gate.await(ctx, kept); err != nil {
			return nil, err
		}
	}
	read := false
	defer func() {
		if read && kept != nil {
			kept.keep(held)
		} else {
			held.release()
		}
	}()
	if err := held.grow(ctx, size); err != nil {
		return nil, err
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			if err := held.grow(ctx, len(buf)/2); err != nil {
				return buf, err
			}
			buf = slices.Grow(buf, len(buf)/2)
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF:
			read = true
			return buf, nil
		case err != nil:
			return buf, err
		}
	}
}

// stall cancels a request when it has made no progress for d: no
// headers yet, or no bytes of the body. Waiting for a place to read a
// large body (readGate) is not a stall.
type stall struct {
	d      time.Duration
	t      *time.Timer
	timed  atomic.Bool
	body   atomic.Bool // the headers arrived: a stall is the body's
	paused atomic.Bool
	last   atomic.Int64 // when bytes last came (Unix ns)
	// pausedAt is when the current pause began and waited adds up the
	// pauses, on the monotonic clock (a wall clock stepped or a laptop
	// suspended meanwhile would skew them against time.Since). Only the
	// request's own goroutine pauses, resumes and reads them.
	pausedAt time.Time
	waited   time.Duration
}

func newStall(d time.Duration, cancel context.CancelFunc) *stall {
	st := &stall{d: d}
	st.t = time.AfterFunc(d, func() {
		if st.paused.Load() {
			return
		}
		st.timed.Store(true)
		cancel()
	})
	return st
}

func (st *stall) progress()   { st.t.Reset(st.d); st.last.Store(time.Now().UnixNano()) }
func (st *stall) fired() bool { return st.timed.Load() }
func (st *stall) stop()       { st.t.Stop() }
func (st *stall) pause()      { st.pausedAt = time.Now(); st.paused.Store(true) }
func (st *stall) resume() {
	st.waited += time.Since(st.pausedAt)
	st.progress()
	st.paused.Store(false)
}

// pausedFor is the time the request spent paused (waiting in the gate).
func (st *stall) pausedFor() time.Duration { return st.waited }

// stallReader reports each read that brings bytes as progress.
type stallReader struct {
	io.ReadCloser
	st *stall
}

func (r *stallReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if n > 0 {
		r.st.progress()
	}
	return n, err
}

// narrowing caps the requests in flight after timeouts: dozens of
// windows sharing a slow link each crawl, and timing them out would
// only fetch them all again. A wave of timeouts (within one timeout of
// the first) halves the cap once; each answer widens it by one again.
type narrowing struct {
	mu      sync.Mutex
	cap     int
	pending bool // a timeout to halve the width for, at the next limit
	last    time.Time
}

// narrow notes a timeout, unless it belongs to the wave noted last: the
// next limit halves the width in use.
func (nw *narrowing) narrow(wave time.Duration) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if time.Since(nw.last) < wave {
		return
	}
	nw.pending, nw.last = true, time.Now()
}

// widen lifts the cap by one after an answer, dropping it once past
// the widest walk.
func (nw *narrowing) widen() {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if nw.cap == 0 {
		return
	}
	if nw.cap++; nw.cap > maxAutoInFlight {
		nw.cap = 0
	}
}

// limit caps n, the walk's width, by the narrowed width, if any.
func (nw *narrowing) limit(n int) int {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if nw.pending {
		w := n
		if nw.cap > 0 {
			w = min(w, nw.cap)
		}
		nw.cap, nw.pending = max(1, w/2), false
	}
	if nw.cap > 0 {
		return min(n, nw.cap)
	}
	return n
}

// readGate counts the bytes of the bodies being read, and of the walk's
// pages read and not yet delivered (keptBody). Past its budget, a body
// grows only when others have given bytes back, or while holding the one
// place for large reads, or, for a walk's page, once it is the next to
// deliver: a server answering every page with tens of MB costs the walk
// its budget and one oversized body, instead of every request in flight
// reading one, while pages that fit the budget are read side by side.
// Pages of users with much metadata (10 KB each: 5.8 MB a page) no longer
// all come in with the walk's first burst, sent before any page showed
// their size: 64 of them took a preview to 838 MB RSS.
type readGate struct {
	*gateState
	st *stall // paused while waiting (see withStall)
}

type gateState struct {
	budget int64
	mu     sync.Mutex
	used   int64
	freed  chan struct{} // closed (and replaced) when bytes are given back
	large  chan struct{}
}

func newReadGate(budget int64) *readGate {
	return &readGate{gateState: &gateState{budget: budget, freed: make(chan struct{}), large: make(chan struct{}, 1)}}
}

// withStall is the gate for one request, whose stall timer stops while
// it waits for room.
func (g *readGate) withStall(st *stall) *readGate {
	if g == nil {
		return nil
	}
	return &readGate{gateState: g.gateState, st: st}
}

// await waits until k's page may read its body (its ready), the
// request's stall timer stopped meanwhile: the answer is in, and the
// pages before it are being read.
func (g *readGate) await(ctx context.Context, k *keptBody) error {
	if k.ready == nil || closed(k.ready) {
		return nil
	}
	k.waiting.Store(true)
	defer k.waiting.Store(false)
	if g != nil && g.st != nil {
		g.st.pause()
		defer g.st.resume()
	}
	select {
	case <-k.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// heldBytes is one body's share of a readGate.
type heldBytes struct {
	g     *readGate
	n     int64
	large bool // holds the place for large reads
	// turn, for a walk's page, is closed once the page is the next to
	// deliver: then it grows past the budget, which the pages after it
	// hold, rather than use the place for large reads. Those pages keep
	// their bytes until delivered, so a page taking that place would
	// keep it from the ones that must read past the budget to go on.
	turn <-chan struct{}
}

func (g *readGate) hold() *heldBytes { return &heldBytes{g: g} }

// grow counts n more bytes, first waiting, while they would take the
// reads past the budget, for bytes given back or the place for large
// reads. Bytes are counted only once they may be allocated, so bodies
// waiting hold no room they do not use.
func (h *heldBytes) grow(ctx context.Context, n int) error {
	if h.g == nil {
		return nil
	}
	s := h.g.gateState
	paused := false
	defer func() {
		if paused {
			h.g.st.resume()
		}
	}()
	large := s.large
	if h.turn != nil {
		large = nil // see turn
	}
	for {
		s.mu.Lock()
		if h.large || s.used+int64(n) <= s.budget || closed(h.turn) {
			s.used += int64(n)
			h.n += int64(n)
			s.mu.Unlock()
			return nil
		}
		freed := s.freed
		s.mu.Unlock()
		if st := h.g.st; st != nil && !paused {
			st.pause()
			paused = true
		}
		select {
		case large <- struct{}{}:
			h.large = true
		case <-h.turn:
		case <-freed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// closed says whether c is closed (a nil c never is).
func closed(c <-chan struct{}) bool {
	if c == nil {
		return false
	}
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// release gives the body's bytes back: it was read (a walk's page, once
// delivered: see keptBody) or dropped.
func (h *heldBytes) release() {
	if h.g == nil {
		return
	}
	s := h.g.gateState
	s.mu.Lock()
	s.used -= h.n
	close(s.freed)
	s.freed = make(chan struct{})
	s.mu.Unlock()
	if h.large {
		<-s.large
	}
}

// keptBody keeps a walk's page counted in the read gate from its read to
// its delivery (release), so the pages waiting in line are within the
// budget too. Its turn is closed when the page is the next to deliver,
// ready when it is among the next readAhead: its body is read then.
type keptBody struct {
	turn  chan struct{}
	ready chan struct{}
	// waiting: the page was answered and waits for ready to read its body.
	waiting atomic.Bool
	mu      sync.Mutex
	held    *heldBytes // the body read last
	done    bool       // released: nothing more is kept
	stop    func() bool
}

type keptKey struct{}

func newKeptBody() *keptBody {
	return &keptBody{turn: make(chan struct{}), ready: make(chan struct{})}
}

// withKept has the page read under ctx kept in k.
func withKept(ctx context.Context, k *keptBody) context.Context {
	return context.WithValue(ctx, keptKey{}, k)
}

func keptFrom(ctx context.Context) *keptBody {
	k, _ := ctx.Value(keptKey{}).(*keptBody)
	return k
}

// keep holds h, the body just read, in place of the one read before (a
// retry's), or gives it back at once once k was released.
func (k *keptBody) keep(h *heldBytes) {
	k.mu.Lock()
	if k.done {
		k.mu.Unlock()
		h.release()
		return
	}
	prev := k.held
	k.held = h
	k.mu.Unlock()
	if prev != nil {
		prev.release()
	}
}

// until releases k when ctx ends (the walk dropped the page's
// generation) if it was not released before.
func (k *keptBody) until(ctx context.Context) {
	stop := context.AfterFunc(ctx, k.release)
	k.mu.Lock()
	if k.done {
		k.mu.Unlock()
		stop()
		return
	}
	k.stop = stop
	k.mu.Unlock()
}

// release gives the kept bytes back: the page was delivered, or dropped.
func (k *keptBody) release() {
	if k == nil {
		return
	}
	k.mu.Lock()
	h := k.held
	k.held, k.done = nil, true
	stop := k.stop
	k.mu.Unlock()
	if h != nil {
		h.release()
	}
	if stop != nil {
		stop()
	}
}

// truncatedJSON reports whether body is JSON that stops before its end,
// as opposed to something that is not JSON at all. An empty body (or
// only blanks) is the most truncated: a 200 carries a JSON value.
func truncatedJSON(body []byte) bool {
	if len(bytes.TrimSpace(body)) == 0 {
		return true
	}
	var v json.RawMessage
	err := json.NewDecoder(bytes.NewReader(body)).Decode(&v)
	return errors.Is(err, io.ErrUnexpectedEOF)
}

// take waits for a place in the allowance, saying so if it has to. The
// returned release ends the place when the request's answer is in.
func (a *APISource) take(ctx context.Context) (release func(), err error) {
	for {
		p, freed := a.allowance.reserve(time.Now())
		if p == nil {
			// Every place is held by a request still going: wait for one
			// to come back (a request's latency at most, not worth a
			// message), then for its window.
			select {
			case <-freed:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		release = func() { a.allowance.release(p, time.Now()) }
		d := time.Until(p.at)
		if d <= 0 {
			return release, nil
		}
		if a.onWait != nil && a.paced.announce(p.at) {
			a.onWait("pacing requests under Clerk's rate limit", d)
		}
		if err := a.sleep(ctx, d); err != nil {
			a.allowance.cancel(p)
			return nil, err
		}
		return release, nil
	}
}

// pace takes a place in the allowance (or a token from the limiter),
// waiting (and saying so) if needed. release, never nil, is called when
// the request's answer is in.
func (a *APISource) pace(ctx context.Context) (release func(), err error) {
	// A 429 pauses the whole key, not just the request that got it; the
	// pause was announced by whoever started it.
	if d := a.throttle.remaining(); d > 0 {
		if err := a.sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	if a.limiter == nil {
		return a.take(ctx)
	}
	r := a.limiter.Reserve()
	if !r.OK() {
		return nil, errors.New("clerk: rate limiter allows no requests (burst 0)")
	}
	nop := func() {}
	d := r.Delay()
	if d <= 0 {
		return nop, nil
	}
	if a.onWait != nil {
		a.onWait("pacing requests under Clerk's rate limit", d)
	}
	if err := a.sleep(ctx, d); err != nil {
		// Give the token back so a later, resumed walk is not penalised.
		r.Cancel()
		return nil, err
	}
	return nop, nil
}

// hold waits out a 429's Retry-After. Every request in flight may get one
// at once: the first announces the pause, the others join it silently
// unless they push it later, so the wizard shows one countdown and the
// CLI one line. Requests about to start wait for it in pace.
func (a *APISource) hold(ctx context.Context, reason string, d time.Duration) error {
	if a.throttle.join(d) && a.onWait != nil {
		a.onWait(reason, d)
	}
	defer a.throttle.leave()
	return a.sleep(ctx, d)
}

// pacedUntil coalesces pacing notices: when a window's allowance is
// spent, dozens of requests start waiting within a few seconds of each
// other; one notice (the first) says it, not one line per request.
type pacedUntil struct {
	mu    sync.Mutex
	until time.Time
}

// announce reports whether a wait until at needs a notice: none announced
// is still going on. It records at either way.
func (p *pacedUntil) announce(at time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	fresh := !time.Now().Before(p.until)
	if at.After(p.until) {
		p.until = at
	}
	return fresh
}

// throttle is the pause a 429 imposes on every request of the source.
type throttle struct {
	mu      sync.Mutex
	until   time.Time // end of the pause announced last
	holding int       // requests waiting in the pause
}

// join enters a pause of d and reports whether it must be announced: no
// pause is going on, or this one ends over a second after it.
func (t *throttle) join(d time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	until := time.Now().Add(d)
	announce := t.holding == 0 || until.After(t.until.Add(time.Second))
	if announce || until.After(t.until) {
		t.until = until
	}
	t.holding++
	return announce
}

func (t *throttle) leave() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.holding--
}

// remaining is how long a new request must still wait for the pause.
func (t *throttle) remaining() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.holding == 0 {
		return 0
	}
	return time.Until(t.until)
}

// wait announces and performs a retry pause.
func (a *APISource) wait(ctx context.Context, reason string, d time.Duration) error {
	if d < 0 {
		d = 0
	}
	if a.onWait != nil {
		a.onWait(reason, d)
	}
	return a.sleep(ctx, d)
}

// parseRetryAfter reads a 429's Retry-After (see retryAfter), falling
// back to 10 s when it is missing or nonsense, and capped at
// maxRetryAfter.
func parseRetryAfter(v string, now time.Time) time.Duration {
	d, ok := retryAfter(v, now)
	if !ok {
		return defaultRetryAfter
	}
	return min(d, maxRetryAfter)
}

// retryAfter reads Retry-After as delta-seconds (what Clerk sends) or an
// HTTP date; ok is false when it is missing or nonsense. A wait beyond a
// day is reported as a day: it is over any cap either way.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	const day = 24 * time.Hour
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, int64(day/time.Second))) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), day), true
}

// seconds says a wait as Clerk's header put it: "150 s"; retryAfter caps
// a wait at a day, so one of a day is "a day or more".
func seconds(d time.Duration) string {
	if d >= 24*time.Hour {
		return "a day or more"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " s"
}

// unwrapURLError drops *url.Error's "Get \"<url>\":" prefix; the caller
// already names the endpoint.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// preview quotes the start of a body for an error message.
func preview(b []byte) string {
	b = bytes.TrimSpace(b)
	const n = 80
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "…"
	}
	return strconv.Quote(string(b))
}

// scrub guarantees the secret key never reaches an error string, even if
// a server or proxy echoes it back in a body we quote. What looks like a
// secret key goes too: a quote cut short keeps the key's first characters
// (preview's 80), which are no less secret.
func (a *APISource) scrub(err error) error {
	if err == nil || a.key == "" || !a.leaks(err.Error()) {
		return err
	}
	var ae *APIError
	if errors.As(err, &ae) {
		ae.Message = a.redact(ae.Message)
		ae.LongMessage = a.redact(ae.LongMessage)
		ae.Code = a.redact(ae.Code)
		ae.TraceID = a.redact(ae.TraceID)
		if !a.leaks(err.Error()) {
			return err
		}
	}
	return &redactedError{msg: a.redact(err.Error()), err: err}
}

// secretKeyText is a Clerk secret key, or the start of one.
var secretKeyText = regexp.MustCompile(`sk_(?:live|test)_[A-Za-z0-9]+`)

func (a *APISource) leaks(s string) bool {
	return strings.Contains(s, a.key) || secretKeyText.MatchString(s)
}

func (a *APISource) redact(s string) string {
	return secretKeyText.ReplaceAllString(strings.ReplaceAll(s, a.key, redacted), redacted)
}

const redacted = "sk_…[redacted]"

// redactedError carries a scrubbed message while keeping the chain for
// errors.Is/As (e.g. context.Canceled, *APIError).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// APIError is a non-success answer from Clerk, in Clerk's own words.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code is Clerk's machine-readable code, e.g. "clerk_key_invalid".
	Code string
	// Message and LongMessage are Clerk's short and long explanations.
	Message     string
	LongMessage string
	// TraceID identifies the request for Clerk support.
	TraceID string
}

// Error reads like "clerk: <Clerk's explanation> (401 clerk_key_invalid)",
// with Clerk's trace id when it sent one.
func (e *APIError) Error() string {
	msg := e.LongMessage
	if msg == "" {
		msg = e.Message
	}
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	if msg == "" {
		msg = "unexpected response"
	}
	what := strconv.Itoa(e.Status)
	if e.Code != "" {
		what += " " + e.Code
	}
	if e.TraceID != "" {
		// What Clerk support asks for.
		what += ", Clerk trace id " + e.TraceID
	}
	return fmt.Sprintf("clerk: %s (%s)", msg, what)
}

// apiError builds an APIError from Clerk's error envelope; a body that is
// not that envelope (a proxy's HTML page, say) still yields a readable
// message with the status.
func apiError(status int, hdr http.Header, body []byte) *APIError {
	e := &APIError{Status: status, TraceID: hdr.Get("Clerk-Trace-Id")}
	var env struct {
		Errors []struct {
			Message     string `json:"message"`
			LongMessage string `json:"long_message"`
			Code        string `json:"code"`
		} `json:"errors"`
		TraceID string `json:"clerk_trace_id"`
	}
	if json.Unmarshal(body, &env) == nil {
		if e.TraceID == "" {
			e.TraceID = env.TraceID
		}
		if len(env.Errors) > 0 {
			first := env.Errors[0]
			e.Code, e.Message, e.LongMessage = first.Code, first.Message, first.LongMessage
			return e
		}
	}
	ct := hdr.Get("Content-Type")
	if ct == "" {
		ct = "no content type"
	}
	e.Message = fmt.Sprintf("%s, and the response is not a Clerk error (%s: %s)", statusLine(status), ct, preview(body))
	return e
}

func statusLine(status int) string {
	if t := http.StatusText(status); t != "" {
		return fmt.Sprintf("HTTP %d %s", status, t)
	}
	return fmt.Sprintf("HTTP %d", status)
}
