package clerk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// maxAutoInFlight caps the automatic walk: it is the most requests
// outstanding and the most windows held (arrived or outstanding) at once.
// 128 requests at Clerk's ~300 ms per page are ~400 pages a second,
// enough to spend a window's allowance in two seconds and to outpace a
// preview reading a file.
const maxAutoInFlight = 128

// heldBudget bounds the windows the walk plans, arrived or expected (the
// page size noteSize expects times the windows held), whatever the cap
// on requests: 128 pages of typical 1.5 KB users, while an instance
// whose users carry Clerk's full 8 KB of metadata (5 MB pages) is walked
// with about 20 windows. The bytes actually held are bounded by the read
// gate (readBudget), which also holds back the first burst, sent before
// any page showed the users' size; over HTTP/2, what a window takes in
// before its turn to be read is bounded by h2StreamWindow, which for a
// preview's burst (maxBurst) is outside this budget.
const heldBudget = 96 << 20

// startInFlight is the walk's width before the caller's pace is known.
const startInFlight = 64

// maxBurst bounds the windows Prefetch sends a fast caller (a preview)
// before any page has shown the users' size; the burst is a quarter of
// the key's allowance, 225 windows (about 112,000 users) for a
// production key's 900 requests. At Clerk's ~300 ms a page, a list the
// burst covers is read in one round trip, and any window it leaves out
// waits a second one: against the emulator a 100k-user preview (201
// windows) took 0.98-1.03 s with 96 windows, 0.83-0.86 s with 200 (the
// last window in a second round trip) and 0.83-0.85 s with 225. The
// price is memory, for the burst's pages: over HTTP/2, with the default
// client, each window may take in h2StreamWindow of its page before its
// turn to be read, up to 256 MB beside what the read gate lets be read
// (over HTTP/1.1 the kernel's socket buffers hold it); a 100k-user
// preview's peak RSS against an emulator in another process went from
// 163-182 MB to 196-208 MB. After the burst the walk holds no more than
// maxAutoInFlight windows and heldBudget, as before.
const maxBurst = 256

// slowBurst is the burst for a slow caller (an import run, which writes
// each page): what its stream windows take in stays within heldBudget.
// A run takes seconds over the pages of a burst, so a second round trip
// is no wait for it, while the burst's pages would be held all that time.
const slowBurst = heldBudget / h2StreamWindow

// readAhead is how many windows, from the one next to deliver, may read
// their bodies: the later ones, answered, wait their turn. A burst's
// answers come in together, a latency after they went out; read all at
// once (up to the read gate's 64 MB), they took the cores from the
// caller's own work and the first page came in last among them, ~200 ms
// late. Sixteen pages (12 MB of typical users) still read side by side,
// more than a link needs to stay busy. A 100k-user preview against the
// in-process emulator (300 ms latency) took 1.19-1.21 s reading every
// body at once, 1.09-1.11 s with 16; with the emulator sending its pages
// by sendfile, 1.10-1.18 s against 0.99-1.01 s (0.98-1.04 s with 8).
const readAhead = 16

// decodeAhead is how many arrived windows after the one being delivered
// are decoded meanwhile on goroutines of their own, so decoding (most of
// a page's cost to the reader) runs on both cores; more would hold more
// decoded users for the garbage collector to scan for no gain.
const decodeAhead = 2

// maxLookback bounds the offset probes that look for where the list
// resumes when the cursor cannot be used.
const maxLookback = 8

// errNotAdvancing is a list that repeats itself or goes back in time:
// following it would never end.
var errNotAdvancing = errors.New("clerk: Clerk's user list does not advance")

// Cursor paging states.
const (
	cursorUntried = iota
	cursorWorks
	cursorOff
)

// walk is the concurrent list walk: offset windows of pageSize users, each
// starting on the last user of the one before (the overlap proves no user
// was skipped or shifted in between), fetched several at a time and
// delivered strictly in order.
type walk struct {
	started bool
	ctx     context.Context // until the end, an error or Close
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	// The current generation of windows: offsets base, base+P-1, … It is
	// dropped (and its requests cancelled) when the list is found to have
	// moved under it.
	genCtx    context.Context
	genCancel context.CancelFunc
	queue     []*window // issued, in offset order; queue[0] is delivered next
	next      int       // offset of the next window to issue
	issuedEnd bool      // a window expected to be the last was issued
	estN      int       // estimated list length (from /users/count)

	// What was delivered.
	delivered   int            // users delivered so far
	lastKey     string         // key of the last user delivered; "" before the first
	lastCreated int64          // created_at of the last decodable user delivered
	haveCreated bool           // lastCreated is set
	prevKeys    map[string]int // keys of the last page delivered, with their index in it
	// tieKeys are the users delivered whose created_at is lastCreated.
	// Users created in the same millisecond (a bulk import into Clerk
	// with second-resolution dates) may come back in another order from
	// one request to the next; one of them seen again is dropped, not
	// taken for a list going round in circles.
	tieKeys map[string]bool
	// tieDone: every user created at lastCreated was read in one request
	// (readTies), so a window starting among them lost none.
	// tieBig: more of them than a page holds, listed in the same order
	// twice; the walk pages through them trusting that order.
	tieDone, tieBig bool
	// tieFrom is the offset of the first user created at tieAt, as the
	// windows saw it (-1: unknown), where readTiesAt looks for them.
	tieFrom int
	tieAt   int64
	// filter says whether Clerk honours created_at_after/_before, which
	// fetch the users of one instant exactly (cursor* states).
	filter   int
	firstKey string // key of the first user delivered
	cursor   int
	// pace is the smoothed time the caller takes over a page; period
	// the time from one page delivered to the next, the walk's own
	// work and waits included.
	pace     latencyMeter
	period   latencyMeter
	returned time.Time // when Next last returned
	// burst is how many windows Prefetch sends before any answer;
	// provisional says the plan (estN) is the burst's, not a count's.
	burst       int
	provisional bool
	// cursorOnly: Clerk ignores offset but honours the cursor, so
	// windows would all start over; pages follow each other by cursor.
	cursorOnly bool
	// userBytes is the size of a user in the pages delivered, which
	// sizes the pages to come (see noteSize); budget is heldBudget unless
	// a test sets it.
	userBytes int
	budget    int
	// ended: the list looked finished (a short page, nothing after the
	// last user); finish checks that against a fresh count.
	ended bool
	// lastAt is the offset of the last user delivered, as last seen;
	// listLen the list's length as a short page showed it.
	lastAt, listLen int
	// rewalked: finish started the walk over once, nothing having been
	// read while Clerk counted users.
	rewalked bool
	// oversized is the first window's error for a body over the cap,
	// which cancelled the others.
	oversized atomic.Pointer[error]
	// endCount is the count sent with the window expected to be the
	// last (nil before, or after the plan changed), or sent again before
	// the end when that one would be stale then (refreshEndCount): its
	// answer comes back with the last pages, so checking the list against
	// a fresh count costs the walk no round trip of its own.
	endCount *counted
}

// counted is a /users/count request and, once done is closed, its answer.
type counted struct {
	sent time.Time
	done chan struct{}
	n    int
	err  error
	// refresh: sent by refreshEndCount, so not sent again, in place of
	// prev, which still serves if the list ends while prev is fresh.
	refresh bool
	prev    *counted
}

// endCountFresh is how old a count sent with the last window may be when
// the list ends and still be its check: a list that fit in the first
// windows had its count sent as the walk began, and a run that writes
// slowly reaches the end long after; users who signed up meanwhile are
// found only by counting again then.
var endCountFresh = time.Second

