package clerk

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeUser checks the record decoder on arbitrary elements: a user
// or an error, never both; no string silently rewritten to U+FFFD; no
// timestamp outside 1970–9999; errors that quote little.
func FuzzDecodeUser(f *testing.F) {
	for _, seed := range []string{
		`{"id":"u"}`, `{"id":"u","created_at":"2024-01-01T00:00:00Z","updated_at":1700000000}`,
		`{"id":"u","email_addresses":"a@b.co|c@d.co","primary_email_address":"c@d.co"}`,
		`{"id":"u","email_addresses":[{"id":"e","email_address":"a@b.co","verification":{"status":"verified"}}],"primary_email_address_id":"e"}`,
		`{"id":"u","phone_numbers":["+1555"],"verified_phone_numbers":"+1555"}`,
		`{"id":"u","first_name":"\ud83d\ude00"}`, `{"id":"u","first_name":"\ud800"}`, "{\"id\":\"u\",\"x\":\"\xff\"}",
		`{"id":"u","private_metadata":{"clerkExternalId":"x","n":12345678901234567890}}`, `null`, `[1]`, `"s"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := decodeUser(data, 1)
		if (r.User == nil) == (r.Err == nil) {
			t.Fatal("neither or both of User and Err")
		}
		if r.Err != nil {
			if len(r.Err.Error()) > 1000 {
				t.Fatalf("%d-byte error", len(r.Err.Error()))
			}
			return
		}
		out, err := json.Marshal(r.User)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(out) {
			t.Fatal("invalid UTF-8 in a decoded user")
		}
		if bytes.Contains(out, []byte("\ufffd")) && !bytes.Contains(data, []byte("\ufffd")) && !strings.Contains(strings.ToLower(string(data)), `\ufffd`) {
			t.Fatalf("U+FFFD appeared in %q", out)
		}
		u := r.User
		for _, ms := range []Millis{u.CreatedAt, u.UpdatedAt} {
			if ms < 0 || ms > maxMillis {
				t.Fatalf("timestamp %d out of range", ms)
			}
		}
		if u.PrimaryEmailAddressID != nil && len(u.EmailAddresses) > 0 && !bytes.Contains(bytes.ToLower(data), []byte("primary_email_address_id")) {
			found := false
			for _, e := range u.EmailAddresses {
				found = found || e.ID == *u.PrimaryEmailAddressID
			}
			if !found {
				t.Fatal("generated primary id points at no address")
			}
		}
	})
}

// FuzzParseTimestamp: text timestamps parse into range or fail.
func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"1700000000", "1700000000000", "2024-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "-1", "1e11", "0x10", " 5 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := parseTimestamp(s)
		if err == nil && (ms < 0 || ms > maxMillis) {
			t.Fatalf("%q → %d", s, ms)
		}
		if err != nil && len(err.Error()) > 2*maxQuote+100 {
			t.Fatalf("%d-byte error", len(err.Error()))
		}
	})
}
