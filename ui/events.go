package ui

import (
	"context"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// coalesceInterval is how long events are gathered into one message: the
// UI redraws at most ~10 times a second whatever the importer's pace.
const coalesceInterval = 100 * time.Millisecond

// eventBuffer is the capacity of the channel between the importer's
// goroutine and the UI.
const eventBuffer = 512

// importUpdateMsg is a coalesced batch of importer events for one run:
// the latest PageRead / BatchApplied snapshots and every EntryFound since
// the previous message. Done is set (with Report and Err) once
// importer.Run has returned; no message follows it.
type importUpdateMsg struct {
	RunID int
	// Checking is set while the importer reads a file through before
	// writing (cleared by Started).
	Checking bool
	Started  *importer.Started
	Page     *importer.PageRead
	Batch    *importer.BatchApplied
	Entries  []importer.Entry
	Settings *importer.SettingsApplied
	Finished *importer.Finished
	// Wait is the latest pause of the Clerk client (rate limit, retry
	// backoff) not yet followed by a page in this batch.
	Wait *waitNotice

	Done   bool
	Report importer.Report
	Err    error
	// Classified is what a full preview read, handed over with Done (the
	// root keeps it in the session; see classified.go). run is the run it
	// came from, so one from an abandoned run is freed instead.
	Classified *importer.Classified
	run        *importRun
}

// minShownWait is the shortest Clerk pause worth a notice: pacing under
// the rate limit pauses a fraction of a second before most requests.
const minShownWait = time.Second

// waitNotice is a pause of the Clerk client: why, and until when.
type waitNotice struct {
	Reason string
	Until  time.Time
}

// onWaitFunc is clerk.APIOptions.OnWait.
type onWaitFunc = func(reason string, d time.Duration)

// runDone is the last value sent on a run's channel.
type runDone struct {
	report     importer.Report
	err        error
	classified *importer.Classified
}

var runIDs struct {
	sync.Mutex
	n int
}

func nextRunID() int {
	runIDs.Lock()
	defer runIDs.Unlock()
	runIDs.n++
	return runIDs.n
}

// importRun is one importer.Run in its goroutine. The UI cancels it
// (graceful stop: the importer reports Interrupted) or abandons it (the
// user left the screen: events are dropped and the context cancelled).
type importRun struct {
	id        int
	events    chan any
	cancel    context.CancelFunc
	abandoned chan struct{}
	once      sync.Once
	finished  chan struct{}

	// mu guards sends of wait notices (which may come from any goroutine
	// the source uses) against the close of events, and ended.
	mu     sync.Mutex
	closed bool
	// ended is what the run's goroutine ended with, kept apart from the
	// events: the program may be gone (a panic) when it ends.
	ended *runDone
	// started is set when the goroutine is started (its command may never
	// run: the program may end first).
	started bool
}

// follow is how a screen takes a coalesced update of its run: updates of
// other (earlier) runs are dropped, apply sees the rest, the wait banner
// follows, and unless the run is over the next update is awaited.
func (r *importRun) follow(msg importUpdateMsg, b *waitBanner, now time.Time, apply func(importUpdateMsg)) tea.Cmd {
	if r == nil || msg.RunID != r.id {
		return nil
	}
	apply(msg)
	tick := b.update(msg, now)
	if msg.Done {
		return nil
	}
	return tea.Batch(r.wait(), tick)
}

// openFunc opens a new single-pass source; an API source reports its
// pauses to onWait.
type openFunc func(onWait onWaitFunc) (clerk.Source, error)

type runFunc func(ctx context.Context, src clerk.Source, opts importer.Options) (importer.Report, error)

// startRun prepares a run and returns the command that starts its
// goroutine and then waits for the first coalesced update. Further
// updates come from r.wait(), re-issued by the screen after each message.
func startRun(parent context.Context, open openFunc, run runFunc, opts importer.Options) (*importRun, tea.Cmd) {
	ctx, cancel := context.WithCancel(parent)
	r := &importRun{
		id:        nextRunID(),
		events:    make(chan any, eventBuffer),
		cancel:    cancel,
		abandoned: make(chan struct{}),
		finished:  make(chan struct{}),
	}
	send := func(v any) bool {
		select {
		case r.events <- v:
			return true
		case <-r.abandoned:
			return false
		}
	}
	opts.OnEvent = func(ev importer.Event) { send(ev) }
	// A preview keeps what it read, so that the confirmation can recount
	// with other choices instead of reading the source again.
	var kept *importer.Classified
	if opts.Mode == importer.ModePreview && opts.OnClassified == nil && len(opts.Only) == 0 {
		opts.OnClassified = func(c *importer.Classified) { kept = c }
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	onWait := func(reason string, d time.Duration) {
		if d >= minShownWait {
			r.notify(waitNotice{Reason: reason, Until: now().Add(d)})
		}
	}
	work := func() {
		defer close(r.finished)
		defer r.closeEvents()
		defer cancel()
		src, err := importer.OpenCancelable(ctx, func() (clerk.Source, error) { return open(onWait) })
		if err != nil {
			r.end(runDone{err: err})
			send(runDone{err: err})
			return
		}
		defer src.Close()
		rep, err := run(ctx, src, opts)
		r.end(runDone{report: rep, err: err})
		if !send(runDone{report: rep, err: err, classified: kept}) && kept != nil {
			kept.Close()
		}
	}
	return r, func() tea.Msg {
		r.mu.Lock()
		r.started = true
		r.mu.Unlock()
		go work()
		return r.next()
	}
}

func (r *importRun) end(d runDone) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended = &d
}

// awaitEnd waits up to d for the run's goroutine to end, and returns what
// importer.Run returned; ok is false when it had not ended by then.
// begun is false for a run whose goroutine never started.
func (r *importRun) awaitEnd(d time.Duration) (done runDone, begun, ok bool) {
	r.mu.Lock()
	begun = r.started
	r.mu.Unlock()
	if !begun {
		return runDone{}, false, false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.finished:
	case <-t.C:
		return runDone{}, true, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended == nil {
		return runDone{}, true, false
	}
	return *r.ended, true, true
}

// notify queues a wait notice without ever blocking the caller (the
// importer's goroutine): when the channel is full the notice is dropped.
func (r *importRun) notify(n waitNotice) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	select {
	case r.events <- n:
	default:
	}
}

func (r *importRun) closeEvents() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	close(r.events)
}

