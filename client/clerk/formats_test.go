package clerk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// summary renders what a reader made of a user, one fact per word, so a
// fixture's expectations read as a table.
func summary(u *User) string {
	var b []string
	add := func(format string, args ...any) { b = append(b, fmt.Sprintf(format, args...)) }
	str := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	status := func(v *Verification) string {
		if v == nil {
			return "?"
		}
		return v.Status
	}
	primary := "-"
	var emails []string
	for _, e := range u.EmailAddresses {
		if u.PrimaryEmailAddressID != nil && e.ID == *u.PrimaryEmailAddressID {
			primary = e.EmailAddress
		}
		emails = append(emails, e.EmailAddress+":"+status(e.Verification))
	}
	add("email=%s emails=[%s]", primary, strings.Join(emails, ","))
	primary = "-"
	var phones []string
	for _, p := range u.PhoneNumbers {
		if u.PrimaryPhoneNumberID != nil && p.ID == *u.PrimaryPhoneNumberID {
			primary = p.PhoneNumber
		}
		phones = append(phones, p.PhoneNumber+":"+status(p.Verification))
	}
	add("phone=%s phones=[%s]", primary, strings.Join(phones, ","))
	add("username=%s ext=%s", str(u.Username), str(u.ExternalID))
	add("pw=%t/%s/%t", u.PasswordEnabled, u.PasswordHasher, u.PasswordDigest != "")
	add("mfa=%t/%t/%t", u.TOTPEnabled, u.BackupCodeEnabled, u.TwoFactorEnabled)
	var oauth []string
	for _, a := range u.ExternalAccounts {
		oauth = append(oauth, a.Provider+":"+status(a.Verification))
	}
	add("oauth=[%s]", strings.Join(oauth, ","))
	var sso []string
	for _, a := range u.SAMLAccounts {
		sso = append(sso, "saml:"+a.Provider+"@"+a.SAMLConnection.Domain)
	}
	for _, a := range u.EnterpriseAccounts {
		sso = append(sso, a.Protocol+":"+a.Provider+"@"+a.EnterpriseConnection.Domain)
	}
	add("sso=[%s] web3=%d passkeys=%d", strings.Join(sso, ","), len(u.Web3Wallets), len(u.Passkeys))
	add("created=%d", u.CreatedAt)
	if u.Locked {
		add("locked")
	}
	if u.Banned {
		add("banned")
	}
	keys := func(m map[string]any) string {
		var k []string
		for key := range m {
			k = append(k, key)
		}
		sort.Strings(k)
		return strings.Join(k, ",")
	}
	add("meta=%s/%s/%s", keys(u.PublicMetadata), keys(u.PrivateMetadata), keys(u.UnsafeMetadata))
	return strings.Join(b, " ")
}

// readFixture drains a testdata file and returns its records and format.
func readFixture(t *testing.T, name string) ([]Record, string) {
	t.Helper()
	return drain(t, filepath.Join("testdata", name))
}

// drain reads every record of the export at path and returns them with
// the format the reader named.
func drain(t *testing.T, path string) ([]Record, string) {
	t.Helper()
	src, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var all []Record
	for {
		recs, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, recs...)
	}
	f, ok := src.(Formatter)
	if !ok {
		t.Fatal("file source does not implement Formatter")
	}
	return all, f.Format()
}

