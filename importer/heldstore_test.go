package importer

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// A held user read back from the store's file is the user that went in:
// the digest (which writes no JSON of itself), metadata numbers beyond a
// float64's precision, nested values and nulls, times to the nanosecond.
func TestHeldUserRoundTrip(t *testing.T) {
	login := time.Date(2025, 7, 9, 23, 9, 19, 86_000_123, time.UTC)
	in := heldUser{
		e: Entry{Pos: 7, SourceID: "user_1", Email: "a@example.com", Name: "Ann <&> \u2028"},
		m: mapped{email: "a@example.com", user: ascendkit.ImportedUser{
			User: ascendkit.User{Email: "a@example.com", Name: "Ann <&> \u2028", CreatedAt: login.Add(-time.Hour), LastLoginAt: &login,
				Metadata: map[string]any{"big": json.Number("12345678901234567890"), "f": json.Number("1.5e300"),
					"nested": map[string]any{"list": []any{"x", nil, true, json.Number("-0")}, "empty": map[string]any{}}},
				Tags: []string{TagClerk, TagPasswordKept}, OAuthLinks: []ascendkit.OAuthLink{{Provider: "github", ProviderUserID: "7"}},
				SecondaryEmails: []ascendkit.SecondaryEmail{{Email: "b@example.com"}}, UnsafeMetadata: map[string]any{}},
			Source: SourceClerk, SourceID: "user_1",
			Events:   []ascendkit.NewEvent{{Type: EventUserImported, Payload: map[string]any{"hadPassword": true, "sourceId": "user_1"}}},
			Password: &ascendkit.Password{Hasher: "bcrypt", Digest: "$2a$10$abcdefghijklmnopqrstuu5Jl6qvPOt9o2mUq0oJjXWkzGkCbJXnW"},
		}},
	}
	for _, mem := range []int{1024, 0} {
		t.Run(fmt.Sprint("in memory ", mem), func(t *testing.T) {
			setHeldInMemory(t, mem)
			h := newHeldStore(sealedCodec(encodeHeld, decodeHeld))
			defer h.release()
			for range 3 {
				if err := h.add(in); err != nil {
					t.Fatal(err)
				}
			}
			n := 0
			if err := h.each(func(got *heldUser) error {
				n++
				if !reflect.DeepEqual(*got, in) {
					t.Errorf("read back\n%#v\nwant\n%#v", got.m.user, in.m.user)
				}
				return nil
			}); err != nil || n != 3 {
				t.Fatalf("%d read, %v", n, err)
			}
		})
	}
}

// A damaged file is an error, not a wrong user.
func TestHeldStoreDamagedFile(t *testing.T) {
	files := setHeldInMemory(t, 0)
	h := newHeldStore(sealedCodec(encodeHeld, decodeHeld))
	defer h.release()
	for i := range 3 {
		if err := h.add(heldUser{e: Entry{Pos: i}, m: mapped{email: "a@example.com"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.w.Flush(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile((*files)[0], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, 20); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 1
	if _, err := f.WriteAt(b, 20); err != nil {
		t.Fatal(err)
	}
	err = h.each(func(*heldUser) error { return nil })
	if err == nil {
		t.Fatal("a damaged record was read back")
	}
}