// isAbandoned reports a run its screen left.
func (r *importRun) isAbandoned() bool {
	select {
	case <-r.abandoned:
		return true
	default:
		return false
	}
}

// wait returns the command that delivers the next coalesced update.
func (r *importRun) wait() tea.Cmd {
	return func() tea.Msg { return r.next() }
}

// stop asks the importer to stop gracefully; updates keep flowing until
// it reports.
func (r *importRun) stop() {
	if r != nil {
		r.cancel()
	}
}

// abandon stops the run and drops whatever it still sends.
func (r *importRun) abandon() {
	if r == nil {
		return
	}
	r.once.Do(func() { close(r.abandoned) })
	r.cancel()
}

// next blocks (in a command's goroutine, never in Update) until at least
// one event arrives, then gathers events for up to coalesceInterval.
func (r *importRun) next() tea.Msg {
	msg := importUpdateMsg{RunID: r.id, run: r}
	v, ok := <-r.events
	if !ok {
		msg.Done = true
		return msg
	}
	if msg.add(v) {
		return msg
	}
	timer := time.NewTimer(coalesceInterval)
	defer timer.Stop()
	for {
		select {
		case v, ok := <-r.events:
			if !ok {
				msg.Done = true
				return msg
			}
			if msg.add(v) {
				return msg
			}
		case <-timer.C:
			return msg
		}
	}
}

// add folds one event into the message; it reports whether the run is over.
func (m *importUpdateMsg) add(v any) bool {
	switch ev := v.(type) {
	case importer.Checking:
		m.Checking = true
	case importer.Started:
		m.Started = &ev
		m.Checking = false
	case importer.PageRead:
		// A page does not end a pause: the walk's requests sent before it
		// still arrive while the client waits (its notice runs to Until).
		m.Page = &ev
	case waitNotice:
		m.Wait = &ev
	case importer.BatchApplied:
		m.Batch = &ev
	case importer.EntryFound:
		m.Entries = append(m.Entries, ev.Entry)
	case importer.SettingsApplied:
		m.Settings = &ev
	case importer.Finished:
		m.Finished = &ev
	case runDone:
		m.Done = true
		m.Report = ev.report
		m.Err = ev.err
		m.Classified = ev.classified
		return true
	}
	return false
}

// runTickInterval is how often a screen with a run in progress redraws
// on its own, so its elapsed time, rate and ETA move between updates.
const runTickInterval = time.Second

// runTickMsg redraws the screen of run RunID; the screen schedules the
// next one only while that run is in progress.
type runTickMsg struct{ RunID int }

func runTick(id int) tea.Cmd {
	return tea.Tick(runTickInterval, func(time.Time) tea.Msg { return runTickMsg{RunID: id} })
}
