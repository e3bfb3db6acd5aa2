// Package ascendkit is the AscendKit environment the importer writes to:
// users, OAuth account links, tags, events, auth settings, templates,
// journeys and enrollments behind one interface. The backends live in
// subpackages that register themselves for a target kind (sqlite for
// "local:<path>", postgres for "postgres://…"); Open picks one by the
// target, so a program links only the backends it imports.
package ascendkit

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"
)

// ErrNotFound is returned (wrapped) when a user, template or journey does not exist.
var ErrNotFound = errors.New("not found")

// ErrInvalid is returned (wrapped) when data to write breaks the model's
// rules (an empty email, a link without provider, a time out of range).
// It concerns that data only: other writes can go on.
var ErrInvalid = errors.New("invalid data")

// ErrBusy is returned (wrapped) when another writer held the environment
// longer than the busy timeout; the same write may succeed later.
var ErrBusy = errors.New("environment busy")

// ErrReadOnly is returned (wrapped) when the environment refused a write
// to a role or connection that may only read (PostgreSQL: permission
// denied, a read-only transaction; SQLite: a read-only database).
var ErrReadOnly = errors.New("environment read-only here")

// ErrDiskFull is returned (wrapped) when a write failed because the
// disk (or the database's storage) is full; it may succeed once space is
// freed.
var ErrDiskFull = errors.New("environment's disk is full")

// ErrLinksTaken is returned (wrapped) by ApplyImport, with nothing of the
// batch written, when another writer linked an OAuth account planned for
// a user the batch creates after the caller looked the links up (a
// teammate's import at the same time). Written without the link, the user
// would keep tags decided on it (social-only) with no way to sign in;
// importing again looks the links up afresh and decides on what it finds.
var ErrLinksTaken = errors.New("OAuth accounts linked to other users meanwhile")

// ErrRemoteUnsupported is returned when a target names a hosted environment.
var ErrRemoteUnsupported = errors.New("remote environments are not supported yet")

// Journey statuses.
const (
	StatusDraft  = "draft"
	StatusActive = "active"
	StatusPaused = "paused"
)

// Node actions.
const (
	ActionNone      = "none"
	ActionSendEmail = "send_email"
	ActionTagUser   = "tag_user"
)

// Transition triggers.
const (
	TriggerTimer = "timer"
	TriggerEvent = "event"
)

// User is an AscendKit user.
type User struct {
	ID            string         `json:"id"`
	Email         string         `json:"email"`
	Name          string         `json:"name"`
	Image         string         `json:"image"`
	EmailVerified bool           `json:"emailVerified"`
	CreatedAt     time.Time      `json:"createdAt"`
	LastLoginAt   *time.Time     `json:"lastLoginAt"`
	Metadata      map[string]any `json:"metadata"`
	Banned        bool           `json:"banned"`
	Tags          []string       `json:"tags"`
	OAuthLinks    []OAuthLink    `json:"oauthLinks"`
	// Username is the user's sign-in name from the source ("" if none).
	Username string `json:"username"`
	// Phone is the primary phone number in E.164 form ("" if none).
	Phone         string `json:"phone"`
	PhoneVerified bool   `json:"phoneVerified"`
	// ExternalID is the id the customer's own system knows the user by.
	ExternalID string `json:"externalId"`
	// SecondaryEmails are the user's other addresses (not sign-in ids).
	SecondaryEmails []SecondaryEmail `json:"secondaryEmails"`
	// PrivateMetadata is server-side only: it is never rendered into
	// templates or exposed to the user.
	PrivateMetadata map[string]any `json:"privateMetadata"`
	// UnsafeMetadata is what the user could edit themselves in the source.
	UnsafeMetadata map[string]any `json:"unsafeMetadata"`
	// Locked is a lockout carried over from the source (too many failed
	// sign-ins); unlike Banned it is temporary and does not stop journeys.
	Locked bool `json:"locked"`
}

// SecondaryEmail is one of a user's addresses other than the primary one.
type SecondaryEmail struct {
	Email    string `json:"email"`
	Verified bool   `json:"verified"`
}

// OAuthLink ties a user to an account at an OAuth provider.
type OAuthLink struct {
	Provider       string `json:"provider"`
	ProviderUserID string `json:"providerUserId"`
	Email          string `json:"email"`
}

