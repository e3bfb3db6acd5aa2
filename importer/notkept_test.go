package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// Phone numbers besides the primary one, the primary's extension and web3
// wallets have no place in an AscendKit user: each user with any is
// counted, warned about and listed, in a preview and a run alike, and the
// primary phone is kept without its extension.
func TestIdentitiesNotKept(t *testing.T) {
	dated := `,"created_at":1700000000000`
	p := usersFile(t,
		fileUser("two", dated+`,"primary_phone_number_id":"p1","phone_numbers":[{"id":"p1","phone_number":"+14155552671","verification":{"status":"verified"}},{"id":"p2","phone_number":"+442071838750","verification":{"status":"verified"}}]`),
		fileUser("ext", dated+`,"phone_numbers":[{"id":"p1","phone_number":"+1 415-555-2672 ext. 99","verification":{"status":"verified"}}]`),
		fileUser("wallet", dated+`,"web3_wallets":[{"id":"w","web3_wallet":"0xabc","verification":{"status":"verified"}}]`),
		// The primary listed twice in other spellings is one number.
		fileUser("same", dated+`,"phone_numbers":[{"id":"p1","phone_number":"+14155552673"},{"id":"p2","phone_number":"+1 (415) 555-2673"}]`),
		fileUser("plain", dated+`,"phone_numbers":[{"id":"p1","phone_number":"+14155552674"}]`),
		// Another address that is not one (a list whose separator was not
		// read) is left out, and said to be; a valid one is kept.
		`{"id":"bad2nd","primary_email_address_id":"e","created_at":1700000000000,"email_addresses":[{"id":"e","email_address":"bad2nd@example.com","verification":{"status":"verified"}},`+
			`{"id":"f","email_address":"semi@example.com other@example.com"},{"id":"g","email_address":"kept@example.com"}]}`,
		// An image that is no web address is not stored; a web one is.
		fileUser("script", dated+`,"has_image":true,"image_url":"javascript:alert(1)"`),
		fileUser("pic", dated+`,"has_image":true,"image_url":" https://img.clerk.com/eyJ "`))
	env := openEnv(t)
	eachMode(t, p, env, func(mode Mode, rep Report, entries []Entry) {
		if rep.IdentitiesNotKept != 5 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "5 users have phone numbers besides their primary one") {
			t.Errorf("%s: identitiesNotKept %d warnings %q", mode, rep.IdentitiesNotKept, rep.Warnings)
		}
		details := map[string]string{}
		for _, e := range entries {
			if e.Reason == ReasonIdentityNotKept {
				details[e.SourceID] = e.Detail
			}
		}
		for id, want := range map[string]string{"two": `1 other phone number(s) "+442071838750"`, "ext": `extension "99"`, "wallet": `1 web3 wallet(s) "0xabc"`,
			"bad2nd": `1 other email address(es) that are not valid "semi@example.com other@example.com"`,
			"script": `an image_url that is not an http(s) address "javascript:alert(1)"`} {
			if !strings.Contains(details[id], want) {
				t.Errorf("%s: %s's entry %q lacks %q", mode, id, details[id], want)
			}
		}
		if len(details) != 5 {
			t.Errorf("%s: entries for %v, want two, ext, wallet, bad2nd and script", mode, details)
		}
	})
	u, err := env.GetUser(ctx, "ext@example.com")
	if err != nil || u.Phone != "+14155552672" {
		t.Errorf("ext's phone %q (%v), want +14155552672", u.Phone, err)
	}
	if u, err = env.GetUser(ctx, "script@example.com"); err != nil || u.Image != "" {
		t.Errorf("script's image %q (%v), want none", u.Image, err)
	}
	if u, err = env.GetUser(ctx, "pic@example.com"); err != nil || u.Image != "https://img.clerk.com/eyJ" {
		t.Errorf("pic's image %q (%v)", u.Image, err)
	}
	if u, err = env.GetUser(ctx, "bad2nd@example.com"); err != nil || len(u.SecondaryEmails) != 1 || u.SecondaryEmails[0].Email != "kept@example.com" {
		t.Errorf("bad2nd's other addresses %+v (%v), want kept@example.com alone", u.SecondaryEmails, err)
	}
}

