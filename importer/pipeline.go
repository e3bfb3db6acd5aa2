package importer

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// readPage is one Next call's result, passed from the reader to the
// classifier.
type readPage struct {
	recs []clerk.Record
	err  error
}

// pages runs the users phase as a bounded pipeline: a reader goroutine
// decodes the next page while this goroutine classifies the current one
// and a writer goroutine (see flush) commits the batch before it. At most
// one decoded page waits for the classifier and one batch is in flight,
// so memory stays bounded whatever the source's size.
//
// Only this goroutine touches the report and emits events, so progress
// means what it always meant; whatever stops the run (the context, a
// source or a write error), the batch in flight is waited for and counted
// if it committed, and no goroutine outlives the call.
func (r *runner) pages() error {
	ctx, stop := context.WithCancel(r.ctx)
	// Unbuffered: the reader holds at most one decoded page while this
	// goroutine classifies another, which is all the overlap there is.
	in := make(chan readPage)
	var wg sync.WaitGroup
	wg.Go(func() { readPages(ctx, r.src, in) })
	defer func() {
		stop()
		for range in { // let a reader blocked on a full channel finish
		}
		wg.Wait()
	}()
	err := r.consume(in)
	if serr := r.settle(); err == nil {
		err = serr
	}
	return err
}

// consume classifies the pages the reader sends until the source ends.
func (r *runner) consume(in <-chan readPage) error {
	for {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		p, ok := <-in
		switch {
		case !ok:
			// The reader stops early only when the context ends.
			if err := r.ctx.Err(); err != nil {
				return err
			}
			return errors.New("importer: the source reader stopped unexpectedly")
		case errors.Is(p.err, io.EOF):
			return r.flush()
		case p.err != nil:
			return p.err
		}
		if err := r.page(p.recs); err != nil {
			return err
		}
	}
}

// readPages sends src's pages to out until the source ends (io.EOF is
// sent too), fails, or ctx ends; it closes out when it returns.
func readPages(ctx context.Context, src clerk.Source, out chan<- readPage) {
	defer close(out)
	for {
		recs, err := src.Next(ctx)
		select {
		case out <- readPage{recs: recs, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}