// LinkKey identifies an OAuth account: one account links to one user.
func LinkKey(provider, providerUserID string) string { return provider + "\x00" + providerUserID }

// Event is a lifecycle event.
type Event struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	UserID    string         `json:"userId"`
	Payload   map[string]any `json:"payload"`
	CreatedAt time.Time      `json:"createdAt"`
}

// NewEvent is an event to record for a user being imported.
type NewEvent struct {
	Type    string
	Payload map[string]any
}

// ImportedUser is one user to create, with its links, tags and events.
// User.ID may be empty: the environment assigns a usr_ id.
type ImportedUser struct {
	User     User
	Source   string // "clerk"
	SourceID string // the id in the source system
	Events   []NewEvent
	// Password, when set, is stored with the user (see Password).
	Password *Password
}

// Merge adds import data to a user that already exists (found by Email)
// without overwriting its own fields: links and tags are added,
// metadata.import is set only when absent, each key of Fill.Metadata
// (but "import") only where the user has none, and the identity fields of
// Fill only where the user has none yet.
type Merge struct {
	Email      string
	Source     string
	SourceID   string
	Tags       []string
	OAuthLinks []OAuthLink
	ImportMeta map[string]any
	// SoleID refuses the merge (listed in BatchResult.MergedWithOther,
	// nothing written) when the user has another id of Source recorded
	// at write time by another run than the batch's: two ids of one
	// source are two accounts. The
	// importer sets it, so that a concurrent run's merge or create
	// committed after its lookup is not merged into.
	SoleID bool
	// Resumes are the unfinished import runs (interrupted or failed) this
	// batch's run takes up again, none when the merge takes up none: the
	// source ids they recorded for the user are not another account's to
	// SoleID, as a merge into the user one made from an earlier listing
	// of the same source is what one uninterrupted run would have written
	// (and a second interruption leaves its records beside the first's).
	Resumes []string
	// Own are source ids recorded for the user that are not another
	// account's to SoleID either: the importer found them earlier
	// listings of its source with the address, merged by runs it takes
	// up.
	Own []string
	// Fill carries Metadata (the source's public metadata), Username,
	// Phone (with PhoneVerified), ExternalID, SecondaryEmails,
	// PrivateMetadata and UnsafeMetadata; other fields are ignored.
	Fill User
}

// ImportBatch is written in one transaction.
type ImportBatch struct {
	// RunID marks the users created by this import run, so that lookups
	// can tell them from users that existed before the run.
	RunID  string
	Create []ImportedUser
	Merge  []Merge
}

// BatchResult counts what a batch wrote.
type BatchResult struct {
	Created  int
	Merged   int
	Links    int // OAuth links added (created and merged users)
	Events   int
	Enrolled int // enrollments into active journeys
	// Existing lists source ids that were skipped because another writer
	// imported them between lookup and write (idempotency guard), or, for
	// creates, because a user with the email exists (the caller tells the
	// two apart by looking them up).
	Existing []string
	// MergeTargetGone lists the source ids of merges whose email matched
	// nobody at write time: the user the caller looked up was removed
	// meanwhile (an undo of the run that created it, say). Nothing was
	// written for them; importing them again decides afresh.
	MergeTargetGone []string
	// MergedWithOther lists the merges not applied because the user
	// their email matched has another id of their source recorded at
	// write time: an import created it from, or merged it with, another
	// user of the source (perhaps a concurrent run's, after the lookup).
	// Nothing was written for them.
	MergedWithOther []OtherSourceMerge
	// MetadataKept lists the merges whose source metadata had keys the
	// user has with another value: the user's values stay, the source's
	// are not written.
	MetadataKept []KeptMetadata
}

// OtherSourceMerge is a merge refused because its user (UserID) has
// another id of the merge's source recorded (OtherID).
type OtherSourceMerge struct {
	SourceID, UserID, OtherID string
}

// KeptMetadata is a merge's metadata keys whose source values were not
// written because the user has the key with another value.
type KeptMetadata struct {
	SourceID string
	Keys     []string // sorted
}