// window is one list request of the walk and, once done is closed, its
// answer.
type window struct {
	offset int
	done   chan struct{}
	// raws are the page's entries, undecoded until the window's turn:
	// bytes cost the garbage collector nothing to scan, while dozens of
	// decoded pages waiting in line made the walk spend more CPU on GC
	// than on decoding.
	raws  []json.RawMessage
	size  int       // bytes of the users in raws
	elems []element // decoded when delivered, or just before (decode)
	full  bool      // the server filled the page: the list may go on
	err   error
	// decoding makes the decode happen once, by whoever asks first: the
	// reader delivering the window or a decode-ahead goroutine.
	decoding sync.Once
	ahead    bool // a decode-ahead goroutine was started for it
	// kept holds its body's bytes in the read gate until it is delivered;
	// its turn is closed once the window is next to deliver (markHead).
	kept *keptBody
}

// markHead closes the turn of the window next to deliver: its body may be
// read past the read gate's budget, which the windows after it hold. It
// lets the first readAhead windows read their bodies.
func (w *walk) markHead() {
	if len(w.queue) == 0 {
		return
	}
	if turn := w.queue[0].kept.turn; !closed(turn) {
		close(turn)
	}
	for _, win := range w.queue[:min(readAhead, len(w.queue))] {
		if r := win.kept.ready; !closed(r) {
			close(r)
		}
	}
}

// decode decodes the window's answer, once; callers wait for done first.
func (win *window) decode() {
	win.decoding.Do(func() {
		win.elems, win.raws = decodeElems(win.raws, win.offset), nil
	})
}

// decodeAhead starts decoding the next arrived windows in line.
func (w *walk) decodeAhead() {
	for _, win := range w.queue[:min(decodeAhead, len(w.queue))] {
		if win.ahead {
			continue
		}
		select {
		case <-win.done:
		default:
			continue // not arrived: delivering it will decode it
		}
		win.ahead = true
		w.wg.Go(win.decode)
	}
}

// element is one list entry, decoded by the request's goroutine.
type element struct {
	rec     Record
	key     string // the user id, or the raw bytes of an entry without one
	created int64
	hasTime bool // created is the decoded user's created_at
}

// at reports a user created at t (a user without created_at is at none).
func (e element) at(t int64) bool { return e.hasTime && e.created == t }

func newElement(raw json.RawMessage, pos int) element {
	e := element{rec: decodeUser(raw, pos)}
	if u := e.rec.User; u != nil {
		// A user without created_at (null or missing: 0) has no place in
		// the order to check; taken for 1970 it looked like the list
		// going back in time.
		e.key, e.created, e.hasTime = u.ID, int64(u.CreatedAt), u.CreatedAt != 0
		return e
	}
	if id := rawID(raw); id != "" {
		e.key = id
	} else {
		e.key = "\x00" + string(bytes.TrimSpace(raw))
	}
	return e
}

// isID reports whether a key is a user id (usable as a cursor).
func isID(key string) bool { return key != "" && key[0] != 0 }

// latencyMeter smooths the duration of successful requests.
type latencyMeter struct {
	mu sync.Mutex
	d  time.Duration
}

func (m *latencyMeter) observe(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.d == 0 {
		m.d = d
	} else {
		m.d = (7*m.d + d) / 8
	}
}

func (m *latencyMeter) get() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.d
}

// inFlight is how many list requests the walk keeps outstanding (sent,
// not yet answered; see fill for the windows it may hold). Under an
// allowance, as many as a window allows (up to the cap), once the first
// answer has shown the API is there: the window's requests go out at
// once, and when it is spent the extra ones wait their turn in pace,
// holding nothing. Under a token bucket, by Little's law, the rate times
// the latency keeps it busy (plus a quarter for jitter); more would only
// wait on the limiter.
func (a *APISource) inFlight() int {
	return a.narrowed.limit(a.width())
}

// width is inFlight before timeouts narrow it.
func (a *APISource) width() int {
	if a.maxInFlight > 0 {
		return a.maxInFlight
	}
	if a.limiter == nil {
		lat := a.latency.get()
		if lat == 0 {
			return max(1, a.walk.burst)
		}
		n := startInFlight
		if iv := a.walk.pace.get(); iv > 0 {
			// Enough to have a page ready each time the caller asks (by
			// Little's law, with half to spare and a few for jitter). A
			// caller that writes slowly is not handed dozens of pages to
			// hold; one that takes pages as fast as they come widens it.
			n = int(math.Ceil(lat.Seconds()/iv.Seconds()*1.5)) + 8
		}
		return max(1, min(n, a.allowance.requests, maxAutoInFlight))
	}
	r := a.limiter.Limit()
	if r == rate.Inf {
		return maxAutoInFlight
	}
	n := int(math.Ceil(float64(r)*a.latency.get().Seconds()*1.25)) + 1
	return min(max(n, 1), maxAutoInFlight)
}

// Next implements Source. It walks GET /users in created_at ascending
// order, so sign-ups during the import land at the end instead of
// shifting the pages not read yet. Windows overlap by one user; when the
// overlap does not match (users were deleted or inserted before the
// window), the stretch is re-read after the last user delivered with the
// starting_after cursor, or by offset where Clerk refuses or ignores the
// cursor, and the walk resumes from there. A list that repeats itself or
// goes back in time stops the import with an error.
func (a *APISource) Next(ctx context.Context) ([]Record, error) {
	if a.closed {
		return nil, errors.New("clerk: source is closed")
	}
	if a.err != nil {
		return nil, a.err
	}
	if a.done {
		return nil, io.EOF
	}
	// The time the caller spends on a page, between returning it and
	// asking for the next, is its pace; it sizes the walk. (Time waiting
	// in Next is not: it would shrink the walk that keeps the caller
	// waiting.)
	if !a.walk.returned.IsZero() {
		a.walk.pace.observe(time.Since(a.walk.returned))
	}
	defer func() {
		now := time.Now()
		if !a.walk.returned.IsZero() {
			a.walk.period.observe(now.Sub(a.walk.returned))
		}
		a.walk.returned = now
	}()
	recs, err := a.next(ctx)
	switch {
	case errors.Is(err, io.EOF):
		a.done = true
		a.walk.stop()
	case err != nil:
		a.err = err
		a.walk.stop()
	}
	return recs, err
}

func (a *APISource) next(ctx context.Context) ([]Record, error) {
	if !a.haveTotal {
		// The count sizes the walk (how many windows to plan).
		if _, err := a.Total(ctx); err != nil {
			return nil, err
		}
	}
	w := &a.walk
	if !w.started {
		a.startWalk(a.total)
	}
	// The caller's cancel reaches the requests in flight.
	defer context.AfterFunc(ctx, w.cancel)()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if w.ended {
			// finish restarts the walk, or delivers, or ends it.
			recs, err := a.finish(ctx)
			if err != nil || len(recs) > 0 || w.ended {
				return recs, err
			}
			continue
		}
		recs, err := a.step(ctx)
		if errors.Is(err, io.EOF) {
			w.end()
			continue
		}
		return recs, err
	}
}

