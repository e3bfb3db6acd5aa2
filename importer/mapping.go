package importer

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// SourceClerk names the source in metadata, events and import records.
const SourceClerk = "clerk"

// SupportedProviders are the auth providers AscendKit can enable.
var SupportedProviders = []string{"credentials", "magic-link", "google", "github", "apple", "discord", "microsoft", "linkedin"}

// mapped is a Clerk user turned into what the environment stores, plus the
// facts the analysis and the duplicate check need.
type mapped struct {
	user        ascendkit.ImportedUser
	email       string
	hadPassword bool
	// providers are the AscendKit names of the supported OAuth providers the
	// user has; unsupported keeps Clerk's names of the others.
	providers   []string
	unsupported []string
	// droppedLinks counts external accounts without a provider or
	// provider user id: there is nothing to link them by.
	droppedLinks int
}

// maxMillis is the last millisecond of year 9999: later times cannot be
// stored or printed as RFC 3339, so such a record is malformed.
const maxMillis = 253402300799999

func validMillis(ms int64) bool { return ms >= 0 && ms <= maxMillis }

// providerName maps a Clerk provider ("oauth_google") to AscendKit's name
// and says whether AscendKit supports it.
func providerName(clerkProvider string) (string, bool) {
	p := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(clerkProvider)), "oauth_")
	if p == "linkedin_oidc" {
		p = "linkedin"
	}
	switch p {
	case "google", "github", "apple", "discord", "microsoft", "linkedin":
		return p, true
	}
	return p, false
}

// primaryEmail picks the address whose id is primary_email_address_id (array
// order is not a promise), else the first one.
func primaryEmail(u *clerk.User) *clerk.EmailAddress {
	if len(u.EmailAddresses) == 0 {
		return nil
	}
	if u.PrimaryEmailAddressID != nil {
		for i := range u.EmailAddresses {
			if u.EmailAddresses[i].ID == *u.PrimaryEmailAddressID {
				return &u.EmailAddresses[i]
			}
		}
	}
	return &u.EmailAddresses[0]
}

// validEmail accepts a bare address with a local part and a dotted domain.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return false
	}
	domain := s[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// displayName is first + last, else username, else empty.
func displayName(u *clerk.User) string {
	if n := strings.TrimSpace(strings.TrimSpace(deref(u.FirstName)) + " " + strings.TrimSpace(deref(u.LastName))); n != "" {
		return n
	}
	return strings.TrimSpace(deref(u.Username))
}

// mapUser applies the mapping of import.md. It returns a skip reason (and
// for malformed records a detail) instead when the user cannot be imported.
func mapUser(u *clerk.User, now time.Time, includeBanned bool) (m mapped, reason, detail string) {
	if !validMillis(int64(u.CreatedAt)) {
		return m, ReasonMalformed, fmt.Sprintf("created_at %d is not a time in milliseconds", u.CreatedAt)
	}
	if u.LastSignInAt != nil && !validMillis(int64(*u.LastSignInAt)) {
		return m, ReasonMalformed, fmt.Sprintf("last_sign_in_at %d is not a time in milliseconds", *u.LastSignInAt)
	}
	pe := primaryEmail(u)
	if pe == nil || strings.TrimSpace(pe.EmailAddress) == "" {
		return m, ReasonNoEmail, ""
	}
	email := strings.ToLower(strings.TrimSpace(pe.EmailAddress))
	if !validEmail(email) {
		return m, ReasonInvalidEmail, ""
	}
	if u.Banned && !includeBanned {
		return m, ReasonBanned, ""
	}
	m.email = email
	m.hadPassword = u.PasswordEnabled

	au := ascendkit.User{
		Email:         email,
		Name:          displayName(u),
		EmailVerified: pe.Verification != nil && pe.Verification.Status == "verified",
		CreatedAt:     now,
		Banned:        u.Banned,
	}
	if u.HasImage {
		au.Image = u.ImageURL
	}
	if u.CreatedAt > 0 {
		au.CreatedAt = time.UnixMilli(int64(u.CreatedAt)).UTC()
	}
	if u.LastSignInAt != nil && *u.LastSignInAt > 0 {
		t := time.UnixMilli(int64(*u.LastSignInAt)).UTC()
		au.LastLoginAt = &t
	}
	au.Metadata = make(map[string]any, len(u.PublicMetadata)+1)
	for k, v := range u.PublicMetadata {
		au.Metadata[k] = v
	}
	if own, ok := au.Metadata["import"]; ok {
		// metadata.import is the import's own record; a public_metadata key
		// of the same name is kept beside it rather than lost.
		au.Metadata["publicImport"] = own
	}
	au.Metadata["import"] = importMeta(u.ID, now)

	seen := map[string]bool{}
	linked := map[string]bool{}
	for _, ea := range u.ExternalAccounts {
		name, ok := providerName(ea.Provider)
		if name == "" || strings.TrimSpace(ea.ProviderUserID) == "" {
			m.droppedLinks++
			continue
		}
		if lk := ascendkit.LinkKey(name, ea.ProviderUserID); !linked[lk] {
			linked[lk] = true
			au.OAuthLinks = append(au.OAuthLinks, ascendkit.OAuthLink{
				Provider:       name,
				ProviderUserID: ea.ProviderUserID,
				Email:          strings.ToLower(strings.TrimSpace(ea.EmailAddress)),
			})
		}
		key := name
		if !ok {
			key = ea.Provider
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if ok {
			m.providers = append(m.providers, name)
		} else {
			m.unsupported = append(m.unsupported, ea.Provider)
		}
	}

	hasOAuth := len(u.ExternalAccounts) > m.droppedLinks
	au.Tags = []string{TagClerk}
	if u.PasswordEnabled {
		au.Tags = append(au.Tags, TagNeedsPasswordReset)
	} else if hasOAuth {
		au.Tags = append(au.Tags, TagSocialOnly)
	}

	events := []ascendkit.NewEvent{{Type: EventUserImported, Payload: map[string]any{
		"source": SourceClerk, "sourceId": u.ID,
		"hadPassword": u.PasswordEnabled, "hasOAuth": hasOAuth,
	}}}
	if au.LastLoginAt != nil {
		events = append(events, ascendkit.NewEvent{Type: EventUserLogin, Payload: map[string]any{
			"synthetic": true, "originalLoginAt": au.LastLoginAt.Format(time.RFC3339Nano),
		}})
	}
	m.user = ascendkit.ImportedUser{User: au, Source: SourceClerk, SourceID: u.ID, Events: events}
	return m, "", ""
}

func importMeta(sourceID string, now time.Time) map[string]any {
	return map[string]any{"source": SourceClerk, "sourceId": sourceID, "importedAt": now.UTC().Format(time.RFC3339)}
}
