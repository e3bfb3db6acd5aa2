package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// mergedBefore hides which run created the users its lookups find, and
// which Clerk user they came from, as the versions before did not look: they merged another Clerk user into a
// user an import created, which a run no longer does.
type mergedBefore struct{ ascendkit.Environment }

func (m mergedBefore) LookupEmails(ctx context.Context, emails []string) (map[string]ascendkit.Match, error) {
	found, err := m.Environment.LookupEmails(ctx, emails)
	for k, v := range found {
		v.RunID = ""
		found[k] = v
	}
	return found, err
}

func (m mergedBefore) GetUser(ctx context.Context, idOrEmail string) (ascendkit.User, error) {
	u, err := m.Environment.GetUser(ctx, idOrEmail)
	delete(u.Metadata, "import")
	return u, err
}

// ApplyImport drops the merges' write-time check (Merge.SoleID), which
// those versions did not ask for either.
func (m mergedBefore) ApplyImport(ctx context.Context, b ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	b.Merge = slices.Clone(b.Merge)
	for i := range b.Merge {
		b.Merge[i].SoleID = false
	}
	return m.Environment.ApplyImport(ctx, b, now)
}

// UserStates hides metadata.import as GetUser does: the importer reads
// it there, for a page at once.
func (m mergedBefore) UserStates(ctx context.Context, ids []string) (map[string]ascendkit.UserState, error) {
	found, err := m.Environment.UserStates(ctx, ids)
	for k, v := range found {
		v.ImportSource, v.ImportSourceID = "", ""
		found[k] = v
	}
	return found, err
}

// ListSourceUsers hides the Clerk ids recorded for a user, which the
// importer reads with metadata.import to see who was merged into them.
func (m mergedBefore) ListSourceUsers(ctx context.Context, f ascendkit.SourceUserFilter) ([]ascendkit.SourceUser, error) {
	if f.UserIDs != nil {
		return nil, nil
	}
	return m.Environment.ListSourceUsers(ctx, f)
}

