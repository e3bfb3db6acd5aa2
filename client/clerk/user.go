// Package clerk reads users from Clerk: the Backend API (paged, rate-limit
// aware) and the export files customers actually have (Backend API JSON,
// the `clerk migrate` envelope, Clerk support's flat JSON, the Dashboard
// CSV). Every shape is normalised into User, and every source streams users
// page by page, so memory does not grow with the user count.
package clerk

import (
	"context"
	"encoding/json"
)

// User is Clerk's User object as the importer needs it: the Backend API
// shape, which every export reader normalises into. Unknown fields are
// ignored by encoding/json; nullable fields are pointers.
type User struct {
	ID                    string  `json:"id"`
	ExternalID            *string `json:"external_id"`
	Username              *string `json:"username"`
	FirstName             *string `json:"first_name"`
	LastName              *string `json:"last_name"`
	ImageURL              string  `json:"image_url"`
	HasImage              bool    `json:"has_image"`
	PrimaryEmailAddressID *string `json:"primary_email_address_id"`
	PrimaryPhoneNumberID  *string `json:"primary_phone_number_id"`
	PrimaryWeb3WalletID   *string `json:"primary_web3_wallet_id"`
	PasswordEnabled       bool    `json:"password_enabled"`
	// PasswordDigest and PasswordHasher come only from exports that carry
	// them (Dashboard CSV, support JSON); the API never returns them.
	PasswordDigest Secret `json:"password_digest"`
	PasswordHasher string `json:"password_hasher"`
	// PasswordUnknown says the record does not tell whether the user has
	// a password: a flat record with neither password_enabled nor a
	// password_digest field (`clerk migrate` and clerk/migration-script
	// exports leave both out). PasswordEnabled is false then, until the
	// importer decides from a passwords file or assumes one.
	PasswordUnknown    bool                `json:"-"`
	TwoFactorEnabled   bool                `json:"two_factor_enabled"`
	TOTPEnabled        bool                `json:"totp_enabled"`
	BackupCodeEnabled  bool                `json:"backup_code_enabled"`
	EmailAddresses     []EmailAddress      `json:"email_addresses"`
	PhoneNumbers       []PhoneNumber       `json:"phone_numbers"`
	Web3Wallets        []Web3Wallet        `json:"web3_wallets"`
	Passkeys           []Passkey           `json:"passkeys"`
	ExternalAccounts   []ExternalAccount   `json:"external_accounts"`
	SAMLAccounts       []SAMLAccount       `json:"saml_accounts"`
	EnterpriseAccounts []EnterpriseAccount `json:"enterprise_accounts"`
	PublicMetadata     map[string]any      `json:"public_metadata"`
	PrivateMetadata    map[string]any      `json:"private_metadata"`
	UnsafeMetadata     map[string]any      `json:"unsafe_metadata"`
	LastSignInAt       *Millis             `json:"last_sign_in_at"`
	// LegalAcceptedAt is when the user accepted the instance's legal
	// terms: consent worth keeping, though AscendKit has no field for it.
	LegalAcceptedAt *Millis `json:"legal_accepted_at"`
	CreatedAt       Millis  `json:"created_at"`
	UpdatedAt       Millis  `json:"updated_at"`
	Banned          bool    `json:"banned"`
	// Deprovisioned: the identity provider removed the user (SCIM), and
	// Clerk restricts them from signing in, as a ban does.
	Deprovisioned bool `json:"deprovisioned"`
	Locked        bool `json:"locked"`
	// LockoutExpiresInSeconds is what remains of a lockout after failed
	// sign-in attempts; null on a locked user means it never expires.
	LockoutExpiresInSeconds *int64 `json:"lockout_expires_in_seconds"`
	// OAuthUnknown says the record does not tell whether the user has
	// OAuth accounts: a flat record without external_accounts (`clerk
	// migrate`, migration-script and Clerk support exports) or a
	// Dashboard CSV row (see PasswordUnknown). ExternalAccounts is empty
	// then, which says nothing of how the user signed in.
	OAuthUnknown bool `json:"-"`
	// EmailStatusUnknown: the addresses came as bare strings (Clerk
	// support's export, a CSV), so one without a verification status is
	// not known to be unverified. An API address object whose
	// verification is null has never been verified.
	EmailStatusUnknown bool `json:"-"`
	// shapeless: a JSON record with neither addresses nor phones (null or
	// absent) nor anything else that tells an API user from a flat
	// export's record, as a username-only user of `clerk migrate`. It
	// does not name the file's format, and says nothing of a password
	// or OAuth either.
	shapeless bool
	// banUnknown: a flat (or shapeless) JSON record without "banned":
	// Clerk's support export leaves it out, so its banned users read as
	// not banned.
	banUnknown bool
	// lockUnknown: a flat (or shapeless) JSON record without "locked",
	// or a CSV without a locked column.
	lockUnknown bool
}

