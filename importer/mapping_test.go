package importer

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// mapUser is mapUserFor for a write, as the tests check the whole mapping.
func mapUser(u *clerk.User, now time.Time, includeBanned bool) (m mapped, reason, detail string) {
	return mapUserFor(u, now, includeBanned, true)
}

// decodeUser builds a Clerk user from API-shaped JSON, as the sources do.
func decodeUser(t *testing.T, s string) *clerk.User {
	t.Helper()
	var u clerk.User
	if err := json.Unmarshal([]byte(s), &u); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return &u
}

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// ada is clerk.md's realistic user: the primary email is second in the array.
const ada = `{"id":"user_2abc","object":"user","username":null,"first_name":"Ada","last_name":"Lovelace",
 "image_url":"https://img.clerk.com/eyJ","has_image":true,
 "primary_email_address_id":"idn_e1","password_enabled":true,"two_factor_enabled":false,
 "email_addresses":[
   {"id":"idn_e2","email_address":"ada@work.example","verification":{"status":"unverified","strategy":"email_code"},"linked_to":[]},
   {"id":"idn_e1","email_address":" Ada@Example.com ","verification":{"status":"verified","strategy":"from_oauth_google"},"linked_to":[{"type":"oauth_google","id":"idn_g1"}]}],
 "phone_numbers":[],"web3_wallets":[],"passkeys":[],
 "external_accounts":[{"id":"eac_g1","provider":"oauth_google","provider_user_id":"1049171256","email_address":"ada@example.com","approved_scopes":"email openid profile","verification":{"status":"verified","strategy":"oauth_google"}},
   {"id":"eac_l1","provider":"oauth_linkedin_oidc","provider_user_id":"li-9","email_address":"Ada@Example.com"}],
 "public_metadata":{"role":"admin"},"private_metadata":{"stripe":"cus_1"},"unsafe_metadata":{},
 "external_id":null,"last_sign_in_at":1752102559086,"banned":false,"locked":false,
 "created_at":1752102559068,"updated_at":1752102559106,"some_future_field":{"x":1}}`

func TestMapUserFullRecord(t *testing.T) {
	m, reason, _ := mapUser(decodeUser(t, ada), now, false)
	if reason != "" {
		t.Fatalf("skipped: %s", reason)
	}
	u := m.user.User
	if u.Email != "ada@example.com" {
		t.Errorf("email = %q: want the primary (by id), trimmed and lower-cased", u.Email)
	}
	if !u.EmailVerified {
		t.Error("emailVerified should follow the primary address's verification")
	}
	if u.Name != "Ada Lovelace" || u.Image != "https://img.clerk.com/eyJ" {
		t.Errorf("name/image = %q/%q", u.Name, u.Image)
	}
	if got := u.CreatedAt; !got.Equal(time.UnixMilli(1752102559068)) {
		t.Errorf("createdAt = %v", got)
	}
	if u.LastLoginAt == nil || !u.LastLoginAt.Equal(time.UnixMilli(1752102559086)) {
		t.Errorf("lastLoginAt = %v", u.LastLoginAt)
	}
	if u.Metadata["role"] != "admin" {
		t.Errorf("public metadata lost: %v", u.Metadata)
	}
	if _, leaked := u.Metadata["stripe"]; leaked {
		t.Error("private metadata must not be merged into (public) metadata")
	}
	if u.PrivateMetadata["stripe"] != "cus_1" {
		t.Errorf("private metadata = %v, want it kept apart", u.PrivateMetadata)
	}
	if len(u.SecondaryEmails) != 1 || u.SecondaryEmails[0] != (ascendkit.SecondaryEmail{Email: "ada@work.example", Verified: false}) {
		t.Errorf("secondary emails = %+v", u.SecondaryEmails)
	}
	imp, _ := u.Metadata["import"].(map[string]any)
	if imp["source"] != "clerk" || imp["sourceId"] != "user_2abc" || imp["importedAt"] == nil {
		t.Errorf("metadata.import = %v", imp)
	}
	// The LinkedIn account carries no verification: it proves nothing, so
	// it is reported, not linked, and does not count as a provider.
	if len(u.OAuthLinks) != 1 || u.OAuthLinks[0].Provider != "google" || u.OAuthLinks[0].ProviderUserID != "1049171256" ||
		u.OAuthLinks[0].Email != "ada@example.com" {
		t.Errorf("links = %+v", u.OAuthLinks)
	}
	if !slices.Equal(m.unverified, []string{"linkedin"}) {
		t.Errorf("unverified = %v, want [linkedin]", m.unverified)
	}
	if want := []string{TagClerk, TagNeedsPasswordReset}; !slices.Equal(u.Tags, want) {
		t.Errorf("tags = %v, want %v", u.Tags, want)
	}
	if len(m.user.Events) != 2 || m.user.Events[0].Type != EventUserImported || m.user.Events[1].Type != EventUserLogin {
		t.Fatalf("events = %+v", m.user.Events)
	}
	p := m.user.Events[0].Payload
	if p["source"] != "clerk" || p["sourceId"] != "user_2abc" || p["hadPassword"] != true || p["hasOAuth"] != true {
		t.Errorf("user.imported payload = %v", p)
	}
	l := m.user.Events[1].Payload
	if l["synthetic"] != true || l["originalLoginAt"] != "2025-07-09T23:09:19.086Z" {
		t.Errorf("user.login payload = %v", l)
	}
	if !slices.Equal(m.providers, []string{"google"}) || len(m.unsupported) != 0 {
		t.Errorf("providers = %v unsupported = %v", m.providers, m.unsupported)
	}
}

