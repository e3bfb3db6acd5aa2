package ascendkit

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Target kinds.
const (
	TargetLocal    = "local"
	TargetRemote   = "remote"
	TargetPostgres = "postgres"
)

// Target names an environment: a local SQLite file ("local:<path>"), a
// PostgreSQL database ("postgres://…" or "postgresql://…") or a hosted
// environment by its public key ("pk_…").
type Target struct {
	Kind      string // TargetLocal | TargetPostgres | TargetRemote
	Path      string // with TargetLocal
	URL       string // with TargetPostgres: the connection URL as given
	PublicKey string // with TargetRemote
	// Existing asks the backend to open only an environment that exists
	// already and to create nothing (OpenExisting sets it); one that does
	// not exist is an error wrapping ErrNoEnvironment.
	Existing bool
}

// ErrNoEnvironment is returned (wrapped) by OpenExisting when the target
// names no environment yet.
var ErrNoEnvironment = errors.New("no environment")

// String is the target in the form ParseTarget reads. It includes a
// password a PostgreSQL URL carries: print Redacted instead.
func (t Target) String() string {
	switch t.Kind {
	case TargetRemote:
		return t.PublicKey
	case TargetPostgres:
		return t.URL
	}
	return "local:" + t.Path
}

// Redacted is String with any password replaced by "xxxxx", for people
// and logs.
func (t Target) Redacted() string {
	if t.Kind == TargetPostgres {
		return RedactURL(t.URL)
	}
	return t.String()
}

// HasPassword says whether the target itself carries a secret (a
// PostgreSQL URL with a password, in its user info or its query).
func (t Target) HasPassword() bool {
	if t.Kind != TargetPostgres {
		return false
	}
	u, err := url.Parse(t.URL)
	if err != nil {
		return true // unreadable: assume the worst
	}
	if _, ok := u.User.Password(); ok {
		return true
	}
	_, has := redactQuery(u.RawQuery)
	return has
}

// secretParam says whether a connection parameter carries a secret:
// password and sslpassword (the client key's passphrase), the two pgx and
// libpq read, and, to be safe, any other whose name says it holds one
// (an unknown parameter is sent to the server as a setting).
func secretParam(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// secretWords are the words that say a parameter or keyword holds a
// secret (lower case).
var secretWords = []string{"password", "passwd", "passphrase", "secret", "token"}

// RedactURL replaces the secrets of a connection URL (the user info's
// password, and password=, sslpassword= or any other secret-bearing query
// parameter) with "xxxxx". A URL that does not parse is replaced whole,
// since where its password sits cannot be told.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "postgres://(unparsable URL, redacted)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	u.RawQuery, _ = redactQuery(u.RawQuery)
	// A fragment has no meaning in a connection URL: it is most likely
	// the tail of a password with an unencoded #.
	if u.Fragment != "" {
		u.Fragment = "xxxxx"
	}
	return u.String()
}

// redactQuery masks the values of the secret-bearing parameters of a raw
// URL query, and says whether it has any. It reads the pairs itself:
// url.Values drops a pair whose escapes do not decode (a password with a
// bare %), which then went out unmasked, and pairs after a ;. A part after
// a secret that is no name=value pair (a password with a bare &:
// "password=Sec&ret") is masked too; one that looks like a pair
// ("password=Sec&ret=ZZ") cannot be told from a parameter, and shows.
func redactQuery(raw string) (string, bool) {
	if raw == "" {
		return raw, false
	}
	if strings.Contains(raw, ";") {
		// Go's URL parsing no longer takes ; as a separator, but one typed
		// as such may still end a password's pair.
		parts := strings.Split(raw, ";")
		has := false
		for i, p := range parts {
			var h bool
			parts[i], h = redactQuery(p)
			has = has || h
		}
		return strings.Join(parts, ";"), has
	}
	parts := strings.Split(raw, "&")
	has, masking := false, false
	for i, p := range parts {
		k, _, pair := strings.Cut(p, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		switch {
		case secretParam(k):
			parts[i] = strings.SplitN(p, "=", 2)[0] + "=xxxxx"
			has, masking = true, true
		case masking && (!pair || !paramName.MatchString(k)):
			parts[i] = "xxxxx"
		default:
			masking = false
		}
	}
	return strings.Join(parts, "&"), has
}

// publicKey matches an AscendKit public key.
var publicKey = regexp.MustCompile(`^pk_[A-Za-z0-9_]+$`)

// userInfoLike says whether s holds what looks like user:password@ (a
// colon before an @): a mistyped URL, never a file name one means.
func userInfoLike(s string) bool {
	at := strings.LastIndex(s, "@")
	return at > 0 && strings.Contains(s[:at], ":")
}

// paramName matches a connection parameter's name.
var paramName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)

// keywordValue matches the start of a libpq keyword/value connection
// string ("host=… user=… password=…").
var keywordValue = regexp.MustCompile(`^[A-Za-z_]+\s*=`)

