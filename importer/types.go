// Package importer is the core of the Clerk → AscendKit migration: it reads
// a Clerk source, analyzes auth methods and providers, classifies duplicates
// and skips, applies the import in batched idempotent transactions, and sets
// up the migration templates and journeys. It imports no UI package: long
// work reports progress as a stream of typed Events and honours its context.
package importer

import (
	"time"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// Mode says whether a run writes.
type Mode string

// Modes.
const (
	ModePreview Mode = "preview"
	ModeRun     Mode = "run"
)

// Policy is what happens to a duplicate.
type Policy string

// Duplicate policies.
const (
	PolicySkip  Policy = "skip"
	PolicyMerge Policy = "merge"
)

// Duplicate reasons, in the order they are checked.
const (
	ReasonAlreadyImported  = "already_imported"
	ReasonEmailExists      = "email_exists"
	ReasonRepeatedInSource = "repeated_in_source"
)

// Skip reasons.
const (
	ReasonNoEmail      = "no_email"
	ReasonInvalidEmail = "invalid_email"
	// A user with no email but another identifier: AscendKit sign-in
	// needs an email, so they cannot be imported.
	ReasonPhoneOnly    = "phone_only"
	ReasonUsernameOnly = "username_only"
	ReasonWeb3Only     = "web3_only"
	ReasonBanned       = "banned"
	ReasonMalformed    = "malformed"
)

// Warning reasons: the user is imported, something of theirs is not.
const (
	ReasonLinkConflict = "oauth_link_conflict"
	ReasonLinkInvalid  = "oauth_link_invalid"
	// An external account whose ownership Clerk never verified: linking
	// it would let whoever holds that provider account sign in as the user.
	ReasonLinkUnverified = "oauth_link_unverified"
	// A primary phone number that is not an international number.
	ReasonPhoneInvalid = "phone_invalid"
	// A merge's public_metadata key the user merged into has with
	// another value: the user's value stays.
	ReasonMetadataKept = "metadata_kept"
	// A user with no password and no SSO whose OAuth accounts do not sign
	// them in to AscendKit (unsupported providers, accounts without a
	// provider user id, or linked to another user): tagged
	// TagNeedsPasswordReset instead of TagSocialOnly.
	ReasonNoUsableOAuth = "no_usable_oauth"
	// A SAML or enterprise account that is not active or not verified,
	// or whose connection is missing or not active: not an SSO sign-in.
	ReasonSSOUnusable = "sso_account_unusable"
	// A primary_email_address_id that names none of the user's
	// addresses: the first verified one (else the first) is used.
	ReasonPrimaryEmailNotFound = "primary_email_not_found"
	// A lockout that expires (failed sign-in attempts), not carried over.
	ReasonLockoutNotKept = "lockout_not_kept"
	// Phone numbers besides the primary one, an extension to it, or web3
	// wallets: an AscendKit user has no place for them.
	ReasonIdentityNotKept = "identity_not_kept"
)

// Tags put on imported users.
const (
	TagClerk              = "import:clerk"
	TagNeedsPasswordReset = "import:needs-password-reset"
	TagSocialOnly         = "import:social-only"
	// TagSSO marks users who signed in through a SAML or enterprise
	// connection, which must be set up in AscendKit for them.
	TagSSO = "import:sso"
	// TagMFAReenroll marks users who had MFA (TOTP, backup codes or
	// passkeys): their factors cannot be moved, so they enroll again.
	TagMFAReenroll = "import:mfa-reenroll"
)

// Event types emitted for imported users.
const (
	EventUserImported = "user.imported"
	EventUserLogin    = "user.login"
)

// Phases selects what a run does.
type Phases struct {
	Users    bool `json:"users"`
	Settings bool `json:"settings"`
}

// Options configure a preview or run.
type Options struct {
	Mode   Mode
	Phases Phases
	// OnDuplicate is the default policy for duplicates (skip when empty).
	OnDuplicate Policy
	// Decisions override the policy for single source users (by Clerk id),
	// as chosen in the wizard's duplicate review.
	Decisions map[string]Policy
	// IncludeBanned imports banned users (ban kept, no journey enrollment).
	IncludeBanned bool
	// Providers, when non-nil, replaces the detected SSO providers
	// (credentials stays as detected, and is added when listed).
	Providers []string
	// BatchSize is the number of users per transaction. Unset, a run's
	// batches grow from 1,000 users to DefaultBatchSize.
	BatchSize int
	// Passwords, when set, is a second source (Dashboard CSV or support
	// JSON) whose password digests are joined to the users by Clerk id.
	Passwords clerk.Source
	// Only, when set, imports just these users (Clerk ids or emails): a
	// canary run.
	Only []string
	// FromIdentity is the migration sender the caller sets once the run
	// is done (`--from-identity`), recorded with the run's options so the
	// run history says which run set it; the importer does not set it.
	FromIdentity string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// OnClassified, when set on a preview of the whole source, receives
	// the preview's per-user classification once it has read everything
	// (not after an error or a stop), for Classified.Recount. The callee
	// owns it and must Close it.
	OnClassified func(*Classified)
	// OnEvent receives progress; it is called from the importer's
	// goroutine and must not block for long.
	OnEvent func(Event)
}

// NotWrittenWhy says what a run's UserCounts.NotWritten users are, in the
// words the CLI's report and the wizard both give beside the count;
// NotCountedWhy what a preview's are.
const (
	NotWrittenWhy = "read, but the run stopped before writing them: run it again"
	NotCountedWhy = "read, but the preview stopped before counting them"
)

// Report is the result of a preview or run; its JSON form is the contract
// of `import clerk preview|run --json`.
type Report struct {
	Mode   Mode       `json:"mode"`
	Source SourceInfo `json:"source"`
	Phases Phases     `json:"phases"`
	Users  UserCounts `json:"users"`
	// OAuthLinks counts links made: for created users and merges.
	OAuthLinks int `json:"oauthLinks"`
	// Tags and Events count what the created users get (merges are
	// counted in Users.ToMerge / Users.Merged).
	Tags     map[string]int `json:"tags"`
	Events   map[string]int `json:"events"`
	Settings SettingsReport `json:"settings"`
	// OAuthLinkConflicts counts links not made because another user owns
	// that OAuth account.
	OAuthLinkConflicts int `json:"oauthLinkConflicts"`
	// OAuthLinksUnverified counts external accounts not linked because
	// their verification status is not "verified" (users not skipped).
	OAuthLinksUnverified int `json:"oauthLinksUnverified"`
	// MetadataKept counts merges that left out public_metadata keys the
	// user merged into has with other values (each a warning entry). A
	// preview counts none: it does not read the users merged into.
	MetadataKept int `json:"metadataKept"`
	// OAuthLinksInvalid counts external accounts not linked because they
	// have no usable provider or provider user id (entries
	// ReasonLinkInvalid); PhonesInvalid counts users whose primary phone
	// is not kept (ReasonPhoneInvalid).
	OAuthLinksInvalid int `json:"oauthLinksInvalid"`
	PhonesInvalid     int `json:"phonesInvalid"`
	// SSOAccountsUnusable counts SAML and enterprise accounts not taken as
	// SSO sign-ins (ReasonSSOUnusable).
	SSOAccountsUnusable int `json:"ssoAccountsUnusable"`
	// PrimaryEmailsNotFound counts users whose primary_email_address_id
	// names none of their addresses (ReasonPrimaryEmailNotFound).
	PrimaryEmailsNotFound int `json:"primaryEmailsNotFound"`
	// LockoutsCleared counts users locked out for a while in Clerk who
	// are imported unlocked (ReasonLockoutNotKept).
	LockoutsCleared int `json:"lockoutsCleared"`
	// IdentitiesNotKept counts users with phone numbers besides the
	// primary one, an extension to it, web3 wallets, other email
	// addresses that are not valid, or an image_url that is not a web
	// address, which an AscendKit user has no place for
	// (ReasonIdentityNotKept).
	IdentitiesNotKept int `json:"identitiesNotKept"`
	// CreatedAtUnknown counts users the source gives no sign-up date
	// (created_at missing, null or 0): their createdAt is the import's
	// time. No entries: a format without dates would list every user.
	CreatedAtUnknown int `json:"createdAtUnknown"`
	// EmailOfOtherImport counts duplicates (ReasonEmailExists) whose
	// address belongs to a user an earlier import created from, or merged
	// with, another Clerk user: never merged, whatever the policy (see
	// noMerge).
	EmailOfOtherImport int `json:"emailOfOtherImport"`
	// ChangedSinceImport counts users an earlier run imported whose
	// sign-in email, username, OAuth accounts, lock, ban or password
	// differ in the source now (ReasonChangedInSource): a re-run leaves
	// them as they are.
	ChangedSinceImport int `json:"changedSinceImport"`
	// BansNotApplied counts users Clerk bans whom an earlier run imported
	// unbanned: a re-run leaves them as they are (ReasonBanNotApplied).
	BansNotApplied int `json:"bansNotApplied"`
	// ImportedNotInSource counts users an earlier import created from a
	// Clerk user this source no longer has (deleted in Clerk since?):
	// they stay in AscendKit (ReasonImportedNotInSource). Computed only
	// when the whole source was read: the users phase, no --only, and
	// the source read to its end.
	ImportedNotInSource int `json:"importedNotInSource"`
	// goneUnchecked says why ImportedNotInSource is not the whole count
	// (the check was skipped, stopped or failed), "" when it is; a
	// warning says it (alreadyImportedWarnings).
	goneUnchecked string
	// Enrollments counts enrollments into already active journeys as
	// users were imported; a preview counts those the run would make for
	// the users it creates (a merge enrolls only where it adds a journey's
	// tag, which a preview cannot tell).
	Enrollments int `json:"enrollments"`
	// Warnings are things the user should know (format caveats, counts
	// that do not add up, users who cannot sign in).
	Warnings []string `json:"warnings"`
	// Error says why a run stopped early, when it did.
	Error string `json:"error,omitempty"`
	// Interrupted is true when the run was stopped before the end; what
	// was written stays and running again continues.
	Interrupted bool `json:"interrupted,omitempty"`
	// Passwords counts the created users whose Clerk password was kept or
	// needs a reset.
	Passwords PasswordReport `json:"passwords"`
	// RunID names a run in the run history (`import runs`, `import undo`).
	RunID string `json:"runId,omitempty"`
	// Sender is the migration sender the run saved and applied to the
	// migration journeys (`import clerk run --from-identity`), once done;
	// in a preview with --from-identity, the sender the run sets.
	Sender string `json:"sender,omitempty"`
}

// SourceInfo says what a report read: Kind "api" or "file", and Format,
// one of the clerk.Format* names.
type SourceInfo struct {
	Kind   string `json:"kind"`
	Format string `json:"format"`
}

// UserCounts counts users by outcome.
type UserCounts struct {
	Fetched          int            `json:"fetched"`
	ToImport         int            `json:"toImport"`
	Imported         int            `json:"imported"`
	ToMerge          int            `json:"toMerge"`
	Merged           int            `json:"merged"`
	Duplicates       int            `json:"duplicates"`
	Skipped          int            `json:"skipped"`
	Failed           int            `json:"failed"`
	DuplicateReasons map[string]int `json:"duplicateReasons"`
	SkippedReasons   map[string]int `json:"skippedReasons"`
	// NotSelected counts the users read but left out by --only (Options.Only),
	// so that fetched is still the sum of the outcomes.
	NotSelected int `json:"notSelected,omitempty"`
	// NotWritten counts the users a run read but did not write, nor count
	// otherwise, as it stopped first (interrupted, a write or the source
	// failed): a run again imports them. With it fetched is still the sum
	// of the outcomes. A preview that stopped counts the users it read and
	// had not counted yet here too (see NotCountedWhy).
	NotWritten int `json:"notWritten,omitempty"`
}

// SettingsReport is the auth settings a run detects and applies.
type SettingsReport struct {
	// Providers to enable (detected or overridden), sorted.
	Providers []string `json:"providers"`
	// Unsupported counts users per Clerk provider AscendKit cannot enable.
	Unsupported map[string]int `json:"unsupported"`
	// StrandedUsers are social-only users none of whose providers is
	// enabled after the run (in the After set), NoUsableOAuthUsers
	// included, unless magic-link is enabled.
	StrandedUsers int `json:"strandedUsers"`
	// NoUsableOAuthUsers had no password and no SSO, and OAuth accounts
	// none of which signs them in to AscendKit (Analysis.NoUsableOAuth):
	// tagged for the password reset, whatever is enabled.
	NoUsableOAuthUsers int `json:"noUsableOAuthUsers"`
	// PasswordlessUsers had neither a password nor an OAuth account in
	// Clerk (email code or link sign-in): they need magic-link.
	PasswordlessUsers int `json:"passwordlessUsers"`
	// SignInUnknownUsers have no password, and a source that does not say
	// whether they had OAuth accounts (Analysis.SignInUnknown): how they
	// signed in is not in it, so they are not PasswordlessUsers.
	SignInUnknownUsers int `json:"signInUnknownUsers"`
	// ProviderUsers counts users per detected provider (credentials
	// included, unsupported ones under their reported names).
	ProviderUsers map[string]int `json:"providerUsers"`
	// SSOUsers have SAML or enterprise accounts; SSOConnections names the
	// connections ("provider (domain)") to set up in AscendKit, sorted.
	SSOUsers       int      `json:"ssoUsers"`
	SSOConnections []string `json:"ssoConnections"`
	// MFAUsers had MFA in Clerk and must enroll again.
	MFAUsers int `json:"mfaUsers"`
	// Users skipped for having no email but another identifier.
	PhoneOnlyUsers    int `json:"phoneOnlyUsers"`
	UsernameOnlyUsers int `json:"usernameOnlyUsers"`
	Web3OnlyUsers     int `json:"web3OnlyUsers"`
	// Before and After are the environment's providers around the merge.
	Before []string `json:"before"`
	After  []string `json:"after"`
	// TurnedBackOn are the providers After turns on that were last turned
	// off by hand (auth update), sorted; absent when none.
	TurnedBackOn []string `json:"turnedBackOn,omitempty"`
	// OffByHand are the providers the environment had last turned off by
	// hand when the settings were read, for Recount (not in the JSON:
	// TurnedBackOn says what matters of them).
	OffByHand []string `json:"-"`
}

// SocialStranded is the social-only users no enabled provider lets in,
// the NoUsableOAuthUsers among StrandedUsers left out: those have a line
// of their own, as they are sent a password reset whatever is enabled.
func (s SettingsReport) SocialStranded() int { return s.StrandedUsers - s.NoUsableOAuthUsers }

// Analysis is the streaming view of auth methods (the settings preview).
type Analysis struct {
	Fetched int `json:"fetched"`
	// Users by auth method (skipped users excluded); the six add up to
	// the users not skipped. SSOOnly had no password but an SSO account
	// (with OAuth accounts or without): they are not Neither (passwordless). SignInUnknown
	// have no password, no SSO account, and a source that does not say
	// whether they had OAuth (clerk migrate's, a Dashboard CSV): not
	// Neither either, as they may have signed in with Google. SocialOnly
	// includes the NoUsableOAuth users, whose accounts cannot move.
	Password      int `json:"password"`
	SocialOnly    int `json:"socialOnly"`
	Both          int `json:"both"`
	Neither       int `json:"neither"`
	SSOOnly       int `json:"ssoOnly"`
	SignInUnknown int `json:"signInUnknown"`
	// Providers counts users per detected AscendKit provider
	// (credentials included).
	Providers map[string]int `json:"providers"`
	// Unsupported counts users per Clerk provider AscendKit cannot enable.
	Unsupported map[string]int `json:"unsupported"`
	// Stranded counts social-only users none of whose providers would be
	// enabled (with the detected set, or Options.Providers when set).
	Stranded int `json:"stranded"`
	// SocialOnlyByProviders counts social-only users by the sorted,
	// comma-joined set of providers they have (AscendKit names for
	// supported ones, Clerk names otherwise); StrandedWith uses it to
	// recount stranded users for another provider set. NoUsableOAuth
	// users are not in it.
	SocialOnlyByProviders map[string]int `json:"socialOnlyByProviders"`
	// NoUsableOAuth counts the social-only users none of whose OAuth
	// accounts signs them in to AscendKit, whatever is enabled: their
	// providers are unsupported, their accounts have no provider user id,
	// or (users created) another user has each supported one. They are
	// tagged TagNeedsPasswordReset and stranded unless magic-link is on.
	NoUsableOAuth int `json:"noUsableOAuth"`
	// SSO counts users with SAML or enterprise accounts (not skipped);
	// SSOConnections counts them per "provider (domain)".
	SSO            int            `json:"sso"`
	SSOConnections map[string]int `json:"ssoConnections"`
	// MFA counts users who had MFA or passkeys (not skipped).
	MFA int `json:"mfa"`
	// UnverifiedLinks counts external accounts left unlinked because they
	// were never verified (not skipped users).
	UnverifiedLinks int `json:"unverifiedLinks"`
	// Skipped users with no email but another identifier.
	PhoneOnly    int `json:"phoneOnly"`
	UsernameOnly int `json:"usernameOnly"`
	Web3Only     int `json:"web3Only"`
}

// Entry is one source user that is not imported as-is: a duplicate, a
// skip or a failure; or a record of the passwords file (File) that gives
// no password. Text fields come from user data: sanitize before printing
// them to a terminal.
type Entry struct {
	// Pos is the 1-based position of the record in its file: the
	// source's, or the passwords file's when File says so; 0, and left
	// out of the JSON, for a user the source does not have
	// (ReasonImportedNotInSource).
	Pos int `json:"pos,omitempty"`
	// File is EntryFilePasswords for a record of the passwords file, ""
	// for a user of the source.
	File     string `json:"file,omitempty"`
	SourceID string `json:"sourceId"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	// Kind is "duplicate", "skipped", "failed", or "warning" (imported,
	// with something left out: see Detail); for a record of the
	// passwords file, KindPasswordsUnmatched or KindPasswordsMalformed.
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
	// ExistingUserID is the user it duplicates, when known.
	ExistingUserID string `json:"existingUserId,omitempty"`
	// Policy applied to a duplicate.
	Policy Policy `json:"policy,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Event is a progress event; the concrete types are below.
type Event interface{ isEvent() }

// Checking is sent when a run reads a file through before writing (see
// clerk.Checker); Started follows when the check has passed.
type Checking struct{ Source string }

// Started is sent once, before the first read.
type Started struct {
	Mode   Mode
	Source string
	Total  int // -1 when unknown
}

// PageRead is sent after each page of the source is read and classified.
type PageRead struct {
	Fetched  int
	Total    int
	Analysis Analysis // snapshot
	Counts   UserCounts
}

// EntryFound is sent for each duplicate, skipped or failed user.
type EntryFound struct{ Entry Entry }

// BatchApplied is sent after each transaction in run mode (cumulative).
type BatchApplied struct {
	Counts     UserCounts
	OAuthLinks int
	Events     int
}

// SettingsApplied is sent when the settings phase has been written.
type SettingsApplied struct{ Settings SettingsReport }

// Finished is sent last, with the final report.
type Finished struct{ Report Report }

func (Checking) isEvent()        {}
func (Started) isEvent()         {}
func (PageRead) isEvent()        {}
func (EntryFound) isEvent()      {}
func (BatchApplied) isEvent()    {}
func (SettingsApplied) isEvent() {}
func (Finished) isEvent()        {}