func TestMapUserRules(t *testing.T) {
	cases := []struct {
		name, json string
		reason     string
		check      func(t *testing.T, m mapped)
	}{
		{"no email", `{"id":"u1","email_addresses":[]}`, ReasonNoEmail, nil},
		{"blank email", `{"id":"u1","email_addresses":[{"id":"e","email_address":"  "}]}`, ReasonNoEmail, nil},
		{"invalid email", `{"id":"u1","email_addresses":[{"id":"e","email_address":"not-an-email"}]}`, ReasonInvalidEmail, nil},
		{"invalid domain", `{"id":"u1","email_addresses":[{"id":"e","email_address":"a@localhost"}]}`, ReasonInvalidEmail, nil},
		{"banned", `{"id":"u1","banned":true,"email_addresses":[{"id":"e","email_address":"a@b.co"}]}`, ReasonBanned, nil},
		{"primary id missing falls back to first", `{"id":"u1","primary_email_address_id":"gone","email_addresses":[{"id":"e","email_address":"first@b.co"},{"id":"f","email_address":"second@b.co"}]}`, "", func(t *testing.T, m mapped) {
			if m.email != "first@b.co" {
				t.Errorf("email = %q", m.email)
			}
		}},
		{"username when no names; image only with has_image; unverified; null login", `{"id":"u1","username":"adal","first_name":"  ","image_url":"https://img.clerk.com/default","has_image":false,"email_addresses":[{"id":"e","email_address":"a@b.co","verification":null}],"last_sign_in_at":null}`, "", func(t *testing.T, m mapped) {
			u := m.user.User
			if u.Name != "adal" || u.Image != "" || u.EmailVerified || u.LastLoginAt != nil {
				t.Errorf("got %+v", u)
			}
			if len(m.user.Events) != 1 {
				t.Errorf("no last_sign_in_at means no user.login event, got %d events", len(m.user.Events))
			}
		}},
		{"first name only", `{"id":"u1","first_name":"Grace","last_name":null,"email_addresses":[{"id":"e","email_address":"g@b.co"}]}`, "", func(t *testing.T, m mapped) {
			if m.user.User.Name != "Grace" {
				t.Errorf("name = %q", m.user.User.Name)
			}
		}},
		{"social only, unsupported provider kept as link", `{"id":"u1","password_enabled":false,"email_addresses":[{"id":"e","email_address":"x@b.co"}],"external_accounts":[{"provider":"oauth_x","provider_user_id":"x1","verification":{"status":"verified"}},{"provider":"oauth_github","provider_user_id":"g1","verification":{"status":"verified"}}]}`, "", func(t *testing.T, m mapped) {
			if !slices.Equal(m.user.User.Tags, []string{TagClerk, TagSocialOnly}) {
				t.Errorf("tags = %v", m.user.User.Tags)
			}
			if !slices.Equal(m.providers, []string{"github"}) || !slices.Equal(m.unsupported, []string{"oauth_x"}) {
				t.Errorf("providers %v unsupported %v", m.providers, m.unsupported)
			}
			if len(m.user.User.OAuthLinks) != 2 || m.user.User.OAuthLinks[0].Provider != "x" {
				t.Errorf("links = %+v", m.user.User.OAuthLinks)
			}
		}},
		{"neither password nor oauth", `{"id":"u1","email_addresses":[{"id":"e","email_address":"n@b.co"}]}`, "", func(t *testing.T, m mapped) {
			if !slices.Equal(m.user.User.Tags, []string{TagClerk}) {
				t.Errorf("tags = %v", m.user.User.Tags)
			}
		}},
		{"missing created_at uses now", `{"id":"u1","email_addresses":[{"id":"e","email_address":"n@b.co"}]}`, "", func(t *testing.T, m mapped) {
			if !m.user.User.CreatedAt.Equal(now) {
				t.Errorf("createdAt = %v", m.user.User.CreatedAt)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, reason, _ := mapUser(decodeUser(t, c.json), now, false)
			if reason != c.reason {
				t.Fatalf("reason = %q, want %q", reason, c.reason)
			}
			if c.check != nil {
				c.check(t, m)
			}
		})
	}
}

func TestMapUserIncludeBanned(t *testing.T) {
	m, reason, _ := mapUser(decodeUser(t, `{"id":"u1","banned":true,"email_addresses":[{"id":"e","email_address":"a@b.co"}]}`), now, true)
	if reason != "" || !m.user.User.Banned {
		t.Fatalf("reason %q banned %v: --include-banned imports with the ban kept", reason, m.user.User.Banned)
	}
}

func TestParseProviders(t *testing.T) {
	got, err := ParseProviders(" LinkedIn, oauth_google,google,")
	if err != nil || !slices.Equal(got, []string{"google", "linkedin"}) {
		t.Fatalf("got %v %v", got, err)
	}
	if _, err := ParseProviders("myspace"); err == nil {
		t.Fatal("unknown provider accepted")
	}
	if got, _ := ParseProviders(""); got == nil || len(got) != 0 {
		t.Fatalf("empty list = %#v, want empty non-nil (no SSO providers)", got)
	}
}

// Invisible characters around a name are no part of it: a first name of
// a zero-width space alone is none (the greeting would read "Hi  Smith"),
// and a user named only so is stored without a name, which activation
// counts as such.
func TestDisplayNameTrimsInvisibleCharacters(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		first, last, username *string
		want                  string
	}{
		{s("\u200b"), s("Smith"), nil, "Smith"},
		{s("\ufeffAna\u200d"), s(" Lee\u00ad"), nil, "Ana Lee"},
		{s("\u200b"), s("\u3164"), s("\u2800ana_l\u200e"), "ana_l"},
		{s("\u200b"), nil, s("\u200f"), ""},
		{s("Zoë"), s("Ærø"), nil, "Zoë Ærø"},
		{s("A\u200bB"), nil, nil, "A\u200bB"}, // inside a name: left for the hidden-character checks
	} {
		u := &clerk.User{FirstName: c.first, LastName: c.last, Username: c.username}
		if got := displayName(u); got != c.want {
			t.Errorf("displayName(%+q %+q %+q) = %+q, want %+q", deref(c.first), deref(c.last), deref(c.username), got, c.want)
		}
	}
}