// secretAssignment matches a secret-bearing keyword and its value, quoted
// or not, in free text.
var secretAssignment = regexp.MustCompile(`(?i)([a-z_]*(?:` + strings.Join(secretWords, "|") + `)[a-z_]*\s*=\s*)('(?:[^'\\]|\\.)*'?|"[^"]*"?|\S*)`)

// redactText masks every password=… (quoted or not) in text an error is
// about to quote.
func redactText(s string) string {
	return secretAssignment.ReplaceAllString(s, "${1}xxxxx")
}

// ParseTarget reads "local:<path>", "postgres://…"/"postgresql://…" or a
// public key "pk_…". Error messages never include a URL's password.
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(s, "local:"):
		p := strings.TrimSpace(strings.TrimPrefix(s, "local:"))
		if p == "" {
			return Target{}, fmt.Errorf("environment target %q: missing path after local:", s)
		}
		if strings.Contains(p, "://") || userInfoLike(p) {
			// A URL after local: would be made a directory, its password
			// a folder's name on disk.
			return Target{}, errors.New("environment target local:… (not shown: it may hold a password): the path holds ://, as a URL does; " +
				"a PostgreSQL environment is postgres://user@host:port/dbname, without local:")
		}
		return Target{Kind: TargetLocal, Path: p}, nil
	case strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://"):
		// The scheme in any case, as libpq takes it; pgx wants it lower.
		scheme, rest, _ := strings.Cut(s, "://")
		s = strings.ToLower(scheme) + "://" + rest
		if err := unencodedAt(s); err != nil {
			return Target{}, err
		}
		// No host is libpq's default (a Unix socket, else localhost,
		// or $PGHOST), as psql reads postgres:///db.
		if _, err := url.Parse(s); err != nil {
			// url.Error quotes the URL: say what is wrong without it.
			return Target{}, fmt.Errorf("environment target %s: malformed URL", RedactURL(s))
		}
		return Target{Kind: TargetPostgres, URL: s}, nil
	case looksLikeClerkSecretKey(s):
		// A Clerk key pasted where the target goes: say so without
		// quoting it (the error is printed, and may be logged).
		return Target{}, errors.New("environment target: that looks like a Clerk secret key (sk_live_…/sk_test_…), not an environment; " +
			"a target is local:<path>, postgres://… or a pk_… public key, and the Clerk key goes to --api-key or $CLERK_SECRET_KEY")
	case clerkPublishableKey(s):
		return Target{}, errors.New("environment target: that is a Clerk publishable key (pk_test_…/pk_live_… naming a Clerk Frontend API), not an AscendKit environment; " +
			"a target is local:<path>, postgres://… or an AscendKit public key (pk_dev_…), and the import reads Clerk with its secret key (--api-key)")
	case strings.HasPrefix(s, "pk_"):
		if strings.HasSuffix(s, "_") || !publicKey.MatchString(s) { // one character at least after pk_
			// Not quoted: what follows the key may be anything pasted.
			return Target{}, errors.New("environment target pk_… (not shown): malformed public key; a public key has only letters, digits and _")
		}
		return Target{Kind: TargetRemote, PublicKey: s}, nil
	case s == "":
		return Target{}, errors.New("environment target is empty: use local:<path>, postgres://… or a pk_… public key")
	case keywordValue.MatchString(s):
		// Not quoted: it is likely to carry a password.
		return Target{}, errors.New("environment target: that is a libpq keyword/value connection string (host=… user=…); " +
			"give the database as a postgres:// URL instead: postgres://user@host:port/dbname " +
			"(the password from PGPASSWORD or ~/.pgpass, or percent-encoded in the URL)")
	case strings.Contains(s, "@") || redactText(s) != s || strings.HasPrefix(lower, "postgres"):
		// user:password@host mistyped (postgres:/…, postgres//…, the
		// scheme left out): where the password ends cannot be told, so
		// nothing of it is quoted.
		hint := ""
		if strings.HasPrefix(lower, "postgres") {
			hint = "it starts like a PostgreSQL URL but is not one; "
		}
		return Target{}, fmt.Errorf("environment target (not shown: it may hold a password): %swrite postgres://user:password@host:port/dbname, local:<path> or a pk_… public key", hint)
	default:
		if i := strings.Index(s, "://"); i > 0 {
			s = RedactURL(s) // an unknown scheme may still carry a password
		}
		return Target{}, fmt.Errorf("environment target %q: use local:<path>, postgres://… or a pk_… public key", redactText(s))
	}
}

