package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	_ "github.com/ascendkit/ascendkit/client/ascendkit/sqlite"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// sliceSource serves records in pages, like the API and file sources.
type sliceSource struct {
	recs     []clerk.Record
	pageSize int
	i        int
	// onPage runs before each page is returned (tests cancel from it).
	onPage func(page int)
	page   int
}

func newSource(pageSize int, users ...*clerk.User) *sliceSource {
	s := &sliceSource{pageSize: pageSize}
	for _, u := range users {
		s.add(clerk.Record{User: u})
	}
	return s
}

func (s *sliceSource) add(r clerk.Record) {
	r.Pos = len(s.recs) + 1
	s.recs = append(s.recs, r)
}

func (s *sliceSource) Kind() string                       { return "file" }
func (s *sliceSource) Total(context.Context) (int, error) { return len(s.recs), nil }
func (s *sliceSource) Close() error                       { return nil }
func (s *sliceSource) Next(ctx context.Context) ([]clerk.Record, error) {
	if s.i >= len(s.recs) {
		return nil, io.EOF
	}
	if s.onPage != nil {
		s.onPage(s.page)
	}
	s.page++
	end := min(s.i+s.pageSize, len(s.recs))
	page := s.recs[s.i:end]
	s.i = end
	return page, nil
}

// clone returns a fresh single-pass copy (sources are read once per run).
func (s *sliceSource) clone() *sliceSource {
	return &sliceSource{recs: s.recs, pageSize: s.pageSize}
}

