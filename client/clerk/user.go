// Package clerk reads users from Clerk: the Backend API (paged, rate-limit
// aware) and the dashboard export files. Both are exposed as a Source that
// streams users page by page, so memory does not grow with the user count.
package clerk

import (
	"context"
	"encoding/json"
)

// User is the subset of Clerk's User object the importer needs. Unknown
// fields are ignored by encoding/json; nullable fields are pointers.
type User struct {
	ID                    string            `json:"id"`
	ExternalID            *string           `json:"external_id"`
	Username              *string           `json:"username"`
	FirstName             *string           `json:"first_name"`
	LastName              *string           `json:"last_name"`
	ImageURL              string            `json:"image_url"`
	HasImage              bool              `json:"has_image"`
	PrimaryEmailAddressID *string           `json:"primary_email_address_id"`
	PasswordEnabled       bool              `json:"password_enabled"`
	TwoFactorEnabled      bool              `json:"two_factor_enabled"`
	EmailAddresses        []EmailAddress    `json:"email_addresses"`
	ExternalAccounts      []ExternalAccount `json:"external_accounts"`
	PublicMetadata        map[string]any    `json:"public_metadata"`
	LastSignInAt          *int64            `json:"last_sign_in_at"`
	CreatedAt             int64             `json:"created_at"`
	UpdatedAt             int64             `json:"updated_at"`
	Banned                bool              `json:"banned"`
	Locked                bool              `json:"locked"`
}

// EmailAddress is one of a user's addresses.
type EmailAddress struct {
	ID           string        `json:"id"`
	EmailAddress string        `json:"email_address"`
	Verification *Verification `json:"verification"`
}

// Verification is the (nullable) verification state of an address or account.
type Verification struct {
	Status   string `json:"status"`
	Strategy string `json:"strategy"`
}

// ExternalAccount is an OAuth account linked to a user.
type ExternalAccount struct {
	ID             string        `json:"id"`
	Provider       string        `json:"provider"`
	ProviderUserID string        `json:"provider_user_id"`
	EmailAddress   string        `json:"email_address"`
	ApprovedScopes string        `json:"approved_scopes"`
	Verification   *Verification `json:"verification"`
}

// Record is one entry read from a source: a decoded user, or the error that
// kept it from decoding. A malformed record never stops the others.
type Record struct {
	// Pos is the 1-based position of the record in the source stream.
	Pos  int
	User *User
	// Err is set when the record could not be decoded (User is nil then).
	Err error
	// Raw is kept only for malformed records, for the error report.
	Raw json.RawMessage
}

// Source streams Clerk users. Implementations: the API client and the
// export file readers.
type Source interface {
	// Kind is "api" or "file", as in the importer's JSON contract.
	Kind() string
	// Total returns the number of users the source will yield, or -1 when
	// it is not known up front (files are not read twice to count).
	Total(ctx context.Context) (int, error)
	// Next returns the next page of records; it returns io.EOF (and no
	// records) after the last page. A structural error (bad file, bad key,
	// network fault past retries) is returned as a non-EOF error and ends
	// the stream.
	Next(ctx context.Context) ([]Record, error)
	// Close releases files and connections.
	Close() error
}
