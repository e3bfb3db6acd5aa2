package importer

import (
	"context"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// OpenCancelable runs open in its own goroutine and returns when ctx ends
// first (with ctx.Err()): an open may block (a pipe with no writer, a
// hung network mount), and a stop or ctrl+c must not wait for it. A
// source that opens after that is closed.
func OpenCancelable(ctx context.Context, open func() (clerk.Source, error)) (clerk.Source, error) {
	type opened struct {
		src clerk.Source
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		src, err := open()
		ch <- opened{src, err}
	}()
	select {
	case o := <-ch:
		return o.src, o.err
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.src != nil {
				o.src.Close()
			}
		}()
		return nil, ctx.Err()
	}
}
