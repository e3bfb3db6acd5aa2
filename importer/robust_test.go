package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

func collect(opts *Options) *[]Entry {
	var entries []Entry
	opts.OnEvent = func(e Event) {
		if f, ok := e.(EntryFound); ok {
			entries = append(entries, f.Entry)
		}
	}
	return &entries
}

func TestBadAndConflictingLinks(t *testing.T) {
	env := openEnv(t)
	ctx := context.Background()
	// An existing AscendKit user already owns github account 42.
	if _, err := env.ApplyImport(ctx, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{{
		User:   ascendkit.User{Email: "owner@example.com", CreatedAt: now, OAuthLinks: []ascendkit.OAuthLink{{Provider: "github", ProviderUserID: "42"}}},
		Source: "signup", SourceID: "s1"}}}, now); err != nil {
		t.Fatal(err)
	}
	mk := func() *sliceSource {
		a := mkUser("user_a", "a@example.com")
		a.ExternalAccounts = []clerk.ExternalAccount{{Provider: "oauth_google", ProviderUserID: ""}, {Provider: "", ProviderUserID: "x"},
			{Provider: "oauth_google", ProviderUserID: "g1"}, {Provider: "oauth_google", ProviderUserID: "g1"}}
		b := mkUser("user_b", "b@example.com")
		b.ExternalAccounts = []clerk.ExternalAccount{{Provider: "oauth_github", ProviderUserID: "42"}, {Provider: "oauth_google", ProviderUserID: "g2"}}
		c := mkUser("user_c", "c@example.com")
		c.ExternalAccounts = []clerk.ExternalAccount{{Provider: "oauth_google", ProviderUserID: "g1"}} // same account as a
		for _, u := range []*clerk.User{a, b, c} {
			for i := range u.ExternalAccounts {
				u.ExternalAccounts[i].Verification = &clerk.Verification{Status: "verified"}
			}
		}
		return newSource(10, a, b, c)
	}
	opts := Options{Mode: ModePreview}
	entries := collect(&opts)
	pre := run(t, mk(), env, opts)
	opts.Mode = ModeRun
	res := run(t, mk(), env, opts)
	if pre.Users.ToImport != 3 || res.Users.Imported != 3 || res.Users.Failed != 0 {
		t.Fatalf("preview %+v run %+v: bad links must not fail users", pre.Users, res.Users)
	}
	if pre.OAuthLinks != 2 || res.OAuthLinks != 2 || pre.OAuthLinkConflicts != 2 || res.OAuthLinkConflicts != 2 {
		t.Fatalf("links preview %d/%d conflicts, run %d/%d: want 2 links (a:g1, b:g2) and 2 conflicts",
			pre.OAuthLinks, pre.OAuthLinkConflicts, res.OAuthLinks, res.OAuthLinkConflicts)
	}
	var reasons []string
	for _, e := range *entries {
		if e.Kind == "warning" {
			reasons = append(reasons, e.SourceID+":"+e.Reason)
		}
	}
	want := []string{"user_a:oauth_link_invalid", "user_b:oauth_link_conflict", "user_c:oauth_link_conflict"}
	if !reflect.DeepEqual(reasons[:3], want) {
		t.Fatalf("warnings = %v, want %v (per mode)", reasons, want)
	}
	c, _ := env.GetUser(ctx, "c@example.com")
	// c's only account is a's: their OAuth sign-in does not carry over.
	if len(c.OAuthLinks) != 0 || !slices.Equal(c.Tags, []string{TagClerk, TagNeedsPasswordReset}) {
		t.Fatalf("c = %+v", c)
	}
}

func TestOutOfRangeTimesAreMalformed(t *testing.T) {
	env := openEnv(t)
	late := clerk.Millis(253402300800000) // year 10000
	u1 := mkUser("user_future", "f@example.com")
	u1.CreatedAt = late
	u2 := mkUser("user_login", "l@example.com")
	u2.LastSignInAt = &late
	opts := Options{Mode: ModeRun}
	entries := collect(&opts)
	rep := run(t, newSource(10, u1, u2, mkUser("user_ok", "ok@example.com")), env, opts)
	if rep.Users.SkippedReasons[ReasonMalformed] != 2 || rep.Users.Imported != 1 {
		t.Fatalf("users = %+v", rep.Users)
	}
	if d := (*entries)[0].Detail; !strings.Contains(d, "created_at") {
		t.Errorf("detail = %q", d)
	}
	if _, err := env.ListUsers(context.Background(), ascendkit.UserFilter{}); err != nil {
		t.Fatalf("listing users after the import: %v", err)
	}
}

