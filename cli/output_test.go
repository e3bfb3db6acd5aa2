package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// hostile holds every kind of character the writer must escape, and some
// it must leave alone.
var hostile = map[string]any{
	"csi":   "\u009b31mred",
	"nel":   "a\u0085b",
	"rlo":   "abc\u202edef",
	"lri":   "\u2066x\u2069",
	"rlm":   "\u200fx",
	"plain": "Ren\u00e9 <b>&</b> \u65e5\u672c",
	"list":  []any{"\u0080", "\u009f"},
}

func TestJSONWriterEscapesC1AndBidi(t *testing.T) {
	for _, indent := range []string{"", "  "} {
		var b bytes.Buffer
		if err := newJSONWriter(&b, indent).Encode(hostile); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, r := range []rune{0x9b, 0x85, 0x80, 0x9f, 0x202e, 0x2066, 0x2069, 0x200f} {
			if strings.ContainsRune(out, r) {
				t.Errorf("indent %q: raw U+%04X in %q", indent, r, out)
			}
		}
		for _, esc := range []string{`\u009b`, `\u0085`, `\u202e`, `\u2066`, `\u2069`, `\u200f`, `\u0080`, `\u009f`} {
			if !strings.Contains(out, esc) {
				t.Errorf("indent %q: %s missing in %q", indent, esc, out)
			}
		}
		if !strings.Contains(out, "Ren\u00e9 <b>&</b> \u65e5\u672c") {
			t.Errorf("ordinary text was escaped: %q", out)
		}
		var back map[string]any
		if err := json.Unmarshal(b.Bytes(), &back); err != nil || !reflect.DeepEqual(back, hostile) {
			t.Errorf("does not decode to the same value: %v %v", back, err)
		}
		if !strings.HasSuffix(out, "}\n") {
			t.Errorf("not newline-terminated: %q", out)
		}
	}
}

// writeClerkFile writes users as a Backend API JSON export.
func writeClerkFile(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "users.json")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const identityUsers = `[
 {"id":"user_ada","first_name":"Ada","username":"ada_l","external_id":"crm-42","locked":true,"password_enabled":true,
  "primary_email_address_id":"e1","primary_phone_number_id":"p1",
  "email_addresses":[{"id":"e1","email_address":"Ada@Example.com","verification":{"status":"verified"}},
    {"id":"e2","email_address":"ada@work.example","verification":{"status":"verified"}}],
  "phone_numbers":[{"id":"p1","phone_number":"+1 415 555 2671","verification":{"status":"verified"}}],
  "external_accounts":[{"provider":"oauth_google","provider_user_id":"g1","verification":{"status":"verified"}},
    {"provider":"oauth_github","provider_user_id":"gh1","verification":{"status":"unverified"}}],
  "private_metadata":{"stripe":"cus_1"},"unsafe_metadata":{"theme":"dark"},"public_metadata":{"role":"admin"},
  "created_at":1752102559068},
 {"id":"user_evil","first_name":"Eve\u009b2J\u202eevil","email_addresses":[{"id":"e","email_address":"eve\u202e@example.com"}],"created_at":1752102559068},
 {"id":"user_phone","phone_numbers":[{"id":"p","phone_number":"+14155550100"}],"created_at":1752102559068}
]`

func TestUserShowIdentities(t *testing.T) {
	h := newHarness(t)
	h.ok("import", "clerk", "run", "--file", writeClerkFile(t, h.dir, identityUsers))
	out := h.ok("user", "show", "ada@example.com").stdout
	for _, want := range []string{
		"Username:       ada_l", "Phone:          +14155552671 (verified)", "External id:    crm-42", "Locked:         true",
		"  ada@work.example (verified)", `Private meta:   {"stripe":"cus_1"}`, `Unsafe meta:    {"theme":"dark"}`, "google g1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("user show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "gh1") {
		t.Errorf("the unverified github account was linked:\n%s", out)
	}
	var u struct {
		Username, Phone, ExternalID string
		PhoneVerified, Locked       bool
		SecondaryEmails             []struct {
			Email    string
			Verified bool
		}
		PrivateMetadata, UnsafeMetadata, Metadata map[string]any
	}
	h.json(&u, "user", "show", "ada@example.com")
	if u.Username != "ada_l" || u.Phone != "+14155552671" || !u.PhoneVerified || u.ExternalID != "crm-42" || !u.Locked ||
		len(u.SecondaryEmails) != 1 || u.SecondaryEmails[0].Email != "ada@work.example" || !u.SecondaryEmails[0].Verified ||
		u.PrivateMetadata["stripe"] != "cus_1" || u.UnsafeMetadata["theme"] != "dark" || u.Metadata["role"] != "admin" {
		t.Fatalf("user show --json %+v", u)
	}
}

func TestPreviewJSONAndEntriesEscape(t *testing.T) {
	h := newHarness(t)
	file := writeClerkFile(t, h.dir, identityUsers)
	entries := filepath.Join(h.dir, "entries.jsonl")
	r := h.ok("import", "clerk", "preview", "--file", file, "--entries", entries, "--json")
	var rep importer.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Source != (importer.SourceInfo{Kind: "file", Format: "clerk-api"}) {
		t.Errorf("source %+v", rep.Source)
	}
	if rep.Users.SkippedReasons[importer.ReasonPhoneOnly] != 1 || rep.Users.SkippedReasons[importer.ReasonInvalidEmail] != 1 ||
		rep.OAuthLinksUnverified != 1 || rep.Settings.PhoneOnlyUsers != 1 {
		t.Errorf("report %+v", rep)
	}
	b, err := os.ReadFile(entries)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsRune(b, 0x202e) || bytes.ContainsRune(b, 0x9b) || !bytes.Contains(b, []byte(`\u202e`)) || !bytes.Contains(b, []byte(`\u009b`)) {
		t.Errorf("entries file does not escape C1/bidi:\n%s", b)
	}
	var kinds []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e importer.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("entry line %q: %v", line, err)
		}
		kinds = append(kinds, e.Kind+":"+e.Reason)
	}
	// Within a page, users skipped come first, then warnings about the
	// users imported (given once a repeated user is known as such).
	if want := []string{"skipped:invalid_email", "skipped:phone_only", "warning:oauth_link_unverified"}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("entries %v, want %v", kinds, want)
	}
}

func TestPreviewSettingsProviderUsers(t *testing.T) {
	h := newHarness(t)
	file := writeClerkFile(t, h.dir, identityUsers)
	var rep struct {
		Settings struct {
			ProviderUsers map[string]int
			Providers     []string
		}
	}
	h.json(&rep, "import", "clerk", "preview", "--file", file, "--settings")
	if !reflect.DeepEqual(rep.Settings.ProviderUsers, map[string]int{"credentials": 1, "google": 1}) {
		t.Errorf("providerUsers %v", rep.Settings.ProviderUsers)
	}
	out := h.ok("import", "clerk", "preview", "--file", file, "--settings").stdout
	if !strings.Contains(out, "users        credentials 1, google 1") || !strings.Contains(out, "phone only   1") {
		t.Errorf("human settings lack the counts:\n%s", out)
	}
}