func TestFixtures(t *testing.T) {
	cases := []struct {
		file, format string
		users        map[string]string // id → summary
	}{
		{"clerk-api.json", FormatAPI, map[string]string{
			"user_2mAda0LovelaceApi00000001": "email=Ada@Example.com emails=[ada@work.example:unverified,Ada@Example.com:verified] phone=- phones=[] username=- ext=crm-1001 pw=true//false mfa=false/false/false oauth=[oauth_google:verified] sso=[] web3=0 passkeys=0 created=1714538273939 meta=plan,role/legacy_id,stripe_customer/theme",
			"user_2mPhoneOnlyApi000000002":   "email=- emails=[] phone=+15555550123 phones=[+15555550123:verified] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=1714538273000 meta=//",
			"user_2mUsernameOnlyApi0000003":  "email=- emails=[] phone=- phones=[] username=grace_h ext=- pw=true//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=1700000000000 meta=//",
			"user_2mWeb3OnlyApi00000000004":  "email=- emails=[] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=1 passkeys=0 created=1700000000000 meta=//",
			"user_2mSsoApi000000000000005":   "email=linus@acme-corp.example emails=[linus@acme-corp.example:verified] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[saml:saml_okta@acme-corp.example,saml:saml_okta@acme-corp.example] web3=0 passkeys=0 created=1710000000000 meta=//",
			"user_2mMfaApi000000000000006":   "email=hedy@example.org emails=[hedy@example.org:verified] phone=- phones=[] username=- ext=- pw=true//false mfa=true/true/true oauth=[] sso=[] web3=0 passkeys=1 created=1705000000000 locked meta=//",
			"user_2mUnverifiedOauthApi007":   "email=mallory@example.net emails=[mallory@example.net:verified] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/false oauth=[oauth_github:unverified,oauth_custom_acme:verified] sso=[] web3=0 passkeys=0 created=1720000000000 banned meta=//",
		}},
		{"clerk-migrate.json", FormatMigrate, map[string]string{
			// The CLI promotes only a verified address to primary, and
			// moves external_id into private_metadata.clerkExternalId,
			// from where it goes back to external_id (the key with it).
			"user_2nAdaMigrate0000000001":  "email=ada@example.com emails=[ada@example.com:verified,ada.lovelace@example.org:verified,ada@work.example:unverified] phone=- phones=[] username=ada ext=crm-2001 pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=1714538273939 meta=role/stripe_customer/",
			"user_2nPhoneOnlyMigrate00002": "email=- emails=[] phone=+15555550188 phones=[+15555550188:verified,+15555550199:unverified] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=1717243200000 meta=//",
			"user_2nUsernameOnlyMigrate3":  "email=- emails=[] phone=- phones=[] username=hopper ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=1699996400000 banned meta=//",
			"user_2nUnverifiedOnlyMig004":  "email=- emails=[pending@example.net:unverified] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=1736928000000 meta=//signup_source",
		}},
		{"clerk-support.json", FormatSupportJSON, map[string]string{
			// Support JSON says nothing about verification ("?"): the
			// first address is the primary.
			"user_2oPaulSupport0000000001":  "email=paul@arrakis.example emails=[paul@arrakis.example:?] phone=- phones=[] username=- ext=- pw=true/bcrypt/true mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=house//",
			"user_2oJessicaSupport00000002": "email=jessica@arrakis.example emails=[jessica@arrakis.example:?,jessica@bene-gesserit.example:?] phone=+15555550142 phones=[+15555550142:?] username=lady_jessica ext=- pw=true/bcrypt/true mfa=true/false/true oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=/external_id/",
			"user_2oPhoneOnlySupport00003":  "email=- emails=[] phone=+15555550177 phones=[+15555550177:?,+442079460000:?] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
			"user_2oUsernameOnlySupport04":  "email=- emails=[] phone=- phones=[] username=stilgar ext=- pw=true/bcrypt/true mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
		}},
		{"clerk-migration-tool.json", FormatSupportJSON, map[string]string{
			// An explicit primary is verified; the other strings unknown.
			"user_2pJohnMigTool0000000001": "email=john.doe@example.com emails=[john.doe@example.com:verified,jd@side-project.example:?] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=nickname/nickname/nickname",
			"user_2pJaneMigTool0000000002": "email=jane.roe@example.com emails=[old-jane@example.com:?,jane.roe@example.com:verified] phone=+15555550111 phones=[+15555550111:verified] username=- ext=- pw=true/bcrypt/true mfa=true/true/true oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
			"user_2pPhoneOnlyMigTool00003": "email=- emails=[] phone=+15555550122 phones=[+15555550122:verified] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
		}},
		{"clerk-dashboard.csv", FormatDashboardCSV, map[string]string{
			"user_2qAdaCsv00000000000001":  "email=ada@example.com emails=[ada@example.com:verified,ada.l@example.org:verified,ada@work.example:unverified] phone=- phones=[] username=- ext=- pw=true/bcrypt/true mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=1714538273939 meta=//",
			"user_2qPhoneOnlyCsv00000002":  "email=- emails=[] phone=+15555550123 phones=[+15555550123:verified,+15555550124:unverified] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=1717243200000 meta=//",
			"user_2qUsernameOnlyCsv00003":  "email=- emails=[] phone=- phones=[] username=grace_h ext=- pw=true/bcrypt/true mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
			"user_2qMfaCsv00000000000004":  "email=hedy@example.org emails=[hedy@example.org:verified,hedy@lamarr.example:verified] phone=+15555550155 phones=[+15555550155:verified] username=- ext=- pw=true/bcrypt/true mfa=true/false/true oauth=[] sso=[] web3=0 passkeys=0 created=1705000000000 meta=//",
			"user_2qShortRowCsv0000000005": "email=alan@example.com emails=[alan@example.com:verified] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
			"user_2qFormulaCsv00000000006": "email=eve@example.com emails=[eve@example.com:verified] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			recs, format := readFixture(t, c.file)
			if format != c.format {
				t.Errorf("format = %q, want %q", format, c.format)
			}
			if len(recs) != len(c.users) {
				t.Errorf("%d records, want %d", len(recs), len(c.users))
			}
			for _, r := range recs {
				if r.Err != nil {
					t.Errorf("record %d: %v", r.Pos, r.Err)
					continue
				}
				want, ok := c.users[r.User.ID]
				if !ok {
					t.Errorf("unexpected user %q", r.User.ID)
					continue
				}
				if got := summary(r.User); got != want {
					t.Errorf("%s\n got %s\nwant %s", r.User.ID, got, want)
				}
			}
			// Digests reach PasswordDigest but never a printout or JSON.
			dump, _ := json.Marshal(recs)
			text := fmt.Sprintf("%+v %#v %s", recs, recs, dump)
			for _, r := range recs {
				if r.User != nil && r.User.PasswordDigest != "" && strings.Contains(text, string(r.User.PasswordDigest)) {
					t.Errorf("%s: digest printed", r.User.ID)
				}
			}
			for _, totp := range []string{"JBSWY3DPEHPK3PXPFIXTURE0", "KRSXG5CTMVRXEZLUFIXTURE1", "JBSWY3DPEHPK3PXPFIXTURE2"} {
				if strings.Contains(text, totp) {
					t.Errorf("TOTP secret %s kept", totp)
				}
			}
		})
	}
}

