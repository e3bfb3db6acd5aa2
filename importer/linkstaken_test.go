package importer

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// racingEnv stands for a teammate's import that links OAuth accounts
// between this run's lookup of them and its write: the lookup does not
// see the links the teammate writes first.
type racingEnv struct {
	ascendkit.Environment
	teammate func()
	done     bool
}

func (e *racingEnv) LookupLinks(ctx context.Context, links []ascendkit.OAuthLink) (map[string]ascendkit.Match, error) {
	m, err := e.Environment.LookupLinks(ctx, links)
	if !e.done {
		e.done = true
		e.teammate()
	}
	return m, err
}

// Two imports at once whose users hold the same Google accounts: the one
// that wrote second created its users without their links (the database
// skipped them), tagged social-only, with no way to sign in, and re-runs
// saw nothing wrong. It now stops with nothing of the batch written, and
// running it again decides on the links as they are: conflicts, and the
// users on the password-reset path.
func TestLinksTakenMeanwhile(t *testing.T) { eachBackend(t, testLinksTakenMeanwhile) }

func testLinksTakenMeanwhile(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	src := func() *sliceSource {
		return newSource(5, mkUser("user_p1", "p1@example.com", withOAuth("oauth_google")), mkUser("user_p2", "p2@example.com", withOAuth("oauth_google")))
	}
	racing := &racingEnv{Environment: env, teammate: func() {
		// The teammate's users hold the same Google accounts.
		seedUser(t, env, "teammate1@example.com", true, ascendkit.OAuthLink{Provider: "google", ProviderUserID: "oauth_google-user_p1"})
	}}
	_, err := Run(ctx, src(), racing, Options{Mode: ModeRun})
	if !errors.Is(err, ascendkit.ErrLinksTaken) {
		t.Fatalf("run while a teammate linked the accounts: %v, want ErrLinksTaken", err)
	}
	for _, e := range []string{"p1@example.com", "p2@example.com"} {
		if u, err := env.GetUser(ctx, e); err == nil {
			t.Errorf("%s written by the refused batch: %+v", e, u)
		}
	}
	rep := run(t, src(), env, Options{Mode: ModeRun})
	if rep.Users.Imported != 2 || rep.OAuthLinkConflicts != 1 || rep.OAuthLinks != 1 {
		t.Fatalf("run again: users %+v, links %d, conflicts %d", rep.Users, rep.OAuthLinks, rep.OAuthLinkConflicts)
	}
	u, err := env.GetUser(ctx, "p1@example.com")
	if err != nil || len(u.OAuthLinks) != 0 || !slices.Contains(u.Tags, TagNeedsPasswordReset) || slices.Contains(u.Tags, TagSocialOnly) {
		t.Errorf("p1, whose account the teammate linked: %+v (%v), want no link, on the reset path", u, err)
	}
	if u, err := env.GetUser(ctx, "p2@example.com"); err != nil || len(u.OAuthLinks) != 1 || !slices.Contains(u.Tags, TagSocialOnly) {
		t.Errorf("p2: %+v (%v), want linked, social-only", u, err)
	}
}
