package ui

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// toSettings walks from the source to the settings preview with a key.
func toSettings(t *testing.T, w, h int, opts ...driverOpt) (*driver, *fakeCore) {
	t.Helper()
	env := newTestEnv(t)
	cfg := testConfig(env, makeUsers(10))
	cfg.APIKey = "sk_test_0123456789abcdef"
	core := &fakeCore{}
	d := newDriver(t, cfg, w, h, append([]driverOpt{core.install}, opts...)...)
	d.press("enter")
	d.waitFor("settings", func(m Model) bool { return m.state == stateSettings })
	return d, core
}

func settingsOf(d *driver) *settingsScreen { return d.m.screens[stateSettings].(*settingsScreen) }

func TestSettingsStreamsPreview(t *testing.T) {
	d, core := toSettings(t, 80, 24)
	d.waitFor("the preview to finish", func(m Model) bool { return settingsOf(d).report != nil })
	s := settingsOf(d)
	if s.fetched != 10 || s.an.Password != 4 || s.an.SocialOnly != 3 || s.an.Both != 2 || s.an.Neither != 1 {
		t.Fatalf("analysis not applied: fetched %d %+v", s.fetched, s.an)
	}
	if len(s.entries) != 3 || len(d.m.pc.sess.entries) != 3 {
		t.Fatalf("entries %d / session %d, want 3", len(s.entries), len(d.m.pc.sess.entries))
	}
	calls := core.callList()
	if len(calls) != 1 || calls[0].Mode != importer.ModePreview || !calls[0].Phases.Users || !calls[0].Phases.Settings || calls[0].Providers != nil {
		t.Fatalf("preview options %+v", calls)
	}
	d.mustSee("preview complete")
	d.mustSee("Unsupported providers: oauth_tiktok (1)")
	d.mustSee("1 stranded user:")
	d.mustSee("10 / 10")
	d.press("enter")
	if d.state() != stateDuplicates {
		t.Fatalf("state %v, want review", d.state())
	}
	d.press("esc")
	if d.state() != stateSettings {
		t.Fatalf("esc went to %v, want settings", d.state())
	}
	if len(core.callList()) != 1 {
		t.Fatal("going back re-ran the preview")
	}
}

func TestSettingsEnterWaitsForPreview(t *testing.T) {
	hold := make(chan struct{})
	evs, rep := previewEvents()
	d, _ := toSettings(t, 80, 24, func(pc *programContext) {
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			return scriptedRun(evs[:3], rep, hold)(ctx, src, env, opts)
		}
	})
	d.waitFor("half the users", func(m Model) bool { return settingsOf(d).fetched == 5 })
	d.mustSee("5 / 10")
	d.mustSee("reading users")
	d.press("enter")
	if d.state() != stateSettings {
		t.Fatal("enter left the settings before the preview finished")
	}
	// Leaving cancels the preview.
	run := settingsOf(d).run
	d.press("esc")
	if d.state() != stateSource {
		t.Fatalf("state %v", d.state())
	}
	d.waitFor("the run to end", func(Model) bool {
		select {
		case <-run.finished:
			return true
		default:
			return false
		}
	})
}