// The fixtures carry real bcrypt digests, not placeholders.
func TestFixtureDigestsAreBcrypt(t *testing.T) {
	for _, name := range []string{"clerk-support.json", "clerk-migration-tool.json", "clerk-dashboard.csv"} {
		recs, _ := readFixture(t, name)
		n := 0
		for _, r := range recs {
			if d := string(r.User.PasswordDigest); d != "" {
				n++
				if !strings.HasPrefix(d, "$2a$10$") || len(d) != 60 || r.User.PasswordHasher != "bcrypt" {
					t.Errorf("%s %s: digest is not a bcrypt hash (len %d, hasher %q)", name, r.User.ID, len(d), r.User.PasswordHasher)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no digests", name)
		}
	}
}

// The envelope's key order is not a promise: a "clerkMigrate" after the
// users still names the format (once the reader has seen it).
func TestMigrateEnvelopeKeyOrder(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "clerk-migrate.json"))
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	content := `{"users":` + string(env["users"]) + `,"runId":"r","exportedAt":"2026-01-01T00:00:00Z","source":"clerk","clerkMigrate":1}`
	src, err := OpenFile(writeTemp(t, "m.json", content))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	recs, err := src.Next(context.Background())
	if err != nil || len(recs) != 4 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	if _, err := src.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("err = %v", err)
	}
	if f := src.(Formatter).Format(); f != FormatMigrate {
		t.Errorf("format = %q", f)
	}
	// Without the marker, the same users are flat records.
	recs2, err := readAll(t, `{"users":`+string(env["users"])+`}`)
	if err != nil || len(recs2) != 4 || recs2[0].User.ExternalID == nil {
		t.Fatalf("%d records, %v", len(recs2), err)
	}
}