func TestDamagedFileWritesNothing(t *testing.T) {
	env := openEnv(t)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("[")
	for i := range 600 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"user_%d","email_addresses":[{"id":"e","email_address":"u%d@example.com"}]}`, i, i)
	}
	for name, content := range map[string]string{"truncated.json": b.String()[:b.Len()-40], "garbage.json": b.String() + "] trailing garbage"} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(content), 0o600)
		src, err := clerk.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Run(context.Background(), src, env, Options{Mode: ModeRun, BatchSize: 100})
		src.Close()
		if err == nil || rep.Error == "" || !strings.Contains(err.Error(), "nothing was written") {
			t.Fatalf("%s: err %v report error %q", name, err, rep.Error)
		}
		if n, _ := env.CountUsers(context.Background()); n != 0 {
			t.Fatalf("%s: %d users written from a damaged file", name, n)
		}
	}
}

// flakyEnv fails ApplyImport as told, then behaves.
type flakyEnv struct {
	ascendkit.Environment
	errs []error
	n    int
}

func (f *flakyEnv) ApplyImport(ctx context.Context, b ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	f.n++
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return ascendkit.BatchResult{}, err
	}
	return f.Environment.ApplyImport(ctx, b, now)
}

func TestBusyEnvironmentIsWaitedOut(t *testing.T) {
	old := busyWaits
	busyWaits = []time.Duration{time.Millisecond, time.Millisecond}
	t.Cleanup(func() { busyWaits = old })
	busy := fmt.Errorf("apply import: %w: database is locked", ascendkit.ErrBusy)

	env := &flakyEnv{Environment: openEnv(t), errs: []error{busy, busy}}
	rep := run(t, mixedSource(), env, Options{Mode: ModeRun})
	if rep.Users.Imported != 6 || rep.Users.Failed != 0 || env.n != 3 {
		t.Fatalf("imported %d failed %d after %d tries", rep.Users.Imported, rep.Users.Failed, env.n)
	}

	env = &flakyEnv{Environment: openEnv(t), errs: []error{busy, busy, busy}}
	rep, err := Run(context.Background(), mixedSource(), env, Options{Mode: ModeRun})
	if !errors.Is(err, ascendkit.ErrBusy) || rep.Users.Failed != 0 || rep.Error == "" {
		t.Fatalf("still busy: err %v report %+v", err, rep.Users)
	}
}

func TestBrokenEnvironmentStops(t *testing.T) {
	env := &flakyEnv{Environment: openEnv(t), errs: []error{errors.New("disk I/O error")}}
	rep, err := Run(context.Background(), mixedSource(), env, Options{Mode: ModeRun})
	if err == nil || !strings.Contains(rep.Error, "disk I/O error") || rep.Users.Failed != 0 {
		t.Fatalf("err %v report %+v", err, rep)
	}
	if s, _ := env.AuthSettings(context.Background()); len(s.Providers) != 0 {
		t.Fatal("settings applied after a failed users phase")
	}
}

func TestInvalidRowFailsAlone(t *testing.T) {
	invalid := fmt.Errorf("apply import: %w: bad row", ascendkit.ErrInvalid)
	// The batch fails once as invalid; one-by-one, the second user fails too.
	env := &flakyEnv{Environment: openEnv(t), errs: []error{invalid, nil}}
	env.errs = []error{invalid}
	opts := Options{Mode: ModeRun}
	entries := collect(&opts)
	one := &oneBadEnv{Environment: env.Environment, bad: "social@example.com"}
	rep, err := Run(context.Background(), mixedSource(), one, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Users.Failed != 1 || rep.Users.Imported != 5 {
		t.Fatalf("users %+v", rep.Users)
	}
	for _, e := range *entries {
		if e.Kind == "failed" && (e.Pos != 2 || e.SourceID != "user_social") {
			t.Errorf("failed entry %+v: want its position and id", e)
		}
	}
}

// oneBadEnv rejects any batch that contains one email.
type oneBadEnv struct {
	ascendkit.Environment
	bad string
}

func (o *oneBadEnv) ApplyImport(ctx context.Context, b ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	for _, c := range b.Create {
		if c.User.Email == o.bad {
			return ascendkit.BatchResult{}, fmt.Errorf("apply import: %w: rejected", ascendkit.ErrInvalid)
		}
	}
	return o.Environment.ApplyImport(ctx, b, now)
}

func TestWarnings(t *testing.T) {
	env := openEnv(t)
	src := mixedSource()
	short := &shortTotal{sliceSource: src}
	rep := run(t, short, env, Options{Mode: ModePreview})
	joined := strings.Join(rep.Warnings, "\n")
	if !strings.Contains(joined, "announced 20 users but 11 were read") || !strings.Contains(joined, "pick up any that were missed") {
		t.Errorf("no count warning: %q", joined)
	}
	// More read than announced: nobody was missed, but deleted users may
	// have been imported; it does not say to pick up missed ones.
	more := run(t, &shortTotalSource{sliceSource: mixedSource()}, openEnv(t), Options{Mode: ModePreview})
	joinedMore := strings.Join(more.Warnings, "\n")
	if !strings.Contains(joinedMore, "announced 10 users but 11 were read: users were added or deleted") ||
		!strings.Contains(joinedMore, ReasonImportedNotInSource) || strings.Contains(joinedMore, "missed") {
		t.Errorf("count warning when more were read: %q", joinedMore)
	}
	if rep.Settings.PasswordlessUsers != 1 || !strings.Contains(joined, "magic-link") {
		t.Errorf("passwordless %d, warnings %q", rep.Settings.PasswordlessUsers, joined)
	}
	rep = run(t, mixedSource(), env, Options{Mode: ModePreview, Providers: []string{"google", "github", "magic-link"}})
	if rep.Settings.PasswordlessUsers != 0 {
		t.Errorf("magic-link enabled, passwordless still %d", rep.Settings.PasswordlessUsers)
	}
}

type shortTotal struct{ *sliceSource }

func (s *shortTotal) Total(context.Context) (int, error) { return 20, nil }

func TestMetadataKeptExactly(t *testing.T) {
	env := openEnv(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "u.json")
	os.WriteFile(path, []byte(`[{"id":"user_m","email_addresses":[{"id":"e","email_address":"m@example.com"}],
		"public_metadata":{"big":12345678901234567890,"import":"mine","publicImport":"also mine","publicImport2":null}}]`), 0o600)
	src, _ := clerk.OpenFile(path)
	defer src.Close()
	run(t, src, env, Options{Mode: ModeRun})
	users, _ := env.ListUsers(context.Background(), ascendkit.UserFilter{})
	if len(users) != 1 {
		t.Fatal("not imported")
	}
	md := users[0].Metadata
	// The user's own public_metadata.import moves to the first free
	// publicImport key: none of theirs is overwritten.
	if fmt.Sprint(md["big"]) != "12345678901234567890" || md["publicImport3"] != "mine" || md["publicImport"] != "also mine" ||
		!hasKey(md, "publicImport2") || md["publicImport2"] != nil {
		t.Fatalf("metadata = %v", md)
	}
	if imp, _ := md["import"].(map[string]any); imp["sourceId"] != "user_m" {
		t.Fatalf("metadata.import = %v", md["import"])
	}
}

func TestFileRunIsCheckedFirst(t *testing.T) {
	env := openEnv(t)
	path := filepath.Join(t.TempDir(), "u.json")
	os.WriteFile(path, []byte(`[{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@b.co"}]},{"id":"user_2","email_addresses":[{"id":"e","email_address":"b@b.co"}]}]`), 0o600)
	var order []string
	total := 0
	for _, mode := range []Mode{ModePreview, ModeRun} {
		order = nil
		src, _ := clerk.OpenFile(path)
		_, err := Run(context.Background(), src, env, Options{Mode: mode, OnEvent: func(e Event) {
			switch e := e.(type) {
			case Checking:
				order = append(order, "checking")
			case Started:
				order = append(order, "started")
				total = e.Total
			}
		}})
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"started"}
		wantTotal := -1
		if mode == ModeRun {
			// The check pass also counts the users for the progress bar.
			want, wantTotal = []string{"checking", "started"}, 2
		}
		if !reflect.DeepEqual(order, want) || total != wantTotal {
			t.Errorf("%s: events %v total %d, want %v total %d", mode, order, total, want, wantTotal)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 3049: "3,049", 1234567: "1,234,567", -12345: "-12,345", math.MinInt: "-9,223,372,036,854,775,808"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestNoWarningsIsAnEmptyList: a file source whose format notes nothing
// (an API-shaped export, users only) reports its warnings as [], never
// null, which scripts reading the JSON would trip over.
func TestNoWarningsIsAnEmptyList(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	os.WriteFile(path, []byte(`[{"id":"user_1","primary_email_address_id":"e1","email_addresses":[{"id":"e1","email_address":"a@example.com","verification":{"status":"verified"}}],"created_at":1700000000000}]`), 0o600)
	src, err := clerk.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rep := run(t, src, openEnv(t), Options{Mode: ModePreview, Phases: Phases{Users: true}})
	b, _ := json.Marshal(rep)
	if !strings.Contains(string(b), `"warnings":[]`) {
		t.Errorf("report: %s", b)
	}
}

// TestMalformedEntryNamesTheUser: a record the reader cannot use is
// listed with its id when the id could be read, so the user can find it.
func TestMalformedEntryNamesTheUser(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	os.WriteFile(path, []byte(`[{"id":"user_bad","created_at":"soon","email_addresses":[]},{"id":5},{"first_name":"No id"},{"id":"user_ok","email_addresses":"ok@example.com"}]`), 0o600)
	src, err := clerk.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	opts := Options{Mode: ModePreview}
	entries := collect(&opts)
	run(t, src, openEnv(t), opts)
	var got []string
	for _, e := range *entries {
		got = append(got, e.SourceID+":"+e.Reason)
	}
	if want := []string{"user_bad:malformed", ":malformed", ":malformed"}; !slices.Equal(got, want) {
		t.Errorf("entries = %q, want %q", got, want)
	}
}

// TestRepeatedUserCountedOnce: a Clerk user listed twice is one user to
// the settings analysis and the warnings, in a preview, a recount and a run.
func TestRepeatedUserCountedOnce(t *testing.T) {
	mk := func() *sliceSource {
		u := mkUser("user_1", "one@example.com", withPassword, func(u *clerk.User) {
			u.TOTPEnabled = true
			u.ExternalAccounts = []clerk.ExternalAccount{{ID: "x", Provider: "oauth_github", ProviderUserID: "g2", Verification: &clerk.Verification{Status: "unverified"}}}
		})
		return newSource(10, u, u)
	}
	var c *Classified
	opts := Options{Mode: ModePreview, OnClassified: func(k *Classified) { c = k }}
	entries := collect(&opts)
	env := openEnv(t)
	preview := run(t, mk(), env, opts)
	defer c.Close()
	recount, err := c.Recount(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	runRep := run(t, mk(), env, Options{Mode: ModeRun})
	for name, rep := range map[string]Report{"preview": preview, "recount": recount, "run": runRep} {
		if rep.Settings.MFAUsers != 1 || rep.Settings.ProviderUsers["credentials"] != 1 || rep.OAuthLinksUnverified != 1 ||
			rep.Users.DuplicateReasons[ReasonRepeatedInSource] != 1 {
			t.Errorf("%s: mfa %d, credentials %d, unverified links %d, users %+v", name, rep.Settings.MFAUsers,
				rep.Settings.ProviderUsers["credentials"], rep.OAuthLinksUnverified, rep.Users)
		}
	}
	n := 0
	for _, e := range *entries {
		if e.Reason == ReasonLinkUnverified {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d oauth_link_unverified entries, want 1", n)
	}
}

// TestNoClerkUserIsAnError: a source none of whose records is a Clerk
// user (another platform's export) fails, preview and run alike, rather
// than reporting "imported 0" with success; nothing is written.
func TestNoClerkUserIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth0.json")
	os.WriteFile(path, []byte(`[{"user_id":"auth0|1","email":"a@example.com"},{"user_id":"auth0|2","email":"b@example.com"}]`), 0o600)
	env := openEnv(t)
	for _, mode := range []Mode{ModePreview, ModeRun} {
		src, err := clerk.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Run(context.Background(), src, env, Options{Mode: mode})
		src.Close()
		if err == nil || !strings.Contains(err.Error(), "2 records, all malformed") || !strings.Contains(err.Error(), `no "id"`) {
			t.Errorf("%s: err = %v", mode, err)
		}
		if rep.Users.Fetched != 2 || rep.Error == "" {
			t.Errorf("%s: report %+v, error %q", mode, rep.Users, rep.Error)
		}
	}
	if n, _ := env.CountUsers(context.Background()); n != 0 {
		t.Errorf("%d users written", n)
	}
}

// Users without an email where Clerk keeps one: when no user of the
// file has one (some only a username, the rest nothing Clerk's shape
// holds, as a Supabase export reads), the warning asks whether it is
// another tool's format; a few such users among others get a warning of
// their own, not only a count.
func TestNoEmailWarnings(t *testing.T) {
	name := "ann"
	username := mkUser("user_u", "")
	username.Username = &name
	rep := run(t, newSource(10, mkUser("user_1", ""), mkUser("user_2", ""), username), openEnv(t), Options{Mode: ModePreview})
	if !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "Is the file another tool's format?") }) {
		t.Errorf("no other-format warning: %q", rep.Warnings)
	}
	rep = run(t, newSource(10, mkUser("user_1", ""), mkUser("user_2", "b@example.com")), openEnv(t), Options{Mode: ModePreview})
	if !slices.ContainsFunc(rep.Warnings, func(w string) bool {
		return strings.HasPrefix(w, "1 user has no email address, phone number, username or wallet") && strings.Contains(w, ReasonNoEmail)
	}) || slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "another tool's format") }) {
		t.Errorf("warnings %q", rep.Warnings)
	}
}
