package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// Phone numbers besides the primary one, the primary's extension and web3
// wallets have no place in an AscendKit user: each user with any is
// counted, warned about and listed, in a preview and a run alike, and the
// primary phone is kept without its extension.
func TestIdentitiesNotKept(t *testing.T) {
	p := filepath.Join(t.TempDir(), "users.json")
	user := func(id, extra string) string {
		return `{"id":"` + id + `","primary_email_address_id":"e","password_enabled":true,"email_addresses":[{"id":"e","email_address":"` + id +
			`@example.com","verification":{"status":"verified"}}],"created_at":1700000000000` + extra + `}`
	}
	os.WriteFile(p, []byte("["+strings.Join([]string{
		user("two", `,"primary_phone_number_id":"p1","phone_numbers":[{"id":"p1","phone_number":"+14155552671","verification":{"status":"verified"}},{"id":"p2","phone_number":"+442071838750","verification":{"status":"verified"}}]`),
		user("ext", `,"phone_numbers":[{"id":"p1","phone_number":"+1 415-555-2672 ext. 99","verification":{"status":"verified"}}]`),
		user("wallet", `,"web3_wallets":[{"id":"w","web3_wallet":"0xabc","verification":{"status":"verified"}}]`),
		// The primary listed twice in other spellings is one number.
		user("same", `,"phone_numbers":[{"id":"p1","phone_number":"+14155552673"},{"id":"p2","phone_number":"+1 (415) 555-2673"}]`),
		user("plain", `,"phone_numbers":[{"id":"p1","phone_number":"+14155552674"}]`),
	}, ",")+"]"), 0o600)
	env := openEnv(t)
	for _, mode := range []Mode{ModePreview, ModeRun} {
		src, err := clerk.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		opts := Options{Mode: mode}
		entries := collect(&opts)
		rep := run(t, src, env, opts)
		src.Close()
		if rep.IdentitiesNotKept != 3 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "3 users have phone numbers besides their primary one") {
			t.Errorf("%s: identitiesNotKept %d warnings %q", mode, rep.IdentitiesNotKept, rep.Warnings)
		}
		details := map[string]string{}
		for _, e := range *entries {
			if e.Reason == ReasonIdentityNotKept {
				details[e.SourceID] = e.Detail
			}
		}
		for id, want := range map[string]string{"two": `1 other phone number(s) "+442071838750"`, "ext": `extension "99"`, "wallet": `1 web3 wallet(s) "0xabc"`} {
			if !strings.Contains(details[id], want) {
				t.Errorf("%s: %s's entry %q lacks %q", mode, id, details[id], want)
			}
		}
		if len(details) != 3 {
			t.Errorf("%s: entries for %v, want two, ext and wallet", mode, details)
		}
	}
	u, err := env.GetUser(ctx, "ext@example.com")
	if err != nil || u.Phone != "+14155552672" {
		t.Errorf("ext's phone %q (%v), want +14155552672", u.Phone, err)
	}
}

// Users without a sign-up date (created_at missing, null or 0) get the
// import's time: counted and warned about, alike in a preview, a run and
// the wizard's classification.
func TestUndatedUsersCounted(t *testing.T) {
	p := filepath.Join(t.TempDir(), "users.json")
	user := func(id, created string) string {
		return `{"id":"` + id + `","primary_email_address_id":"e","password_enabled":true,"email_addresses":[{"id":"e","email_address":"` + id +
			`@example.com","verification":{"status":"verified"}}]` + created + `}`
	}
	os.WriteFile(p, []byte("["+strings.Join([]string{
		user("missing", ``), user("null", `,"created_at":null`), user("zero", `,"created_at":0`), user("dated", `,"created_at":1700000000000`),
	}, ",")+"]"), 0o600)
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
	for _, mode := range []Mode{ModePreview, ModeRun} {
		src := open()
		rep := run(t, src, env, Options{Mode: mode})
		src.Close()
		if rep.CreatedAtUnknown != 3 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "3 users have no sign-up date in the source") {
			t.Errorf("%s: createdAtUnknown %d warnings %q", mode, rep.CreatedAtUnknown, rep.Warnings)
		}
	}
	if classified.CreatedAtUnknown != 3 {
		t.Errorf("recount: createdAtUnknown %d, want 3", classified.CreatedAtUnknown)
	}
	u, err := env.GetUser(ctx, "dated@example.com")
	if err != nil || u.CreatedAt.UnixMilli() != 1700000000000 {
		t.Errorf("dated user created %v (%v)", u.CreatedAt, err)
	}
}