// twoRuns imports ada, bob and carol (the first run), then merges a second
// Clerk user with ada's email into the ada the first run created (the
// second run, as an earlier version did: see mergedBefore): undoing the
// first is blocked by the second.
func twoRuns(t *testing.T) (env ascendkit.Environment, first, second string) {
	t.Helper()
	dir := t.TempDir()
	env = realEnv(t, dir)
	ctx := context.Background()
	run := func(path string, policy importer.Policy) string {
		src, err := clerk.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		r, err := importer.Run(ctx, src, mergedBefore{env}, importer.Options{Mode: importer.ModeRun, Phases: importer.Phases{Users: true}, OnDuplicate: policy})
		if err != nil {
			t.Fatal(err)
		}
		return r.RunID
	}
	first = run(cutoverCSV(t, dir), importer.PolicySkip)
	again := filepath.Join(dir, "again.csv")
	csv := "id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\n" +
		"user_ada_again,Ada,,adal,ada@example.com,,ada@example.com,,,,,,\n"
	if err := os.WriteFile(again, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	second = run(again, importer.PolicyMerge)
	return env, first, second
}

// The runs tab lists the runs, shows one, and undoes it after showing the
// plan and reading the typed word; a blocked undo is refused, names what
// blocks it, and goes on only when "force" is typed.
func TestBrowserRunsUndo(t *testing.T) {
	env, first, second := twoRuns(t)
	ctx := context.Background()
	d := newDriver(t, Config{Env: env, Start: ScreenBrowser}, 100, 30)
	b := browserOf(d)
	d.waitFor("the runs", func(Model) bool { return !b.loading })
	if b.tab != tabRuns {
		t.Fatalf("tab %d: with only runs, the runs tab opens", b.tab)
	}
	d.mustSee("Runs (2)")
	d.mustSee(second + " · completed")
	d.mustSee("0 imported · 1 merged")

	// The first run (second in the list): blocked by the merge.
	d.press("down", "enter")
	d.waitFor("the run", func(Model) bool { return b.mode == browseRun })
	d.mustSee("Run " + first)
	d.mustSee("3 imported · 0 merged")
	d.press("u")
	d.waitFor("the plan", func(Model) bool { return b.mode == browseUndo })
	d.mustSee("users it created")
	d.mustSee("✗ Refused: later runs merged into 1 user this run created:")
	d.mustSee("ada@example.com")
	d.mustSee("by " + second)
	d.mustSee("Type force to undo anyway")
	d.press("undo", "enter")
	d.mustSee("Type the word force to go on")
	if n, _ := env.CountUsers(ctx); n != 3 {
		t.Fatalf("%d users: the refused undo changed something", n)
	}
	d.press("esc", "esc")
	if b.mode != browseList {
		t.Fatalf("mode %v after esc esc", b.mode)
	}

	// The second run: a merge, undone with "undo".
	d.press("up", "enter")
	d.waitFor("the run", func(Model) bool { return b.mode == browseRun && b.run.ID == second })
	d.press("u")
	d.waitFor("the plan", func(Model) bool { return b.mode == browseUndo })
	d.mustSee("from users it merged into")
	if b.undo.MergedUsers != 1 || len(b.undo.Blockers) != 0 {
		t.Fatalf("plan %+v", b.undo)
	}
	d.press("undo", "enter")
	d.waitFor("the undo", func(Model) bool { return b.mode == browseRun && b.notice != "" })
	d.mustSee("✓ Undone: " + second + " is now undone")
	if r, _ := importer.GetRun(ctx, env, second); r.Status != ascendkit.RunUndone {
		t.Fatalf("run status %s", r.Status)
	}
	d.waitFor("the reloaded run", func(Model) bool { return b.run.Status == ascendkit.RunUndone })
	if b.Keys().short[0].Enabled() {
		t.Fatal("u is offered on an undone run")
	}

	// The first run is no longer blocked.
	d.press("esc", "down", "enter")
	d.waitFor("the run", func(Model) bool { return b.mode == browseRun && b.run.ID == first })
	d.press("u")
	d.waitFor("the plan", func(Model) bool { return b.mode == browseUndo })
	d.mustSee("Type undo to confirm")
	d.press("undo", "enter")
	d.waitFor("the undo", func(Model) bool { return b.notice != "" })
	if n, _ := env.CountUsers(ctx); n != 0 {
		t.Fatalf("%d users after undoing every run", n)
	}
	sum := d.m.Summary()
	if !strings.Contains(sum, "Undone: run "+second) || !strings.Contains(sum, "Undone: run "+first) {
		t.Fatalf("summary:\n%s", sum)
	}
}

// force undoes a blocked run: the users it created go, with the later
// merge into them.
func TestBrowserRunsUndoForce(t *testing.T) {
	env, first, _ := twoRuns(t)
	d := newDriver(t, Config{Env: env, Start: ScreenBrowser}, 80, 24)
	b := browserOf(d)
	d.waitFor("the runs", func(Model) bool { return !b.loading })
	d.press("down", "enter")
	d.waitFor("the run", func(Model) bool { return b.mode == browseRun })
	d.press("u")
	d.waitFor("the plan", func(Model) bool { return b.mode == browseUndo })
	assertFits(t, d.view(), 80, 24)
	d.press("force", "enter")
	d.waitFor("the undo", func(Model) bool { return b.notice != "" || b.err != "" })
	if b.err != "" {
		t.Fatal(b.err)
	}
	if r, _ := importer.GetRun(context.Background(), env, first); r.Status != ascendkit.RunUndone {
		t.Fatalf("run status %s", r.Status)
	}
	if n, _ := env.CountUsers(context.Background()); n != 0 {
		t.Fatalf("%d users after the forced undo", n)
	}
}

// failingWrites fails every batch as a teammate's run linking the same
// OAuth accounts meanwhile would.
type failingWrites struct{ ascendkit.Environment }

func (failingWrites) ApplyImport(context.Context, ascendkit.ImportBatch, time.Time) (ascendkit.BatchResult, error) {
	return ascendkit.BatchResult{}, fmt.Errorf("apply import: %w: 2 OAuth account(s) planned", ascendkit.ErrLinksTaken)
}

// A failed run's page said only "failed" and its counts: why it stopped,
// which decides what to do next, was in `import runs show` alone. It
// is shown with the report.
func TestBrowserRunsShowWhyARunFailed(t *testing.T) {
	dir := t.TempDir()
	env := realEnv(t, dir)
	src, err := clerk.OpenFile(cutoverCSV(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rep, err := importer.Run(context.Background(), src, failingWrites{env}, importer.Options{Mode: importer.ModeRun, Phases: importer.Phases{Users: true}})
	if err == nil {
		t.Fatal("the run did not fail")
	}
	// On a small terminal too: the page is taller than 60×15, and the
	// reason comes before what gives way.
	for _, size := range [][2]int{{100, 30}, {60, 15}} {
		d := newDriver(t, Config{Env: env, Start: ScreenBrowser}, size[0], size[1])
		b := browserOf(d)
		d.waitFor("the runs", func(Model) bool { return !b.loading })
		d.press("enter")
		d.waitFor("the run", func(Model) bool { return b.mode == browseRun && b.run.ID == rep.RunID })
		d.mustSee("✗ Stopped early:")
		if flat := strings.Join(strings.Fields(d.view()), " "); !strings.Contains(flat, "OAuth accounts linked to other users meanwhile") {
			t.Errorf("%dx%d: the reason is not shown:\n%s", size[0], size[1], d.view())
		}
	}
}