// Users without a sign-up date (created_at missing, null or 0) get the
// import's time: counted and warned about, alike in a preview, a run and
// the wizard's classification.
func TestUndatedUsersCounted(t *testing.T) {
	p := usersFile(t, fileUser("missing", ``), fileUser("null", `,"created_at":null`), fileUser("zero", `,"created_at":0`),
		fileUser("dated", `,"created_at":1700000000000`))
	open := func() clerk.Source {
		src, err := clerk.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	env := openEnv(t)
	c, _ := classify(t, open(), env, Options{})
	classified, err := c.Recount(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	eachMode(t, p, env, func(mode Mode, rep Report, _ []Entry) {
		if rep.CreatedAtUnknown != 3 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "3 users have no sign-up date in the source") {
			t.Errorf("%s: createdAtUnknown %d warnings %q", mode, rep.CreatedAtUnknown, rep.Warnings)
		}
	})
	if classified.CreatedAtUnknown != 3 {
		t.Errorf("recount: createdAtUnknown %d, want 3", classified.CreatedAtUnknown)
	}
	u, err := env.GetUser(ctx, "dated@example.com")
	if err != nil || u.CreatedAt.UnixMilli() != 1700000000000 {
		t.Errorf("dated user created %v (%v)", u.CreatedAt, err)
	}
	// The import's time, in ms as every other time (it was in ns).
	env2 := openEnv(t)
	src := open()
	defer src.Close()
	clock := time.Date(2026, 12, 1, 18, 35, 9, 502177772, time.UTC)
	if _, err := Run(ctx, src, env2, Options{Mode: ModeRun, Phases: Phases{Users: true}, Now: func() time.Time { return clock }}); err != nil {
		t.Fatal(err)
	}
	if u, err := env2.GetUser(ctx, "missing@example.com"); err != nil || !u.CreatedAt.Equal(clock.Truncate(time.Millisecond)) {
		t.Errorf("undated user created %v (%v), want the import's time in ms", u.CreatedAt, err)
	}
}

// fileUser is a Clerk API user with a verified address id@example.com
// and a password; extra adds fields (",\"key\":…").
func fileUser(id, extra string) string {
	return `{"id":"` + id + `","primary_email_address_id":"e","password_enabled":true,"email_addresses":[{"id":"e","email_address":"` + id +
		`@example.com","verification":{"status":"verified"}}]` + extra + `}`
}

// usersFile writes users as a JSON array and returns its path.
func usersFile(t *testing.T, users ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(p, []byte("["+strings.Join(users, ",")+"]"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// eachMode previews, then runs, the file at p into env, handing check
// each report and its entries.
func eachMode(t *testing.T, p string, env ascendkit.Environment, check func(Mode, Report, []Entry)) {
	t.Helper()
	for _, mode := range []Mode{ModePreview, ModeRun} {
		src, err := clerk.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		opts := Options{Mode: mode}
		entries := collect(&opts)
		rep := run(t, src, env, opts)
		src.Close()
		check(mode, rep, *entries)
	}
}

// legal_accepted_at (consent to the instance's terms, which clerk migrate
// and the API carry) was dropped: AscendKit has no field for it, so it is
// kept in the user's metadata.import, from ms and RFC 3339 alike.
func TestLegalAcceptedAtKept(t *testing.T) {
	p := usersFile(t,
		fileUser("ms", `,"created_at":1700000000000,"legal_accepted_at":1700000001234`),
		fileUser("text", `,"created_at":1700000000000,"legal_accepted_at":"2024-05-01T04:37:53Z"`),
		fileUser("none", `,"created_at":1700000000000,"legal_accepted_at":null`))
	env := openEnv(t)
	eachMode(t, p, env, func(Mode, Report, []Entry) {})
	for email, want := range map[string]any{"ms@example.com": "2023-11-14T22:13:21.234Z", "text@example.com": "2024-05-01T04:37:53Z", "none@example.com": nil} {
		u, err := env.GetUser(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		imp, _ := u.Metadata["import"].(map[string]any)
		if got := imp["legalAcceptedAt"]; got != want {
			t.Errorf("%s: metadata.import.legalAcceptedAt %v, want %v", email, got, want)
		}
	}
}

// A Clerk user merged into an AscendKit user lost its consent to the
// terms, which a created user keeps in metadata.import: the merge's
// record of the import carries it too.
func TestLegalAcceptedAtKeptByAMerge(t *testing.T) {
	env := openEnv(t)
	seedTaken(t, env)
	at := clerk.Millis(1700000001234)
	u := mkUser("user_t", "taken@example.com", withPassword)
	u.LegalAcceptedAt = &at
	rep := run(t, newSource(2, u), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if rep.Users.Merged != 1 {
		t.Fatalf("merged %d", rep.Users.Merged)
	}
	taken, err := env.GetUser(ctx, "taken@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if imp, _ := taken.Metadata["import"].(map[string]any); imp["legalAcceptedAt"] != "2023-11-14T22:13:21.234Z" || imp["sourceId"] != "user_t" {
		t.Errorf("metadata.import %v", taken.Metadata["import"])
	}
}
