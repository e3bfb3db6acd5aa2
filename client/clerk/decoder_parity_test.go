package clerk

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
)

// FuzzDecoderParity holds the fast decoder (goccy/go-json, used for the
// record body) to encoding/json's behaviour on the record shape: both
// accept or both reject, and accepted records decode to the same fields.
// Seeds cover the shapes whose rules differ most between decoders: case
// folding, duplicate and shadowed keys, nulls, escapes, numbers.
func FuzzDecoderParity(f *testing.F) {
	for _, seed := range []string{
		`{"id":"u"}`, `{"ID":"u","Id":"v"}`, `{"id":"u","id":"v"}`, `{"id":null,"first_name":null}`,
		`{"id":"u","email_addresses":"a@b.co|c@d.co","primary_email_address":"c@d.co"}`,
		`{"id":"u","email_addresses":[{"id":"e","email_address":"a@b.co","verification":{"status":"verified"}}]}`,
		`{"id":"u","external_accounts":[{"provider":"oauth_google","provider_user_id":"1","verification":null}]}`,
		`{"id":"\u00e9\ud83d\ude00\n","username":"x\/y","has_image":true,"banned":false,"locked":1}`,
		`{"id":"u","created_at":1.5e3,"last_sign_in_at":null,"public_metadata":{"a":[1,{"b":2}]}}`,
		`{"id":"u","passkeys":[{}],"saml_accounts":[{"provider":"saml_okta"}],"totp_enabled":"yes"}`,
		`{"id":"u","external_accounts":{}}`, `{"id":7}`, `{"id":"u","phone_numbers":[null,"+1"]}`,
		`{"id":"u","EMAIL_ADDRESSES":[],"Public_Metadata":{}}`, `{"id":"u",}`, `{"id":"u"} x`,
		`[{"id":"e","email_address":"a@b.co","phone_number":null,"verification":{"status":"verified","strategy":"x"}},{}]`,
		`[{"ID":"e","Email_Address":"a@b.co"},null]`, `[{"verification":5}]`, `[{"id":"e"},"a@b.co"]`,
		"{\"id\":\"\xff\"}", `{"id":"\ud800"}`, `{"id":"\u212a"}`, `{"\u212aey":"\u017f"}`,
	} {
		f.Add([]byte(seed))
	}
	fixtures := []string{"clerk-api.json", "clerk-migrate.json", "clerk-support.json", "clerk-migration-tool.json"}
	for _, name := range fixtures {
		if b, err := readFixtureRecords(name); err == nil {
			for _, r := range b {
				f.Add(r)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// decodeRecord rejects these before decoding (encoding/json
		// would rewrite them to U+FFFD).
		if !utf8.Valid(data) || loneSurrogate(data) != "" {
			return
		}
		var std, fast wireUser
		errStd := json.Unmarshal(data, &std)
		errFast := gojson.Unmarshal(data, &fast)
		if (errStd == nil) != (errFast == nil) {
			t.Fatalf("encoding/json: %v; go-json: %v", errStd, errFast)
		}
		if errStd == nil && !reflect.DeepEqual(std, fast) {
			t.Fatalf("decoders differ:\nencoding/json %+v\ngo-json       %+v", std, fast)
		}
		// identsField's fast path: a list of address or number objects.
		var stdList, fastList []identObject
		errStd = json.Unmarshal(data, &stdList)
		errFast = gojson.Unmarshal(data, &fastList)
		if errFast == nil && (errStd != nil || !reflect.DeepEqual(stdList, fastList)) {
			t.Fatalf("lists differ: encoding/json %+v (%v), go-json %+v", stdList, errStd, fastList)
		}
	})
}

// readFixtureRecords returns the elements of a testdata JSON export.
func readFixtureRecords(name string) ([][]byte, error) {
	var all struct {
		Users []json.RawMessage `json:"users"`
	}
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		err = json.Unmarshal(raw, &all.Users)
	} else {
		err = json.Unmarshal(raw, &all)
	}
	out := make([][]byte, len(all.Users))
	for i, u := range all.Users {
		out[i] = u
	}
	return out, err
}
