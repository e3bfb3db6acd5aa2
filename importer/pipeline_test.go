package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// watchedSource counts the Next calls in progress; block, when set, makes
// the call for that page wait for the context to end.
type watchedSource struct {
	*sliceSource
	active atomic.Int32
	block  int
	fail   int // page whose Next fails (0: none)
}

func (w *watchedSource) Next(ctx context.Context) ([]clerk.Record, error) {
	w.active.Add(1)
	defer w.active.Add(-1)
	page := w.sliceSource.page
	switch {
	case w.fail > 0 && page == w.fail:
		return nil, errors.New("clerk: reading page: connection reset")
	case w.block > 0 && page == w.block:
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return w.sliceSource.Next(ctx)
}

// watchedEnv counts ApplyImport calls in progress and runs hook (if set)
// before the n-th call reaches the environment.
type watchedEnv struct {
	ascendkit.Environment
	active atomic.Int32
	calls  int
	hook   func(call int) error
}

func (w *watchedEnv) ApplyImport(ctx context.Context, b ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	w.active.Add(1)
	defer w.active.Add(-1)
	w.calls++
	if w.hook != nil {
		if err := w.hook(w.calls); err != nil {
			return ascendkit.BatchResult{}, err
		}
	}
	return w.Environment.ApplyImport(ctx, b, now)
}

func thousandUsers() *sliceSource {
	var users []*clerk.User
	for i := range 1000 {
		users = append(users, mkUser(fmt.Sprintf("user_%04d", i), fmt.Sprintf("u%04d@example.com", i)))
	}
	return newSource(100, users...)
}

// checkStopped asserts that nothing Run started is still at work and that
// the report counts exactly the users the environment holds.
func checkStopped(t *testing.T, src *watchedSource, env *watchedEnv, rep Report, imported int) {
	t.Helper()
	if n := src.active.Load(); n != 0 {
		t.Errorf("%d source reads still running after Run returned", n)
	}
	if n := env.active.Load(); n != 0 {
		t.Errorf("%d writes still running after Run returned", n)
	}
	n, err := env.CountUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Users.Imported != n || n != imported {
		t.Errorf("reported %d imported, environment holds %d, want %d", rep.Users.Imported, n, imported)
	}
}

func TestPipelineWriteFailureStops(t *testing.T) {
	src := &watchedSource{sliceSource: thousandUsers()}
	env := &watchedEnv{Environment: openEnv(t), hook: func(call int) error {
		if call == 4 {
			return errors.New("disk I/O error")
		}
		return nil
	}}
	rep, err := Run(context.Background(), src, env, Options{Mode: ModeRun, BatchSize: 100})
	if err == nil || !strings.Contains(err.Error(), "disk I/O error") || rep.Interrupted {
		t.Fatalf("err %v, interrupted %v", err, rep.Interrupted)
	}
	checkStopped(t, src, env, rep, 300)
	if env.calls != 4 {
		t.Errorf("%d writes tried; the run must stop at the failed one", env.calls)
	}
	// The next run continues where this one stopped.
	again := run(t, thousandUsers(), env.Environment, Options{Mode: ModeRun, BatchSize: 100})
	if again.Users.Imported != 700 || again.Users.DuplicateReasons[ReasonAlreadyImported] != 300 {
		t.Fatalf("continue: %+v", again.Users)
	}
}

func TestPipelineSourceFailureStops(t *testing.T) {
	src := &watchedSource{sliceSource: thousandUsers(), fail: 4}
	env := &watchedEnv{Environment: openEnv(t)}
	rep, err := Run(context.Background(), src, env, Options{Mode: ModeRun, BatchSize: 100})
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("err %v", err)
	}
	// Pages 0-3 were read and classified before the failure: their
	// batches, including the one in flight, are written and counted.
	checkStopped(t, src, env, rep, 400)
	if rep.Users.Fetched != 400 {
		t.Errorf("fetched %d", rep.Users.Fetched)
	}
}

