package emulator

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ascendkit/ascendkit/client/clerk"
)

func TestGenerateDeterministic(t *testing.T) {
	a, b := Generate(300, 42), Generate(300, 42)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different users")
	}
	if reflect.DeepEqual(a, Generate(300, 43)) {
		t.Fatal("different seeds, same users")
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], UserAt(i, 300, 42)) {
			t.Fatalf("UserAt(%d) differs from Generate", i)
		}
	}
}

func TestWriteJSONMatchesGenerate(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, 400, 9); err != nil {
		t.Fatal(err)
	}
	// Decode as the sources do: numbers in metadata stay json.Number.
	var got []clerk.User
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := Generate(400, 9)
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("user %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	// The wire shape carries Clerk's extra fields too.
	for _, field := range []string{`"object":"user"`, `"private_metadata":{}`, `"phone_numbers":[]`, `"linked_to":[{"type":"oauth_`} {
		if !bytes.Contains(buf.Bytes(), []byte(field)) {
			t.Errorf("output lacks %s", field)
		}
	}
	var empty bytes.Buffer
	if err := WriteJSON(&empty, 0, 1); err != nil || !json.Valid(empty.Bytes()) {
		t.Errorf("n=0: %q %v", empty.String(), err)
	}
}

func TestGenerateDistribution(t *testing.T) {
	const n = 20000
	users := Generate(n, 1)
	count := map[string]int{}
	ids := map[string]bool{}
	seen := map[string]int{} // lower-cased primary email -> first index
	var prevCreated clerk.Millis
	for i, u := range users {
		if !strings.HasPrefix(u.ID, "user_") || ids[u.ID] {
			t.Fatalf("bad or repeated id %q", u.ID)
		}
		ids[u.ID] = true
		if u.CreatedAt <= prevCreated {
			t.Fatalf("created_at not ascending at %d", i)
		}
		prevCreated = u.CreatedAt
		if u.UpdatedAt < u.CreatedAt || (u.LastSignInAt != nil && *u.LastSignInAt < u.CreatedAt) {
			t.Fatalf("user %d: timestamps out of order", i)
		}

		social := len(u.ExternalAccounts) > 0
		switch {
		case u.PasswordEnabled && social:
			count["both"]++
		case u.PasswordEnabled:
			count["password"]++
		case social:
			count["social"]++
		default:
			count["neither"]++
		}
		for _, ea := range u.ExternalAccounts {
			count[ea.Provider]++
			if ea.Provider == "oauth_x" {
				count["x-users"]++
				if !u.PasswordEnabled && len(u.ExternalAccounts) == 1 {
					count["x-social-only"]++
				}
			}
		}
		if u.HasImage {
			count["image"]++
		}
		if u.LastSignInAt != nil {
			count["signed-in"]++
		}
		if len(u.PublicMetadata) > 0 {
			count["metadata"]++
		}
		if u.Banned {
			count["banned"]++
		}
		name := deref(u.FirstName) + deref(u.LastName)
		if strings.Contains(name, "\x1b[") {
			count["ansi"]++
		}
		if !isASCII(name) {
			count["non-ascii"]++
		}

		if len(u.EmailAddresses) == 0 {
			count["no-email"]++
			if u.PrimaryEmailAddressID != nil {
				t.Errorf("user %d: primary id without addresses", i)
			}
			continue
		}
		var primary *clerk.EmailAddress
		for k := range u.EmailAddresses {
			if u.EmailAddresses[k].ID == deref(u.PrimaryEmailAddressID) {
				primary = &u.EmailAddresses[k]
				if k > 0 {
					count["primary-not-first"]++
				}
			}
		}
		if primary == nil {
			t.Fatalf("user %d: primary_email_address_id matches no address", i)
		}
		addr := primary.EmailAddress
		if !strings.Contains(addr, "@") || strings.HasPrefix(addr, "@") || strings.HasSuffix(addr, "@") || strings.Contains(addr, " ") {
			count["invalid-email"]++
			continue
		}
		if addr != strings.ToLower(addr) {
			count["mixed-case"]++
		}
		key := strings.ToLower(addr)
		if j, dup := seen[key]; dup {
			count["dup-email"]++
			if users[j].ID == u.ID {
				t.Errorf("dup with same id")
			}
		} else {
			seen[key] = i
		}
	}
	pct := func(k string) float64 { return 100 * float64(count[k]) / n }
	within := func(k string, lo, hi float64) {
		t.Helper()
		if p := pct(k); p < lo || p > hi {
			t.Errorf("%s = %.2f%%, want %.1f..%.1f%% (counts %v)", k, p, lo, hi, count)
		}
	}
	within("password", 42, 48)
	within("social", 22, 28)
	within("both", 17, 23)
	within("neither", 8, 12)
	within("oauth_x", 1.2, 3)
	within("image", 57, 63)
	within("signed-in", 77, 83)
	within("metadata", 25, 35)
	within("dup-email", 0.6, 1.4)
	within("no-email", 0.25, 0.8)
	within("invalid-email", 0.25, 0.8)
	within("banned", 0.25, 0.8)
	within("primary-not-first", 5, 20)
	within("mixed-case", 3, 15)
	within("non-ascii", 10, 80)
	if count["oauth_google"] <= count["oauth_github"] || count["oauth_github"] == 0 || count["oauth_linkedin_oidc"] == 0 ||
		count["oauth_microsoft"] == 0 || count["oauth_apple"] == 0 {
		t.Errorf("provider mix %v", count)
	}
	if count["x-social-only"] == 0 || count["x-social-only"] == count["x-users"] {
		t.Errorf("oauth_x users: %d, social-only %d; want some of each", count["x-users"], count["x-social-only"])
	}
	t.Logf("counts: %v", count)
	span := users[n-1].CreatedAt - users[0].CreatedAt
	if years := float64(span) / (365 * 24 * 3600 * 1000); years < 1.9 || years > 2.01 {
		t.Errorf("created_at spans %.2f years", years)
	}

	// A small population still has a name or two with an escape sequence.
	ansi := 0
	for _, u := range Generate(1000, 5) {
		if strings.Contains(deref(u.FirstName), "\x1b[") {
			ansi++
		}
	}
	if ansi < 1 || ansi > 2 {
		t.Errorf("%d ANSI names in 1000", ansi)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
