package ui

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	_ "github.com/ascendkit/ascendkit/client/ascendkit/sqlite"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// recountUsers are makeUsers(12) with a repeated email, two banned users
// (one of whom repeats another's email) and one whose email the
// environment already has.
func recountUsers() []clerk.User {
	us := makeUsers(12)
	us[5].EmailAddresses[0].EmailAddress = "u1@example.com"
	us[7].Banned = true
	us[8].Banned = true
	us[8].EmailAddresses[0].EmailAddress = "u9@example.com"
	us[10].EmailAddresses[0].EmailAddress = "taken@example.com"
	// Merges need the address verified on both sides.
	for _, i := range []int{1, 5, 10} {
		us[i].EmailAddresses[0].Verification = &clerk.Verification{Status: "verified"}
	}
	return us
}

// realCore is a wizard on the real importer and a SQLite environment
// that counts how often the Clerk source is opened (each open is a read).
type realCore struct {
	env   ascendkit.Environment
	users []clerk.User
	opens atomic.Int32
}

func newRealCore(t *testing.T) (*realCore, Config) {
	t.Helper()
	env, err := ascendkit.Open("local:" + filepath.Join(t.TempDir(), "env.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	if _, err := env.ApplyImport(context.Background(), ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{{
		User: ascendkit.User{Email: "taken@example.com", CreatedAt: fixedNow, EmailVerified: true}, Source: "signup", SourceID: "s1"}}}, fixedNow); err != nil {
		t.Fatal(err)
	}
	rc := &realCore{env: env, users: recountUsers()}
	cfg := Config{
		Env:    env,
		APIKey: "sk_test_0123456789abcdef",
		OpenAPI: func(string, func(string, time.Duration)) (clerk.Source, error) {
			rc.opens.Add(1)
			return &sliceSource{kind: "api", users: rc.users, pageSize: 4}, nil
		},
	}
	return rc, cfg
}

// fresh is what a new preview with the confirmation's options says.
func (rc *realCore) fresh(t *testing.T, d *driver) importer.Report {
	t.Helper()
	opts := d.m.pc.runOptions(importer.ModePreview)
	opts.Phases = importer.Phases{Users: true, Settings: true}
	rep, err := importer.Run(context.Background(), &sliceSource{kind: "api", users: rc.users, pageSize: 4}, rc.env, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func sameAsFresh(t *testing.T, got, want importer.Report) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	t.Fatalf("the confirmation's report differs from a fresh preview:\n got %s\nwant %s", g, w)
}

// toRealReview walks to the review on the real importer; the settings
// preview is the one read of the source.
func toRealReview(t *testing.T, opts ...driverOpt) (*driver, *realCore) {
	t.Helper()
	rc, cfg := newRealCore(t)
	d := newDriver(t, cfg, 100, 30, opts...)
	d.press("enter")
	d.waitFor("the preview", func(m Model) bool {
		s, ok := m.screens[stateSettings].(*settingsScreen)
		return ok && s.report != nil && m.pc.sess.classified != nil
	})
	d.press("enter")
	if d.state() != stateDuplicates {
		t.Fatalf("state %v, want review", d.state())
	}
	return d, rc
}

// Changing the duplicate choices (here: banned users included, a bulk
// merge) does not read the source again: the confirmation recounts from
// the settings preview's classification, with a fresh preview's numbers.
func TestConfirmRecountsWithoutReading(t *testing.T) {
	d, rc := toRealReview(t)
	reads := rc.opens.Load()
	d.press("b", "enter")
	d.waitFor("the report", func(m Model) bool { return confirmOf(d).report != nil })
	if n := rc.opens.Load(); n != reads {
		t.Fatalf("the confirmation read the source again (%d opens, %d before)", n, reads)
	}
	got := *confirmOf(d).report
	if got.Users.SkippedReasons[importer.ReasonBanned] != 0 {
		t.Fatalf("banned users still skipped: %+v", got.Users)
	}
	sameAsFresh(t, got, rc.fresh(t, d))
	if f := d.m.pc.sess.final; f == nil || !reflect.DeepEqual(*f, got) {
		t.Fatal("the session's final report is not the recount")
	}

	// Back to the review, every duplicate merged, then confirm again.
	d.press("esc", "M")
	if reviewOf(d).pending != nil {
		d.press("y")
	}
	d.press("enter")
	d.waitFor("the report", func(m Model) bool { return confirmOf(d).report != nil })
	got = *confirmOf(d).report
	if got.Users.ToMerge == 0 || rc.opens.Load() != reads {
		t.Fatalf("toMerge %d after a bulk merge, %d opens (%d before)", got.Users.ToMerge, rc.opens.Load(), reads)
	}
	sameAsFresh(t, got, rc.fresh(t, d))
}

// When the environment changed since the read (another process imported
// a user), the confirmation reads the source again, and that read's
// classification serves the next visit.
func TestConfirmRereadsWhenEnvironmentChanged(t *testing.T) {
	d, rc := toRealReview(t)
	reads := rc.opens.Load()
	first := d.m.pc.sess.classified
	if _, err := rc.env.ApplyImport(context.Background(), ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{{
		User: ascendkit.User{Email: "u2@example.com", CreatedAt: fixedNow}, Source: "signup", SourceID: "s2"}}}, fixedNow); err != nil {
		t.Fatal(err)
	}
	d.press("b", "enter")
	d.waitFor("the report", func(m Model) bool { return confirmOf(d).report != nil && m.pc.sess.classified != first })
	if n := rc.opens.Load(); n != reads+1 {
		t.Fatalf("%d opens, want one new read (%d before)", n, reads)
	}
	got := *confirmOf(d).report
	if got.Users.DuplicateReasons[importer.ReasonEmailExists] != 2 {
		t.Fatalf("the new user's email is not a duplicate: %+v", got.Users)
	}
	sameAsFresh(t, got, rc.fresh(t, d))
	if _, err := first.Recount(context.Background(), importer.Options{}); err == nil {
		t.Fatal("the stale classification was not freed")
	}
	// The next visit recounts from the new read.
	d.press("esc", "b", "enter")
	d.waitFor("the report", func(m Model) bool { return confirmOf(d).report != nil })
	if n := rc.opens.Load(); n != reads+1 {
		t.Fatalf("%d opens after the second visit, want %d", n, reads+1)
	}
	sameAsFresh(t, *confirmOf(d).report, rc.fresh(t, d))
}

