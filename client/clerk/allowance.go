package clerk

import (
	"errors"
	"slices"
	"sync"
	"time"
)

// Allowance paces requests the way Clerk counts them: at most Requests in
// any window of Per (production instances 1000 per 10 s, development 100
// per 10 s). Unlike a token bucket refilled at Requests/Per, it lets a walk
// spend a window's whole allowance at once and then waits for the window
// to slide, so a 100k-user walk (about 200 list requests) is bound by
// latency rather than by an artificial 90 requests a second, while never
// sending more in a window than Clerk accepts. (golang.org/x/time/rate
// cannot express this: a bucket with burst B and rate r admits B + r·Per
// requests in one window.)
//
// Clerk counts a request when it arrives, which the client only knows to
// lie between sending it and getting the answer. So a request holds its
// place in the window from the moment it is granted until Per after its
// answer came back: a request granted while fewer than Requests places
// are held can never be the one over Clerk's count, whatever the network
// did to the timing. An Allowance may be shared by sources that talk to
// the same instance.
type Allowance struct {
	requests int
	per      time.Duration

	mu sync.Mutex
	// held are the places taken: granted (maybe not yet sent), in flight,
	// or answered less than Per ago. Never more than requests.
	held []*place
	// freed is closed (and replaced) whenever a place's request ends, to
	// wake grants waiting for one.
	freed chan struct{}
}

// place is one request's hold on the window.
type place struct {
	at    time.Time // when the request may be sent
	ended bool      // the answer came back (or the attempt ended) at end
	end   time.Time
}

// NewAllowance returns an allowance of requests per window.
func NewAllowance(requests int, per time.Duration) (*Allowance, error) {
	if requests < 1 || per <= 0 {
		return nil, errors.New("clerk: an allowance needs at least one request per positive window")
	}
	return &Allowance{requests: requests, per: per, freed: make(chan struct{})}, nil
}

// Requests is how many requests a window allows.
func (w *Allowance) Requests() int { return w.requests }

// Per is the window's length.
func (w *Allowance) Per() time.Duration { return w.per }

// reserve asks for a place for a request to be sent at now or later. It
// returns the place and when to send, or, when every place is held by a
// request still going, nil and a channel that is closed when one ends
// (ask again then).
func (w *Allowance) reserve(now time.Time) (*place, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// Places answered a window ago no longer count at Clerk.
	w.held = slices.DeleteFunc(w.held, func(p *place) bool {
		return p.ended && !p.end.After(now.Add(-w.per))
	})
	at := now
	if len(w.held) >= w.requests {
		// Take over the place whose answer leaves Clerk's window first.
		first := -1
		for i, p := range w.held {
			if p.ended && (first < 0 || p.end.Before(w.held[first].end)) {
				first = i
			}
		}
		if first < 0 {
			return nil, w.freed
		}
		at = w.held[first].end.Add(w.per)
		w.held = slices.Delete(w.held, first, first+1)
	}
	p := &place{at: at}
	w.held = append(w.held, p)
	return p, nil
}

// release records that p's request ended at end (answered, failed or
// never sent): it leaves the window Per later.
func (w *Allowance) release(p *place, end time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if p.ended {
		return
	}
	p.ended, p.end = true, end
	close(w.freed)
	w.freed = make(chan struct{})
}

// cancel gives back a place whose request was never sent, so a walk
// resumed later is not held back by it. A place taken over from an
// answered request still stands for that one until its time comes.
func (w *Allowance) cancel(p *place) { w.release(p, p.at.Add(-w.per)) }
