package importer

import (
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// TestValuesPostgresCannotStore: a NUL in a user's text, or a key longer
// than an index row holds, failed a PostgreSQL run's whole batch, run
// after run, while SQLite imported the user. The importer now treats
// them alike on both: free text loses its NULs, a Clerk id that cannot be
// a key makes the user malformed, an unusable provider user id drops that
// link, and an address over RFC 5321's 254 bytes is invalid. Everyone
// else is imported.
func TestValuesPostgresCannotStore(t *testing.T) { eachBackend(t, testValuesPostgresCannotStore) }

func testValuesPostgresCannotStore(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	nul := mkUser("user_nul", "nul@example.com", withOAuth("oauth_github"))
	first, uname, ext := "X\x00Y", "u\x00n", "e\x00x"
	nul.FirstName, nul.Username, nul.ExternalID = &first, &uname, &ext
	nul.ImageURL, nul.HasImage = "https://img.example/\x00a.png", true
	badLink := mkUser("user_link", "link@example.com", withOAuth("oauth_google", "oauth_github", "oauth_apple"))
	badLink.ExternalAccounts[0].ProviderUserID = "g\x00oogle"
	badLink.ExternalAccounts[1].ProviderUserID = strings.Repeat("9", 4000)
	badLink.ExternalAccounts[2].Provider = "oauth_\x00apple" // the provider itself
	src := newSource(2,
		mkUser("user_ok1", "ok1@example.com"),
		nul,
		mkUser("user_\x00id", "nulid@example.com"),
		mkUser("user_"+strings.Repeat("l", 4000), "longid@example.com"),
		mkUser("user_mail", strings.Repeat("m", 250)+"@example.com"),
		badLink,
		mkUser("user_ok2", "ok2@example.com"),
	)
	var entries []Entry
	rep, err := Run(ctx, src, env, Options{Mode: ModeRun, OnEvent: func(ev Event) {
		if e, ok := ev.(EntryFound); ok {
			entries = append(entries, e.Entry)
		}
	}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	u := rep.Users
	if u.Imported != 4 || u.SkippedReasons[ReasonMalformed] != 2 || u.SkippedReasons[ReasonInvalidEmail] != 1 {
		t.Fatalf("users %+v", u)
	}
	got, err := env.GetUser(ctx, "nul@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "XY" || got.Username != "un" || got.ExternalID != "ex" || got.Image != "https://img.example/a.png" || len(got.OAuthLinks) != 1 {
		t.Errorf("user with NULs stored as %+v", got)
	}
	if got, err := env.GetUser(ctx, "link@example.com"); err != nil || len(got.OAuthLinks) != 0 {
		t.Errorf("unusable links stored: %+v %v", got.OAuthLinks, err)
	}
	if !slices.ContainsFunc(entries, func(e Entry) bool { return e.Reason == ReasonLinkInvalid && e.SourceID == "user_link" }) {
		t.Errorf("dropped links not reported: %+v", entries)
	}
	// A user not imported (banned) is named without the NUL too, as
	// the users imported are.
	ban := mkUser("user_ban", "ban@example.com")
	bfirst := "B\x00an"
	ban.FirstName, ban.Banned = &bfirst, true
	var banEntries []Entry
	if _, err := Run(ctx, newSource(2, ban), openEnv(t), Options{Mode: ModePreview, OnEvent: func(ev Event) {
		if e, ok := ev.(EntryFound); ok {
			banEntries = append(banEntries, e.Entry)
		}
	}}); err != nil || len(banEntries) != 1 || banEntries[0].Reason != ReasonBanned || banEntries[0].Name != "Ban" {
		t.Errorf("banned user's entry %+v, %v", banEntries, err)
	}
	// The preview says the same.
	pre := run(t, newSource(2, mkUser("user_\x00again", "again@example.com"), mkUser("user_ok3", "ok3@example.com")), env, Options{Mode: ModePreview})
	if pre.Users.ToImport != 1 || pre.Users.SkippedReasons[ReasonMalformed] != 1 {
		t.Errorf("preview %+v", pre.Users)
	}
}