func TestPipelineCancelDuringWrite(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &watchedSource{sliceSource: thousandUsers()}
	env := &watchedEnv{Environment: openEnv(t), hook: func(call int) error {
		if call == 3 {
			cancel() // the user stops while the third batch is being written
		}
		return nil
	}}
	rep, err := Run(ctx, src, env, Options{Mode: ModeRun, BatchSize: 100})
	if !errors.Is(err, context.Canceled) || !rep.Interrupted {
		t.Fatalf("err %v, interrupted %v", err, rep.Interrupted)
	}
	checkStopped(t, src, env, rep, 200)
}

func TestPipelineCancelWhileReading(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The source hangs on page 5 until the run is stopped, as a slow API
	// page would; the stop comes once two batches are committed.
	src := &watchedSource{sliceSource: thousandUsers(), block: 5}
	env := &watchedEnv{Environment: openEnv(t)}
	batches := 0
	for _, mode := range []Mode{ModePreview, ModeRun} {
		rep, err := Run(ctx, src, env, Options{Mode: mode, BatchSize: 100, OnEvent: func(e Event) {
			switch e := e.(type) {
			case PageRead:
				if mode == ModePreview && e.Fetched == 500 {
					cancel()
				}
			case BatchApplied:
				if batches++; batches == 2 {
					cancel()
				}
			}
		}})
		if !errors.Is(err, context.Canceled) || !rep.Interrupted {
			t.Fatalf("%s: err %v, interrupted %v", mode, err, rep.Interrupted)
		}
		if mode == ModePreview {
			checkStopped(t, src, env, rep, 0)
			ctx, cancel = context.WithCancel(context.Background())
			defer cancel()
			src = &watchedSource{sliceSource: thousandUsers(), block: 5}
			continue
		}
		n, _ := env.CountUsers(context.Background())
		if n < 200 || n%100 != 0 {
			t.Errorf("%d users written: want whole batches, at least the two committed before the stop", n)
		}
		checkStopped(t, src, env, rep, n)
	}
}

// sizesEnv records the size of each batch written.
type sizesEnv struct {
	ascendkit.Environment
	sizes []int
}

func (s *sizesEnv) ApplyImport(ctx context.Context, b ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	s.sizes = append(s.sizes, len(b.Create)+len(b.Merge))
	return s.Environment.ApplyImport(ctx, b, now)
}

// TestBatchesRamp: without Options.BatchSize a run's batches start at
// firstBatch and double up to DefaultBatchSize; a BatchSize given is
// kept for every batch. Every user is written either way.
func TestBatchesRamp(t *testing.T) {
	old := firstBatch
	firstBatch = 2
	t.Cleanup(func() { firstBatch = old })
	var users []*clerk.User
	for i := range 40 {
		users = append(users, mkUser(fmt.Sprint("user_", i), fmt.Sprintf("u%d@example.com", i)))
	}
	for _, c := range []struct {
		size int
		want []int
	}{{0, []int{2, 4, 8, 16, 10}}, {7, []int{7, 7, 7, 7, 7, 5}}} {
		env := &sizesEnv{Environment: openEnv(t)}
		rep := run(t, newSource(1, users...), env, Options{Mode: ModeRun, BatchSize: c.size})
		if !slices.Equal(env.sizes, c.want) || rep.Users.Imported != 40 {
			t.Errorf("BatchSize %d: batches %v, want %v; imported %d", c.size, env.sizes, c.want, rep.Users.Imported)
		}
	}
}

// TestBatchesBoundedByBytes: users with much metadata fill a batch by its
// bytes (maxBatchBytes) long before its count, so a run does not hold two
// batches of 5,000 such users; every user is still written.
func TestBatchesBoundedByBytes(t *testing.T) {
	old := maxBatchBytes
	maxBatchBytes = 25_000 // two users of 10 KB fit, a third fills it
	t.Cleanup(func() { maxBatchBytes = old })
	var users []*clerk.User
	for i := range 10 {
		u := mkUser(fmt.Sprint("user_", i), fmt.Sprintf("u%d@example.com", i))
		u.PublicMetadata = map[string]any{"notes": strings.Repeat("n", 6000)}
		u.PrivateMetadata = map[string]any{"list": []any{strings.Repeat("p", 4000)}}
		users = append(users, u)
	}
	env := &sizesEnv{Environment: openEnv(t)}
	rep := run(t, newSource(1, users...), env, Options{Mode: ModeRun})
	if want := []int{3, 3, 3, 1}; !slices.Equal(env.sizes, want) || rep.Users.Imported != 10 {
		t.Errorf("batches %v, want %v; imported %d", env.sizes, want, rep.Users.Imported)
	}
}

