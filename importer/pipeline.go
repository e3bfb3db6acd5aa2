package importer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	gojson "github.com/goccy/go-json"
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
			if err := r.placeHeld(); err != nil {
				return err
			}
			return r.flush()
		case p.err != nil:
			// The users read before the source failed were classified and
			// counted (as a preview of the same source counts them): they
			// are written, so the run stands where its report says. Held
			// users are not placed: a verified holder may be in the part
			// not read.
			if r.ctx.Err() == nil {
				if err := r.flush(); err != nil {
					return errors.Join(p.err, err)
				}
			}
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

// heldUser is a user sawUser held back: its entry and what it maps to.
type heldUser struct {
	e Entry
	m mapped
	// env is the environment's user with the address, made by an earlier
	// import (see sawUser), nil when it has none.
	env *ascendkit.Match
	// merge: the user was placed already (its address claimed), and only
	// what its merge into env is waits for the end (holdMerge).
	merge bool
	// unselected: not a canary's user; only its claim is made (see
	// runner.page).
	unselected bool
}

// heldFile is a heldUser as its store's file keeps it: the entry and the
// user to create (all the end of the source needs of it), with the
// digest apart, as ascendkit.Digest writes no JSON of itself.
type heldFile struct {
	Entry  Entry
	Email  string
	User   ascendkit.ImportedUser
	Digest string
	// What noLinkLeft reads of a user to create.
	HadPassword, NoUsableOAuth                bool
	SSO, Providers, Unsupported               []string
	DigestMalformed, DigestOff, DigestMissing bool
	DigestDiffers                             bool
	DigestNotes                               []Entry
	Env                                       *ascendkit.Match
	Merge, Unselected                         bool
}

func encodeHeld(h *heldUser) ([]byte, error) {
	f := heldFile{Entry: h.e, Email: h.m.email, User: h.m.user, HadPassword: h.m.hadPassword, NoUsableOAuth: h.m.noUsableOAuth,
		SSO: h.m.sso, Providers: h.m.providers, Unsupported: h.m.unsupported,
		DigestMalformed: h.m.digestMalformed, DigestOff: h.m.digestOff, DigestMissing: h.m.digestMissing, DigestDiffers: h.m.digestDiffers, DigestNotes: h.m.digestNotes,
		Env: h.env, Merge: h.merge, Unselected: h.unselected}
	if p := f.User.Password; p != nil {
		f.Digest = string(p.Digest)
		f.User.Password = &ascendkit.Password{Hasher: p.Hasher}
	}
	return gojson.Marshal(&f)
}

func decodeHeld(b []byte, h *heldUser) error {
	var f heldFile
	d := gojson.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // metadata numbers as the source gave them
	if err := d.Decode(&f); err != nil {
		return err
	}
	if f.User.Password != nil {
		f.User.Password.Digest = ascendkit.Digest(f.Digest)
	}
	*h = heldUser{e: f.Entry, m: mapped{user: f.User, email: f.Email, hadPassword: f.HadPassword, noUsableOAuth: f.NoUsableOAuth,
		sso: f.SSO, providers: f.Providers, unsupported: f.Unsupported,
		digestMalformed: f.DigestMalformed, digestOff: f.DigestOff, digestMissing: f.DigestMissing, digestDiffers: f.DigestDiffers, digestNotes: f.DigestNotes},
		env: f.Env, merge: f.Merge, unselected: f.Unselected}
	return nil
}

// hold keeps a user sawUser held back for placeHeld.
func (r *runner) hold(e Entry, m mapped, env *ascendkit.Match) error {
	return r.holdUser(heldUser{e: e, m: m, env: env})
}

// holdMerge keeps for placeHeld a duplicate of env whose merge waits for
// the end of the source (see emailExists).
func (r *runner) holdMerge(e Entry, m mapped, env ascendkit.Match) error {
	return r.holdUser(heldUser{e: e, m: m, env: &env, merge: true})
}