// step delivers the next users of the walk; io.EOF (or ended set with
// the last users) says the list looks finished, which finish checks.
func (a *APISource) step(ctx context.Context) ([]Record, error) {
	w := &a.walk
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if w.cursorOnly {
			elems, full, err := a.fetch(ctx, url.Values{"starting_after": {w.lastKey}}, w.delivered)
			if err != nil {
				return nil, err
			}
			return a.resumeAfter(elems, full, 0)
		}
		a.fill()
		if len(w.queue) == 0 {
			return nil, io.EOF
		}
		a.refreshEndCount()
		win := w.queue[0]
		select {
		case <-win.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		// Cleared first: the array behind the queue would otherwise keep
		// every delivered window's users until an append moved it.
		w.queue[0] = nil
		w.queue = w.queue[1:]
		w.markHead()
		if win.err != nil {
			if big := w.oversized.Load(); big != nil {
				return nil, *big // this window was cancelled for it
			}
			if errors.Is(win.err, errNoAnswer) && w.lastKey != "" && w.cursor != cursorOff && !w.cursorOnly {
				// Clerk's API reference: a large offset walks every row
				// before it, getting slower until it times out, and past
				// a few pages starting_after is the way. A window that
				// got no answer in its whole retry budget is read again
				// by cursor, and the rest of the list after it, one page
				// after another.
				w.cursorOnly = true
				w.restart(0)
				continue
			}
			return nil, win.err
		}
		w.decodeAhead()
		win.decode()
		win.kept.release() // its users are decoded: the bytes are done with
		w.noteSize(win.size, len(win.elems))
		elems := win.elems
		tied, err := a.acrossTies(ctx, win)
		if errors.Is(err, errTiesMoved) {
			return a.resync(ctx, win)
		}
		if err != nil {
			return nil, err
		}
		if tied != nil {
			elems = tied
		} else if w.lastKey != "" {
			if !w.tieBig && len(elems) > 0 && elems[0].key != w.lastKey && w.tie(elems[0]) {
				// The window starts on a user created in the same instant
				// as the last one delivered, in another order: re-read
				// from where that instant's users begin.
				if recs, ok, err := a.tieResync(ctx, win); ok {
					return recs, err
				}
			}
			if len(elems) == 0 || elems[0].key != w.lastKey {
				// A window far into the list that starts with the very
				// first user: offset is ignored.
				ignored := win.offset > 0 && len(elems) > 0 && elems[0].key == w.firstKey
				recs, err := a.resync(ctx, win)
				if ignored && w.cursor == cursorWorks {
					w.cursorOnly = true
					w.restart(0)
				}
				return recs, err
			}
			elems = elems[1:]
		}
		recs, err := a.deliver(elems)
		if err != nil {
			return nil, err
		}
		w.noteTieStart(win.elems, win.offset)
		if n := len(win.elems); n > 0 && len(recs) > 0 {
			w.lastAt = win.offset + n - 1
		}
		if !win.full {
			if err := a.shortPage(ctx, win); err != nil {
				return nil, err
			}
			w.listLen = win.offset + len(win.elems)
			if len(recs) == 0 {
				return nil, io.EOF
			}
			w.end()
			return recs, nil
		}
		if len(w.queue) == 0 && w.issuedEnd {
			// The list is longer than counted: users signed up during the
			// walk. Count again to plan the rest.
			w.issuedEnd = false
			w.endCount = nil // counted before these sign-ups
			a.haveTotal = false
			n, err := a.Total(ctx)
			if err != nil {
				return nil, err
			}
			w.estN = max(n, win.offset+a.pageSize+1)
		}
		if len(recs) > 0 {
			return recs, nil
		}
	}
}

// shortPage checks a window that came back short, which would end the
// list, against the window after it, if one was sent: one holding users
// created after the last user delivered shows the short page was not
// the end but a server that does not fill its pages (a proxy capping
// limit, say). Reading on would skip users between the two; ending
// would import part of the list as if it were all of it.
func (a *APISource) shortPage(ctx context.Context, win *window) error {
	w := &a.walk
	// A short page where the count says the list ends is its end: users
	// the next window holds then signed up since (the final count reads
	// them), not a page the server cut.
	if len(w.queue) == 0 || !w.haveCreated || !a.haveTotal || win.offset+len(win.elems) >= a.total {
		return nil
	}
	next := w.queue[0]
	if win.offset+len(win.elems) >= next.offset {
		// Short by one: the next window starts right after it, so no
		// user can lie between them; the users it holds signed up since.
		return nil
	}
	select {
	case <-next.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if next.err != nil {
		return nil // no evidence either way: the final count decides
	}
	next.decode()
	later := 0
	for _, e := range next.elems {
		if e.hasTime && e.created > w.lastCreated {
			later++
		}
	}
	if later == 0 {
		return nil
	}
	return fmt.Errorf("clerk: GET %s/users answered %d users at offset %d for limit %d, as if the list of %d ended there, yet the request at offset %d returned %d users created later: the server does not fill its pages (a proxy or API capping limit?), so paging through it would skip users; stopping rather than import part of the list",
		a.base, len(win.elems), win.offset, a.pageSize, a.total, next.offset, later)
}

// fill issues windows until the walk has inFlight requests outstanding
// (sent, not answered), holds as many windows as it may, or has covered
// the plan (from the count).
//
// Under an allowance, inFlight is what Little's law asks of requests in
// the air, so windows that have arrived and wait for the caller do not
// count against it: counting them made the walk go in waves (a burst
// arriving at once filled the queue, and nothing more went out until
// the caller had eaten most of it). What they do bound is memory: the
// walk holds (arrived plus outstanding) at most twice inFlight, which
// leaves room for inFlight pages waiting (a latency and a half of the
// caller's pace), and never over maxAutoInFlight (but for Prefetch's burst).
// A token bucket or a fixed MaxInFlight keeps its width as the cap on
// every window held: both are the caller's choice of a ceiling, and
// production paces by allowance.
// Whatever the mode, the windows held stay within heldBudget at the page
// size noteSize expects (heldCap): large users make large pages.
func (a *APISource) fill() {
	w := &a.walk
	n := a.inFlight()
	held := n
	if a.limiter == nil && a.maxInFlight == 0 {
		// Prefetch's burst is the one time the walk holds more.
		held = min(2*n, max(maxAutoInFlight, w.burst))
	}
	held = min(held, w.heldCap(a.pageSize))
	out := w.outstanding()
	for !w.issuedEnd && out < n && len(w.queue) < held {
		out++
		win := &window{offset: w.next, done: make(chan struct{}), kept: newKeptBody()}
		w.queue = append(w.queue, win)
		w.next += a.pageSize - 1
		// A window reaching past the counted users is expected short: the
		// last one needed.
		if win.offset+a.pageSize > w.estN {
			w.issuedEnd = true
			// Not for a plan made before the count came back (Prefetch's
			// burst): its "last" window is not the list's.
			if w.endCount == nil && !w.provisional {
				a.countAhead()
			}
		}
		ctx, cancel := w.genCtx, w.genCancel
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			defer close(win.done)
			q := url.Values{"offset": {strconv.Itoa(win.offset)}}
			win.raws, win.full, win.err = a.fetchRaw(withKept(ctx, win.kept), q)
			if win.err != nil {
				win.kept.release()
			} else {
				win.kept.until(ctx) // a restart drops it undelivered
			}
			if errors.Is(win.err, errTooLarge) {
				// The server sends the same to every request: the
				// others need not read theirs (up to 64 MiB each) before
				// the walk stops on this one.
				w.oversized.CompareAndSwap(nil, &win.err)
				cancel()
			}
			for _, raw := range win.raws {
				win.size += len(raw)
			}
		}()
	}
	w.markHead()
}

// noteSize takes in the size of a page of n users. Users are listed by
// sign-up date, so an instance's later users may carry much more than its
// first ones: a larger page counts at once, a smaller one only slowly.
func (w *walk) noteSize(size, n int) {
	if n == 0 {
		return
	}
	per := max(1, size/n)
	w.userBytes = max(per, (7*w.userBytes+per)/8)
}