// prefetchSource records the order in which the importer calls it.
type prefetchSource struct {
	*sliceSource
	calls []string
}

func (s *prefetchSource) Prefetch(slow bool) {
	s.calls = append(s.calls, fmt.Sprintf("prefetch(slow=%t)", slow))
}
func (s *prefetchSource) Total(ctx context.Context) (int, error) {
	s.calls = append(s.calls, "total")
	return s.sliceSource.Total(ctx)
}
func (s *prefetchSource) Next(ctx context.Context) ([]clerk.Record, error) {
	if len(s.calls) == 0 || s.calls[len(s.calls)-1] != "next" {
		s.calls = append(s.calls, "next")
	}
	return s.sliceSource.Next(ctx)
}

// A source that can read ahead is told to before the count, so the API's
// first pages travel with its count request instead of after it; a run,
// which writes each page, is a slow reader.
func TestRunPrefetchesBeforeTheCount(t *testing.T) {
	for mode, want := range map[Mode]string{
		ModePreview: "prefetch(slow=false),total,next",
		ModeRun:     "prefetch(slow=true),total,next",
	} {
		src := &prefetchSource{sliceSource: newSource(2, mkUser("user_1", "a@example.com"), mkUser("user_2", "b@example.com"), mkUser("user_3", "c@example.com"))}
		rep := run(t, src, openEnv(t), Options{Mode: mode})
		if rep.Users.Fetched != 3 {
			t.Fatalf("%s: fetched %d users, want 3", mode, rep.Users.Fetched)
		}
		if got := strings.Join(src.calls, ","); got != want {
			t.Errorf("%s: calls = %s, want %s", mode, got, want)
		}
	}
}

// A source that fails mid-way (an API page refused, a file cut short)
// leaves every user read before it written and counted: fetched is the
// sum of the outcomes, as in the preview of the same source.
func TestSourceErrorWritesWhatWasRead(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		users := make([]*clerk.User, 0, 3000)
		for i := range 3000 {
			users = append(users, mkUser(fmt.Sprintf("user_%05d", i), fmt.Sprintf("u%d@example.com", i), withPassword))
		}
		broken := errors.New("clerk: page refused (400)")
		for _, mode := range []Mode{ModePreview, ModeRun} {
			env := openEnv(t)
			src := &failingSource{sliceSource: newSource(500, users...), failAt: 5, err: broken}
			rep, err := Run(ctx, src, env, Options{Mode: mode, BatchSize: 5000})
			if !errors.Is(err, broken) {
				t.Fatalf("%s: err %v", mode, err)
			}
			u := rep.Users
			if u.Fetched != 2500 || u.ToImport != 2500 || u.Skipped+u.Duplicates+u.Failed != 0 {
				t.Errorf("%s: users %+v", mode, u)
			}
			if mode == ModeRun {
				n, err := env.CountUsers(ctx)
				if u.Imported != 2500 || n != 2500 || err != nil {
					t.Errorf("run: imported %d, environment has %d (%v)", u.Imported, n, err)
				}
			}
		}
	})
}

// An interrupted run says how many users it read but did not write (the
// batch not yet sent, and users held to the end of the source): fetched
// is still the sum of the outcomes, and a run again writes exactly those.
func TestInterruptedRunCountsWhatItDidNotWrite(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		users := make([]*clerk.User, 0, 3000)
		for i := range 3000 {
			u := mkUser(fmt.Sprintf("user_%05d", i), fmt.Sprintf("u%d@example.com", i), withPassword)
			if i%100 == 7 { // held: its address is marked unverified
				u.EmailAddresses[0].Verification = &clerk.Verification{Status: "unverified"}
			}
			users = append(users, u)
		}
		src := newSource(500, users...)
		stop, cancel := stopAt(src, 4)
		defer cancel()
		rep, err := Run(stop, src, env, Options{Mode: ModeRun, BatchSize: 5000})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v", err)
		}
		u := rep.Users
		sum := u.ToImport + u.Duplicates + u.Skipped + u.Failed + u.NotSelected + u.NotWritten
		if u.NotWritten == 0 || sum != u.Fetched {
			t.Fatalf("fetched %d, outcomes add up to %d: %+v", u.Fetched, sum, u)
		}
		again := run(t, src.clone(), env, Options{Mode: ModeRun})
		if n, _ := env.CountUsers(ctx); n != 3000 || again.Users.Imported+u.Imported != 3000 {
			t.Errorf("after a run again: %d users, imported %d then %d", n, u.Imported, again.Users.Imported)
		}
	})
}