// Changing the providers recomputes the settings at once from the
// preview's analysis: no second read of the source.
func TestSettingsProviderOverride(t *testing.T) {
	d, core := toSettings(t, 80, 24)
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	s := settingsOf(d)
	d.mustSee("1 stranded user:")
	d.mustSee("After the import  credentials, github, google")
	// Cursor on google (first): untick it. Its social-only user is stranded now.
	d.press("space")
	if got := s.settings(); got.StrandedUsers != 2 || !slices.Equal(got.After, []string{"credentials", "github"}) {
		t.Fatalf("settings after unticking google: %+v", got)
	}
	d.mustSee("2 stranded users")
	d.mustSee("After the import  credentials, github")
	d.mustSee("Your selection   same as --providers github")
	if strings.Contains(d.view(), "recompute") || strings.Contains(d.view(), "Selection changed") {
		t.Fatalf("still offers a recompute:\n%s", d.view())
	}
	if p := d.m.pc.sess.providers; !slices.Equal(p, []string{"github"}) {
		t.Fatalf("session providers %v", p)
	}
	// Back to the detected set: no override for the run.
	d.press("space")
	if p := d.m.pc.sess.providers; p != nil {
		t.Fatalf("detected set selected, session providers %v, want nil", p)
	}
	// magic-link lets the user with neither password nor OAuth sign in.
	d.mustSee("1 user with neither password nor OAuth")
	for range 6 {
		d.press("down")
	}
	d.press("space")
	if strings.Contains(d.view(), "neither password nor OAuth") || s.settings().PasswordlessUsers != 0 {
		t.Fatalf("magic-link enabled, passwordless still shown:\n%s", d.view())
	}
	d.press("space")                         // magic-link off again
	d.press("up", "up", "up", "up", "space") // apple on
	if p := s.runOverride(); !slices.Equal(p, []string{"apple", "github", "google"}) {
		t.Fatalf("override %v", p)
	}
	d.press("r") // no recompute: r does nothing without an error
	d.press("enter")
	if d.state() != stateDuplicates {
		t.Fatalf("state %v, want review", d.state())
	}
	if n := len(core.callList()); n != 1 {
		t.Fatalf("%d importer calls, want the one preview", n)
	}
	// The confirmation uses the override without reading the source again.
	d.press("enter")
	d.waitFor("the report", func(m Model) bool { return confirmOf(d).report != nil })
	if n := len(core.callList()); n != 1 {
		t.Fatalf("%d importer calls after the confirmation, want 1", n)
	}
	if got := confirmOf(d).report.Settings.After; !slices.Equal(got, []string{"apple", "credentials", "github", "google"}) {
		t.Fatalf("confirmation after %v", got)
	}
	d.mustSee("after apple, credentials, github, google")
	// The run gets the override as Options.Providers.
	d.press("y")
	d.waitFor("the run", func(m Model) bool { return len(core.callList()) == 2 })
	if p := core.callList()[1].Providers; !slices.Equal(p, []string{"apple", "github", "google"}) {
		t.Fatalf("run providers %v", p)
	}
}

// The screen's numbers for a provider selection are the importer's: the
// same users previewed with --providers give the same settings.
func TestSettingsOverrideMatchesImporter(t *testing.T) {
	users := providerUsers()
	env := newTestEnv(t)
	if err := env.SetAuthProviders(context.Background(), []string{"credentials", "discord"}); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(env, users)
	cfg.APIKey = "sk_test_0123456789abcdef"
	calls := 0
	d := newDriver(t, cfg, 100, 30, func(pc *programContext) {
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			calls++
			return importer.Run(ctx, src, env, opts)
		}
	})
	d.press("enter")
	d.waitFor("the preview", func(m Model) bool { return m.state == stateSettings && settingsOf(d).report != nil })
	s := settingsOf(d)
	want := func(override []string) importer.SettingsReport {
		t.Helper()
		src := &sliceSource{kind: "api", users: users, pageSize: 7}
		rep, err := importer.Run(context.Background(), src, env, importer.Options{Mode: importer.ModePreview, Providers: override})
		if err != nil {
			t.Fatal(err)
		}
		return rep.Settings
	}
	check := func(what string) {
		t.Helper()
		got, exp := s.settings(), want(s.runOverride())
		if got.StrandedUsers != exp.StrandedUsers || got.PasswordlessUsers != exp.PasswordlessUsers ||
			!slices.Equal(got.Providers, exp.Providers) || !slices.Equal(got.After, exp.After) {
			t.Fatalf("%s: screen %+v, importer %+v", what, got, exp)
		}
		// Users whose OAuth cannot move have a line of their own, as in
		// the importer's warnings.
		if n := exp.StrandedUsers - exp.NoUsableOAuthUsers; n > 0 {
			d.mustSee(plural(n, "stranded user", "stranded users"))
		} else if strings.Contains(d.view(), "stranded") {
			t.Fatalf("%s: no stranded users, screen:\n%s", what, d.view())
		}
		if got.NoUsableOAuthUsers != exp.NoUsableOAuthUsers {
			t.Fatalf("%s: screen %d users whose OAuth does not carry over, importer %d", what, got.NoUsableOAuthUsers, exp.NoUsableOAuthUsers)
		}
		if n := exp.NoUsableOAuthUsers; n > 0 {
			d.mustSee(plural(n, "user", "users") + " whose OAuth does not carry over")
		}
	}
	check("detected")
	if s.settings().StrandedUsers == 0 || s.settings().PasswordlessUsers == 0 {
		t.Fatalf("test data has no stranded or passwordless users: %+v", s.settings())
	}
	d.press("space") // google off
	check("google off")
	d.press("down", "space") // github off
	check("google and github off")
	for range 4 {
		d.press("down")
	}
	d.press("space") // discord: already on in the environment
	check("discord")
	d.press("down", "space") // magic-link
	check("magic-link")
	if calls != 1 {
		t.Fatalf("%d importer runs, want the one preview", calls)
	}
}

