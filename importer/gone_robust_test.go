package importer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// openUsersFile opens usersFile's file as a source, closed with the test.
func openUsersFile(t *testing.T, users ...string) clerk.Source {
	t.Helper()
	src, err := clerk.OpenFile(usersFile(t, users...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// A user whose record has grown past 1 MiB since Day 1 is still in the
// Day 3 file (skipped as malformed, named by its id): not gone.
func TestOversizedRecordIsNotGone(t *testing.T) {
	env := openEnv(t)
	day1 := openUsersFile(t, fileUser("user_a", ""), fileUser("user_big", ""))
	if _, _, err := runAt(t, day1, env, Options{Mode: ModeRun}, now); err != nil {
		t.Fatal(err)
	}
	big := `,"public_metadata":{"blob":"` + strings.Repeat("x", 1<<20) + `"}`
	day3 := openUsersFile(t, fileUser("user_a", ""), fileUser("user_big", big))
	rep, entries, err := runAt(t, day3, env, Options{Mode: ModePreview}, now.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if rep.ImportedNotInSource != 0 || rep.Users.SkippedReasons[ReasonMalformed] != 1 {
		t.Errorf("importedNotInSource %d, malformed %d; want 0 and 1", rep.ImportedNotInSource, rep.Users.SkippedReasons[ReasonMalformed])
	}
	for _, e := range entries {
		if e.Reason == ReasonMalformed && e.SourceID != "user_big" {
			t.Errorf("the record too large to read is not named by its id: %+v", e)
		}
	}
}

// A record whose id cannot be read may be any user: nobody is reported
// gone, and a warning says the check was not made, in the preview and
// the wizard's recount alike.
func TestRecordWithoutIDSkipsTheGoneCheck(t *testing.T) {
	env := openEnv(t)
	if _, _, err := runAt(t, openUsersFile(t, fileUser("user_a", ""), fileUser("user_b", "")), env, Options{Mode: ModeRun}, now); err != nil {
		t.Fatal(err)
	}
	opts := Options{Mode: ModePreview}
	var c *Classified
	opts.OnClassified = func(k *Classified) { c = k }
	rep, _, err := runAt(t, openUsersFile(t, fileUser("user_a", ""), `"not a user"`), env, opts, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	again, err := c.Recount(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for what, r := range map[string]Report{"preview": rep, "recount": again} {
		if r.ImportedNotInSource != 0 || !strings.Contains(strings.Join(r.Warnings, "\n"), "1 record was read without a readable Clerk id") {
			t.Errorf("%s: importedNotInSource %d, warnings %q", what, r.ImportedNotInSource, r.Warnings)
		}
	}
}

// failingList fails the listing of imported users on its second call.
type failingList struct {
	ascendkit.Environment
	calls int
	fail  func() error
}

func (f *failingList) ListSourceUsers(ctx context.Context, flt ascendkit.SourceUserFilter) ([]ascendkit.SourceUser, error) {
	if flt.UserIDs != nil { // a merge check's, not the listing's
		return f.Environment.ListSourceUsers(ctx, flt)
	}
	f.calls++
	if f.calls == 2 {
		return nil, f.fail()
	}
	return f.Environment.ListSourceUsers(ctx, flt)
}

// The check only informs: a listing that fails is a warning, and the run
// goes on to its settings; a stop during it says the count is partial.
func TestGoneCheckFailureIsAWarning(t *testing.T) {
	defer func(n int) { goneListPage = n }(goneListPage)
	goneListPage = 1
	env := openEnv(t)
	if _, _, err := runAt(t, newSource(2, mkUser("user_a", "a@example.com", withPassword), mkUser("user_b", "b@example.com")), env, Options{Mode: ModeRun}, now); err != nil {
		t.Fatal(err)
	}
	fe := &failingList{Environment: env, fail: func() error { return errors.New("connection reset") }}
	rep, _, err := runAt(t, newSource(2, mkUser("user_a", "a@example.com", withPassword), mkUser("user_d", "d@example.com", withPassword)), fe, Options{Mode: ModeRun}, now.Add(time.Hour))
	if err != nil || rep.Users.Imported != 1 || len(rep.Settings.After) == 0 ||
		!strings.Contains(strings.Join(rep.Warnings, "\n"), "Could not check which users earlier imports created are no longer in the source") {
		t.Errorf("err %v, imported %d, settings after %v, warnings %q", err, rep.Users.Imported, rep.Settings.After, rep.Warnings)
	}

	stop, cancel := context.WithCancel(context.Background())
	defer cancel()
	fe = &failingList{Environment: env, fail: func() error { cancel(); return stop.Err() }}
	opts := Options{Mode: ModePreview, Now: func() time.Time { return now.Add(2 * time.Hour) }}
	rep, err = Run(stop, newSource(2, mkUser("user_c", "c@example.com")), fe, opts)
	if !errors.Is(err, context.Canceled) || !strings.Contains(strings.Join(rep.Warnings, "\n"), "stopped part-way") {
		t.Errorf("stopped: err %v, warnings %q", err, rep.Warnings)
	}
}

// failingEmails fails the email lookup of its second page.
type failingEmails struct {
	ascendkit.Environment
	calls int
}

func (f *failingEmails) LookupEmails(ctx context.Context, emails []string) (map[string]ascendkit.Match, error) {
	f.calls++
	if f.calls == 2 {
		return nil, errors.New("unexpected EOF")
	}
	return f.Environment.LookupEmails(ctx, emails)
}

// A lookup that fails mid-run (the connection lost) says where, and that
// the batches written stay, as a failed write does.
func TestLookupFailureMidRunSaysWhatStays(t *testing.T) {
	env := &failingEmails{Environment: openEnv(t)}
	_, err := Run(ctx, newSource(1, mkUser("user_a", "a@example.com"), mkUser("user_b", "b@example.com")), env, Options{Mode: ModeRun})
	if err == nil || !strings.Contains(err.Error(), "looking up emails in local:") || !strings.Contains(err.Error(), "already written stay; run again to continue") {
		t.Fatalf("err %v", err)
	}
}