// heldCap is how many windows fit in the walk's budget at the page size
// noteSize expects (no limit before the first page), never fewer than
// the one delivered and those decoded ahead.
func (w *walk) heldCap(pageSize int) int {
	if w.userBytes == 0 {
		return math.MaxInt
	}
	budget := w.budget
	if budget == 0 {
		budget = heldBudget
	}
	return max(decodeAhead+1, budget/(w.userBytes*pageSize))
}

// outstanding counts the windows of the current generation not answered
// yet. The queue holds only that generation (restart drops it), so a
// cancelled one still winding down is never counted, nor one answered
// whose body waits for its turn to be read (readAhead): its request is
// no longer in the air.
func (w *walk) outstanding() int {
	n := 0
	for _, win := range w.queue {
		select {
		case <-win.done:
		default:
			if !win.kept.waiting.Load() {
				n++
			}
		}
	}
	return n
}

// startWalk starts the walk, planned for estN users.
func (a *APISource) startWalk(estN int) {
	w := &a.walk
	w.started = true
	w.ctx, w.cancel = context.WithCancel(context.Background())
	w.estN = estN
	w.tieFrom = -1
	w.restart(0)
}

// Prefetch implements Prefetcher: under an allowance, the first windows
// go out with the count instead of after it, so the count's round trip
// (~300 ms at Clerk) no longer delays the first page. They are sent
// before any answer has shown the key is good, so they are a quarter of
// the window's allowance at most, and at most maxBurst (slowBurst for a
// slow caller); if the list is shorter than they reach, the ones past
// its end come back empty.
func (a *APISource) Prefetch(slow bool) {
	w := &a.walk
	if a.closed || w.started || a.haveTotal || a.limiter != nil || a.maxInFlight > 0 {
		return
	}
	w.burst = min(maxBurst, a.allowance.requests/4)
	if slow {
		w.burst = min(w.burst, slowBurst)
	}
	if w.burst < 2 {
		w.burst = 0
		return
	}
	// A plan that ends with the burst's last window; the count replaces
	// it (see replan).
	a.startWalk(w.burst * (a.pageSize - 1))
	w.provisional = true
	a.fill()
}

// replan replaces a provisional plan with the counted list length n,
// counted by a request sent at sent.
func (w *walk) replan(n, pageSize int, sent time.Time) {
	if !w.provisional {
		return
	}
	w.provisional, w.burst = false, 0
	w.estN = n
	// The last window issued starts pageSize-1 before w.next.
	w.issuedEnd = w.next-(pageSize-1)+pageSize > n
	if w.issuedEnd && w.endCount == nil {
		// The burst already reaches the list's end, and this count was
		// asked as its windows went out: it is the count sent with the
		// last window (which races it, as countAhead's does), so a list
		// that fits in the burst is not counted a second time, a round
		// trip after its last page (unless it ends too late for the count
		// to be fresh).
		c := &counted{sent: sent, done: make(chan struct{}), n: n}
		close(c.done)
		w.endCount = c
	}
}

// restart drops the windows in flight and plans new ones from offset base
// (the offset of the last user delivered, or 0 before the first).
func (w *walk) restart(base int) {
	if w.genCancel != nil {
		w.genCancel()
	}
	w.genCtx, w.genCancel = context.WithCancel(w.ctx)
	w.queue = nil
	w.next = base
	w.issuedEnd = false
	w.ended = false
	w.endCount = nil // the list moved since: counted again at its end
}

// end drops the windows in flight: the list looks finished, which
// finish checks against a fresh count before the walk ends.
func (w *walk) end() {
	if w.genCancel != nil {
		w.genCancel()
	}
	w.queue = nil
	w.ended = true
}

// stop cancels every request of the walk and waits for their goroutines.
func (w *walk) stop() {
	if !w.started {
		return
	}
	w.cancel()
	w.wg.Wait()
	w.queue = nil
}

// fetch reads one list page: q positions it (offset, or starting_after);
// pos0+i+1 is the provisional position of element i (fixed on delivery).
func (a *APISource) fetch(ctx context.Context, q url.Values, pos0 int) ([]element, bool, error) {
	raws, full, err := a.fetchRaw(ctx, q)
	return decodeElems(raws, pos0), full, err
}