// stopAtOnce stops a run before it reads anything: its run is recorded,
// nothing is written.
type stopAtOnce struct {
	clerk.Source
	cancel context.CancelFunc
}

func (s *stopAtOnce) Next(context.Context) ([]clerk.Record, error) {
	s.cancel()
	return nil, context.Canceled
}

// r after a stop that wrote nothing recounts (the run's own record does
// not count as a change); the run itself does read the source.
func TestRunAgainAfterEmptyStopRecounts(t *testing.T) {
	stop := func(pc *programContext) {
		pc.runImporter = func(ctx context.Context, src clerk.Source, env ascendkit.Environment, opts importer.Options) (importer.Report, error) {
			if opts.Mode == importer.ModeRun {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
				src = &stopAtOnce{Source: src, cancel: cancel}
			}
			return importer.Run(ctx, src, env, opts)
		}
	}
	d, rc := toRealReview(t, stop)
	d.press("b", "enter")
	d.waitFor("the report", func(m Model) bool { return confirmOf(d).report != nil })
	reads := rc.opens.Load()
	d.press("y")
	d.waitFor("the stop", func(m Model) bool { return progressOf(d).report != nil })
	p := progressOf(d)
	if !p.report.Interrupted || p.written() != 0 || rc.opens.Load() != reads+1 {
		t.Fatalf("run: interrupted %v, written %d, opens %d (%d before)", p.report.Interrupted, p.written(), rc.opens.Load(), reads)
	}
	if runs, _ := rc.env.ListRuns(context.Background()); len(runs) != 1 {
		t.Fatalf("%d runs recorded, want the stopped one", len(runs))
	}
	// The choices differ from the settings preview's: a recount, not a read.
	d.press("r")
	d.waitFor("the confirmation", func(m Model) bool { return m.state == stateConfirm && confirmOf(d).report != nil })
	if n := rc.opens.Load(); n != reads+1 {
		t.Fatalf("r read the source again: %d opens, want %d", n, reads+1)
	}
	sameAsFresh(t, *confirmOf(d).report, rc.fresh(t, d))
}

// Leaving the program frees the classification.
func TestQuitFreesClassification(t *testing.T) {
	d, _ := toRealReview(t)
	c := d.m.pc.sess.classified
	d.press("ctrl+c")
	if _, err := c.Recount(context.Background(), importer.Options{}); err != importer.ErrClassifiedClosed {
		t.Fatalf("after quitting, recount says %v", err)
	}
}