func (r *runner) holdUser(h heldUser) error {
	if r.held == nil {
		r.held = newHeldStore(sealedCodec(encodeHeld, decodeHeld))
	}
	// Only what placeHeld reads: the same from memory as from the file.
	m := h.m
	h.m = mapped{user: m.user, email: m.email, hadPassword: m.hadPassword,
		noUsableOAuth: m.noUsableOAuth, sso: m.sso, providers: m.providers, unsupported: m.unsupported,
		digestMalformed: m.digestMalformed, digestOff: m.digestOff, digestMissing: m.digestMissing, digestDiffers: m.digestDiffers, digestNotes: m.digestNotes}
	return r.held.add(h)
}

func (r *runner) releaseHeld() {
	if r.held != nil {
		r.held.release()
	}
}

// heldChunk is how many held users placeHeld looks up at once.
const heldChunk = 500

// placeHeld places, at the end of the source, the users sawUser held
// back, in source order: one whose address a verified user of the source
// has taken since is a duplicate of that user (never merged into it: its
// own address is unverified); the others are created as at their place,
// the first of each address taking it. Their entries come now, with
// their positions; a run writes them in its last batches.
func (r *runner) placeHeld() error {
	h := r.held
	if h == nil || h.len() == 0 {
		return nil
	}
	chunk := make([]heldUser, 0, heldChunk)
	place := func() error {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		var links []ascendkit.OAuthLink
		for i := range chunk {
			links = append(links, chunk[i].m.user.User.OAuthLinks...)
		}
		byLink, err := r.env.LookupLinks(r.ctx, links)
		if err != nil {
			return r.lookupErr("OAuth accounts", err)
		}
		for _, u := range chunk {
			if err := r.placeHeldUser(u, byLink); err != nil {
				return err
			}
		}
		chunk = chunk[:0]
		if err := r.seen.check(); err != nil {
			return err
		}
		if r.batchFull() {
			return r.flush()
		}
		return nil
	}
	err := h.each(func(u *heldUser) error {
		chunk = append(chunk, *u)
		if len(chunk) == cap(chunk) {
			return place()
		}
		return nil
	})
	if err == nil && len(chunk) > 0 {
		err = place()
	}
	if err != nil {
		return err
	}
	r.opts.OnEvent(PageRead{Fetched: r.fetched, Total: r.total,
		Analysis: r.z.snapshot(r.fetched, r.opts.Providers), Counts: r.countsCopy()})
	return nil
}

// placeHeldUser places one held user (see placeHeld); byLink is what the
// environment has of its OAuth accounts.
func (r *runner) placeHeldUser(u heldUser, byLink map[string]ascendkit.Match) error {
	if u.unselected {
		if c := r.seen.sawHeld(u.m.email, u.env != nil && u.env.RunID != ""); u.env == nil && !c.repeatedEmail {
			r.seen.addSeen("email-unselected", u.m.email) // see mergeTarget.unselected
		}
		return nil
	}
	var c userClaim
	if !u.merge { // a user whose merge waited claimed its address at its place
		c = r.seen.sawHeld(u.m.email, u.env != nil && u.env.RunID != "")
	}
	e := u.e
	if u.env != nil && !c.importedHolder {
		// The environment's user with the address is not this source's
		// (its Clerk user did not come): a duplicate of it, as at its
		// place in runner.page.
		to, _, err := r.emailExists(&e, u.m.user.User.EmailVerified, *u.env, true)
		if err != nil {
			return err
		}
		e.Detail = noMerge(e, u.m.user.User.EmailVerified, false, false, to)
		r.duplicate(e, u.m, byLink, to)
		return nil
	}
	if !c.repeatedEmail {
		r.queueCreate(e, u.m, byLink)
		return nil
	}
	e.Reason = ReasonRepeatedInSource
	to := mergeTarget{verified: c.firstVerified, inSource: true, later: c.later, unselected: r.seen.hasSeen("email-unselected", u.m.email)}
	e.Detail = noMerge(e, u.m.user.User.EmailVerified, false, true, to)
	r.duplicate(e, u.m, byLink, to)
	return nil
}