func openEnv(t *testing.T) ascendkit.Environment {
	t.Helper()
	env, err := ascendkit.Open("local:" + filepath.Join(t.TempDir(), "env.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	return env
}

type userOpt func(*clerk.User)

func withPassword(u *clerk.User) { u.PasswordEnabled = true }
func withOAuth(providers ...string) userOpt {
	return func(u *clerk.User) {
		for i, p := range providers {
			u.ExternalAccounts = append(u.ExternalAccounts, clerk.ExternalAccount{
				ID: fmt.Sprintf("eac_%s_%d", u.ID, i), Provider: p, ProviderUserID: fmt.Sprintf("%s-%s", p, u.ID), EmailAddress: u.EmailAddresses[0].EmailAddress,
				Verification: &clerk.Verification{Status: "verified", Strategy: p}})
		}
	}
}
func withLogin(u *clerk.User) { ms := clerk.Millis(1752102559086); u.LastSignInAt = &ms }

func mkUser(id, email string, opts ...userOpt) *clerk.User {
	first := "User " + id
	u := &clerk.User{ID: id, FirstName: &first, CreatedAt: 1752102559068}
	if email != "" {
		eid := "idn_" + id
		u.PrimaryEmailAddressID = &eid
		u.EmailAddresses = []clerk.EmailAddress{{ID: eid, EmailAddress: email, Verification: &clerk.Verification{Status: "verified"}}}
	}
	for _, o := range opts {
		o(u)
	}
	return u
}

// mixedSource has one user of every kind the rules distinguish.
func mixedSource() *sliceSource {
	s := newSource(3,
		mkUser("user_pw", "pw@example.com", withPassword, withLogin),
		mkUser("user_social", "social@example.com", withOAuth("oauth_google"), withLogin),
		mkUser("user_both", "both@example.com", withPassword, withOAuth("oauth_github", "oauth_linkedin_oidc")),
		mkUser("user_neither", "neither@example.com"),
		mkUser("user_x", "x@example.com", withOAuth("oauth_x")), // stranded: unsupported provider only
		mkUser("user_repeat", "PW@example.com", withPassword),   // repeated_in_source
		mkUser("user_exists", "taken@example.com", withOAuth("oauth_google")),
		mkUser("user_noemail", ""),
		mkUser("user_bad", "nope"),
		mkUser("user_banned", "banned@example.com", func(u *clerk.User) { u.Banned = true }),
	)
	s.add(clerk.Record{Err: errors.New("json: cannot unmarshal string into Go struct field User.created_at of type int64")})
	return s
}

func seedTaken(t *testing.T, env ascendkit.Environment) string {
	t.Helper()
	res, err := env.ApplyImport(context.Background(), ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{{
		User: ascendkit.User{Email: "taken@example.com", Name: "Own Name", Metadata: map[string]any{"plan": "pro"}, CreatedAt: now,
			EmailVerified: true},
		Source: "signup", SourceID: "s1"}}}, now)
	if err != nil || res.Created != 1 {
		t.Fatalf("seed: %+v %v", res, err)
	}
	u, err := env.GetUser(context.Background(), "taken@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// stopAt is a context cancelled as src hands out page p (a ctrl+c part
// way through the source), and its cancel.
func stopAt(src *sliceSource, p int) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	src.onPage = func(page int) {
		if page == p {
			cancel()
		}
	}
	return ctx, cancel
}

func run(t *testing.T, src clerk.Source, env ascendkit.Environment, opts Options) Report {
	t.Helper()
	opts.Now = func() time.Time { return now }
	r, err := Run(context.Background(), src, env, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

func TestPreviewThenRunAgree(t *testing.T) { eachBackend(t, testPreviewThenRunAgree) }

func testPreviewThenRunAgree(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	takenID := seedTaken(t, env)
	var entries []Entry
	opts := Options{Mode: ModePreview, OnEvent: func(e Event) {
		if f, ok := e.(EntryFound); ok {
			entries = append(entries, f.Entry)
		}
	}}
	src := mixedSource()
	pre := run(t, src.clone(), env, opts)

	u := pre.Users
	if u.Fetched != 11 || u.ToImport != 5 || u.Imported != 0 || u.Duplicates != 2 || u.Skipped != 4 || u.Failed != 0 {
		t.Fatalf("preview users = %+v", u)
	}
	wantDup := map[string]int{ReasonAlreadyImported: 0, ReasonEmailExists: 1, ReasonRepeatedInSource: 1}
	wantSkip := map[string]int{ReasonNoEmail: 1, ReasonInvalidEmail: 1, ReasonBanned: 1, ReasonMalformed: 1,
		ReasonPhoneOnly: 0, ReasonUsernameOnly: 0, ReasonWeb3Only: 0}
	if !reflect.DeepEqual(u.DuplicateReasons, wantDup) || !reflect.DeepEqual(u.SkippedReasons, wantSkip) {
		t.Fatalf("reasons dup=%v skip=%v", u.DuplicateReasons, u.SkippedReasons)
	}
	for _, e := range entries {
		if e.Reason == ReasonEmailExists && e.ExistingUserID != takenID {
			t.Errorf("email_exists entry names %q, want %q", e.ExistingUserID, takenID)
		}
		if e.Reason == ReasonMalformed && e.Pos != 11 {
			t.Errorf("malformed entry at pos %d, want 11", e.Pos)
		}
	}
	if pre.OAuthLinks != 4 {
		t.Errorf("oauthLinks = %d, want 4 (social 1, both 2, x 1; duplicates skipped)", pre.OAuthLinks)
	}
	// user_x's only provider (oauth_x) is unsupported: the reset path.
	wantTags := map[string]int{TagClerk: 5, TagNeedsPasswordReset: 3, TagPasswordKept: 0, TagSocialOnly: 1, TagSSO: 0, TagMFAReenroll: 0}
	if !reflect.DeepEqual(pre.Tags, wantTags) {
		t.Errorf("tags = %v, want %v", pre.Tags, wantTags)
	}
	if want := map[string]int{EventUserImported: 5, EventUserLogin: 2}; !reflect.DeepEqual(pre.Events, want) {
		t.Errorf("events = %v, want %v", pre.Events, want)
	}
	s := pre.Settings
	// Duplicates still count for detection (they use those methods);
	// skipped users do not.
	if !slices.Equal(s.Providers, []string{"credentials", "github", "google", "linkedin"}) {
		t.Errorf("providers = %v", s.Providers)
	}
	if !reflect.DeepEqual(s.Unsupported, map[string]int{"oauth_x": 1}) || s.StrandedUsers != 1 {
		t.Errorf("unsupported = %v stranded = %d", s.Unsupported, s.StrandedUsers)
	}
	if n, _ := env.CountUsers(context.Background()); n != 1 {
		t.Fatalf("preview wrote users: %d", n)
	}
	if got, _ := env.AuthSettings(context.Background()); len(got.Providers) != 0 {
		t.Fatalf("preview wrote settings: %v", got.Providers)
	}

	opts.Mode = ModeRun
	res := run(t, src.clone(), env, opts)
	if res.Users.Imported != pre.Users.ToImport || res.Users.ToImport != pre.Users.ToImport ||
		!reflect.DeepEqual(res.Users.DuplicateReasons, pre.Users.DuplicateReasons) ||
		!reflect.DeepEqual(res.Users.SkippedReasons, pre.Users.SkippedReasons) ||
		res.OAuthLinks != pre.OAuthLinks || !reflect.DeepEqual(res.Tags, pre.Tags) || !reflect.DeepEqual(res.Events, pre.Events) ||
		!reflect.DeepEqual(res.Settings.Providers, pre.Settings.Providers) {
		t.Fatalf("run disagrees with preview:\nrun     %+v\npreview %+v", res, pre)
	}
	ctx := context.Background()
	if n, _ := env.CountUsers(ctx); n != 6 {
		t.Errorf("users in env = %d, want 6", n)
	}
	got, _ := env.AuthSettings(ctx)
	if !slices.Equal(got.Providers, []string{"credentials", "github", "google", "linkedin"}) {
		t.Errorf("auth settings = %v", got.Providers)
	}
	both, err := env.GetUser(ctx, "both@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(both.OAuthLinks) != 2 || !slices.Equal(both.Tags, []string{TagClerk, TagNeedsPasswordReset}) {
		t.Errorf("both = %+v", both)
	}
	if evs, _ := env.ListEvents(ctx, ascendkit.EventFilter{Type: EventUserLogin}); len(evs) != 2 {
		t.Errorf("user.login events = %d", len(evs))
	}
	// The seeded user was not touched by the skip policy.
	taken, _ := env.GetUser(ctx, "taken@example.com")
	if taken.Name != "Own Name" || len(taken.OAuthLinks) != 0 || len(taken.Tags) != 0 {
		t.Errorf("skip policy modified the existing user: %+v", taken)
	}

	// Running again is a no-op that reports everything as duplicates. The
	// repeated user's email belongs to the user the first run made from
	// the first user of this source with it: it is repeated in the source
	// again, not a user whose address moved to another Clerk user.
	again := run(t, src.clone(), env, opts)
	if again.Users.Imported != 0 || again.Users.ToImport != 0 || again.Users.Duplicates != 7 ||
		again.Users.DuplicateReasons[ReasonAlreadyImported] != 5 || again.Users.DuplicateReasons[ReasonEmailExists] != 1 ||
		again.Users.DuplicateReasons[ReasonRepeatedInSource] != 1 || again.EmailOfOtherImport != 0 || again.OAuthLinks != 0 {
		t.Fatalf("re-run = %+v", again.Users)
	}
	if n, _ := env.CountUsers(ctx); n != 6 {
		t.Errorf("re-run changed the user count to %d", n)
	}
	if evs, _ := env.ListEvents(ctx, ascendkit.EventFilter{}); len(evs) != 7 {
		t.Errorf("re-run emitted events: %d in all", len(evs))
	}
}

func TestPhases(t *testing.T) {
	env := openEnv(t)
	opts := Options{Mode: ModeRun, Phases: Phases{Settings: true}}
	entries := collect(&opts)
	settingsOnly := run(t, mixedSource(), env, opts)
	if settingsOnly.Phases.Users || settingsOnly.Users.ToImport != 0 || settingsOnly.Users.Imported != 0 || settingsOnly.Users.Fetched != 11 {
		t.Fatalf("settings only: %+v", settingsOnly)
	}
	// It skips no user (its report counts none), so it lists none: the
	// entries had the skipped and duplicates of a users phase not run.
	if len(*entries) != 0 {
		t.Errorf("a settings run listed %d entries: %+v", len(*entries), *entries)
	}
	if n, _ := env.CountUsers(context.Background()); n != 0 {
		t.Fatalf("--settings wrote %d users", n)
	}
	if s, _ := env.AuthSettings(context.Background()); len(s.Providers) != 4 {
		t.Fatalf("--settings did not write settings: %v", s.Providers)
	}

	env2 := openEnv(t)
	usersOnly := run(t, mixedSource(), env2, Options{Mode: ModeRun, Phases: Phases{Users: true}})
	if usersOnly.Phases.Settings || usersOnly.Users.Imported != 6 || len(usersOnly.Settings.Providers) != 0 || usersOnly.Settings.StrandedUsers != 0 {
		t.Fatalf("users only: %+v", usersOnly)
	}
	if s, _ := env2.AuthSettings(context.Background()); len(s.Providers) != 0 {
		t.Fatalf("--users wrote settings: %v", s.Providers)
	}
}

func TestProvidersOverride(t *testing.T) {
	env := openEnv(t)
	// Only LinkedIn is still active in Clerk: google-only social users are stranded now.
	rep := run(t, mixedSource(), env, Options{Mode: ModeRun, Providers: []string{"linkedin"}})
	if !slices.Equal(rep.Settings.Providers, []string{"credentials", "linkedin"}) {
		t.Fatalf("providers = %v", rep.Settings.Providers)
	}
	// social (google) + x (unsupported) + exists (google duplicate) are social-only without an enabled provider.
	if rep.Settings.StrandedUsers != 3 {
		t.Fatalf("stranded = %d, want 3", rep.Settings.StrandedUsers)
	}
	// run merges into existing settings rather than replacing them.
	if err := env.SetAuthProviders(context.Background(), []string{"magic-link"}); err != nil {
		t.Fatal(err)
	}
	rep = run(t, mixedSource(), env, Options{Mode: ModeRun, Phases: Phases{Settings: true}, Providers: []string{}})
	if !slices.Equal(rep.Settings.Before, []string{"magic-link"}) || !slices.Equal(rep.Settings.After, []string{"credentials", "magic-link"}) {
		t.Fatalf("before %v after %v", rep.Settings.Before, rep.Settings.After)
	}
	// With magic-link on, a link to their email signs social-only users
	// in: nobody is stranded, and no warning says otherwise.
	if rep.Settings.StrandedUsers != 0 || slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "no enabled provider") }) {
		t.Errorf("stranded %d with magic-link on; warnings %v", rep.Settings.StrandedUsers, rep.Warnings)
	}
}

func TestMergePolicy(t *testing.T) { eachBackend(t, testMergePolicy) }

func testMergePolicy(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	seedTaken(t, env)
	ctx := context.Background()
	pre := run(t, mixedSource(), env, Options{Mode: ModePreview, OnDuplicate: PolicyMerge})
	rep := run(t, mixedSource(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if pre.Users.ToMerge != 2 || rep.Users.Merged != 2 || rep.Users.Imported != 5 {
		t.Fatalf("preview toMerge %d, run merged %d imported %d", pre.Users.ToMerge, rep.Users.Merged, rep.Users.Imported)
	}
	// Tags count the created users only: a merge into a user created
	// earlier in the run adds no import:clerk tag, so counting it would
	// overstate the audience.
	if !reflect.DeepEqual(pre.Tags, rep.Tags) || rep.Tags[TagClerk] != rep.Users.Imported || pre.OAuthLinks != rep.OAuthLinks {
		t.Fatalf("tags preview %v run %v (imported %d), links %d/%d", pre.Tags, rep.Tags, rep.Users.Imported, pre.OAuthLinks, rep.OAuthLinks)
	}
	taken, _ := env.GetUser(ctx, "taken@example.com")
	if taken.Name != "Own Name" || taken.Metadata["plan"] != "pro" {
		t.Errorf("merge overwrote the user's own fields: %+v", taken)
	}
	if len(taken.OAuthLinks) != 1 || taken.OAuthLinks[0].Provider != "google" || !slices.Equal(taken.Tags, []string{TagClerk}) {
		// (Not social-only: the user merged into keeps their own sign-in.)
		t.Errorf("merge did not add links/tags: %+v", taken)
	}
	if imp, _ := taken.Metadata["import"].(map[string]any); imp["sourceId"] != "user_exists" {
		t.Errorf("merge did not set metadata.import: %v", taken.Metadata)
	}
	// repeated_in_source merged into the user created earlier in the same run.
	pw, _ := env.GetUser(ctx, "pw@example.com")
	if pw.Name != "User user_pw" {
		t.Errorf("repeated user overwrote the first one: %q", pw.Name)
	}
	// A re-run with merge is a no-op too: all are already imported.
	again := run(t, mixedSource(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if again.Users.Imported != 0 || again.Users.Merged != 0 || again.Users.DuplicateReasons[ReasonAlreadyImported] != 7 {
		t.Fatalf("merge re-run = %+v", again.Users)
	}
}

func TestDecisionsOverridePolicy(t *testing.T) {
	env := openEnv(t)
	seedTaken(t, env)
	rep := run(t, mixedSource(), env, Options{Mode: ModeRun, Decisions: map[string]Policy{"user_exists": PolicyMerge}})
	if rep.Users.Merged != 1 {
		t.Fatalf("merged = %d, want just the one decided", rep.Users.Merged)
	}
	if u, _ := env.GetUser(context.Background(), "taken@example.com"); len(u.OAuthLinks) != 1 {
		t.Fatalf("decision not applied: %+v", u)
	}
}

func TestIncludeBannedNotEnrolled(t *testing.T) { eachBackend(t, testIncludeBannedNotEnrolled) }

func testIncludeBannedNotEnrolled(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	ctx := context.Background()
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{}); err != nil {
		t.Fatal(err)
	}
	j, _ := env.GetJourney(ctx, JourneyAnnouncement)
	if _, err := env.ActivateJourney(ctx, j.ID, now); err != nil {
		t.Fatal(err)
	}
	// Both journeys active: the announcement (every user) and the
	// password reset (its tag's users only).
	pr, _ := env.GetJourney(ctx, JourneyPasswordReset)
	if _, err := env.ActivateJourney(ctx, pr.ID, now); err != nil {
		t.Fatal(err)
	}
	// The preview, and a recount of it, say what the run then enrolls.
	var c *Classified
	preview := run(t, mixedSource(), env, Options{Mode: ModePreview, IncludeBanned: true, OnClassified: func(k *Classified) { c = k }})
	defer c.Close()
	recount, err := c.Recount(ctx, Options{IncludeBanned: true})
	if err != nil {
		t.Fatal(err)
	}
	withoutBanned, err := c.Recount(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep := run(t, mixedSource(), env, Options{Mode: ModeRun, IncludeBanned: true})
	if preview.Enrollments != rep.Enrollments || recount.Enrollments != rep.Enrollments || withoutBanned.Enrollments != rep.Enrollments {
		t.Errorf("enrollments: preview %d, recount %d (banned skipped %d), run %d", preview.Enrollments, recount.Enrollments, withoutBanned.Enrollments, rep.Enrollments)
	}
	if rep.Users.Imported != 7 || rep.Users.SkippedReasons[ReasonBanned] != 0 {
		t.Fatalf("users = %+v", rep.Users)
	}
	if rep.Enrollments != 6+3 {
		t.Fatalf("enrolled on import = %d, want 6 announcements (banned user excluded) and 3 password resets (user_x's OAuth does not carry over)", rep.Enrollments)
	}
	b, _ := env.GetUser(ctx, "banned@example.com")
	if !b.Banned {
		t.Fatal("ban not kept")
	}
}

func TestInterruptedRunContinues(t *testing.T) { eachBackend(t, testInterruptedRunContinues) }

func testInterruptedRunContinues(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	var users []*clerk.User
	for i := range 1000 {
		users = append(users, mkUser(fmt.Sprintf("user_%04d", i), fmt.Sprintf("u%04d@example.com", i), withPassword))
	}
	full := newSource(100, users...)
	src := full.clone()
	ctx, cancel := stopAt(src, 5)
	defer cancel()
	rep, err := Run(ctx, src, env, Options{Mode: ModeRun, BatchSize: 100, Now: func() time.Time { return now }})
	if !errors.Is(err, context.Canceled) || !rep.Interrupted {
		t.Fatalf("err %v interrupted %v", err, rep.Interrupted)
	}
	written, _ := env.CountUsers(context.Background())
	if written == 0 || written >= 1000 || written != rep.Users.Imported || written%100 != 0 {
		t.Fatalf("written %d, reported %d: want whole batches, fewer than all", written, rep.Users.Imported)
	}
	again := run(t, full.clone(), env, Options{Mode: ModeRun, BatchSize: 100})
	if again.Users.Imported != 1000-written || again.Users.DuplicateReasons[ReasonAlreadyImported] != written {
		t.Fatalf("continue: %+v", again.Users)
	}
	if n, _ := env.CountUsers(context.Background()); n != 1000 {
		t.Fatalf("after continue: %d users", n)
	}
}

func TestStreamingEvents(t *testing.T) {
	env := openEnv(t)
	var pages []PageRead
	var batches, finished int
	src := mixedSource()
	_, err := Run(context.Background(), src, env, Options{Mode: ModeRun, BatchSize: 2, OnEvent: func(e Event) {
		switch e := e.(type) {
		case PageRead:
			pages = append(pages, e)
		case BatchApplied:
			batches++
		case Finished:
			finished++
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 4 || pages[0].Fetched != 3 || pages[3].Fetched != 11 || pages[0].Total != 11 {
		t.Fatalf("pages = %+v", pages)
	}
	if pages[0].Analysis.Password != 1 || pages[0].Analysis.SocialOnly != 1 || pages[0].Analysis.Both != 1 {
		t.Errorf("first page analysis = %+v", pages[0].Analysis)
	}
	if batches == 0 || finished != 1 {
		t.Errorf("batches %d finished %d", batches, finished)
	}
}

func TestSourceErrorStops(t *testing.T) {
	env := openEnv(t)
	_, err := Run(context.Background(), errSource{}, env, Options{Mode: ModePreview})
	if err == nil || err.Error() != "clerk: bad key" {
		t.Fatalf("err = %v", err)
	}
}

type errSource struct{}

func (errSource) Kind() string                                 { return "api" }
func (errSource) Total(context.Context) (int, error)           { return 0, errors.New("clerk: bad key") }
func (errSource) Next(context.Context) ([]clerk.Record, error) { return nil, io.EOF }
func (errSource) Close() error                                 { return nil }

// TestProvidersOverrideKeepsCredentials: credentials listed in --providers
// is enabled even when no user of the source has a password; it used to
// be dropped without a word.
func TestProvidersOverrideKeepsCredentials(t *testing.T) {
	env := openEnv(t)
	src := newSource(10, mkUser("user_s", "s@example.com", withOAuth("oauth_github")))
	rep := run(t, src, env, Options{Mode: ModeRun, Providers: []string{"credentials", "github"}})
	if !slices.Equal(rep.Settings.Providers, []string{"credentials", "github"}) || !slices.Equal(rep.Settings.After, []string{"credentials", "github"}) {
		t.Fatalf("providers %v, after %v", rep.Settings.Providers, rep.Settings.After)
	}
}

// TestUsersPhaseWarnsAboutItsUsers: a --users run writes users tagged for
// MFA re-enrolment and SSO; the warnings that tell the operator what those
// users need come with it, not only with a settings run.
func TestUsersPhaseWarnsAboutItsUsers(t *testing.T) {
	env := openEnv(t)
	mfa := mkUser("user_mfa", "mfa@example.com", withPassword)
	mfa.TOTPEnabled, mfa.TwoFactorEnabled = true, true
	sso := mkUser("user_sso", "sso@example.com")
	sso.SAMLAccounts = []clerk.SAMLAccount{{ID: "samlacc_1", Provider: "saml_okta", EmailAddress: "sso@example.com", Active: true, Verification: &clerk.Verification{Status: "verified"},
		SAMLConnection: &clerk.Connection{ID: "samlc_1", Domain: "example.com", Provider: "saml_okta", Active: true}}}
	rep := run(t, newSource(10, mfa, sso), env, Options{Mode: ModeRun, Phases: Phases{Users: true}})
	w := strings.Join(rep.Warnings, "\n")
	for _, want := range []string{TagMFAReenroll, TagSSO} {
		if !strings.Contains(w, want) {
			t.Errorf("--users warnings lack %s: %q", want, w)
		}
	}
	if rep.Settings.MFAUsers != 0 || len(rep.Settings.Providers) != 0 {
		t.Errorf("--users settings block %+v, want zeros", rep.Settings)
	}
}

// apiKind is a source that reads as the API.
type apiKind struct{ *sliceSource }

func (apiKind) Kind() string { return "api" }

// A source without a single user says so: an export of the wrong
// instance, or a development key, would otherwise read as an import
// that found nothing to do. One user is enough to say nothing.
func TestEmptySourceWarns(t *testing.T) {
	for _, tc := range []struct {
		src  func() clerk.Source
		want string
	}{
		{func() clerk.Source { return newSource(10) }, "The file holds no users"},
		{func() clerk.Source { return apiKind{newSource(10)} }, "Clerk lists no users for this key"},
		{func() clerk.Source { return newSource(10, mkUser("user_1", "a@example.com")) }, ""},
	} {
		eachModeWarns(t, tc.src, "no users", tc.want)
	}
}

// eachModeWarns previews, then runs, src into a fresh environment each,
// and fails unless a warning holding key also holds want ("": none
// holds key).
func eachModeWarns(t *testing.T, src func() clerk.Source, key, want string) {
	t.Helper()
	for _, mode := range []Mode{ModePreview, ModeRun} {
		s := src()
		rep := run(t, s, openEnv(t), Options{Mode: mode})
		got := ""
		for _, w := range rep.Warnings {
			if strings.Contains(w, key) {
				got = w
			}
		}
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%s %s: warnings %q, want one saying %q", s.Kind(), mode, rep.Warnings, want)
		}
	}
}

// A user whose identity provider deprovisioned them (SCIM), whom Clerk
// restricts from signing in, is handled as a banned one: skipped, or
// imported banned with IncludeBanned (kept from the journeys that would
// let them set a password), and a re-run says Clerk restricts a user it
// imported unrestricted.
func TestDeprovisionedIsBanned(t *testing.T) { eachBackend(t, testDeprovisionedIsBanned) }

func testDeprovisionedIsBanned(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	gone := func(u *clerk.User) { u.Deprovisioned = true }
	src := func() clerk.Source {
		return newSource(5, mkUser("user_gone", "gone@example.com", withPassword, gone), mkUser("user_ok", "ok@example.com"))
	}
	env := openEnv(t)
	rep := run(t, src(), env, Options{Mode: ModeRun})
	if rep.Users.Imported != 1 || rep.Users.SkippedReasons[ReasonBanned] != 1 {
		t.Fatalf("users %+v", rep.Users)
	}
	if _, err := env.GetUser(ctx, "gone@example.com"); err == nil {
		t.Fatal("the deprovisioned user was created")
	}
	env = openEnv(t)
	if rep := run(t, src(), env, Options{Mode: ModeRun, IncludeBanned: true}); rep.Users.Imported != 2 {
		t.Fatalf("include banned: users %+v", rep.Users)
	}
	if u, err := env.GetUser(ctx, "gone@example.com"); err != nil || !u.Banned {
		t.Fatalf("include banned: %+v, %v; want the user banned", u, err)
	}
	env = openEnv(t)
	run(t, newSource(5, mkUser("user_gone", "gone@example.com", withPassword)), env, Options{Mode: ModeRun})
	if rep := run(t, src(), env, Options{Mode: ModePreview}); rep.BansNotApplied != 1 {
		t.Errorf("deprovisioned since the import: %d bans not applied, want 1", rep.BansNotApplied)
	}
}

// A source none of whose users has an address where Clerk's formats keep
// one (another tool's export: LobeHub's writes primaryEmail) skipped
// every user as no_email with no warning, and read as an import with
// nothing to do. It now says so, in a preview, a run and the wizard's
// recount alike; one user with an address is enough to say nothing.
func TestNoEmailSourceWarns(t *testing.T) {
	noEmail := func(id string) *clerk.User {
		u := mkUser(id, "")
		u.EmailAddresses, u.PrimaryEmailAddressID = nil, nil
		return u
	}
	for _, tc := range []struct {
		src  func() clerk.Source
		want string
	}{
		{func() clerk.Source { return newSource(10, noEmail("user_1"), noEmail("user_2")) }, "None of the 2 users of the file has an email address"},
		{func() clerk.Source { return apiKind{newSource(10, noEmail("user_1"))} }, "None of the 1 users Clerk lists"},
		{func() clerk.Source { return newSource(10, noEmail("user_1"), mkUser("user_2", "a@example.com")) }, ""},
	} {
		eachModeWarns(t, tc.src, "None of the", tc.want)
		c, rep := classify(t, tc.src(), openEnv(t), Options{})
		got, err := c.Recount(ctx, Options{})
		if err != nil || !reflect.DeepEqual(got.Warnings, rep.Warnings) {
			t.Errorf("recount warnings %q (%v), preview's %q", got.Warnings, err, rep.Warnings)
		}
	}
}

// A settings run's warnings from a report of both phases: the unread
// records' warning goes before the settings' first, also when that is the
// reworded unusable-OAuth one.
func TestWarningsForSettingsOrder(t *testing.T) {
	s := SettingsReport{NoUsableOAuthUsers: 2}
	rep := Report{Phases: Phases{Users: true, Settings: true}, Settings: s}
	rep.Users.SkippedReasons = map[string]int{ReasonMalformed: 1}
	rep.Warnings = append([]string{"some data warning"}, SettingsWarnings(s)...)
	want := append([]string{"some data warning", unreadWarning(1)}, settingsRunWarnings(s)...)
	if got := WarningsFor(rep, Phases{Settings: true}); !slices.Equal(got, want) {
		t.Errorf("WarningsFor(settings)\n%q\nwant\n%q", got, want)
	}
}
