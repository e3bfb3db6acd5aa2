package emulator

import (
	"strings"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// wireUser is a clerk.User as Clerk's API sends it: with the many fields
// the importer ignores, so decoding is tested against the real shape and
// not just against our own struct.
type wireUser struct {
	clerk.User
	Object                        string         `json:"object"`
	EmailAddresses                []wireEmail    `json:"email_addresses"`
	PrimaryPhoneNumberID          *string        `json:"primary_phone_number_id"`
	PrimaryWeb3WalletID           *string        `json:"primary_web3_wallet_id"`
	TOTPEnabled                   bool           `json:"totp_enabled"`
	BackupCodeEnabled             bool           `json:"backup_code_enabled"`
	PhoneNumbers                  []struct{}     `json:"phone_numbers"`
	Web3Wallets                   []struct{}     `json:"web3_wallets"`
	Passkeys                      []struct{}     `json:"passkeys"`
	SAMLAccounts                  []struct{}     `json:"saml_accounts"`
	EnterpriseAccounts            []struct{}     `json:"enterprise_accounts"`
	PrivateMetadata               map[string]any `json:"private_metadata"`
	UnsafeMetadata                map[string]any `json:"unsafe_metadata"`
	LastActiveAt                  *clerk.Millis  `json:"last_active_at"`
	LegalAcceptedAt               *int64         `json:"legal_accepted_at"`
	LockoutExpiresInSeconds       *int64         `json:"lockout_expires_in_seconds"`
	VerificationAttemptsRemaining int            `json:"verification_attempts_remaining"`
	DeleteSelfEnabled             bool           `json:"delete_self_enabled"`
	CreateOrganizationEnabled     bool           `json:"create_organization_enabled"`
}

type wireEmail struct {
	clerk.EmailAddress
	Object       string         `json:"object"`
	Reserved     bool           `json:"reserved"`
	LinkedTo     []wireLinkedTo `json:"linked_to"`
	Verification *wireVerif     `json:"verification"`
}

type wireVerif struct {
	// Clerk sometimes omits "object" inside verification; so do we, for
	// addresses verified by code, to keep decoders honest.
	Object   string `json:"object,omitempty"`
	Status   string `json:"status"`
	Strategy string `json:"strategy"`
	Attempts *int   `json:"attempts"`
	ExpireAt *int64 `json:"expire_at"`
}

type wireLinkedTo struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

var empty = []struct{}{}

func toWire(u clerk.User) wireUser {
	w := wireUser{
		User:                          u,
		Object:                        "user",
		TOTPEnabled:                   u.TwoFactorEnabled,
		PhoneNumbers:                  empty,
		Web3Wallets:                   empty,
		Passkeys:                      empty,
		SAMLAccounts:                  empty,
		EnterpriseAccounts:            empty,
		PrivateMetadata:               map[string]any{},
		UnsafeMetadata:                map[string]any{},
		LastActiveAt:                  u.LastSignInAt,
		VerificationAttemptsRemaining: 100,
		DeleteSelfEnabled:             true,
		CreateOrganizationEnabled:     true,
		EmailAddresses:                make([]wireEmail, 0, len(u.EmailAddresses)),
	}
	if w.ExternalAccounts == nil {
		w.ExternalAccounts = []clerk.ExternalAccount{}
	}
	if w.PublicMetadata == nil {
		w.PublicMetadata = map[string]any{}
	}
	for _, e := range u.EmailAddresses {
		we := wireEmail{EmailAddress: e, Object: "email_address", LinkedTo: []wireLinkedTo{}}
		if v := e.Verification; v != nil {
			we.Verification = &wireVerif{Status: v.Status, Strategy: v.Strategy}
			if p, ok := strings.CutPrefix(v.Strategy, "from_"); ok {
				we.Verification.Object = "verification_from_oauth"
				// The linked identification is the OAuth one, a sibling id.
				we.LinkedTo = append(we.LinkedTo, wireLinkedTo{Type: p, ID: "idn_" + suffix(mix(uint64(len(e.ID))^hashString(e.ID)), 27)})
			}
		}
		w.EmailAddresses = append(w.EmailAddresses, we)
	}
	return w
}

// hashString is FNV-1a, to derive stable ids from other ids.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
