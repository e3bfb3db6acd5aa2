package clerk

import "testing"

// private_metadata.clerkExternalId carries external_id through `clerk
// migrate`: it goes back to external_id and leaves the metadata, unless
// the user has another external_id (then the key is the app's own).
func TestRecoverExternalID(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		name        string
		ext         *string
		key         any
		wantExt     string
		wantKeyKept bool
	}{
		{"carried", nil, "crm-1", "crm-1", false},
		{"carried, empty external_id", str(""), "crm-1", "crm-1", false},
		{"repeated", str("crm-1"), "crm-1", "crm-1", false},
		{"the app's own", str("crm-1"), "other", "crm-1", true},
		{"not a string", nil, 12, "", true},
	} {
		u := User{ExternalID: tc.ext, PrivateMetadata: map[string]any{"clerkExternalId": tc.key, "p": 1}}
		recoverExternalID(&u)
		got := ""
		if u.ExternalID != nil {
			got = *u.ExternalID
		}
		_, kept := u.PrivateMetadata["clerkExternalId"]
		if got != tc.wantExt || kept != tc.wantKeyKept || u.PrivateMetadata["p"] != 1 {
			t.Errorf("%s: external_id %q, key kept %v (%v); want %q, %v", tc.name, got, kept, u.PrivateMetadata, tc.wantExt, tc.wantKeyKept)
		}
	}
}