// providerUsers have passwords, Google, GitHub, Discord and an
// unsupported provider, alone and combined, and some neither.
func providerUsers() []clerk.User {
	users := makeUsers(40)
	provs := []string{"oauth_google", "oauth_github", "oauth_tiktok", "oauth_discord", "oauth_google"}
	for i := range users {
		users[i].ExternalAccounts = nil
		switch {
		case i%5 == 4:
			// neither (unless a password)
		case i%7 == 0:
			users[i].ExternalAccounts = []clerk.ExternalAccount{
				{ID: fmt.Sprintf("eac_a%d", i), Provider: "oauth_github", ProviderUserID: fmt.Sprintf("gh%d", i), Verification: &clerk.Verification{Status: "verified"}},
				{ID: fmt.Sprintf("eac_b%d", i), Provider: "oauth_tiktok", ProviderUserID: fmt.Sprintf("tt%d", i), Verification: &clerk.Verification{Status: "verified"}},
			}
		default:
			p := provs[i%len(provs)]
			users[i].ExternalAccounts = []clerk.ExternalAccount{{ID: fmt.Sprintf("eac_%d", i), Provider: p, ProviderUserID: fmt.Sprintf("%s%d", p, i), Verification: &clerk.Verification{Status: "verified"}}}
		}
		if i%4 == 1 {
			users[i].PasswordEnabled = false
		}
	}
	return users
}

// withProviders turns the detected-set preview into the preview for an
// override: the whole report equals what importer.Run gives for it.
func TestWithProvidersEqualsImporterRun(t *testing.T) {
	users := providerUsers()
	env := newTestEnv(t)
	if err := env.SetAuthProviders(context.Background(), []string{"credentials", "discord"}); err != nil {
		t.Fatal(err)
	}
	run := func(override []string) (importer.Report, importer.Analysis) {
		t.Helper()
		var an importer.Analysis
		src := &sliceSource{kind: "api", users: users, pageSize: 6}
		rep, err := importer.Run(context.Background(), src, env, importer.Options{
			Mode: importer.ModePreview, Providers: override, Now: func() time.Time { return fixedNow },
			OnEvent: func(ev importer.Event) {
				if p, ok := ev.(importer.PageRead); ok {
					an = p.Analysis
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return rep, an
	}
	base, an := run(nil)
	if base.Settings.StrandedUsers == 0 || base.Settings.PasswordlessUsers == 0 || len(base.Warnings) < 2 {
		t.Fatalf("test data lacks stranded or passwordless users: %+v %q", base.Settings, base.Warnings)
	}
	for _, o := range [][]string{nil, {}, {"github"}, {"google", "magic-link"}, {"apple", "discord", "github", "google", "magic-link"}} {
		want, _ := run(o)
		got := withProviders(base, an, o)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("override %v:\n got %+v\nwant %+v", o, got, want)
		}
	}
	if !slices.Equal(base.Warnings, withProviders(base, an, nil).Warnings) {
		t.Fatal("withProviders changed the warnings of the detected set")
	}
}

func TestSettingsGoldenStreaming(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		hold := make(chan struct{})
		t.Cleanup(func() { close(hold) })
		evs, rep := previewEvents()
		d, _ := toSettings(t, w, h, func(pc *programContext) {
			pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
				return scriptedRun(evs[:3], rep, hold)(ctx, src, env, opts)
			}
		})
		d.waitFor("half the users", func(m Model) bool { return settingsOf(d).fetched == 5 })
		return d
	})
}

