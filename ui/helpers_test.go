package ui

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

// goldenSizes renders the screen that build reaches at 80×24 and 120×40,
// checks that it fits, and compares it (ANSI stripped) with
// testdata/<Test>/<size>.golden. `go test ./ui -update` rewrites them.
func goldenSizes(t *testing.T, build func(t *testing.T, w, h int) *driver) {
	t.Helper()
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			d := build(t, sz.w, sz.h)
			v := d.view()
			assertFits(t, v, sz.w, sz.h)
			golden.RequireEqual(t, stableIDs(v))
		})
	}
}

// envID is an id the environment made: a prefix, then 24 hex digits of
// creation time and randomness.
var envID = regexp.MustCompile(`\b(jrn|tpl|evt)_[0-9a-f]{24}\b`)

// stableIDs numbers the environment's ids in order of appearance, keeping
// their width, so that a golden does not change with the clock.
func stableIDs(v string) string {
	seen := map[string]string{}
	return envID.ReplaceAllStringFunc(v, func(id string) string {
		if s, ok := seen[id]; ok {
			return s
		}
		prefix := id[:strings.IndexByte(id, '_')+1]
		seen[id] = fmt.Sprintf("%s%024d", prefix, len(seen)+1)
		return seen[id]
	})
}

func assertFits(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		t.Errorf("view has %d lines, more than the %d of the terminal:\n%s", len(lines), h, v)
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			t.Errorf("line %d is %d cells wide (terminal %d): %q", i+1, lipgloss.Width(l), w, l)
		}
	}
}

// apiError stands in for *clerk.APIError: its text is Clerk's message.
type apiError struct{ msg string }

func (e *apiError) Error() string { return e.msg }

// openers returns OpenAPI/OpenFile stand-ins over users.
func testConfig(env ascendkit.Environment, users []clerk.User) Config {
	return Config{
		Env: env,
		OpenAPI: func(key string, _ func(string, time.Duration)) (clerk.Source, error) {
			if !strings.HasPrefix(key, "sk_") {
				return nil, errors.New("not a Clerk secret key")
			}
			if strings.Contains(key, "bad") {
				return &failingSource{err: &apiError{msg: "Unauthorized: The provided Clerk Secret Key is invalid. \x1b[31mMake sure\x1b[0m it is correct."}}, nil
			}
			return &sliceSource{kind: "api", users: users, pageSize: 4}, nil
		},
		OpenFile: func(path string) (clerk.Source, error) {
			if strings.HasSuffix(path, "broken.json") {
				return nil, errors.New("broken.json: not a JSON array of users")
			}
			return &sliceSource{kind: "file", users: users, pageSize: 4}, nil
		},
	}
}

type failingSource struct{ err error }

func (f *failingSource) Kind() string                                 { return "api" }
func (f *failingSource) Total(context.Context) (int, error)           { return 0, f.err }
func (f *failingSource) Next(context.Context) ([]clerk.Record, error) { return nil, f.err }
func (f *failingSource) Close() error                                 { return nil }