// A preview stopped by its source counts the users it read and had not
// counted yet (held to the end of the source, their address unverified)
// as a stopped run does, so fetched still adds up; and says what the
// users read so far showed, as a full preview does (a count of lockouts
// cleared came without its warning).
func TestStoppedPreviewAddsUpAndWarns(t *testing.T) {
	users := make([]*clerk.User, 0, 1000)
	for i := range 1000 {
		u := mkUser(fmt.Sprintf("user_%05d", i), fmt.Sprintf("u%d@example.com", i), withPassword)
		if i%100 == 7 { // held: its address is marked unverified
			u.EmailAddresses[0].Verification = &clerk.Verification{Status: "unverified"}
		}
		if i == 3 { // locked out for a while: imported unlocked, with a warning
			expires := int64(600)
			u.Locked, u.LockoutExpiresInSeconds = true, &expires
		}
		users = append(users, u)
	}
	broken := errors.New("clerk: page refused (400)")
	rep, err := Run(ctx, &failingSource{sliceSource: newSource(100, users...), failAt: 5, err: broken}, openEnv(t), Options{Mode: ModePreview})
	if !errors.Is(err, broken) {
		t.Fatalf("err %v", err)
	}
	u := rep.Users
	sum := u.ToImport + u.Duplicates + u.Skipped + u.Failed + u.NotSelected + u.NotWritten
	if u.Fetched != 500 || u.NotWritten != 5 || sum != u.Fetched {
		t.Fatalf("fetched %d, not counted %d, outcomes add up to %d: %+v", u.Fetched, u.NotWritten, sum, u)
	}
	if rep.LockoutsCleared != 1 || !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "locked out in Clerk for a while") }) {
		t.Errorf("lockouts cleared %d, warnings %q", rep.LockoutsCleared, rep.Warnings)
	}
	// The digests' warnings too: an md5 digest read before the failure.
	users[5].PasswordDigest, users[5].PasswordHasher = clerk.Secret("5f4dcc3b5aa765d61d8327deb882cf99"), "md5"
	rep, _ = Run(ctx, &failingSource{sliceSource: newSource(100, users...), failAt: 5, err: broken}, openEnv(t), Options{Mode: ModePreview})
	if rep.Passwords.UnsupportedHasher["md5"] != 1 || !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, `"md5"`) }) {
		t.Errorf("unsupported hashers %v, warnings %q", rep.Passwords.UnsupportedHasher, rep.Warnings)
	}
}

// failProvidersEnv fails the settings phase's write, after every page.
type failProvidersEnv struct{ ascendkit.Environment }

func (failProvidersEnv) AddRunProviders(context.Context, string, []string) (ascendkit.ProvidersChange, error) {
	return ascendkit.ProvidersChange{}, errors.New("database is locked")
}

// A run that fails after reading every page (here the settings phase's
// write) keeps the warnings of its users' counts, once.
func TestRunFailingAfterThePagesWarns(t *testing.T) {
	u := mkUser("user_1", "a@example.com", withOAuth("oauth_google"))
	expires := int64(600)
	u.Locked, u.LockoutExpiresInSeconds = true, &expires
	rep, err := Run(ctx, newSource(10, u), failProvidersEnv{openEnv(t)}, Options{Mode: ModeRun})
	if err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("err %v", err)
	}
	n := 0
	for _, w := range rep.Warnings {
		if strings.Contains(w, "locked out in Clerk for a while") {
			n++
		}
	}
	if rep.LockoutsCleared != 1 || n != 1 {
		t.Errorf("lockouts cleared %d, warned %d times: %q", rep.LockoutsCleared, n, rep.Warnings)
	}
}