func TestSettingsGoldenDone(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		d, _ := toSettings(t, w, h)
		d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
		return d
	})
}

// While reading, the settings show a spinner and the elapsed time, moved
// by a tick each second while the read runs; an export file (no total)
// gets a moving bar instead of an empty one.
func TestSettingsReadingMovesWithoutResults(t *testing.T) {
	clock := newTestClock()
	hold := make(chan struct{})
	defer close(hold)
	_, rep := previewEvents()
	d, _ := toSettings(t, 80, 24, clock.install, func(pc *programContext) {
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			return scriptedRun(nil, rep, hold)(ctx, src, env, opts)
		}
	})
	s := settingsOf(d)
	d.m.pc.sess.source.Total = -1 // as for a file
	s.total = -1
	barLine := func() string {
		for _, l := range strings.Split(d.view(), "\n") {
			if strings.Contains(l, "reading users") {
				return l
			}
		}
		t.Fatalf("no read line:\n%s", d.view())
		return ""
	}
	first := barLine()
	if !strings.Contains(first, "⠋ reading users… 0s") || !strings.Contains(first, "█") {
		t.Fatalf("read line %q: want a spinner, the elapsed time and a moving bar", first)
	}
	clock.advance(3 * time.Second)
	tm, cmd := d.m.Update(runTickMsg{RunID: s.run.id})
	d.m = tm.(Model)
	if cmd == nil {
		t.Fatal("the tick stopped while reading")
	}
	next := barLine()
	if !strings.Contains(next, "reading users… 3s") || next == first {
		t.Fatalf("read line did not move: %q then %q", first, next)
	}
}

// identityPreview is previewEvents with issue 6's and 7's counts: a
// Dashboard CSV with SSO, MFA, identifier-only users, an unverified link
// and kept passwords.
func identityPreview() ([]importer.Event, importer.Report) {
	evs, rep := previewEvents()
	last := evs[3].(importer.PageRead)
	an := last.Analysis
	an.SSOOnly, an.Neither = 1, 0
	an.SSO, an.SSOConnections = 2, map[string]int{"saml_okta (acme.com)": 2, "saml_google (\x1b[31mevil.example)": 1}
	an.MFA, an.PhoneOnly, an.UsernameOnly, an.Web3Only, an.UnverifiedLinks = 3, 2, 1, 0, 1
	last.Analysis = an
	evs[3] = last
	rep.Source = importer.SourceInfo{Kind: "file", Format: clerk.FormatDashboardCSV}
	rep.Passwords = importer.PasswordReport{Kept: 4, NeedsReset: 1, UnsupportedHasher: map[string]int{}}
	return evs, rep
}

func toIdentitySettings(t *testing.T, w, h int) *driver {
	evs, rep := identityPreview()
	d, _ := toSettings(t, w, h, func(pc *programContext) {
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			return scriptedRun(evs, rep, nil)(ctx, src, env, opts)
		}
	})
	d.m.pc.sess.source.Kind, d.m.pc.sess.source.Path = "file", "/tmp/clerk.csv"
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	return d
}

