package clerk

import (
	"slices"
	"testing"
)

type camelCase struct {
	name, file, format string
	want               []string // summary per user
}

func TestCamelCaseShapes(t *testing.T) {
	cases := []camelCase{
		{
			// clerk/migration-script's `export:clerk` output.
			"migration-script export",
			`[{"userId":"user_ms1","email":"Ann@Example.com","emailAddresses":["ann@work.example"],"unverifiedEmailAddresses":["old@example.com"],
			   "phone":"+15555550100","unverifiedPhoneNumbers":["+15555550101"],"username":"ann","firstName":"Ann","lastName":"Lee",
			   "publicMetadata":{"planTier":"pro"},"privateMetadata":{"stripeId":"cus_1"},"unsafeMetadata":{"themeName":"dark"},
			   "banned":true,"createOrganizationEnabled":true,"deleteSelfEnabled":true,"createdAt":"2024-03-01T10:00:00.000Z",
			   "password":"$2a$10$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234","passwordHasher":"bcrypt","backupCodesEnabled":true},
			  {"userId":"user_ms2","email":"bo@example.com","createdAt":"2024-03-02T10:00:00.000Z"}]`,
			FormatSupportJSON,
			[]string{
				"email=Ann@Example.com emails=[Ann@Example.com:verified,ann@work.example:verified,old@example.com:unverified] phone=+15555550100 phones=[+15555550100:verified,+15555550101:unverified] username=ann ext=- pw=true/bcrypt/true mfa=false/true/true oauth=[] sso=[] web3=0 passkeys=0 created=1709287200000 banned meta=planTier/stripeId/themeName",
				"email=bo@example.com emails=[bo@example.com:verified] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=1709373600000 meta=//",
			},
		},
		{
			// migration-script's schema: email, phone, emailAddresses and
			// phoneNumbers are each string | string[]; the first primary
			// value is the primary, every one of them verified.
			"migration-script lists and strings",
			`[{"userId":"user_ms3","email":["x1@example.com","x2@example.com"],"phone":["+14155550111","+14155550112"]},
			  {"userId":"user_ms4","email":"y1@example.com","emailAddresses":"y2@example.com","phoneNumbers":"+14155550113","unverifiedEmailAddresses":"y3@example.com"},
			  {"userId":"user_ms6","email":["w1@example.com","w2@example.com"],"unverifiedEmailAddresses":["W2@example.com"]},
			  {"id":"user_ms5","email_addresses":"z1@example.com,z2@example.com;z3@example.com","phone_numbers":"+1 415-555-2671;ext=99|+14155552672,,123"}]`,
			FormatSupportJSON,
			[]string{
				"email=x1@example.com emails=[x1@example.com:verified,x2@example.com:verified] phone=+14155550111 phones=[+14155550111:verified,+14155550112:verified] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
				"email=y1@example.com emails=[y1@example.com:verified,y2@example.com:verified,y3@example.com:unverified] phone=- phones=[+14155550113:verified] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
				"email=w1@example.com emails=[w1@example.com:verified,W2@example.com:unverified] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
				"email=z1@example.com emails=[z1@example.com:?,z2@example.com:?,z3@example.com:?] phone=+1 415-555-2671;ext=99 phones=[+1 415-555-2671;ext=99:?,+14155552672,,123:?] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
			},
		},
		{
			// @clerk/backend User objects, JSON.stringify'd as they are.
			"backend SDK users",
			`[{"id":"user_sdk1","passwordEnabled":true,"totpEnabled":false,"backupCodeEnabled":false,"twoFactorEnabled":true,"banned":false,"locked":true,
			   "createdAt":1714538273939,"updatedAt":1714538273999,"imageUrl":"https://img.clerk.com/x","hasImage":true,
			   "primaryEmailAddressId":"idn_2","primaryPhoneNumberId":null,"lastSignInAt":1714538274000,"externalId":"crm-7",
			   "username":null,"firstName":"Ada","lastName":null,"publicMetadata":{"someRole":"admin"},"privateMetadata":{},"unsafeMetadata":{},
			   "emailAddresses":[{"id":"idn_1","emailAddress":"ada@work.example","verification":{"status":"unverified","strategy":"email_code"},"linkedTo":[]},
			                     {"id":"idn_2","emailAddress":"Ada@Example.com","verification":{"status":"verified","strategy":"from_oauth_google"},"linkedTo":[{"id":"idn_g","type":"oauth_google"}]}],
			   "phoneNumbers":[],"web3Wallets":[],
			   "externalAccounts":[{"id":"eac_1","provider":"oauth_google","identificationId":"idn_g","externalId":"1049171256","approvedScopes":"email openid",
			                        "emailAddress":"ada@example.com","firstName":"Ada","publicMetadata":{"keepMe":1},"verification":{"status":"verified","strategy":"oauth_google"}}]}]`,
			FormatAPI,
			[]string{
				"email=Ada@Example.com emails=[ada@work.example:unverified,Ada@Example.com:verified] phone=- phones=[] username=- ext=crm-7 pw=true//false mfa=false/false/true oauth=[oauth_google:verified] sso=[] web3=0 passkeys=0 created=1714538273939 locked meta=someRole//",
			},
		},
		{
			// An SDK user with a username (spelled alike in both shapes)
			// is still read as camelCase.
			"backend SDK user with a username",
			`[{"id":"user_sdk2","username":"ada","primaryEmailAddressId":"idn_1","createdAt":1714538273939,
			   "emailAddresses":[{"id":"idn_1","emailAddress":"ada@example.com","verification":{"status":"verified"}}]}]`,
			FormatAPI,
			[]string{
				"email=ada@example.com emails=[ada@example.com:verified] phone=- phones=[] username=ada ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=1714538273939 meta=//",
			},
		},
		{
			// Two camelCase keys naming one field: the same one wins
			// every time (the first in sorted order), never by map order.
			"colliding keys",
			`[{"userId":"user_c1","email":"a@example.com","primaryEmailAddress":"b@example.com"}]`,
			FormatSupportJSON,
			[]string{
				"email=a@example.com emails=[a@example.com:verified] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
			},
		},
		{
			// @clerk/backend's User keeps the API object in _raw, which
			// JSON.stringify writes: it holds what the class has no field
			// for (passkeys, enterprise accounts).
			"backend SDK user with _raw",
			`[{"_raw":{"id":"user_o1","object":"user","primary_email_address_id":"e1","created_at":1700000000000,"password_enabled":false,
			   "email_addresses":[{"id":"e1","email_address":"oidc@corp.example","verification":{"status":"verified","strategy":"enterprise_sso"}}],
			   "passkeys":[{"id":"pk1","name":"Mac","verification":{"status":"verified","strategy":"passkey"}}],
			   "enterprise_accounts":[{"id":"ea1","protocol":"oauth","provider":"oidc_custom","active":true,"email_address":"oidc@corp.example",
			     "enterprise_connection":{"id":"ec1","protocol":"oauth","provider":"oidc_custom","name":"Corp","domains":["corp.example"],"active":true}}]},
			  "id":"user_o1","passwordEnabled":false,"createdAt":1700000000000,"primaryEmailAddressId":"e1",
			  "emailAddresses":[{"id":"e1","emailAddress":"oidc@corp.example","verification":{"status":"verified"}}],"externalAccounts":[]}]`,
			FormatAPI,
			[]string{
				"email=oidc@corp.example emails=[oidc@corp.example:verified] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[oauth:oidc_custom@] web3=0 passkeys=1 created=1700000000000 meta=//",
			},
		},
		{
			// Clerk support's flat record with mfa_enabled (migration-script's
			// samples/clerk.json): SMS codes leave no TOTP secret.
			"flat record with mfa_enabled",
			`[{"id":"user_f1","primary_email_address":"f@example.com","email_addresses":["f@example.com"],"mfa_enabled":true,"totp_secret":null},
			  {"id":"user_f2","primary_email_address":"g@example.com","mfa_enabled":false},
			  {"id":"user_f3","primary_email_address":"h@example.com","mfa_enabled":"TRUE"},
			  {"id":"user_f4","primary_email_address":"i@example.com","mfa_enabled":"no idea"}]`,
			FormatSupportJSON,
			[]string{
				"email=f@example.com emails=[f@example.com:verified] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/true oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
				"email=g@example.com emails=[g@example.com:verified] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/false oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
				"email=h@example.com emails=[h@example.com:verified] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/true oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
				// A word that is no flag: asked to enrol again, not lost.
				"email=i@example.com emails=[i@example.com:verified] phone=- phones=[] username=- ext=- pw=false//false mfa=false/false/true oauth=[] sso=[] web3=0 passkeys=0 created=0 meta=//",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs, format := drain(t, writeTemp(t, "export.json", c.file))
			if format != c.format {
				t.Errorf("format = %s, want %s", format, c.format)
			}
			if len(recs) != len(c.want) {
				t.Fatalf("%d records, want %d", len(recs), len(c.want))
			}
			for i, r := range recs {
				if r.Err != nil {
					t.Fatalf("record %d: %v", i+1, r.Err)
				}
				if got := summary(r.User); got != c.want[i] {
					t.Errorf("record %d:\n got %s\nwant %s", i+1, got, c.want[i])
				}
			}
		})
	}
	// The SDK's external account id is the provider's user id; metadata
	// keys are the user's and keep their case.
	sdk := cases[slices.IndexFunc(cases, func(c camelCase) bool { return c.name == "backend SDK users" })]
	recs, _ := drain(t, writeTemp(t, "export.json", sdk.file))
	u := recs[0].User
	if a := u.ExternalAccounts; len(a) != 1 || a[0].ProviderUserID != "1049171256" || a[0].EmailAddress != "ada@example.com" {
		t.Errorf("external accounts = %+v", a)
	}
	if u.LastSignInAt == nil || *u.LastSignInAt != 1714538274000 || u.ImageURL != "https://img.clerk.com/x" {
		t.Errorf("user = %+v", u)
	}
}

func TestSnakeKey(t *testing.T) {
	for in, want := range map[string]string{
		"primaryEmailAddressId": "primary_email_address_id",
		"id":                    "id",
		"first_name":            "first_name",
		"web3Wallets":           "web3_wallets",
		"ÉtatCivil":             "état_civil",
	} {
		if got := snakeKey(in); got != want {
			t.Errorf("snakeKey(%q) = %q, want %q", in, got, want)
		}
	}
}