// Match is a user found by a lookup.
type Match struct {
	UserID string
	// RunID is the import run that created the user ("" if not imported).
	RunID string
	// EmailVerified is whether the user's address is verified. LookupEmails
	// fills it (the other lookups leave it false): an importer merges
	// another account's data into a user only when both sides have proved
	// they hold the address.
	EmailVerified bool
}

// UserState is what an importer compares of a user it found (by source
// id or address) with the source: read for a page of users at once
// (UserStates) rather than a GetUser and a PasswordState each.
type UserState struct {
	UserID   string
	Email    string
	Username string
	Banned   bool
	Locked   bool
	// ImportRun is the import run that created the user ("" when the
	// user existed before any import and was merged into).
	ImportRun string
	// ImportSource and ImportSourceID are the user's metadata.import
	// source and sourceId, where they are strings ("" otherwise): the
	// import that created the user or first merged into them.
	ImportSource, ImportSourceID string
	// HasDigest is whether a password digest is stored for the user, and
	// DigestSum its SHA-256 (zero when none): a re-run tells a password
	// changed in Clerk since the import by it, and the digest itself is
	// not kept.
	HasDigest bool
	DigestSum [sha256.Size]byte
	// MergedUsername is the username a merge into the user set, as they
	// had none ("" when no merge did): a merge fills only what a user
	// lacks, so any other username of theirs is their own.
	MergedUsername string
	// OAuthLinks are the user's OAuth accounts (provider and provider
	// user id, without the email), in no particular order.
	OAuthLinks []OAuthLink
	// SourceUsers is how many source users imports tied to the user (one
	// created them or merged into them, others merged into them since).
	SourceUsers int
}

// SourceUserFilter narrows ListSourceUsers.
type SourceUserFilter struct {
	// Source is the source whose ids are listed ("clerk").
	Source string
	// After, when set, lists only the ids after it (byte order): keyset
	// paging, a page at a time rather than the whole listing held.
	After string
	// StartedBefore, when set, keeps only the ids recorded by runs that
	// started before it (and ids recorded outside any run): a run or
	// preview leaves out its own writes and those of runs that started
	// after it, which may have read a newer source.
	StartedBefore time.Time
	// UserIDs, when not nil, keeps only the ids recorded for these users
	// (an empty, non-nil UserIDs lists none).
	UserIDs []string
	Limit   int // 0 = no limit
}

// SourceUser is a source id a live (not undone) import recorded, and
// the AscendKit user it was imported into.
type SourceUser struct {
	SourceID string
	UserID   string
	Email    string
	// RunID is the run that recorded the id ("" if none was recorded).
	RunID string
	// Created is true when that run created the user; false when it
	// merged into a user who existed before.
	Created bool
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Tag string
	// IDs, when not nil, keeps only the users with these ids: a batch
	// lookup (an empty, non-nil IDs lists none). Unknown ids are skipped.
	IDs []string
	// After, when set, lists only the users after it in the list's order
	// (creation time, then id): keyset paging, so a long listing is read
	// a page at a time rather than held whole.
	After *ListPosition
	Limit int // 0 = no limit
}

// EventFilter narrows ListEvents.
type EventFilter struct {
	Type   string
	UserID string
	// After, when set, lists only the events after it in the list's order
	// (creation time, then id), as UserFilter.After.
	After *ListPosition
	Limit int
}

// ListPosition is a row's place in the order of ListUsers and ListEvents:
// its creation time, then its id. The next page of a listing starts after
// the last row of the previous one.
type ListPosition struct {
	CreatedAt time.Time
	ID        string
}

// ProvidersChange is what AddRunProviders did: the enabled providers,
// sorted, just before and just after its write (Before may hold
// providers enabled since the run started, by hand or by another run),
// and TurnedBackOn, the providers it enabled that were last turned off
// by hand.
type ProvidersChange struct {
	Before, After, TurnedBackOn []string
}

// AuthSettings are the environment's sign-in settings.
type AuthSettings struct {
	Providers []string `json:"providers"`
	// OffByHand are the providers, sorted, last turned off by hand
	// (SetAuthProvidersByHand) and still off: an import that turns them
	// back on says so.
	OffByHand []string `json:"-"`
}