// BanKnown reports whether the record says whether the user is banned:
// an API user always does; a flat record or a CSV row only with a
// "banned" field or column.
func (u *User) BanKnown() bool { return !u.banUnknown }

// LockKnown reports whether the record says whether the user is locked:
// an API user always does; a flat record or a CSV row only with a
// "locked" field or column.
func (u *User) LockKnown() bool { return !u.lockUnknown }

// Millis is a Unix time in milliseconds, Clerk's API timestamp. Other
// export shapes write seconds or RFC 3339 strings; readers normalise them.
type Millis int64

// Secret is a value that must never be printed or serialised (a password
// digest): fmt and encoding/json see a redaction marker, not the value.
// Only the environment's password store reads string(s).
type Secret string

// String implements fmt.Stringer with a redaction marker.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON never writes the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// EmailAddress is one of a user's addresses.
type EmailAddress struct {
	ID           string        `json:"id"`
	EmailAddress string        `json:"email_address"`
	Verification *Verification `json:"verification"`
}

// PhoneNumber is one of a user's phone numbers (E.164 in Clerk).
type PhoneNumber struct {
	ID           string        `json:"id"`
	PhoneNumber  string        `json:"phone_number"`
	Verification *Verification `json:"verification"`
}

// Web3Wallet is a user's wallet address.
type Web3Wallet struct {
	ID           string        `json:"id"`
	Web3Wallet   string        `json:"web3_wallet"`
	Verification *Verification `json:"verification"`
}

// Passkey is a registered passkey (only its presence matters: passkeys
// cannot move between relying parties).
type Passkey struct {
	ID   string `json:"id"`
	Name string `json:"name"`
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

// Connection is a SAML or enterprise SSO connection as embedded in an account.
type Connection struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Domain   string   `json:"domain"`
	Domains  []string `json:"domains"`
	Provider string   `json:"provider"`
	// Active is false for a connection turned off in Clerk: nobody signs
	// in through it.
	Active bool `json:"active"`
}

// SAMLAccount is a user's account at a SAML connection.
type SAMLAccount struct {
	ID             string        `json:"id"`
	Provider       string        `json:"provider"`
	ProviderUserID *string       `json:"provider_user_id"`
	Active         bool          `json:"active"`
	EmailAddress   string        `json:"email_address"`
	Verification   *Verification `json:"verification"`
	SAMLConnection *Connection   `json:"saml_connection"`
}

// EnterpriseAccount is a user's account at an enterprise SSO connection
// (SAML or OIDC).
type EnterpriseAccount struct {
	ID                   string        `json:"id"`
	Protocol             string        `json:"protocol"`
	Provider             string        `json:"provider"`
	ProviderUserID       *string       `json:"provider_user_id"`
	Active               bool          `json:"active"`
	EmailAddress         string        `json:"email_address"`
	Verification         *Verification `json:"verification"`
	EnterpriseConnection *Connection   `json:"enterprise_connection"`
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
	// ID is a malformed record's user id, when one could be read, so the
	// report can name the user to fix.
	ID string
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

// Prefetcher is a Source that can start reading its first pages before
// Total answers, for a caller that will read them: the API sends its
// first list requests along with the count rather than after it. A
// caller that only wants the number (a key check) does not call it.
// A slow caller (one that writes each page) is sent fewer: it would hold
// them long and gain little from them, its time going to the writes.
type Prefetcher interface {
	Prefetch(slow bool)
}

// Source formats, as the report's source.format names them.
const (
	FormatAPI          = "clerk-api"           // Backend API users: the API itself, or an array / {"users": […]} of them
	FormatMigrate      = "clerk-migrate"       // the `clerk migrate` envelope {"clerkMigrate": 1, "users": […]}
	FormatSupportJSON  = "clerk-support-json"  // flat records as Clerk support sends them; also clerk/migration-tool's JSON (the same record with arrays)
	FormatDashboardCSV = "clerk-dashboard-csv" // Dashboard → Settings → User exports
)

// Formatter is a source that knows which export format it reads. A file
// source may refine its answer as it reads (the envelope's keys can follow
// the users), so ask after the last page. Sources without it are FormatAPI.
type Formatter interface {
	Format() string
}

// UnmarshalJSON reads a timestamp in any shape Clerk exports use: integer
// milliseconds, integer seconds (a value below 1e11, i.e. before 1973 in
// ms but after 5000 in seconds), or an RFC 3339 string. null leaves the
// value unset; a time outside the years 1970–9999 is an error.
func (m *Millis) UnmarshalJSON(b []byte) error {
	v, set, err := parseMillis(b)
	if err != nil {
		return err
	}
	if set {
		*m = v
	}
	return nil
}