// previewEvents is a deterministic settings preview of 10 users.
func previewEvents() ([]importer.Event, importer.Report) {
	an := importer.Analysis{
		Fetched: 10, Password: 4, SocialOnly: 3, Both: 2, Neither: 1,
		Providers:   map[string]int{"credentials": 6, "google": 4, "github": 2},
		Unsupported: map[string]int{"oauth_tiktok": 1},
		Stranded:    1,
		// The three social-only users: one per provider.
		SocialOnlyByProviders: map[string]int{"google": 1, "github": 1, "oauth_tiktok": 1},
	}
	half := an
	half.Fetched, half.Password, half.SocialOnly, half.Both, half.Neither = 5, 2, 2, 1, 0
	half.Providers = map[string]int{"credentials": 3, "google": 2, "github": 1}
	half.Unsupported = map[string]int{}
	half.Stranded = 0
	half.SocialOnlyByProviders = map[string]int{"google": 1, "github": 1}
	counts := importer.UserCounts{
		Fetched: 10, ToImport: 7, Duplicates: 2, Skipped: 1,
		DuplicateReasons: map[string]int{importer.ReasonEmailExists: 1, importer.ReasonRepeatedInSource: 1},
		SkippedReasons:   map[string]int{importer.ReasonNoEmail: 1},
	}
	entries := []importer.Entry{
		{Pos: 3, SourceID: "user_0003", Email: "ada@example.com", Name: "Ada", Kind: "duplicate", Reason: importer.ReasonEmailExists, ExistingUserID: "usr_existing1", Policy: importer.PolicySkip},
		{Pos: 6, SourceID: "user_0006", Email: "bob@example.com", Name: "Bob", Kind: "duplicate", Reason: importer.ReasonRepeatedInSource, ExistingUserID: "", Policy: importer.PolicySkip},
		{Pos: 9, SourceID: "user_0009", Email: "", Name: "No Mail", Kind: "skipped", Reason: importer.ReasonNoEmail},
	}
	rep := importer.Report{
		Mode: importer.ModePreview, Source: importer.SourceInfo{Kind: "api", Format: "clerk-api"}, Phases: importer.Phases{Users: true, Settings: true},
		Users: counts, OAuthLinks: 6,
		Tags:   map[string]int{importer.TagClerk: 7, importer.TagNeedsPasswordReset: 5, importer.TagSocialOnly: 2},
		Events: map[string]int{importer.EventUserImported: 7, importer.EventUserLogin: 4},
		Settings: importer.SettingsReport{
			Providers: []string{"credentials", "github", "google"}, Unsupported: map[string]int{"oauth_tiktok": 1}, StrandedUsers: 1,
			PasswordlessUsers: 1,
			Before:            []string{"credentials"}, After: []string{"credentials", "github", "google"},
		},
		OAuthLinkConflicts: 1,
	}
	rep.Warnings = append([]string{"The export has no password hashes: every user with a password gets a reset email."}, importer.SettingsWarnings(rep.Settings)...)
	evs := []importer.Event{
		importer.Started{Mode: importer.ModePreview, Source: "api", Total: 10},
		importer.PageRead{Fetched: 5, Total: 10, Analysis: half, Counts: importer.UserCounts{Fetched: 5, ToImport: 4, Duplicates: 1}},
		importer.EntryFound{Entry: entries[0]},
		importer.PageRead{Fetched: 10, Total: 10, Analysis: an, Counts: counts},
		importer.EntryFound{Entry: entries[1]},
		importer.EntryFound{Entry: entries[2]},
	}
	return evs, rep
}

// fakeCore stands in for importer.Run: previews replay previewEvents,
// runs replay runEvents (and wait for hold, when set). It records the
// options of every call.
type fakeCore struct {
	mu        sync.Mutex
	calls     []importer.Options
	runEvents []importer.Event
	runReport importer.Report
	hold      chan struct{}
	// noEntries drops the preview's duplicates and skips: a review with
	// nothing to decide.
	noEntries bool
}

func (f *fakeCore) install(pc *programContext) {
	pc.runImporter = func(ctx context.Context, src clerk.Source, env ascendkit.Environment, opts importer.Options) (importer.Report, error) {
		f.mu.Lock()
		o := opts
		o.OnEvent = nil
		f.calls = append(f.calls, o)
		f.mu.Unlock()
		if opts.Mode == importer.ModeRun {
			return scriptedRun(f.runEvents, f.runReport, f.hold)(ctx, src, env, opts)
		}
		evs, rep := previewEvents()
		if f.noEntries {
			evs = slices.DeleteFunc(evs, func(e importer.Event) bool { _, ok := e.(importer.EntryFound); return ok })
		}
		return scriptedRun(evs, rep, nil)(ctx, src, env, opts)
	}
}

func (f *fakeCore) callList() []importer.Options {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]importer.Options(nil), f.calls...)
}

// runScript is an import of the preview's 7 users in two batches.
func runScript() ([]importer.Event, importer.Report) {
	_, rep := previewEvents()
	rep.Mode = importer.ModeRun
	rep.Users.Imported = 6
	rep.Users.Failed = 1
	rep.Users.ToImport = 7
	half := importer.UserCounts{Fetched: 5, ToImport: 4, Imported: 4, Duplicates: 1, Failed: 1}
	evs := []importer.Event{
		importer.Started{Mode: importer.ModeRun, Source: "api", Total: 10},
		importer.PageRead{Fetched: 5, Total: 10, Counts: half},
		importer.BatchApplied{Counts: half, OAuthLinks: 3, Events: 6},
		importer.EntryFound{Entry: importer.Entry{Pos: 4, SourceID: "user_0004", Email: "eve@example.com", Kind: "failed", Reason: "write", Detail: "constraint failed: \x1b[1mUNIQUE\x1b[0m"}},
	}
	return evs, rep
}

// flatten joins the screen's lines with spaces and collapses runs of
// spaces, so a wrapped message reads as one line.
func flatten(v string) string { return strings.Join(strings.Fields(v), " ") }