// Template is an email template. Every update creates a new version.
type Template struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	Subject   string    `json:"subject"`
	BodyHTML  string    `json:"bodyHtml"`
	BodyText  string    `json:"bodyText"`
	Category  string    `json:"category"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Audience selects the users a journey enrolls: those with Tag (every
// user when Tag is empty). Banned users are never enrolled.
type Audience struct {
	Tag string `json:"tag"`
}

// Node is a step of a journey.
type Node struct {
	ID           string            `json:"id"`
	Action       string            `json:"action"`
	TemplateSlug string            `json:"templateSlug,omitempty"`
	From         string            `json:"from,omitempty"` // sender identity for emails
	Variables    map[string]string `json:"variables,omitempty"`
}

// Transition moves an enrollment from one node to another after a delay
// or on an event. Its ID reads "<from>-to-<to>".
type Transition struct {
	ID      string `json:"id"`
	From    string `json:"from"`
	To      string `json:"to"`
	Trigger string `json:"trigger"`         // TriggerTimer | TriggerEvent
	After   string `json:"after,omitempty"` // e.g. "3d", with TriggerTimer
	On      string `json:"on,omitempty"`    // event type, with TriggerEvent
}

// JourneyStats counts a journey's enrollments.
type JourneyStats struct {
	Enrolled  int `json:"enrolled"`
	Active    int `json:"active"`
	Completed int `json:"completed"`
}

// Journey is a graph of nodes joined by transitions. Entry is the first node.
type Journey struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Status      string       `json:"status"`
	Audience    Audience     `json:"audience"`
	Entry       string       `json:"entry"`
	Nodes       []Node       `json:"nodes"`
	Transitions []Transition `json:"transitions"`
	Stats       JourneyStats `json:"stats"`
	CreatedAt   time.Time    `json:"createdAt"`
	ActivatedAt *time.Time   `json:"activatedAt,omitempty"`
}

// Enrollment is a user's place in a journey.
type Enrollment struct {
	JourneyID   string    `json:"journeyId"`
	UserID      string    `json:"userId"`
	Status      string    `json:"status"` // "active" | "completed"
	CurrentNode string    `json:"currentNode"`
	EnrolledAt  time.Time `json:"enrolledAt"`
	NextStepAt  time.Time `json:"nextStepAt"`
}

// Environment is an AscendKit environment. All methods are safe for
// concurrent use; multi-row writes are atomic.
type Environment interface {
	// Describe names the environment for people, e.g. "local:/path/to.db"
	// or "postgres://user:xxxxx@host/db": never with a password.
	Describe() string

	// LookupSourceIDs returns, for the given ids of a source, the users they
	// were imported (or merged) into.
	LookupSourceIDs(ctx context.Context, source string, ids []string) (map[string]Match, error)
	// LookupEmails returns the users owning the given lower-cased emails,
	// with whether each user's email is verified.
	LookupEmails(ctx context.Context, emails []string) (map[string]Match, error)
	// LookupLinks returns the users owning the given OAuth accounts, keyed
	// by LinkKey(provider, providerUserID).
	LookupLinks(ctx context.Context, links []OAuthLink) (map[string]Match, error)
	// ApplyImport writes one batch in a single transaction. A user whose
	// (Source, SourceID) already exists is not created again (listed in
	// Existing). New users joining an active journey's audience (and not
	// banned) are enrolled, scheduled from now.
	ApplyImport(ctx context.Context, batch ImportBatch, now time.Time) (BatchResult, error)

	CountUsers(ctx context.Context) (int, error)
	// GetUser finds a user by usr_ id or email.
	GetUser(ctx context.Context, idOrEmail string) (User, error)
	ListUsers(ctx context.Context, f UserFilter) ([]User, error)
	ListEvents(ctx context.Context, f EventFilter) ([]Event, error)

	AuthSettings(ctx context.Context) (AuthSettings, error)
	// SetAuthProviders replaces the enabled providers.
	SetAuthProviders(ctx context.Context, providers []string) error
	// AddRunProviders enables providers for import run runID in addition
	// to those enabled at the time of the write, turning none off, and
	// says what was there before and after the write (see
	// ProvidersChange). It fails with ErrRunEnded when the run is
	// recorded as no longer running.
	AddRunProviders(ctx context.Context, runID string, providers []string) (ProvidersChange, error)
	// SetAuthProvidersByHand replaces the enabled providers as a person
	// does (auth update), recording each provider it turns on or off at
	// time at: an undo never turns off a provider last turned on by hand,
	// and an import is told which providers it turns back on that were
	// turned off by hand.
	SetAuthProvidersByHand(ctx context.Context, providers []string, at time.Time) error
	// SignInCounts counts the users who could sign in with a password
	// (kept, or to be set: tags.Reset), only with an emailed link, and,
	// per provider, through a linked account.
	SignInCounts(ctx context.Context, tags SignInTags) (SignInCounts, error)
	// Setting and SetSetting keep small environment-wide values
	// (e.g. the migration sender identity).
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error

	// CreateTemplate creates a template unless one with its slug exists;
	// it returns the stored template and whether it was created.
	CreateTemplate(ctx context.Context, t Template) (Template, bool, error)
	// UpdateTemplate stores a new version of the template with t.ID.
	UpdateTemplate(ctx context.Context, t Template) (Template, error)
	// ListTemplates lists templates whose name, slug or subject contains
	// query (case-insensitive); "" lists all, ordered by creation.
	ListTemplates(ctx context.Context, query string) ([]Template, error)
	// GetTemplate finds a template by tpl_ id or slug.
	GetTemplate(ctx context.Context, idOrSlug string) (Template, error)

	// CreateJourney creates a journey unless one with its name exists.
	CreateJourney(ctx context.Context, j Journey) (Journey, bool, error)
	// UpdateJourneyNodes replaces node senders/variables (not the graph).
	UpdateJourneyNodes(ctx context.Context, id string, nodes []Node) (Journey, error)
	ListJourneys(ctx context.Context) ([]Journey, error)
	// GetJourney finds a journey by jrn_ id or exact name, with stats.
	GetJourney(ctx context.Context, idOrName string) (Journey, error)
	// AudienceSize returns how many non-banned users are in the journey's
	// audience and how many of them are not enrolled yet.
	AudienceSize(ctx context.Context, id string) (total, notEnrolled int, err error)
	// UnnamedInAudience counts the users activation would enroll who
	// have no name: an empty one or one BlankName reports.
	UnnamedInAudience(ctx context.Context, id string) (int, error)
	// ActivateJourney sets status active and backfills: every non-banned
	// audience user not yet enrolled is enrolled at `at`. It returns the
	// number newly enrolled; activating again enrolls nobody twice.
	ActivateJourney(ctx context.Context, id string, at time.Time) (int, error)
	// PauseJourney sets an active journey to paused.
	PauseJourney(ctx context.Context, id string) error
	ListEnrollments(ctx context.Context, journeyID string) ([]Enrollment, error)

	Close() error

	// StartRun records an import run as running (see runs.go).
	StartRun(ctx context.Context, r Run) error
	// FinishRun records how a run ended and its report; it fails with
	// ErrRunEnded, changing nothing, when the run is no longer recorded as
	// running (declared dead or undone meanwhile).
	FinishRun(ctx context.Context, id string, f RunFinish) error
	// ListRuns lists runs, newest first; runs whose heartbeat is older
	// than RunStaleAfter, or whose process on this host is gone, read
	// interrupted.
	ListRuns(ctx context.Context) ([]Run, error)
	// GetRun finds a run by id.
	GetRun(ctx context.Context, id string) (Run, error)
	// PlanUndo says what UndoRun would remove.
	PlanUndo(ctx context.Context, runID string) (UndoPlan, error)
	// UndoRun removes what a run wrote, atomically (see undo.go).
	UndoRun(ctx context.Context, runID string, force bool, at time.Time) (UndoPlan, error)
	// PasswordState returns what is known of a user's carried-over password.
	PasswordState(ctx context.Context, idOrEmail string) (PasswordState, error)
	// UserStates returns the states of the users with the given usr_ ids,
	// keyed by id; ids of no user are absent. It reads them all in one
	// query (a few for keys a backend cannot pass as one parameter).
	UserStates(ctx context.Context, ids []string) (map[string]UserState, error)
	// ListSourceUsers lists the ids of a source that live imports
	// recorded, ordered by id, with the users they were imported into:
	// what a re-run of the whole source compares with what it read.
	ListSourceUsers(ctx context.Context, f SourceUserFilter) ([]SourceUser, error)
}