// The settings show the detected format and the counts of issues 6 and
// 7, each from the analysis or report (none of them hard-coded).
func TestSettingsIdentityCounts(t *testing.T) {
	d := toIdentitySettings(t, 120, 40)
	for _, want := range []string{
		"Clerk export file /tmp/clerk.csv · 10 users · Clerk Dashboard CSV",
		"SSO only 1",
		"passwords kept 4 · need reset 1",
		"⚠ 2 SSO users (tag import:sso): set up saml_okta (acme.com), saml_google (evil.example)",
		"⚠ 3 users with MFA or passkeys enroll again",
		"⚠ Skipped, no email for sign-in: phone only 2 · username only 1",
		"⚠ 1 unverified OAuth account not linked (users imported)",
	} {
		if v := flatten(d.view()); !strings.Contains(v, want) {
			t.Fatalf("screen lacks %q:\n%s", want, d.view())
		}
	}
	if v := d.view(); strings.Contains(v, "web3") || strings.Contains(v, "\x1b") {
		t.Fatalf("a zero count or an escape is shown:\n%q", v)
	}
	// Without digests and without a passwords file, no passwords line.
	d2, _ := toSettings(t, 120, 40)
	d2.waitFor("the preview", func(m Model) bool { return settingsOf(d2).report != nil })
	if strings.Contains(d2.view(), "passwords kept") {
		t.Fatal("passwords line without any password count")
	}
}

func TestSettingsGoldenIdentity(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver { return toIdentitySettings(t, w, h) })
}

// With the real reader and importer on the Backend API fixture, the
// settings and the review show what the core found: the counts and the
// unverified link are the core's, not the test's.
func TestSettingsAndReviewOnRealExport(t *testing.T) {
	env := realEnv(t, t.TempDir())
	d := newDriver(t, Config{Env: env, OpenFile: clerk.OpenFile}, 120, 40)
	d.press("2")
	d.press(fixture("clerk-api.json"))
	d.press("enter")
	d.waitFor("the preview", func(m Model) bool {
		s, ok := m.screens[stateSettings].(*settingsScreen)
		return ok && s.report != nil
	})
	s := settingsOf(d)
	an, rep := s.an, s.report
	if an.SSO == 0 && an.MFA == 0 && an.UnverifiedLinks == 0 && an.PhoneOnly+an.UsernameOnly+an.Web3Only == 0 {
		t.Fatalf("the fixture exercises none of the new counts: %+v", an)
	}
	v := flatten(d.view())
	t.Logf("analysis %+v skipped %v", an, rep.Users.SkippedReasons)
	if !strings.Contains(v, "· Clerk API users") {
		t.Errorf("format not shown:\n%s", d.view())
	}
	for _, c := range []struct {
		n    int
		want string
	}{
		{an.SSO, plural(an.SSO, "SSO user", "SSO users") + " (tag import:sso)"},
		{an.MFA, plural(an.MFA, "user", "users") + " with MFA or passkeys enroll again"},
		{an.UnverifiedLinks, plural(an.UnverifiedLinks, "unverified OAuth account", "unverified OAuth accounts") + " not linked"},
		{an.PhoneOnly, "phone only " + fmtInt(an.PhoneOnly)},
		{an.UsernameOnly, "username only " + fmtInt(an.UsernameOnly)},
		{an.Web3Only, "web3 wallet only " + fmtInt(an.Web3Only)},
	} {
		if has := strings.Contains(v, c.want); has != (c.n > 0) {
			t.Errorf("count %d: shows %q = %v:\n%s", c.n, c.want, has, d.view())
		}
	}
	d.press("enter")
	d.waitFor("the review", func(m Model) bool { return m.state == stateDuplicates })
	r := reviewOf(d)
	if an.UnverifiedLinks > 0 {
		if r.reasons[1] != tabFlagged {
			t.Fatalf("tabs %q: no flagged tab", r.reasons)
		}
		d.press("tab")
		d.mustSee("unverified link")
	}
	for reason, n := range rep.Users.SkippedReasons {
		if n > 0 && !slices.Contains(r.reasons, reason) {
			t.Errorf("skip reason %s (%d) has no tab: %q", reason, n, r.reasons)
		}
	}
}