// unencodedAt refuses a URL whose user info holds a character it must
// percent-encode. More than one @ in the authority: Go's url.Parse takes
// the last as the end of the user info, pgx the first, so one would
// redact a password the other then prints as part of a host name. An @
// past a / ? or # that ends the authority early (a password such as
// "2024/Summer@…"): both read the password's head as a host and port and
// its tail as a path, query or fragment, printed unredacted. The error
// quotes nothing of the URL.
//
// pgx, like libpq, ends the user info at the first @ before the first /,
// even past a ? or #, where url.Parse has already cut a query or
// fragment: "bob:1234?x=y@db/app" is user bob with password "1234?x=y"
// to pgx, and host bob with a query holding the password to url.Parse,
// which redaction relies on. Such a URL is refused too.
func unencodedAt(s string) error {
	rest := s[strings.Index(s, "://")+3:]
	if head, _, _ := strings.Cut(rest, "/"); strings.Contains(head, "@") {
		if strings.ContainsAny(head[:strings.Index(head, "@")], "?#") {
			return errUserInfoCut
		}
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
		if at := strings.Index(rest[i:], "@"); at >= 0 && userInfoCut(rest[i:i+at]) {
			return errUserInfoCut
		}
	}
	if strings.Count(authority, "@") < 2 {
		return nil
	}
	what := "user name"
	if strings.Contains(authority[:strings.LastIndex(authority, "@")], ":") {
		what = "password"
	}
	return fmt.Errorf("environment target: the URL's %s has an unencoded @: percent-encode it as %%40", what)
}

// errUserInfoCut is a URL whose user info holds a character that ends it
// early for one of the parsers (see unencodedAt).
var errUserInfoCut = errors.New("environment target: the URL's user name or password holds an unencoded / ? # @ or : " +
	"(the URL is not quoted here, as it would show the password): percent-encode those characters " +
	"(/ as %2F, ? as %3F, # as %23, @ as %40, : as %3A)")

// userInfoCut says whether between, the text from the / ? or # that ended
// the authority to the next @, is a piece of user info cut off rather than
// a path or query that merely holds an @ (application_name=a@b). Paths
// (database names) and fragments never legitimately hold an @ unencoded;
// a query does, only as a parameter's value.
func userInfoCut(between string) bool {
	if strings.Contains(between, "#") {
		return true
	}
	q := strings.IndexByte(between, '?')
	if q < 0 {
		return true // the @ is in the path
	}
	return !strings.Contains(between[q:], "=")
}

// looksLikeClerkSecretKey says whether s holds a Clerk secret key
// anywhere (a target is never one, and errors quote targets).
func looksLikeClerkSecretKey(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "sk_live_") || strings.Contains(s, "sk_test_")
}

// Opener opens the environment a parsed target names.
type Opener func(t Target) (Environment, error)

var registry struct {
	sync.RWMutex
	openers map[string]Opener
}

// Register makes a backend available for targets of kind (TargetLocal,
// TargetPostgres). Backends call it from init, as database/sql drivers
// do; registering a kind twice panics, as that is a programming error.
func Register(kind string, open Opener) {
	registry.Lock()
	defer registry.Unlock()
	if registry.openers == nil {
		registry.openers = make(map[string]Opener)
	}
	if _, dup := registry.openers[kind]; dup {
		panic("ascendkit: Register called twice for " + kind)
	}
	registry.openers[kind] = open
}

// Backends lists the registered target kinds, sorted.
func Backends() []string {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]string, 0, len(registry.openers))
	for k := range registry.openers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Open opens the environment a target names through the backend
// registered for its kind. A public key returns an error wrapping
// ErrRemoteUnsupported; a kind with no backend linked in says which
// package to import.
func Open(target string) (Environment, error) {
	t, err := ParseTarget(target)
	if err != nil {
		return nil, err
	}
	return openTarget(t)
}

// OpenExisting is Open for a command that only reads: the environment
// must exist already, and nothing is created (a mistyped target must not
// look like an empty environment). A backend that cannot tell leaves the
// check to its caller (the CLI checks a local file itself).
func OpenExisting(target string) (Environment, error) {
	t, err := ParseTarget(target)
	if err != nil {
		return nil, err
	}
	t.Existing = true
	return openTarget(t)
}

func openTarget(t Target) (Environment, error) {
	if t.Kind == TargetRemote {
		return nil, fmt.Errorf("environment %s: %w", t.PublicKey, ErrRemoteUnsupported)
	}
	registry.RLock()
	open := registry.openers[t.Kind]
	registry.RUnlock()
	if open == nil {
		return nil, fmt.Errorf("environment %s: no %s backend in this build (import github.com/ascendkit/ascendkit/client/ascendkit/%s)",
			t.Redacted(), t.Kind, backendPackage(t.Kind))
	}
	return open(t)
}

func backendPackage(kind string) string {
	if kind == TargetLocal {
		return "sqlite"
	}
	return kind
}

// clerkPublishableKey reports a Clerk publishable key: pk_test_ or
// pk_live_ and the base64 of its Frontend API's host followed by "$"
// (how Clerk encodes it), which no AscendKit key is.
func clerkPublishableKey(s string) bool {
	rest, ok := strings.CutPrefix(s, "pk_test_")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "pk_live_"); !ok {
			return false
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(rest); err == nil && len(b) > 1 && b[len(b)-1] == '$' {
			return true
		}
	}
	return false
}
