package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// flaggedOf is the review's flagged rows as "reason id detail".
func flaggedOf(s *duplicatesScreen) []string {
	var out []string
	for _, e := range s.entries {
		if e.Kind == kindWarning {
			out = append(out, e.Reason+" "+e.SourceID+" "+e.Detail)
		}
	}
	return out
}

// writeUsersJSON writes users to dir/users.json, as an API export.
func writeUsersJSON(t *testing.T, dir string, users []clerk.User) string {
	t.Helper()
	data, err := json.Marshal(users)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "users.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// b rebuilds the flagged rows too: a banned user imported with the ban
// kept who signed in only with X (no usable OAuth) is flagged once b
// includes banned users, and b again gives the first rows back. Each
// time they are a fresh preview's.
func TestReviewFlaggedFollowBannedSwitch(t *testing.T) {
	dir := t.TempDir()
	x := func(id string) clerk.ExternalAccount {
		return clerk.ExternalAccount{ID: "eac_" + id, Provider: "oauth_x", ProviderUserID: "x-" + id,
			Verification: &clerk.Verification{Status: "verified"}}
	}
	users := makeUsers(4)
	users[0].PasswordEnabled, users[0].ExternalAccounts = false, []clerk.ExternalAccount{x("0")} // X only
	users[1].PasswordEnabled, users[1].ExternalAccounts = false, []clerk.ExternalAccount{x("1")}
	users[1].Banned = true                                                                      // banned, X only
	users[2].PasswordEnabled, users[2].ExternalAccounts = true, []clerk.ExternalAccount{x("0")} // x-0 again: a conflict
	users[3].Banned = true
	file := writeUsersJSON(t, dir, users)
	env := realEnv(t, dir)
	without, with := freshRows(t, file, env, false), freshRows(t, file, env, true)
	flagged := "warning " + importer.ReasonNoUsableOAuth + " " + users[1].ID
	if slices.Contains(without, flagged) || !slices.Contains(with, flagged) ||
		!slices.Contains(without, "warning "+importer.ReasonNoUsableOAuth+" "+users[0].ID) {
		t.Fatalf("fixture too weak:\nwithout %q\nwith %q", without, with)
	}

	d, s := reviewFile(t, env, file)
	if got := reviewed(s); !slices.Equal(got, without) {
		t.Fatalf("review rows %q, a fresh preview lists %q", got, without)
	}
	first := flaggedOf(s)

	d.press("b")
	d.waitFor("the rows recounted", func(Model) bool { return s.rowsBanned && s.recountID == 0 })
	if got := reviewed(s); !slices.Equal(got, with) {
		t.Fatalf("after b the rows are %q; a fresh preview with banned users lists %q", got, with)
	}
	if !slices.ContainsFunc(flaggedOf(s), func(r string) bool {
		return strings.HasPrefix(r, importer.ReasonNoUsableOAuth+" "+users[1].ID+" ") && strings.Contains(r, "oauth_x")
	}) {
		t.Fatalf("the banned X-only user is not flagged after b: %q", flaggedOf(s))
	}
	_, _, _, n := s.counts()
	d.mustSee("flagged " + fmtInt(n))

	d.press("b")
	d.waitFor("the rows recounted", func(Model) bool { return !s.rowsBanned && s.recountID == 0 })
	if got := flaggedOf(s); !slices.Equal(got, first) {
		t.Fatalf("after b twice the flagged rows are\n%q\nwant the first ones\n%q", got, first)
	}
	if got := reviewed(s); !slices.Equal(got, without) {
		t.Fatalf("after b twice the rows are %q, want %q", got, without)
	}
}

// After the rows were read again with banned users included (the
// environment changed), b recounts them without: a user flagged only
// because a banned user had their Google account first is no longer
// flagged, as in a fresh preview.
func TestReviewFlaggedAfterReadAgain(t *testing.T) {
	dir := t.TempDir()
	google := clerk.ExternalAccount{ID: "eac_g", Provider: "oauth_google", ProviderUserID: "g-shared",
		Verification: &clerk.Verification{Status: "verified"}}
	users := makeUsers(3)
	users[0].Banned, users[0].PasswordEnabled = true, true
	users[0].ExternalAccounts = []clerk.ExternalAccount{google}
	users[1].PasswordEnabled = true
	users[1].ExternalAccounts = []clerk.ExternalAccount{google} // a conflict once user_0000 is included
	file := writeUsersJSON(t, dir, users)
	env := realEnv(t, dir)
	conflict := "warning " + importer.ReasonLinkConflict + " " + users[1].ID
	if slices.Contains(freshRows(t, file, env, false), conflict) || !slices.Contains(freshRows(t, file, env, true), conflict) {
		t.Fatal("fixture too weak")
	}

	d, s := reviewFile(t, env, file)
	// Another process imports a user: the classification is stale, and
	// b reads the source again, banned users included.
	other := makeUsers(10)[9:]
	other[0].ID = "user_other"
	seedUsers(t, env, other)
	d.press("b")
	d.waitFor("the rows read again", func(m Model) bool {
		return s.reread == nil && s.recountID == 0 && s.rowsBanned && m.pc.sess.classified != nil && s.rowsFrom == m.pc.sess.classified
	})
	if got, want := reviewed(s), freshRows(t, file, env, true); !slices.Equal(got, want) {
		t.Fatalf("rows read again %q, a fresh preview lists %q", got, want)
	}
	d.press("b")
	d.waitFor("the rows recounted", func(Model) bool { return !s.rowsBanned && s.recountID == 0 })
	if got, want := reviewed(s), freshRows(t, file, env, false); !slices.Equal(got, want) {
		t.Fatalf("after b the rows are %q, a fresh preview lists %q", got, want)
	}
}
