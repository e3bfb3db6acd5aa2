package importer

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// The password-reset email goes to every user tagged TagNeedsPasswordReset,
// and some of them never had a password: one whose only sign-in was an
// OAuth provider that does not carry over, and one the source does not say
// about (taken to have had one). Its copy says nothing false to them: it
// does not claim a password of theirs was lost.
func TestPasswordResetCopyHoldsForUsersWithoutPassword(t *testing.T) {
	env := openEnv(t)
	ctx := context.Background()
	rep := run(t, newSource(3,
		mkUser("user_pw", "pw@example.com", withPassword),
		mkUser("user_fb", "fb@example.com", withOAuth("oauth_facebook")),
		mkUser("user_unknown", "unknown@example.com", withPasswordUnknown, withOAuth("oauth_google")),
	), env, Options{Mode: ModeRun})
	if rep.Users.Imported != 3 {
		t.Fatalf("imported %d", rep.Users.Imported)
	}
	for _, email := range []string{"pw@example.com", "fb@example.com", "unknown@example.com"} {
		u, err := env.GetUser(ctx, email)
		if err != nil || !slices.Contains(u.Tags, TagNeedsPasswordReset) {
			t.Fatalf("%s: tags %v, %v; the reset email's audience is not as this test assumes", email, u.Tags, err)
		}
	}
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "hello@acme.dev", AppName: "Acme"}); err != nil {
		t.Fatal(err)
	}
	tp, err := env.GetTemplate(ctx, SlugPasswordReset)
	if err != nil {
		t.Fatal(err)
	}
	for part, body := range map[string]string{"text": tp.BodyText, "html": tp.BodyHTML} {
		for _, claim := range []string{"Passwords could not be carried over", "choose a new one"} {
			if strings.Contains(body, claim) {
				t.Errorf("%s body says %q, false for a user who never had a password:\n%s", part, claim, body)
			}
		}
		if !strings.Contains(body, "your password, if you had one, could not be carried over") || !strings.Contains(body, "{{resetUrl}}") {
			t.Errorf("%s body does not hedge, or lost its link:\n%s", part, body)
		}
	}
}

// An environment keeps the reset template it was created with: creating
// the journeys again leaves its text alone (a customer may have edited
// it), and fails on nothing.
func TestPasswordResetTemplateKeptOnRerun(t *testing.T) {
	env := openEnv(t)
	ctx := context.Background()
	old := ascendkit.Template{Slug: SlugPasswordReset, Name: "Migration password reset", Category: "transactional",
		Subject:  "Set your new {{appName}} password",
		BodyText: "Hi {{userName}},\n\nPasswords could not be carried over to {{appName}}'s new sign-in platform, so please choose a new one:\n{{resetUrl}}\n\nThe {{appName}} team",
		BodyHTML: "<p>Hi {{userName}},</p><p>Passwords could not be carried over, so please choose a new one: <a href=\"{{resetUrl}}\">set your password</a>.</p>"}
	if _, _, err := env.CreateTemplate(ctx, old); err != nil {
		t.Fatal(err)
	}
	res, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "hello@acme.dev", AppName: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Templates {
		if c.Slug == SlugPasswordReset && c.Created {
			t.Errorf("reset template created again: %+v", c)
		}
	}
	tp, err := env.GetTemplate(ctx, SlugPasswordReset)
	if err != nil || tp.BodyText != old.BodyText || tp.BodyHTML != old.BodyHTML {
		t.Errorf("stored template changed: %+v %v", tp, err)
	}
}
