package importer

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// FuzzMapUser: any user that decodes maps to an importable user or a skip
// reason, never a panic, and an importable one always has a valid email,
// the import:clerk tag and a user.imported event.
func FuzzMapUser(f *testing.F) {
	f.Add([]byte(ada))
	f.Add([]byte(`{"id":"u","primary_email_address_id":"x","email_addresses":[{"id":"x","email_address":"A@B.CO","verification":{"status":"verified"}}],"external_accounts":[{"provider":"oauth_linkedin_oidc","provider_user_id":"1"},{}],"last_sign_in_at":-5}`))
	f.Add([]byte(`{"id":"u","email_addresses":[{"id":"x","email_address":"a@b.co"}],"external_accounts":[{"provider":"oauth_","provider_user_id":"1"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var u clerk.User
		if json.Unmarshal(data, &u) != nil {
			return
		}
		m, reason, _ := mapUser(&u, now, false)
		checkMapUserForPreview(t, &u, m, reason)
		if reason != "" {
			return
		}
		if !validEmail(m.email) || m.user.User.Tags[0] != TagClerk || m.user.Events[0].Type != EventUserImported {
			t.Fatalf("mapped %+v", m.user)
		}
		for _, l := range m.user.User.OAuthLinks {
			if l.Provider == "" || l.ProviderUserID == "" {
				t.Fatalf("empty link %+v", l)
			}
		}
	})
}

// checkMapUserForPreview checks that mapping for a preview gives what
// mapping for a write gives (m, reason), but for the metadata only a
// write reads.
func checkMapUserForPreview(t *testing.T, u *clerk.User, m mapped, reason string) {
	t.Helper()
	p, preason, _ := mapUserFor(u, now, false, false)
	if preason != reason {
		t.Fatalf("preview mapping: reason %q, write mapping %q", preason, reason)
	}
	if reason != "" {
		return
	}
	if p.user.User.Metadata != nil || m.user.User.Metadata["import"] == nil {
		t.Fatalf("metadata: preview %v, write %v", p.user.User.Metadata, m.user.User.Metadata)
	}
	m.user.User.Metadata = nil
	if !reflect.DeepEqual(p, m) {
		t.Fatalf("preview mapping differs:\n%+v\nwrite mapping:\n%+v", p, m)
	}
}