// A file without OAuth data: users without a password are "not in this
// file", not "neither", and the rows still add up to the users read.
func TestSettingsSignInNotInFile(t *testing.T) {
	d, _ := settingsSignInNotInFile(t, 80, 24)
	s := settingsOf(d)
	if s.an.SignInUnknown == 0 {
		t.Fatal("the test's analysis has no user of unknown sign-in")
	}
	d.mustSee("not in this file")
	for _, line := range strings.Split(d.view(), "\n") {
		// The table's row (the warning below it says so in a sentence).
		if strings.Contains(line, "not in this file") && !strings.HasPrefix(strings.TrimSpace(line), "⚠") && !strings.Contains(strings.Fields(line[strings.Index(line, "not in this file"):])[4], fmt.Sprint(s.an.SignInUnknown)) {
			t.Errorf("the row does not show %d: %q", s.an.SignInUnknown, line)
		}
	}
}

// On any terminal the provider under the cursor and what the settings
// become are on screen, so space never changes a provider the person
// cannot see: a short screen leaves out blank lines, the methods table
// and warnings, then shows the providers around the cursor.
func TestSettingsShortTerminalKeepsProvidersOnScreen(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {60, 14}, {60, 10}, {80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			d := toIdentitySettings(t, size[0], size[1])
			s := settingsOf(d)
			if size == [2]int{60, 20} {
				// The warnings that do not fit are counted, not cut unsaid.
				d.mustSee("⚠ 4 more warnings below: a taller terminal shows them")
			}
			for i, name := range ssoProviders {
				v := d.view()
				if got := lipgloss.Height(v); got > size[1] {
					t.Fatalf("%d lines on a %d-line terminal", got, size[1])
				}
				at := slices.IndexFunc(strings.Split(v, "\n"), func(l string) bool { return strings.Contains(l, "› [") })
				if at < 0 || !strings.Contains(strings.Split(v, "\n")[at], name) {
					t.Fatalf("cursor on %s, not on screen:\n%s", name, v)
				}
				if !strings.Contains(v, "After the import") {
					t.Fatalf("what the settings become is off screen:\n%s", v)
				}
				before := maps.Clone(s.selected)
				on := strings.Contains(strings.Split(v, "\n")[at], "[x]")
				d.press("space")
				if s.selected[name] == on {
					t.Fatalf("space did not toggle %s (shown %v)", name, on)
				}
				for p, was := range before {
					if p != name && s.selected[p] != was {
						t.Fatalf("space on %s changed %s", name, p)
					}
				}
				d.press("space")
				if i < len(ssoProviders)-1 {
					d.press("down")
				}
			}
		})
	}
}

// Users whose sign-in methods a Dashboard CSV does not hold get the
// CLI's hint where magic-link is chosen; once it is on, the hint says
// they can sign in with it.
func TestSettingsHintsMagicLinkForSignInNotInFile(t *testing.T) {
	d, an := settingsSignInNotInFile(t, 120, 40)
	s := settingsOf(d)
	if importer.SignInUnknownWarning(s.settings()) == "" {
		t.Fatalf("the core gives no warning for %d users", s.settings().SignInUnknownUsers)
	}
	want := "⚠ " + plural(an.SignInUnknown, "user", "users") + " with no password whose sign-in methods are not in this file (no OAuth accounts for them): enable magic-link so they can sign in"
	if v := flatten(d.view()); !strings.Contains(v, want) || strings.Contains(v, "--providers") {
		t.Fatalf("no hint %q, or a CLI flag in it:\n%s", want, d.view())
	}
}

// settingsSignInNotInFile opens Settings (w×h) on the preview of a file
// without OAuth data: its users with neither a password nor OAuth are of
// unknown sign-in instead, and none is passwordless.
func settingsSignInNotInFile(t *testing.T, w, h int) (*driver, importer.Analysis) {
	t.Helper()
	evs, rep := previewEvents()
	last := evs[3].(importer.PageRead)
	an := last.Analysis
	an.SignInUnknown, an.Neither = an.Neither, 0
	last.Analysis = an
	evs[3] = last
	rep.Settings.SignInUnknownUsers, rep.Settings.PasswordlessUsers = an.SignInUnknown, 0
	d, _ := toSettings(t, w, h, func(pc *programContext) {
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			return scriptedRun(evs, rep, nil)(ctx, src, env, opts)
		}
	})
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	return d, an
}