// `clerk migrate` wraps every platform's export in the same envelope; only
// its Clerk exports are Clerk users. Another platform's is refused, whether
// the "source" member comes before the users or after them, and Check
// refuses it too, so a run writes nothing.
func TestMigrateEnvelopeOfAnotherPlatformIsRefused(t *testing.T) {
	users := `[{"id":"s1","email":"a@x.dev","email_confirmed_at":"2024-01-01"}]`
	for name, content := range map[string]string{
		"source first": `{"clerkMigrate":1,"source":"supabase","exportedAt":"2026-09-01T00:00:00.000Z","users":` + users + `}`,
		"source last":  `{"users":` + users + `,"clerkMigrate":1,"source":"supabase"}`,
		"marker last":  `{"source":"supabase","users":` + users + `,"clerkMigrate":1}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := writeTemp(t, "m.json", content)
			_, err := readAllPath(t, path)
			if err == nil || !strings.Contains(err.Error(), `"supabase"`) || !strings.Contains(err.Error(), "not from Clerk") {
				t.Fatalf("read err = %v", err)
			}
			src, err := OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if _, err := src.(Checker).Check(context.Background()); err == nil || !strings.Contains(err.Error(), "not from Clerk") {
				t.Fatalf("check err = %v", err)
			}
		})
	}
	// Clerk's own envelope, and a plain {"source": …} object that is not an
	// envelope, still read.
	for _, content := range []string{
		`{"clerkMigrate":1,"source":"clerk","users":[{"id":"user_1","email_addresses":[]}]}`,
		`{"source":"supabase-backup","users":[{"id":"user_1","email_addresses":[]}]}`,
	} {
		if recs, err := readAll(t, content); err != nil || len(recs) != 1 {
			t.Errorf("%s: %d records, %v", content, len(recs), err)
		}
	}
}

// An envelope of another format version than clerk/cli's 1 is refused,
// before its users or after them, and by Check, so a run writes nothing;
// 1 written as a string still reads.
func TestMigrateEnvelopeVersion(t *testing.T) {
	users := `[{"id":"user_1","primary_email_address":"a@x.io"}]`
	for _, content := range []string{
		`{"clerkMigrate":2,"source":"clerk","users":` + users + `}`,
		`{"users":` + users + `,"clerkMigrate":"v2"}`,
	} {
		path := writeTemp(t, "m.json", content)
		if _, err := readAllPath(t, path); err == nil || !strings.Contains(err.Error(), "format version") {
			t.Errorf("%s: read err = %v", content, err)
		}
		src, err := OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := src.(Checker).Check(context.Background()); err == nil || !strings.Contains(err.Error(), "format version") {
			t.Errorf("%s: check err = %v", content, err)
		}
		src.Close()
	}
	if recs, err := readAll(t, `{"clerkMigrate":"1","users":`+users+`}`); err != nil || len(recs) != 1 {
		t.Errorf("\"1\": %d records, %v", len(recs), err)
	}
}

func readAllPath(t *testing.T, path string) ([]Record, error) {
	t.Helper()
	src, err := OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var all []Record
	for {
		recs, err := src.Next(context.Background())
		all = append(all, recs...)
		if errors.Is(err, io.EOF) {
			return all, nil
		}
		if err != nil {
			return all, err
		}
	}
}

// The support export's caveat names what that file lacks, and only once its
// records have shown the format.
func TestSupportJSONNotes(t *testing.T) {
	for _, tc := range []struct {
		content string
		want    []string
		not     []string
	}{
		{`[{"id":"user_1","email_addresses":"a@x.dev|b@x.dev","password_digest":null}]`, []string{"signup dates", "OAuth", "--passwords", "does not say which users Clerk has banned"}, nil},
		{`[{"id":"user_1","email_addresses":"a@x.dev","created_at":1700000000000}]`, []string{"OAuth"}, []string{"signup dates"}},
		// A flat file (another tool's) that says who is banned: no note
		// about bans; null says nothing.
		{`[{"id":"user_1","email_addresses":"a@x.dev","banned":null},{"id":"user_2","email_addresses":"b@x.dev","banned":false}]`, []string{"OAuth"}, []string{"banned"}},
		{`[{"id":"user_1","email_addresses":"a@x.dev","banned":null}]`, []string{"OAuth", "does not say which users Clerk has banned"}, nil},
		// A flat record a tool gave external accounts: they are linked,
		// so the note does not say there are none.
		{`[{"id":"user_1","primary_email_address":"a@x.dev","created_at":1700000000000,
		   "external_accounts":[{"id":"x","provider":"oauth_github","provider_user_id":"1","verification":{"status":"verified"}}]}]`,
			[]string{"This flat export has no password digests", "Dashboard CSV export as --passwords"}, []string{"OAuth", "signup dates", "support"}},
		{`[{"id":"user_1","primary_email_address":"a@x.dev","created_at":1700000000000,"password_enabled":false,
		   "external_accounts":[{"id":"x","provider":"oauth_github","provider_user_id":"1","verification":{"status":"verified"}}]}]`,
			[]string{"In this flat export (Clerk support's format), an email counts as verified"}, []string{"OAuth", "signup dates", "--passwords"}},
		// clerk migrate's envelope (clerk/cli migrate export clerk): no
		// password, OAuth or SSO data at all.
		{`{"clerkMigrate":1,"source":"clerk","exportedAt":"2026-11-02T09:30:00.000Z","users":[
		   {"id":"user_m1","primary_email_address":"m1@example.com","created_at":"2024-05-01T04:37:53.939Z"}]}`,
			[]string{"This clerk migrate export has no OAuth accounts or password digests", "no OAuth links and a password reset", "Dashboard CSV export as --passwords"}, []string{"signup dates", "support", "banned"}},
		// A support file whose first record has null addresses (a
		// username-only user) is still the support export.
		{`[{"id":"user_u","username":"u","email_addresses":null,"phone_numbers":null,"password_digest":null,"password_hasher":null},
		   {"id":"user_1","email_addresses":"a@x.dev","phone_numbers":null,"password_digest":"","password_hasher":""}]`,
			// Its first email is the primary, yet imported unverified: the note says so.
			[]string{"(Clerk support's format) has no signup dates or OAuth accounts", "every email of a file that does neither (Clerk support's own export), are imported unverified"}, nil},
		// migration-script's export names its primary "email": the note
		// names that field too, not only primary_email_address.
		{`[{"userId":"user_1","email":"a@x.dev","emailAddresses":["b@x.dev"],"unverifiedEmailAddresses":["c@x.dev"],"createdAt":"2024-05-01T04:37:53.939Z"}]`,
			[]string{"names it as the primary (primary_email_address, or email in a migration-script export)"}, nil},
		// API-shaped users that a tool gave an empty password_digest key
		// are API users: no flat-export note.
		{`[{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@x.dev"}],"password_digest":"","totp_secret":null}]`, nil, nil},
		{`[{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@x.dev"}]}]`, nil, nil},
	} {
		list, _ := notesAtEnd(t, writeTemp(t, "s.json", tc.content))
		notes := strings.Join(list, "\n")
		if (tc.want == nil) != (notes == "") {
			t.Errorf("%s: notes %q", tc.content, notes)
		}
		for _, w := range tc.want {
			if !strings.Contains(notes, w) {
				t.Errorf("%s: notes %q lack %q", tc.content, notes, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(notes, w) {
				t.Errorf("%s: notes %q should not say %q", tc.content, notes, w)
			}
		}
	}
}

// A flat record that says neither password_enabled nor password_digest
// does not know whether its user has a password; an API user, or a flat
// one with either field (null included), does.
func TestPasswordUnknown(t *testing.T) {
	for _, tc := range []struct {
		rec          string
		unknown, has bool
	}{
		{`{"id":"user_1","primary_email_address":"a@x.dev"}`, true, false},
		{`{"id":"user_1","primary_email_address":"a@x.dev","password_enabled":true}`, false, true},
		{`{"id":"user_1","email_addresses":"a@x.dev","password_digest":null}`, false, false},
		{`{"id":"user_1","userId":"user_1","email":"a@x.dev","emailAddresses":["a@x.dev"]}`, true, false},
		{`{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@x.dev"}]}`, false, false},
		{`{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@x.dev"}],"password_enabled":true}`, false, true},
	} {
		path := writeTemp(t, "u.json", "["+tc.rec+"]")
		recs, err := readAllPath(t, path)
		if err != nil || len(recs) != 1 || recs[0].User == nil {
			t.Fatalf("%s: %v %+v", tc.rec, err, recs)
		}
		if u := recs[0].User; u.PasswordUnknown != tc.unknown || u.PasswordEnabled != tc.has {
			t.Errorf("%s: unknown %v enabled %v, want %v %v", tc.rec, u.PasswordUnknown, u.PasswordEnabled, tc.unknown, tc.has)
		}
	}
}

// An image_url is the user's own unless has_image says otherwise: exports
// that leave has_image out keep their users' pictures.
func TestImageWithoutHasImage(t *testing.T) {
	for _, tc := range []struct {
		rec  string
		want bool
	}{
		{`{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@x.dev"}],"image_url":"https://img.example/a.png"}`, true},
		{`{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@x.dev"}],"image_url":"https://img.example/a.png","has_image":false}`, false},
		{`{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@x.dev"}],"image_url":"https://img.example/a.png","has_image":true}`, true},
		{`{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@x.dev"}],"image_url":""}`, false},
	} {
		recs, err := readAllPath(t, writeTemp(t, "u.json", "["+tc.rec+"]"))
		if err != nil || len(recs) != 1 || recs[0].User == nil {
			t.Fatalf("%s: %v %+v", tc.rec, err, recs)
		}
		if got := recs[0].User.HasImage; got != tc.want {
			t.Errorf("%s: HasImage %v, want %v", tc.rec, got, tc.want)
		}
	}
}

// The same for a CSV: without a password_digest column nobody's password
// state is known, nor is an image_url without has_image a default avatar.
func TestCSVPasswordUnknownAndImage(t *testing.T) {
	recs, err := readAllPath(t, writeTemp(t, "u.csv", "id,primary_email_address,image_url\nuser_1,a@x.dev,https://img.example/a.png\n"))
	if err != nil || len(recs) != 1 || recs[0].User == nil {
		t.Fatalf("%v %+v", err, recs)
	}
	if u := recs[0].User; !u.PasswordUnknown || u.PasswordEnabled || !u.HasImage {
		t.Errorf("no digest column: unknown %v enabled %v image %v", u.PasswordUnknown, u.PasswordEnabled, u.HasImage)
	}
	recs, err = readAllPath(t, writeTemp(t, "u.csv", "id,primary_email_address,password_digest,password_hasher,image_url,has_image\nuser_1,a@x.dev,,,https://img.example/a.png,false\n"))
	if err != nil || len(recs) != 1 || recs[0].User == nil {
		t.Fatalf("%v %+v", err, recs)
	}
	if u := recs[0].User; u.PasswordUnknown || u.PasswordEnabled || u.HasImage {
		t.Errorf("digest column: unknown %v enabled %v image %v", u.PasswordUnknown, u.PasswordEnabled, u.HasImage)
	}
}

// A row short of a middle field has every later cell one column early:
// in the Dashboard's order the TOTP secret lands in
// unverified_phone_numbers and the digest in totp_secret. Such a row is
// malformed, its cells unquoted; a row that lost only trailing empty
// fields is read.
func TestCSVShortRowShiftedSecrets(t *testing.T) {
	const header = "id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\n"
	const totp, md5 = "JBSWY3DPEHPK3PXPJBSWY3DP", "5f4dcc3b5aa765d61d8327deb882cf99"
	content := header +
		// primary_phone_number's cell is missing.
		"user_1,Ada,Lee,ada,ada@example.com,ada@example.com,,,," + totp + "," + md5 + ",md5\n" +
		// bcrypt digest and hasher shifted: the hasher name lands in password_digest.
		"user_2,Bo,Li,bo,bo@example.com,bo@example.com,,,,,$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy,bcrypt\n" +
		// Trailing empty fields dropped: read, whatever the address
		// looks like.
		"user_3,Cy,Ma,cy,cy@example.com,,cy@example.com\n" +
		"user_4,Chris,Johnson,,christopherjohnson.work@gmail.com\n" +
		"user_5,Dee,,,a$b@example.com\n"
	recs, err := readAllPath(t, writeTemp(t, "users.csv", content))
	if err != nil || len(recs) != 5 {
		t.Fatalf("%v, %d records", err, len(recs))
	}
	for i, r := range recs[:2] {
		if r.Err == nil {
			t.Errorf("record %d read despite shifted cells: %+v", i+1, r.User)
			continue
		}
		if msg := r.Err.Error(); strings.Contains(msg, totp) || strings.Contains(msg, md5) || strings.Contains(msg, "N9qo8") || !strings.Contains(msg, "shifted") {
			t.Errorf("record %d: %s", i+1, msg)
		}
		if r.ID != fmt.Sprintf("user_%d", i+1) {
			t.Errorf("record %d id %q", i+1, r.ID)
		}
	}
	for i, r := range recs[2:] {
		if r.Err != nil || r.User == nil || r.User.ID != fmt.Sprintf("user_%d", i+3) {
			t.Errorf("a row short of trailing fields only: %+v", r)
		}
	}
}

// A `#` starts a commented-out row only when the id column is first;
// elsewhere it starts a real user's value.
func TestCSVHashInAnotherColumn(t *testing.T) {
	recs, err := readAllPath(t, writeTemp(t, "u.csv", "first_name,id,primary_email_address\n#1 Fan,user_1,fan@example.com\nBo,user_2,bo@example.com\n"))
	if err != nil || len(recs) != 2 || recs[0].User == nil || recs[0].User.ID != "user_1" || *recs[0].User.FirstName != "#1 Fan" {
		t.Fatalf("%v %+v", err, recs)
	}
}

// With the id column after the missing cell, the id holds the next
// column's value: a secret there is neither the record's id nor quoted.
func TestCSVShortRowShiftedID(t *testing.T) {
	const totp = "JBSWY3DPEHPK3PXPJBSWY3DP"
	recs, err := readAllPath(t, writeTemp(t, "u.csv", "primary_email_address,first_name,id,totp_secret\na@example.com,user_1,"+totp+"\n"))
	if err != nil || len(recs) != 1 {
		t.Fatalf("%v %+v", err, recs)
	}
	if r := recs[0]; r.Err == nil || r.ID != "" || strings.Contains(r.Err.Error(), totp) {
		t.Errorf("record %+v", r)
	}
}

// Unquoted metadata JSON (migration-script's samples/clerk.csv) is put
// back together in a row that dropped its trailing empty columns too.
func TestCSVUnquotedMetadataInShortRow(t *testing.T) {
	const header = "id,first_name,last_name,username,email_addresses,phone_numbers,totp_secret,password_digest,password_hasher,unsafe_metadata,public_metadata,private_metadata\n"
	recs, err := readAllPath(t, writeTemp(t, "u.csv", header+
		"user_m4,Bo,Lee,,bo@x.dev,,,,,{},{\"a\": 1, \"b\": 2}\n"+
		"user_m5,Cy,Lee,,cy@x.dev,,,,,{\"a\": 1, \"b\": 2},{}\n"))
	if err != nil || len(recs) != 2 {
		t.Fatalf("%v %+v", err, recs)
	}
	if u := recs[0].User; u == nil || fmt.Sprint(u.PublicMetadata["b"]) != "2" {
		t.Errorf("user_m4: %+v", recs[0])
	}
	if u := recs[1].User; u == nil || fmt.Sprint(u.UnsafeMetadata["a"]) != "1" || len(u.PublicMetadata) != 0 {
		t.Errorf("user_m5: %+v", recs[1])
	}
}

// A phone number with an extension in a short row is no secret; a TOTP
// key in its spaced groups of four is one, and is never quoted; a TAB
// separator before a '#' ends an empty first field, not a comment.
func TestCSVSecretShapes(t *testing.T) {
	const header = "id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher"
	recs, err := readAllPath(t, writeTemp(t, "u.csv", header+"\nuser_p2,A,,,p2@example.com,+15551234567x1234,p2@example.com,,+15551234567x1234\n"))
	if err != nil || len(recs) != 1 || recs[0].Err != nil {
		t.Fatalf("phone with an extension: %v %+v", err, recs)
	}
	// A shifted hex secret with few letters, and a spaced TOTP key, in a
	// phone column of a short row are refused, unquoted.
	for _, v := range []string{"1234567890abc123", "JBSW Y3DP EHPK 3PXP"} {
		recs, err = readAllPath(t, writeTemp(t, "u.csv", header+"\nuser_2,Ada,Lee,ada,ada@example.com,ada@example.com,,,,"+v+",,\n"))
		if err != nil || len(recs) != 1 || recs[0].Err == nil || strings.Contains(recs[0].Err.Error(), v) {
			t.Fatalf("%s shifted into a phone column: %v %+v", v, err, recs)
		}
	}
	const spaced = "jbsw y3dp ehpk 3pxp"
	recs, err = readAllPath(t, writeTemp(t, "u.csv", header+",created_at,has_image\nuser_n3,A,B,,n3@example.com,,n3@example.com,,,,,,,,"+spaced+"\n"))
	if err != nil || len(recs) != 1 || recs[0].Err == nil || strings.Contains(recs[0].Err.Error(), spaced) {
		t.Fatalf("spaced TOTP key in a flag column: %v %+v", err, recs)
	}
	recs, err = readAllPath(t, writeTemp(t, "u.csv", "id\tfirst_name\tprimary_email_address\n\t#hashtag\th1@example.com\n"))
	if err != nil || len(recs) != 1 || recs[0].Err == nil || !strings.Contains(recs[0].Err.Error(), "empty id") {
		t.Fatalf("TAB row with an empty id: %v %+v", err, recs)
	}
}

// A first record that shows no shape (a username-only user: no address
// or phone lists at all) does not name the file's format, nor say that
// the file tells who has a password.
func TestShapelessFirstRecordDoesNotNameTheFormat(t *testing.T) {
	const flat = `{"userId":"user_1","email":"a@x.io","firstName":"A"}`
	for name, content := range map[string]string{
		"first":  `[{"userId":"user_0","username":"only"},` + flat + `]`,
		"second": `[` + flat + `,{"userId":"user_0","username":"only"}]`,
	} {
		path := writeTemp(t, "u.json", content)
		recs, _ := drain(t, path)
		if len(recs) != 2 {
			t.Fatalf("%s: %d records", name, len(recs))
		}
		list, f := notesAtEnd(t, path)
		notes := strings.Join(list, " ")
		if f != FormatSupportJSON || !strings.Contains(notes, "password digests") {
			t.Errorf("%s: format %q, notes %q", name, f, notes)
		}
	}
}

// notesAtEnd reads the export at path until Next fails (its end, or an
// error) and returns the notes and the format its reader gives then.
func notesAtEnd(t *testing.T, path string) ([]string, string) {
	t.Helper()
	src, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for {
		if _, err := src.Next(context.Background()); err != nil {
			break
		}
	}
	return src.(Noter).Notes(), src.(Formatter).Format()
}

// "banned" reads true and false, null as false, and, as clerk/cli's
// import reads the flat records tools write, the same as text or 1 and
// 0 (the field shadows User's to tell its absence from false); a record
// with anything else is malformed.
func TestBannedField(t *testing.T) {
	for content, want := range map[string]string{
		`{"id":"u","email_addresses":"a@x.dev","banned":true}`:                "banned",
		`{"id":"u","email_addresses":"a@x.dev","banned":false}`:               "active",
		`{"id":"u","email_addresses":"a@x.dev","banned":null}`:                "active",
		`{"id":"u","email_addresses":"a@x.dev"}`:                              "active",
		`{"id":"u","email_addresses":"a@x.dev","banned":"true"}`:              "banned",
		`{"id":"u","email_addresses":"a@x.dev","banned":1}`:                   "banned",
		`{"id":"u","email_addresses":"a@x.dev","banned":"False"}`:             "active",
		`{"id":"u","email_addresses":"a@x.dev","banned":""}`:                  "active",
		`{"id":"u","email_addresses":"a@x.dev","banned":"maybe"}`:             "malformed",
		`{"id":"u","email_addresses":"a@x.dev","banned":2}`:                   "malformed",
		`{"id":"u","email_addresses":[],"banned":false,"deprovisioned":true}`: "deprovisioned",
	} {
		rec, _ := decodeRecord([]byte(content), 1)
		got := "malformed"
		if rec.Err == nil && rec.User != nil {
			got = map[bool]string{true: "banned", false: "active"}[rec.User.Banned]
			if rec.User.Deprovisioned {
				got = "deprovisioned"
			}
		}
		if got != want {
			t.Errorf("%s: %s (%v), want %s", content, got, rec.Err, want)
		}
	}
}

// A record with a syntax error after its id (a comma missing further on)
// named the id in its error but kept none: its passwords-file record was
// then "of no user", and a re-run could not tell who left the source.
func TestMalformedRecordKeepsItsID(t *testing.T) {
	const digest = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	for content, want := range map[string]string{
		`{"id":"user_bob" "email_addresses":[]}`:                   "user_bob",
		`{"id":"user_bob","email_addresses":[],"banned":tru}`:      "user_bob",
		`{"first_name":"Bob","id":"user_bob","last_name":"B" "x"}`: "user_bob",
		`{"first_name":"Bob" "id":"user_bob"}`:                     "",
		`{"id":"` + digest + `" "email_addresses":[]}`:             "",
	} {
		rec, _ := decodeRecord([]byte(content), 1)
		if rec.Err == nil || rec.ID != want {
			t.Errorf("%s: id %q (%v), want %q", content, rec.ID, rec.Err, want)
		}
	}
}

// Only a flat record's fields can be a hand-made mapping's: there a
// digest where an id or a name belongs makes the record malformed, named
// by its id unless the id is the digest; an API user's values with '$'
// are Clerk's and stay. An oversized record is never named by a digest.
func TestDigestOutOfPlace(t *testing.T) {
	const digest = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	for content, want := range map[string]string{
		`{"id":"user_1","email_addresses":[],"external_id":"tenant$acme$user_0000001","first_name":"$$$$$$$$$$$$$$$$$$$$$"}`: "ok",
		`{"id":"12345","email_addresses":"a@x.dev","first_name":"` + digest + `"}`:                                           "malformed 12345",
		`{"id":"` + digest + `","email_addresses":"a@x.dev"}`:                                                                "malformed ",
	} {
		rec, _ := decodeRecord([]byte(content), 1)
		got := "ok"
		if rec.Err != nil {
			got = "malformed " + rec.ID
			if strings.Contains(rec.Err.Error(), digest) {
				t.Errorf("%s: the error shows the digest: %v", content, rec.Err)
			}
		}
		if got != want {
			t.Errorf("%s: %s (%v), want %s", content, got, rec.Err, want)
		}
	}
	rec := tooLargeRecord(1, []byte(`{"id":"`+digest+`","first_name":"x`), 2<<20)
	if rec.ID != "" || strings.Contains(rec.Err.Error(), digest) {
		t.Errorf("oversized: id %q, %v", rec.ID, rec.Err)
	}
}

// Flat records as tools write them (clerk/cli's import reads them so, and
// tests them): metadata as JSON text, empty text as none, and
// backup_codes_enabled as text. Each user was malformed, a user lost.
func TestFlatRecordsTextValues(t *testing.T) {
	for content, check := range map[string]func(*User) bool{
		`{"id":"u","email_addresses":"a@x.dev","public_metadata":"{\"role\":\"admin\"}"}`: func(u *User) bool { return u.PublicMetadata["role"] == "admin" },
		`{"id":"u","email_addresses":"a@x.dev","public_metadata":"{}"}`:                   func(u *User) bool { return u.PublicMetadata != nil && len(u.PublicMetadata) == 0 },
		`{"id":"u","email_addresses":"a@x.dev","private_metadata":""}`:                    func(u *User) bool { return u.PrivateMetadata == nil },
		`{"id":"u","email_addresses":"a@x.dev","backup_codes_enabled":"true"}`:            func(u *User) bool { return u.BackupCodeEnabled && u.TwoFactorEnabled },
		`{"id":"u","email_addresses":"a@x.dev","backup_codes_enabled":""}`:                func(u *User) bool { return !u.BackupCodeEnabled },
		// A word that is no flag asks for re-enrolment, as for the other
		// second-factor flags (mfaFlag), rather than lose the user.
		`{"id":"u","email_addresses":"a@x.dev","backup_codes_enabled":"on"}`: func(u *User) bool { return u.BackupCodeEnabled && u.TwoFactorEnabled },
		`{"id":"u","email_addresses":"a@x.dev","backup_codes_enabled":2}`:    func(u *User) bool { return u.BackupCodeEnabled && u.TwoFactorEnabled },
	} {
		rec, _ := decodeRecord([]byte(content), 1)
		if rec.Err != nil || rec.User == nil || !check(rec.User) {
			t.Errorf("%s: %+v (%v)", content, rec.User, rec.Err)
		}
	}
	for _, text := range []string{`"{\"a\":"`, `"{\"a\":1}{\"b\":2}"`, `"{\"a\":1} more"`} {
		rec, _ := decodeRecord([]byte(`{"id":"u","email_addresses":"a@x.dev","unsafe_metadata":`+text+`}`), 1)
		if rec.Err == nil || !strings.Contains(rec.Err.Error(), `field "unsafe_metadata"`) {
			t.Errorf("%s: %v, want malformed (nothing of it lost unsaid)", text, rec.Err)
		}
	}
}