// fetchRaw is fetch without decoding the users: the page's entries.
func (a *APISource) fetchRaw(ctx context.Context, q url.Values) ([]json.RawMessage, bool, error) {
	q.Set("limit", strconv.Itoa(a.pageSize))
	q.Set("order_by", "+created_at")
	if !q.Has("offset") {
		q.Set("offset", "0")
	}
	where := "offset " + q.Get("offset")
	if after := q.Get("starting_after"); after != "" {
		where = "after " + after
	}
	var raws []json.RawMessage
	var full bool
	err := a.get(ctx, "/users", q, func(body []byte) error {
		var err error
		raws, err = splitPage(body)
		if err != nil {
			if truncatedJSON(body) {
				return errTruncated
			}
			return fmt.Errorf("clerk: GET %s/users (%s): %w", a.base, where, err)
		}
		if len(raws) > a.pageSize {
			return fmt.Errorf("clerk: GET %s/users (%s): %d users for limit %d", a.base, where, len(raws), a.pageSize)
		}
		full = len(raws) == a.pageSize
		if full {
			a.pageHint.Store(int64(len(body) + len(body)/8))
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return raws, full, nil
}

// decodeElems decodes a page's entries, the first at position pos0+1.
func decodeElems(raws []json.RawMessage, pos0 int) []element {
	if raws == nil {
		return nil
	}
	elems := make([]element, len(raws))
	for i, raw := range raws {
		elems[i] = newElement(raw, pos0+i+1)
	}
	return elems
}

// deliver checks that elems continue the list (no user twice, created_at
// never going back), numbers them and makes them the last page delivered.
func (a *APISource) deliver(elems []element) ([]Record, error) {
	w := &a.walk
	keys := make(map[string]int, len(elems))
	recs := make([]Record, 0, len(elems))
	last := ""
	for _, e := range elems {
		i := len(recs)
		if w.tie(e) {
			continue // a user created in the same instant, seen already
		}
		_, inPage := keys[e.key]
		_, inPrev := w.prevKeys[e.key]
		if isID(e.key) && (inPage || inPrev || e.key == w.lastKey) {
			return nil, fmt.Errorf("%w: user %q came back after %d users; stopping so the import does not run forever (is CLERK_API_URL a Clerk API that honours offset?)", errNotAdvancing, e.key, w.delivered+i)
		}
		keys[e.key] = i
		if e.hasTime {
			if w.haveCreated && e.created < w.lastCreated {
				return nil, fmt.Errorf("%w: user %q was created before the user read before it (after %d users); stopping so the import does not run forever", errNotAdvancing, e.key, w.delivered+i)
			}
			if !w.haveCreated || e.created > w.lastCreated || w.tieKeys == nil {
				w.tieKeys = make(map[string]bool)
				w.tieDone, w.tieBig = false, false
			}
			w.lastCreated, w.haveCreated = e.created, true
			if isID(e.key) {
				w.tieKeys[e.key] = true
			}
		}
		rec := e.rec
		if pos := w.delivered + i + 1; rec.Pos != pos {
			if rec.Err != nil {
				rec = decodeUser(rec.Raw, pos) // its message names the position
			} else {
				rec.Pos = pos
			}
		}
		recs = append(recs, rec)
		last = e.key
	}
	if len(recs) > 0 {
		if w.delivered == 0 {
			w.firstKey = elems[0].key
		}
		w.delivered += len(recs)
		w.prevKeys = keys
		w.lastKey = last
	}
	return recs, nil
}

// tie reports a user delivered already whose created_at is the last one
// delivered: the same instant's users in another order (see tieKeys).
func (w *walk) tie(e element) bool {
	return e.hasTime && w.haveCreated && e.created == w.lastCreated && w.tieKeys[e.key]
}

// advances reports whether a page read after the last user delivered
// really continues the list (a Clerk ignoring the cursor starts over).
func (w *walk) advances(elems []element) bool {
	for len(elems) > 0 && w.tie(elems[0]) {
		elems = elems[1:] // the same instant's users, reordered
	}
	if len(elems) == 0 {
		// Only users of that instant read already: the rest of it in
		// another order, not the list started over.
		return true
	}
	e := elems[0]
	_, inPrev := w.prevKeys[e.key]
	return e.key != w.lastKey && !inPrev && (!e.hasTime || !w.haveCreated || e.created >= w.lastCreated)
}

// contradicts reports whether a window's users (held) include one
// created after the last user delivered that a short page read after
// that user (after) does not list: the page cannot be the end.
func (w *walk) contradicts(held, after []element) bool {
	if !w.haveCreated {
		return false
	}
	listed := make(map[string]bool, len(after))
	for _, e := range after {
		listed[e.key] = true
	}
	for _, e := range held {
		if e.hasTime && e.created > w.lastCreated && !listed[e.key] {
			return true
		}
	}
	return false
}

// resync handles a window whose first user is not the last one delivered:
// users were deleted or inserted before it since the windows were planned.
// It re-reads the users after the last one delivered, then restarts the
// windows from there.
func (a *APISource) resync(ctx context.Context, win *window) ([]Record, error) {
	w := &a.walk
	w.restart(win.offset) // the other windows sit on the same stale offsets
	if w.cursor != cursorOff && isID(w.lastKey) {
		elems, full, err := a.fetch(ctx, url.Values{"starting_after": {w.lastKey}}, w.delivered)
		var ae *APIError
		switch {
		case errors.As(err, &ae) && (ae.Status == 400 || ae.Status == 404 || ae.Status == 422):
			// 404: Clerk's answer to a cursor naming a deleted user.
			if w.cursor == cursorUntried {
				w.cursor = cursorOff // not supported here
			}
			// Otherwise the last user was deleted: look for the spot by offset.
		case err != nil:
			return nil, err
		case len(elems) > 0 && !w.advances(elems):
			w.cursor = cursorOff // ignored: the list started over
		case !full && w.contradicts(win.elems, elems):
			// A short (or empty) page after a cursor naming a deleted
			// user, while the window holds later users: the cursor is
			// no guide at this spot; look for it by offset.
		default:
			w.cursor = cursorWorks
			// Before deliverTiesAround, which changes the last user delivered.
			last := w.lastOffset(win, elems) + len(elems)
			// The users after the last one delivered, in this request's
			// order, may leave out some created in the same instant
			// that it lists before it: read them all.
			before, err := a.deliverTiesAround(ctx, elems)
			if err != nil {
				return nil, err
			}
			return a.resumeAfterSome(before, elems, full, last)
		}
	}
	// Found by offset, the last user's place among users of its instant
	// tells nothing when their order changes: read them whole first, so
	// lookback resumes after all of them.
	before, err := a.deliverTiesAround(ctx, nil)
	if err != nil {
		return nil, err
	}
	recs, err := a.lookback(ctx, win.offset, before)
	if errors.Is(err, io.EOF) && len(before) > 0 {
		w.end()
		return before, nil
	}
	return recs, err
}

// deliverTiesAround reads whole and delivers the users created at
// lastCreated when those read after the last user delivered (elems) may
// have skipped some of them (tiesAround). nil with no error when there is
// no need, or when they are larger than a page and listed in a stable
// order (readTiesAfterMove).
func (a *APISource) deliverTiesAround(ctx context.Context, elems []element) ([]Record, error) {
	if !a.walk.tiesAround(elems) {
		return nil, nil
	}
	group, err := a.readTiesAfterMove(ctx)
	if err != nil || group == nil {
		return nil, err
	}
	a.walk.tieDone = true
	return a.deliver(group)
}

// tieResync re-reads a window that began among users created in the same
// instant as the last user delivered (tieKeys), whose order changes from
// one request to the next: from the user before those users, so that
// each of them is read, those delivered already dropped. ok is false
// when the page does not show the instant where expected (users were
// created or deleted before it): then the ordinary resync takes over.
func (a *APISource) tieResync(ctx context.Context, win *window) ([]Record, bool, error) {
	w := &a.walk
	w.restart(win.offset)
	// The page starts on the user before them: a page starting among
	// them could not tell whether some sit before it (a user deleted
	// earlier in the list moves them all up one).
	at := max(0, win.offset-len(w.tieKeys))
	elems, full, err := a.fetch(ctx, url.Values{"offset": {strconv.Itoa(at)}}, w.delivered)
	if err != nil {
		return nil, true, err
	}
	// Every user of the instant delivered must be on the page, before any
	// user created later; earlier users only as the last page's.
	seen, k := 0, 0
	for i, e := range elems {
		switch {
		case !e.hasTime:
			return nil, false, nil
		case e.created < w.lastCreated:
			if _, ok := w.prevKeys[e.key]; !ok || seen > 0 {
				return nil, false, nil
			}
			k = i + 1
		case e.created == w.lastCreated && w.tieKeys[e.key]:
			seen++
		}
	}
	if seen != len(w.tieKeys) || at > 0 && k == 0 {
		return nil, false, nil
	}
	recs, err := a.resumeAfter(elems[k:], full, at+len(elems)-1)
	return recs, true, err
}

// acrossTies handles a window that starts among users created in the
// same instant as the last user delivered, when that instant's users
// run on past the overlap or come in another order (Clerk may list
// them differently on every request). Paging through them could skip
// some: the users one request lists after the last one delivered are
// not the ones the next request lists there. So they are read whole, in
// one request (readTies), and the window delivered after them, those
// delivered already dropped. elems is nil when the window needs no such
// care (the walk goes on as usual); errTiesMoved asks for a resync when
// those users are not where the windows saw them; other errors stop the
// walk, as when the instant has more users than a page and their order
// changes, since no paging can then be sure to read each.
func (a *APISource) acrossTies(ctx context.Context, win *window) ([]element, error) {
	w := &a.walk
	elems := win.elems
	if w.lastKey == "" || len(elems) == 0 || !w.haveCreated || !elems[0].at(w.lastCreated) {
		return nil, nil
	}
	exact := elems[0].key == w.lastKey
	goesOn := len(elems) > 1 && elems[1].at(w.lastCreated)
	switch {
	case exact && !goesOn:
		// The instant ends on the overlap: the windows before held all
		// of it (or it was read whole when it began in another).
		return nil, nil
	case w.tieDone:
		if w.tieKeys[elems[0].key] {
			return elems, nil // deliver drops the users read already
		}
		return nil, nil // a user not read before: the list moved, resync
	case w.tieBig:
		// Their order was shown stable (sameOrder): they are paged
		// through like any users, and a window that does not start on
		// the last one delivered is a shift from users deleted or
		// inserted before it, which the ordinary resync handles.
		return nil, nil
	}
	group, big, err := a.readTies(ctx)
	switch {
	case err != nil:
		return nil, err
	case big:
		w.tieBig = true
		return nil, nil
	case group == nil:
		// Not found where expected: the list moved. Even a window that
		// starts on the last user delivered is no proof then, when they
		// come in another order on each request.
		return nil, errTiesMoved
	}
	w.tieDone = true
	return append(group, elems...), nil
}

// errTiesMoved is acrossTies finding an instant's users moved from where
// the windows saw them: the walk resyncs.
var errTiesMoved = errors.New("clerk: the users of an instant moved")

// ErrUnstableTies stops a walk at an instant with more users than a page
// whose order changes between requests: paging through them could miss
// some, which an import must not do silently.
var ErrUnstableTies = errors.New("clerk: users created in the same instant are listed in a different order on each request")

func (w *walk) unstableTies(pageSize int) error {
	return fmt.Errorf("%w: more users have created_at %s than one page of %d holds, so paging through them cannot be sure to read each one; stopping after %d users rather than leave some out. Import from Clerk's user export instead (Dashboard → Settings → User exports, then --file), which lists each user once",
		ErrUnstableTies, time.UnixMilli(w.lastCreated).UTC().Format(time.RFC3339Nano), pageSize, w.delivered)
}

// readTies reads every user created at lastCreated in one request: by
// Clerk's created_at filters, or, where they are ignored, from the
// offset where the windows saw those users begin. big reports more of
// them than a page holds, listed in the same order twice (else err).
// group is nil when they could not be found.
func (a *APISource) readTies(ctx context.Context) (group []element, big bool, err error) {
	w := &a.walk
	t := w.lastCreated
	if w.filter != cursorOff {
		group, big, err = a.readTiesFiltered(ctx, t)
		if err != nil || w.filter == cursorWorks {
			return group, big, err
		}
	}
	return a.readTiesAt(ctx, t)
}

// readTiesFiltered asks for the users created between t-1 and t+1 ms
// (whether Clerk's bounds are strict or not) and keeps those at t. A
// page with users outside those bounds shows the filter ignored.
func (a *APISource) readTiesFiltered(ctx context.Context, t int64) ([]element, bool, error) {
	w := &a.walk
	q := func(offset int) url.Values {
		return url.Values{
			"created_at_after":  {strconv.FormatInt(t-1, 10)},
			"created_at_before": {strconv.FormatInt(t+1, 10)},
			"offset":            {strconv.Itoa(offset)},
		}
	}
	elems, full, err := a.fetch(ctx, q(0), w.delivered)
	var ae *APIError
	switch {
	case errors.As(err, &ae) && (ae.Status == 400 || ae.Status == 422):
		w.filter = cursorOff
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	var group []element
	for _, e := range elems {
		switch {
		case !e.hasTime || e.created < t-1 || e.created > t+1:
			w.filter = cursorOff
			return nil, false, nil
		case e.created == t:
			group = append(group, e)
		}
	}
	w.filter = cursorWorks
	if !full || elems[len(elems)-1].created > t {
		return group, false, nil
	}
	// A page of them: the next shows whether there are more.
	more, _, err := a.fetch(ctx, q(a.pageSize), w.delivered)
	if err != nil {
		return nil, false, err
	}
	if !slices.ContainsFunc(more, func(e element) bool { return e.at(t) }) {
		return group, false, nil
	}
	return nil, true, a.sameOrder(ctx, q(0), elems, t)
}

// readTiesAt reads the users created at t from tieFrom, where the
// windows saw them begin, with the user before them (which shows the
// list has not moved) and the one after (which shows there are no more).
func (a *APISource) readTiesAt(ctx context.Context, t int64) ([]element, bool, error) {
	w := &a.walk
	s := w.tieFrom
	if w.tieAt != t || s < 0 {
		return nil, false, nil
	}
	from := max(0, s-1)
	q := url.Values{"offset": {strconv.Itoa(from)}}
	elems, full, err := a.fetch(ctx, q, w.delivered)
	if err != nil {
		return nil, false, err
	}
	i := 0
	if s > 0 {
		if len(elems) == 0 || !elems[0].hasTime || elems[0].created >= t {
			return nil, false, nil
		}
		i = 1
	}
	j := i
	for j < len(elems) && elems[j].at(t) {
		j++
	}
	switch {
	case j == i:
		return nil, false, nil
	case j == len(elems) && full:
		return a.readTiesPast(ctx, t, s, from+len(elems), q, elems, elems[i:])
	case j < len(elems) && (!elems[j].hasTime || elems[j].created < t):
		return nil, false, nil
	}
	return elems[i:j], false, nil
}

// readTiesPast follows a page (elems, read with q) that ran out among the
// users created at t, the first of them at offset s and the first not
// on the page at offset next: it may have held all of them but the
// user before (a group of a page less one), or all but one, or the
// group may be larger than a page. The users at next tell which; a group
// of a page is then read whole from s, the page already read showing
// the list has not moved (all its users created at t among them).
func (a *APISource) readTiesPast(ctx context.Context, t int64, s, next int, q url.Values, elems, tied []element) ([]element, bool, error) {
	w := &a.walk
	more, _, err := a.fetch(ctx, url.Values{"offset": {strconv.Itoa(next)}}, w.delivered)
	if err != nil {
		return nil, false, err
	}
	at := func(k int) bool { return k < len(more) && more[k].at(t) }
	switch {
	case len(more) > 0 && (!more[0].hasTime || more[0].created < t):
		return nil, false, nil // the list moved
	case !at(0):
		return tied, false, nil // the page held them all
	case at(1) || len(tied) == a.pageSize:
		// More than a page from s: pageable only in a stable order.
		return nil, true, a.sameOrder(ctx, q, elems, t)
	}
	// A page of them from s: one more than the first page held.
	group, full, err := a.fetch(ctx, url.Values{"offset": {strconv.Itoa(s)}}, w.delivered)
	if err != nil {
		return nil, false, err
	}
	keys := make(map[string]bool, len(group))
	for _, e := range group {
		if !e.at(t) {
			return nil, false, nil // the list moved
		}
		keys[e.key] = true
	}
	if !full || len(keys) != len(group) {
		return nil, false, nil
	}
	for _, e := range tied {
		if !keys[e.key] {
			return nil, false, nil
		}
	}
	return group, false, nil
}

// sameOrder reads a page again and reports ErrUnstableTies unless it
// lists the users of elems created at t in the same order: an instant
// too large for one page can be paged through only if its order holds.
// Users deleted or created before the page meanwhile shift it, so what
// must hold is the order of the users both reads list; when too few are
// common to tell (the list moved a lot), it reads once more.
func (a *APISource) sameOrder(ctx context.Context, q url.Values, elems []element, t int64) error {
	first := tiedKeys(elems, t)
	for range 2 {
		again, _, err := a.fetch(ctx, q, a.walk.delivered)
		if err != nil {
			return err
		}
		same, common := sameRelativeOrder(first, tiedKeys(again, t))
		switch {
		case !same:
			return a.walk.unstableTies(a.pageSize)
		case 2*common >= len(first):
			return nil
		}
	}
	return a.walk.unstableTies(a.pageSize)
}

// tiedKeys are the keys of the users of elems created at t, in order.
func tiedKeys(elems []element, t int64) []string {
	var keys []string
	for _, e := range elems {
		if e.at(t) {
			keys = append(keys, e.key)
		}
	}
	return keys
}

// sameRelativeOrder reports whether the keys both a and b hold come in
// the same order in each, and how many they are.
func sameRelativeOrder(a, b []string) (bool, int) {
	at := make(map[string]int, len(a))
	for i, k := range a {
		at[k] = i
	}
	prev, common := -1, 0
	for _, k := range b {
		i, ok := at[k]
		if !ok {
			continue
		}
		if i < prev {
			return false, common
		}
		prev = i
		common++
	}
	return true, common
}

// readTiesAfterMove reads whole the users created at lastCreated once the
// list has moved under the walk (see tiesAround): by Clerk's created_at
// filters, or, where they are ignored, by offset from where those users
// begin now (readTiesMoved). nil with no error: they are larger than a
// page and listed in a stable order, so the cursor's page is safe.
// Where they cannot be read whole, the walk stops rather than lose some.
func (a *APISource) readTiesAfterMove(ctx context.Context) ([]element, error) {
	w := &a.walk
	t := w.lastCreated
	if w.filter != cursorOff {
		group, big, err := a.readTiesFiltered(ctx, t)
		switch {
		case err != nil:
			return nil, err
		case big:
			w.tieBig = true
			return nil, nil
		case w.filter == cursorWorks:
			return group, nil
		}
	}
	// The list may move again between the requests that look for them.
	for range 2 {
		group, big, err := a.readTiesMoved(ctx, t)
		switch {
		case err != nil:
			return nil, err
		case big:
			w.tieBig = true
			return nil, nil
		case group != nil:
			return group, nil
		}
	}
	return nil, fmt.Errorf("%w: users were deleted or created during the import while it read the %d users created at %s, and Clerk, ignoring its created_at filters, lists them in another order on each request; they could not be found again to read whole, so the import stops after %d users rather than leave some out. Run it again, or import from Clerk's user export (Dashboard → Settings → User exports, then --file)",
		ErrUnstableTies, len(w.tieKeys), time.UnixMilli(t).UTC().Format(time.RFC3339Nano), w.delivered)
}

// readTiesMoved finds by offset where the users created at t begin now,
// near where the windows saw them begin (tieFrom) as the list moved by
// the users deleted or created before them, and reads them from there
// (readTiesAt; the page that finds them does when it holds them all,
// with a user on either side).
func (a *APISource) readTiesMoved(ctx context.Context, t int64) ([]element, bool, error) {
	w := &a.walk
	if w.tieAt != t || w.tieFrom < 0 {
		return nil, false, nil
	}
	step := a.pageSize - 1
	lo := max(0, w.tieFrom-step/2)
	for range maxLookback {
		elems, _, err := a.fetch(ctx, url.Values{"offset": {strconv.Itoa(lo)}}, w.delivered)
		if err != nil {
			return nil, false, err
		}
		b := slices.IndexFunc(elems, func(e element) bool { return e.hasTime && e.created >= t })
		switch {
		case len(elems) == 0 && lo > 0:
			lo = max(0, lo-step) // the list shrank below lo
			continue
		case b < 0 && len(elems) == a.pageSize:
			lo += step // they begin further on
			continue
		case b < 0 || elems[b].created > t:
			return []element{}, false, nil // none of them left: none to lose
		case b == 0 && lo > 0:
			lo = max(0, lo-step) // they begin before lo
			continue
		}
		e := b
		for e < len(elems) && elems[e].at(t) {
			e++
		}
		if e < len(elems) && elems[e].hasTime && elems[e].created > t {
			return elems[b:e], false, nil
		}
		w.tieFrom = lo + b
		return a.readTiesAt(ctx, t)
	}
	return nil, false, nil
}

// tiesAround reports whether the users read after the last one delivered
// (elems) may have skipped some created in its instant: they begin with
// one, or the last page ended with several, and the instant has not been
// read whole (nor shown listed in a stable order).
func (w *walk) tiesAround(elems []element) bool {
	if !w.haveCreated || w.tieDone || w.tieBig {
		return false
	}
	first := len(elems) > 0 && elems[0].at(w.lastCreated)
	return first || len(w.tieKeys) > 1
}

// noteTieStart records where the users created at lastCreated begin
// among elems, the first of them at offset: unless they began before
// elems (then the earlier start stands).
func (w *walk) noteTieStart(elems []element, offset int) {
	if !w.haveCreated {
		return
	}
	t := w.lastCreated
	// They end elems (users come by created_at): scan back, so a page
	// without ties costs a comparison or two.
	j := -1
	for i := len(elems) - 1; i >= 0; i-- {
		if e := elems[i]; e.hasTime {
			if e.created != t {
				break
			}
			j = i
		}
	}
	switch {
	case j < 0:
		w.tieFrom, w.tieAt = -1, t
	case j > 0 || w.tieAt != t:
		w.tieFrom, w.tieAt = offset+j, t
	}
}

// lastOffset places the last user delivered in the list as it is now,
// from where the window found at win.offset its first user: among the
// users after it (elems, read by cursor) when users before it were
// deleted, or among the last page delivered when users were inserted
// before it. Guessing win.offset in the latter case left every later
// window short by the users inserted, each page then re-read by cursor.
func (w *walk) lastOffset(win *window, elems []element) int {
	if len(win.elems) == 0 {
		return win.offset
	}
	first := win.elems[0].key
	for j, e := range elems {
		if e.key == first {
			return win.offset - 1 - j
		}
	}
	if i, ok := w.prevKeys[first]; ok {
		// The last user delivered ends that page: inserted users put it
		// as many places after win.offset as it comes after first.
		return win.offset + w.prevKeys[w.lastKey] - i
	}
	return win.offset
}

// lookback finds the last user delivered (expected at offset at) by
// offset, stepping back over deletions or forward over insertions, and
// delivers what follows it, after before (records delivered already).
// Without the user (deleted meanwhile), the list resumes at the first
// user created after it.
func (a *APISource) lookback(ctx context.Context, at int, before []Record) ([]Record, error) {
	w := &a.walk
	step := a.pageSize - 1
	lo := max(0, at-step)
	for range maxLookback {
		elems, full, err := a.fetch(ctx, url.Values{"offset": {strconv.Itoa(lo)}}, w.delivered)
		if err != nil {
			return nil, err
		}
		j := -1
		for i, e := range elems {
			if e.key == w.lastKey {
				j = i
				break
			}
		}
		switch {
		case j >= 0 && len(w.tieKeys) > 1:
			// Among users of its instant, listed in an order that may
			// change from one request to the next, its place tells
			// nothing: resume with those of them not read yet, wherever
			// this page lists them.
		case j >= 0 && j == len(elems)-1 && full:
			lo += j // the user ends this window: read on from it
			continue
		case j >= 0:
			return a.resumeAfterSome(before, elems[j+1:], full, lo+len(elems)-1)
		case len(elems) == 0 && lo > 0:
			lo = max(0, lo-step) // the list shrank below lo
			continue
		case len(elems) == 0:
			w.listLen = 0
			return nil, io.EOF
		case !w.haveCreated:
			return nil, fmt.Errorf("%w: the last user read (%q) is gone and users carry no created_at to resume after", errNotAdvancing, w.lastKey)
		case lo > 0 && elems[0].hasTime && elems[0].created > w.lastCreated:
			lo = max(0, lo-step) // started past the spot: step back
			continue
		}
		// Users of the last user's instant not read yet come after it
		// too (it was deleted from among them): only those read already
		// and earlier users are skipped.
		k := 0
		for k < len(elems) && (!elems[k].hasTime || elems[k].created < w.lastCreated || w.tie(elems[k])) {
			k++
		}
		if k == len(elems) && full {
			lo += step // the spot is further on
			continue
		}
		return a.resumeAfterSome(before, elems[k:], full, lo+len(elems)-1)
	}
	return nil, fmt.Errorf("%w: could not find where the list resumes after user %q (%d users read); stopping so the import does not run forever", errNotAdvancing, w.lastKey, w.delivered)
}

// resumeAfter delivers the users a resync found and restarts the windows
// at last, the offset of the last of them; a short page ends the walk.
func (a *APISource) resumeAfter(elems []element, full bool, last int) ([]Record, error) {
	return a.resumeAfterSome(nil, elems, full, last)
}

// resumeAfterSome is resumeAfter once the records before were delivered
// (an instant read whole): they come first, and count as users found.
func (a *APISource) resumeAfterSome(before []Record, elems []element, full bool, last int) ([]Record, error) {
	recs, err := a.deliver(elems)
	if err != nil {
		return nil, err
	}
	recs = append(before, recs...)
	if a.walk.cursorOnly {
		a.walk.tieFrom = -1 // no offsets
	} else {
		a.walk.noteTieStart(elems, last-len(elems)+1)
		if len(recs) > 0 {
			a.walk.lastAt = last
		}
	}
	if !full {
		a.walk.listLen = last + 1
		if len(recs) == 0 {
			return nil, io.EOF
		}
		a.walk.end()
		return recs, nil
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%w: a full page after user %q brought no new user (%d users read); stopping so the import does not run forever", errNotAdvancing, a.walk.lastKey, a.walk.delivered)
	}
	a.walk.restart(last)
	return recs, nil
}

// rawID reads the id of a list element without decoding the rest.
func rawID(raw json.RawMessage) string {
	var probe struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &probe) != nil {
		return ""
	}
	return probe.ID
}

// ErrListShort ends a walk whose list stopped short of the users Clerk
// counts, when re-reading after the last user read found no more and the
// list as Clerk lists it now does not account for them: importing what
// was read as if it were all of it would leave users out unnoticed (and
// a later run would take them for users deleted in Clerk).
var ErrListShort = errors.New("clerk: Clerk's user list ended short of its count")

// finish checks a list that looks finished against a fresh count, the
// walk's last request when all is well. Short of it, the users after the
// last one delivered are read again (by offset, or by cursor where
// offset is ignored): any found are delivered and the walk goes on. If
// none are, the list's length as the re-read saw it must make up the
// count (users signed up with an earlier created_at during the walk land
// behind it, and a later run picks them up); otherwise the walk fails
// with ErrListShort. It returns io.EOF when the walk is over, nil and no
// records when it restarted the windows.
func (a *APISource) finish(ctx context.Context) ([]Record, error) {
	w := &a.walk
	n, err := a.endTotal(ctx)
	if err != nil {
		return nil, err
	}
	if w.delivered >= n {
		return nil, io.EOF
	}
	if w.lastKey == "" {
		// Nothing listed at all, yet users counted: walk again, once.
		if w.rewalked {
			return nil, a.listShort(n, "the list came back empty twice")
		}
		w.rewalked = true
		w.cursorOnly = false
		w.restart(0)
		return nil, nil
	}
	if w.cursorOnly {
		elems, full, err := a.fetch(ctx, url.Values{"starting_after": {w.lastKey}}, w.delivered)
		var ae *APIError
		switch {
		case errors.As(err, &ae) && (ae.Status == 400 || ae.Status == 404 || ae.Status == 422):
			return nil, a.listShort(n, fmt.Sprintf("re-reading after the last user read, %q, was refused: %v", w.lastKey, err))
		case err != nil:
			return nil, err
		case len(elems) == 0:
			return nil, a.listShort(n, fmt.Sprintf("re-reading after the last user read, %q, found no more", w.lastKey))
		case !w.advances(elems):
			return nil, fmt.Errorf("%w: re-reading after user %q started the list over (%d users read)", errNotAdvancing, w.lastKey, w.delivered)
		}
		return a.resumeAfter(elems, full, 0)
	}
	for round := 0; ; round++ {
		w.listLen = -1
		recs, err := a.lookback(ctx, w.lastAt, nil)
		if !errors.Is(err, io.EOF) {
			return recs, err
		}
		// Nothing after the last user: the list, as long as the re-read
		// saw it, must hold the users counted (a deletion meanwhile may
		// have changed the count: counted again before giving up).
		if w.listLen >= n {
			return nil, io.EOF
		}
		prev := n
		if n, err = a.recount(ctx); err != nil {
			return nil, err
		}
		if w.listLen >= n || w.delivered >= n {
			return nil, io.EOF
		}
		if n == prev || round == 2 {
			return nil, a.listShort(n, fmt.Sprintf("re-reading by offset after the last user read, %q, found no more and a list of %d users", w.lastKey, max(w.listLen, 0)))
		}
		// The count moved while the list was re-read (a sign-up and a
		// deletion meanwhile): read it again rather than call it short.
	}
}

// countAhead sends the count finish will check the list against, with
// the window expected to be the last, on the walk's own context (the
// windows' is cancelled when the list looks finished).
func (a *APISource) countAhead() {
	w := &a.walk
	c := &counted{sent: time.Now(), done: make(chan struct{})}
	w.endCount = c
	ctx := w.ctx
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer close(c.done)
		c.n, c.err = a.count(ctx)
	}()
}

// refreshEndCount sends the end count again when the one sent with the
// last window will be stale (endCountFresh) by the time the list ends,
// as the pages left and the time between pages predict it: a list that
// fit in Prefetch's burst had its count sent as the walk began, and one
// walked for longer than that would be counted again a round trip after
// its last page. The new count goes out up to two round trips before the
// end (a prediction from the caller's time alone sent it too late), but
// no more than half of endCountFresh, so its answer is back by the time
// the last page is delivered and still fresh then.
func (a *APISource) refreshEndCount() {
	w := &a.walk
	c := w.endCount
	if c == nil || c.refresh || !w.issuedEnd || w.provisional {
		return
	}
	lat, period := a.latency.get(), w.period.get()
	if lat == 0 || period == 0 {
		return // a recount at the end costs next to nothing
	}
	// The pages left are the windows within the counted list: a burst
	// reaches past its end.
	pages := 0
	for _, win := range w.queue {
		if win.offset < w.estN {
			pages++
		}
	}
	left := time.Duration(pages) * period
	// Two round trips ahead, but never so far ahead that the new count
	// would be stale itself at an end that comes later than predicted
	// (the latency meter counts the transfer of large pages too).
	lead := min(2*lat, endCountFresh/2)
	if left > lead || time.Since(c.sent)+left <= endCountFresh {
		return
	}
	a.countAhead()
	w.endCount.refresh, w.endCount.prev = true, c
}

// endTotal is the fresh count finish checks a finished-looking list
// against: the one sent with the last window (or again before the end,
// or the one before that while it is fresh and the new one has no
// answer) when there is one, else one asked now. It becomes the source's
// Total.
func (a *APISource) endTotal(ctx context.Context) (int, error) {
	c := a.walk.endCount
	a.walk.endCount = nil
	if c != nil && c.prev != nil && time.Since(c.prev.sent) <= endCountFresh {
		// The list ended sooner than predicted: the count before is
		// fresh yet, and waiting on the new one would cost time, as
		// would counting again for a new one that failed.
		select {
		case <-c.done:
			if c.err != nil {
				c = c.prev
			}
		default:
			c = c.prev
		}
	}
	if c == nil || time.Since(c.sent) > endCountFresh {
		return a.recount(ctx)
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if c.err != nil {
		return a.recount(ctx) // asked again, with the caller's context
	}
	a.total, a.haveTotal = c.n, true
	return c.n, nil
}

// recount asks Clerk again how many users there are.
func (a *APISource) recount(ctx context.Context) (int, error) {
	a.haveTotal = false
	return a.Total(ctx)
}

func (a *APISource) listShort(n int, why string) error {
	return fmt.Errorf("%w: Clerk counts %d users, but its list ended after %d were read (%s); stopping with an error rather than import part of the list as all of it. Run the import again; if this recurs, import from Clerk's user export (Dashboard → Settings → User exports, then --file)",
		ErrListShort, n, a.walk.delivered, why)
}
