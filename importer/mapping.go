package importer

import (
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/emailaddr"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// SourceClerk names the source in metadata, events and import records.
const SourceClerk = "clerk"

// SupportedProviders are the auth providers AscendKit can enable.
var SupportedProviders = []string{"credentials", "magic-link", "google", "github", "apple", "discord", "microsoft", "linkedin"}

// mapped is a Clerk user turned into what the environment stores, plus the
// facts the analysis and the duplicate check need.
type mapped struct {
	user  ascendkit.ImportedUser
	email string
	// markedUnverified: the source gives the address a status, and it is
	// not verified.
	markedUnverified bool
	// digestMalformed, digestOff: keepPassword did not keep the digest as
	// it is not a valid one of its hasher, or as the source says the user
	// has no password now; digestNotes are the warnings that say so. Only
	// for a user the import creates: sent as it is queued (noteDigests),
	// counted once written (runner.count), held users' kept for the end.
	digestMalformed, digestOff bool
	digestNotes                []Entry
	// digestMissing: the source says the user has a password and neither
	// it nor the passwords file given has a digest (PasswordReport.NotInFile).
	digestMissing bool
	// digestDiffers: the source's digest and the passwords file's differ
	// (PasswordReport.Differs; keepPassword says which is kept).
	digestDiffers bool
	hadPassword   bool
	// providers are the AscendKit names of the supported OAuth providers the
	// user has; unsupported keeps the names of the others (Clerk's, or
	// custom_<name> for custom providers). Both come from verified
	// external accounts only.
	providers   []string
	unsupported []string
	// droppedLinks counts external accounts without a provider or
	// provider user id: there is nothing to link them by.
	droppedLinks int
	// unverified lists the providers of external accounts not linked
	// because Clerk never verified them.
	unverified []string
	// sso names the user's SAML / enterprise connections ("provider
	// (domain)"); mfa says the user had a second factor or passkeys.
	sso []string
	mfa bool
	// badPhone is the primary phone number when it could not be read as
	// an international number (so it is not kept).
	badPhone string
	// oauthUnknown: the source does not say whether the user has OAuth
	// accounts (clerk.User.OAuthUnknown) and has none for them, so having
	// none says nothing of how they signed in.
	oauthUnknown bool
	// noUsableOAuth: the user had no password and no SSO, and signed in
	// to Clerk with OAuth accounts none of which signs them in to
	// AscendKit (noUsableWhy says why): they get the password-reset path
	// instead of the social-only tag. Set by mapping (unsupported
	// providers, accounts without a provider user id) or, for a user
	// whose every supported account another user has, by noLinkLeft.
	noUsableOAuth bool
	noUsableWhy   string
	// ssoUnusable describes the SAML / enterprise accounts left out of
	// sso ("provider (domain): why"): inactive, unverified, or without an
	// active connection, nobody signs in through them.
	ssoUnusable []string
	// primaryNotFound is a primary_email_address_id that names none of
	// the user's addresses ("" when it names one or is not given).
	primaryNotFound string
	// lockoutCleared: locked in Clerk by a lockout that expires (failed
	// attempts), which is not carried over as a lasting lock.
	lockoutCleared bool
	// banKnown: the source says whether the user is banned (see
	// clerk.User.BanKnown); an unban is seen only then.
	banKnown bool
	// lockKnown: the source says whether the user is locked.
	lockKnown bool
	// notKept lists what of the user's identity an AscendKit user has no
	// place for: phone numbers besides the primary one, the primary's
	// extension, web3 wallets (see otherIdentities), other addresses that
	// are not valid.
	notKept []string
	// undated: the source gives no sign-up date (created_at missing,
	// null or 0), so createdAt is the import's time.
	undated bool
}

// maxMillis is the last millisecond of year 9999: later times cannot be
// stored or printed as RFC 3339, so such a record is malformed.
const maxMillis = 253402300799999

func validMillis(ms int64) bool { return ms >= 0 && ms <= maxMillis }

// providerName maps a Clerk provider ("oauth_google") to AscendKit's name
// and says whether AscendKit supports it. Custom providers
// ("oauth_custom_acme") read custom_acme.
func providerName(clerkProvider string) (string, bool) {
	p := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(clerkProvider)), "oauth_")
	switch p {
	case "linkedin_oidc":
		p = "linkedin"
	case "custom_":
		return "", false // a custom provider without its name: no provider
	}
	switch p {
	case "google", "github", "apple", "discord", "microsoft", "linkedin":
		return p, true
	}
	return p, false
}

// unsupportedName is how an unsupported provider is reported: Clerk's own
// name, except custom providers, which read custom_<name> as their
// AscendKit counterpart would be named.
func unsupportedName(clerkProvider, name string) string {
	if strings.HasPrefix(name, "custom_") {
		return name
	}
	return clerkProvider
}

// primaryEmail picks the address whose id is primary_email_address_id (array
// order is not a promise), else the first one. When that id names none of
// the addresses (primaryNotFound), the first verified one is taken before
// the first: the user is to sign in with an address they proved they hold.
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
		for i := range u.EmailAddresses {
			if verified(u.EmailAddresses[i].Verification) && strings.TrimSpace(u.EmailAddresses[i].EmailAddress) != "" {
				return &u.EmailAddresses[i]
			}
		}
	}
	return &u.EmailAddresses[0]
}

// primaryNotFound is the user's primary_email_address_id when it names
// none of their addresses, else "".
func primaryNotFound(u *clerk.User) string {
	if u.PrimaryEmailAddressID == nil || len(u.EmailAddresses) == 0 {
		return ""
	}
	for i := range u.EmailAddresses {
		if u.EmailAddresses[i].ID == *u.PrimaryEmailAddressID {
			return ""
		}
	}
	return *u.PrimaryEmailAddressID
}

// primaryPhone is primaryEmail for phone numbers.
func primaryPhone(u *clerk.User) *clerk.PhoneNumber {
	if u.PrimaryPhoneNumberID != nil {
		for i := range u.PhoneNumbers {
			if u.PhoneNumbers[i].ID == *u.PrimaryPhoneNumberID {
				return &u.PhoneNumbers[i]
			}
		}
	}
	for i := range u.PhoneNumbers {
		if strings.TrimSpace(u.PhoneNumbers[i].PhoneNumber) != "" {
			return &u.PhoneNumbers[i]
		}
	}
	return nil
}

// HiddenRune reports characters that make text look other than it is:
// controls (C0 and C1), zero-width characters, bidi controls (marks,
// embeddings, overrides, isolates) and the line and paragraph separators.
func HiddenRune(r rune) bool {
	switch {
	case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
		return true
	case r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0xFEFF, r == '\u2028', r == '\u2029':
		return true
	}
	return false
}

// HiddenAt is the byte index of the first hidden character of text meant
// to be read (an app name, a journey variable), or -1. Unlike in an
// address, a zero-width joiner or non-joiner between two visible
// non-ASCII characters is part of the text: it builds emoji (👨‍👩‍👧,
// 🏳️‍🌈) and Persian and Indic words.
func HiddenAt(s string) int { return HiddenIndex(s, HiddenRune) }

// HiddenIndex is the byte index of the first character of s for which
// hidden holds, but for a joiner that joins (see HiddenAt), or -1; the
// wizard marks hidden characters in its fields with it.
func HiddenIndex(s string, hidden func(rune) bool) int {
	prev := rune(0)
	for i, r := range s {
		if hidden(r) && !((r == '\u200C' || r == '\u200D') && joins(prev, s[i+utf8.RuneLen(r):])) {
			return i
		}
		prev = r
	}
	return -1
}

// joins reports whether a joiner after prev and before rest joins two
// visible non-ASCII characters.
func joins(prev rune, rest string) bool {
	next, size := utf8.DecodeRuneInString(rest)
	return size > 0 && next != utf8.RuneError && joinable(prev) && joinable(next)
}

func joinable(r rune) bool {
	return r > unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsSymbol(r) || unicode.IsNumber(r))
}

// normalizeEmail is how an address is compared and stored:
// emailaddr.Canonical, the form the environment stores and looks
// addresses up in (surrounding Unicode white space trimmed, NFC, lower
// case, IDNA domain labels in Unicode), so the preview's duplicate check
// and the database's agree. ok is false for an address that is not valid,
// hides characters or has white space inside.
func normalizeEmail(s string) (email string, ok bool) {
	s = strings.TrimSpace(s)
	if ascii, bad := asciiText(s); ascii {
		// Nearly every address: NFC leaves ASCII as it is, and the only
		// hidden characters ASCII has are its controls.
		if bad {
			return "", false
		}
		s = strings.ToLower(s)
		if !strings.Contains(s, "xn--") {
			return s, validEmail(s)
		}
	} else if !utf8.ValidString(s) || strings.IndexFunc(s, notAddressRune) >= 0 {
		return "", false
	}
	s = emailaddr.Canonical(s)
	return s, validEmail(s)
}

// Bounds on the source's values that become keys in the environment
// (PostgreSQL's b-tree index holds at most about 2.7 KB a row): real
// Clerk ids are about 32 bytes and providers' user ids under 100.
const (
	maxSourceIDBytes       = 255
	maxProviderUserIDBytes = 1024
	// maxEmailBytes is RFC 5321's limit on a forward path's address.
	maxEmailBytes = 254
)

// badKey says what is wrong with a value that becomes a key, or "": too
// long for an index, or holding NUL, which PostgreSQL text cannot store
// (SQLite can: the rule keeps both backends' counts equal).
func badKey(s string, max int) string {
	switch {
	case len(s) > max:
		return fmt.Sprintf("is %d bytes long, more than the %d a real one has", len(s), max)
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL character"
	}
	return ""
}

// noNUL drops NUL characters from free text (a name, a username): no
// text a person typed holds one, PostgreSQL text cannot store it, and the
// user is better imported without it than not at all.
func noNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// linkEmail is the address an OAuth link records: the canonical form of
// a valid one, else none.
func linkEmail(s string) string {
	if e, ok := normalizeEmail(s); ok {
		return e
	}
	return ""
}

// notAddressRune reports a character no address may hold: anything but a
// letter, mark, digit, punctuation or symbol, so white space (a no-break
// space too), controls, format characters (a soft hyphen, the zero-width
// ones, bidi controls) and unassigned or private-use code points. It
// holds for every HiddenRune.
func notAddressRune(r rune) bool {
	return !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S)
}

// invalidEmailDetail says why an invalid address that may look valid on
// screen is refused: the first character inside it that one cannot see
// or that no address holds, a length one does not count, a final dot one
// does not notice. Without it, the entry would show a soft hyphen's or a
// zero-width space's address as a plain, good one.
func invalidEmailDetail(s string) string {
	s = strings.TrimFunc(s, unicode.IsSpace)
	if d := hiddenDetail(s, notAddressRune); d != "" {
		return "the address " + d
	}
	switch {
	case len(s) > maxEmailBytes:
		return fmt.Sprintf("the address is %d bytes long, more than the %d an address may have (RFC 5321)", len(s), maxEmailBytes)
	case strings.HasSuffix(s, ".") && strings.Contains(s, "@"):
		return "the address ends with a dot"
	}
	return ""
}

// hiddenDetail names the first character of s that bad reports, with
// what it is and where ("holds a control character (U+0085) at
// character 3"), or says s is not UTF-8; "" for none. NEL (U+0085) is
// Unicode white space but a C1 control: it is called one.
func hiddenDetail(s string, bad func(rune) bool) string {
	for i, r := range s {
		var what string
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return "is not valid UTF-8"
		case !bad(r):
			continue
		case unicode.IsSpace(r) && !unicode.IsControl(r) || r == ' ' || r == '\t':
			what = "a space"
		case unicode.IsControl(r):
			what = "a control character"
		case unicode.Is(unicode.Co, r):
			what = "a private-use character"
		default:
			what = "an invisible character"
		}
		return fmt.Sprintf("holds %s (%U) at character %d", what, r, utf8.RuneCountInString(s[:i])+1)
	}
	return ""
}

// asciiText says whether s is all ASCII and, if so, whether it has a
// control character (C0 or DEL, what unicode.IsControl is in ASCII) or
// a space.
func asciiText(s string) (ascii, bad bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return false, false
		case c <= ' ' || c == 0x7f:
			bad = true
		}
	}
	return true, bad
}

// validEmail accepts a bare address with a local part and a domain that
// is a host name (emailaddr.ValidDomain: dotted labels of letters, digits
// and hyphens, none starting or ending with one).
func validEmail(s string) bool {
	return len(s) <= maxEmailBytes && (plainAddress(s) || parsedValidEmail(s)) && emailaddr.ValidDomain(s[strings.LastIndexByte(s, '@')+1:])
}

// parsedValidEmail is validEmail's syntax check by net/mail's parser
// alone, for every address plainAddress does not settle (and for the
// tests, as the reference plainAddress must agree with).
func parsedValidEmail(s string) bool {
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

// plainAddress reports the common address validEmail accepts without
// net/mail's parser (which allocated most of what mapping a user did):
// ASCII dot-atoms (RFC 5322 atext and dots, no dot first, last or twice)
// on both sides of the one @, the domain dotted. mail.ParseAddress reads
// such a string as exactly that address with no name, so validEmail's
// answer is the same; anything else takes the parser.
func plainAddress(s string) bool {
	at, dots := -1, 0
	prev := byte('.') // a dot may not open either side
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '@':
			if at >= 0 || prev == '.' {
				return false
			}
			at, dots = i, 0
			c = '.' // a dot may not follow the @ either
		case c == '.':
			if prev == '.' {
				return false
			}
			dots++
		case !asciiAtext(c):
			return false
		}
		prev = c
	}
	return at >= 0 && prev != '.' && dots > 0
}

// asciiAtext is RFC 5322 atext in ASCII: printable characters but the
// specials and the dot (net/mail's isAtext without dot).
func asciiAtext(c byte) bool {
	if c < '!' || c > '~' {
		return false
	}
	switch c {
	case '(', ')', '<', '>', '[', ']', ':', ';', '@', '\\', ',', '"', '.':
		return false
	}
	return true
}

// otherIdentities adds to notKept the phone numbers of u besides its
// primary one pp (kept as phone, "" if not) and its web3 wallets: an
// AscendKit user has one phone number and no wallet.
func otherIdentities(u *clerk.User, pp *clerk.PhoneNumber, phone string, notKept []string) []string {
	var phones []string
	for i := range u.PhoneNumbers {
		p := &u.PhoneNumbers[i]
		n := strings.TrimSpace(p.PhoneNumber)
		if p == pp || n == "" {
			continue
		}
		if e, _, ok := e164(n); ok && e == phone {
			continue // the primary number, listed twice
		}
		phones = append(phones, quoteCut(n))
	}
	if len(phones) > 0 {
		notKept = append(notKept, fmt.Sprintf("%d other phone number(s) %s", len(phones), strings.Join(phones, ", ")))
	}
	var wallets []string
	for _, w := range u.Web3Wallets {
		if w := strings.TrimSpace(w.Web3Wallet); w != "" {
			wallets = append(wallets, quoteCut(w))
		}
	}
	if len(wallets) > 0 {
		notKept = append(notKept, fmt.Sprintf("%d web3 wallet(s) %s", len(wallets), strings.Join(wallets, ", ")))
	}
	return notKept
}

// e164 normalises an international phone number ("+1 (415) 555-2671" or
// "001 415 555 2671" → "+14155552671"), and returns its extension
// ("… ext. 99") apart, as E.164 has none. Without a country code (no
// leading + or 00) the number cannot be placed, so it is refused rather
// than guessed.
func e164(s string) (string, string, bool) {
	// A leading apostrophe is the formula escape some exporters (and
	// OWASP's advice on CSV injection) put before "+": no number has one.
	// NFKC: a number typed with an East Asian keyboard ("＋１ ４１５…",
	// fullwidth forms) is the same number; the digits and the "+" are
	// what the checks below read.
	s = norm.NFKC.String(s)
	s = strings.TrimPrefix(strings.TrimSpace(s), "'")
	// 00 is the international prefix the ITU recommends and most of the
	// world dials ("0044 20 …", "00 44 20 …"): the country code follows
	// it, as after +.
	if rest, ok := strings.CutPrefix(s, "00"); ok {
		if rest = strings.TrimLeft(rest, " -."); rest != "" && rest[0] >= '1' && rest[0] <= '9' {
			s = "+" + rest
		}
	}
	if !strings.HasPrefix(s, "+") || strings.IndexFunc(s, HiddenRune) >= 0 {
		return "", "", false
	}
	n, err := phonenumbers.Parse(s, "")
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), n.GetExtension(), true
}

// restricted reports a user Clerk keeps from signing in: banned, or
// deprovisioned by their identity provider (SCIM), which Clerk treats as
// a ban. Both are skipped as banned, or imported banned with
// --include-banned: an offboarded user must not be sent the emails that
// let them set a password.
func restricted(u *clerk.User) bool { return u.Banned || u.Deprovisioned }

// noEmailReason says why a user without an email is skipped: the
// identifier they would have signed in with, or no_email for none.
func noEmailReason(u *clerk.User) string {
	if primaryPhone(u) != nil {
		return ReasonPhoneOnly
	}
	if strings.TrimSpace(deref(u.Username)) != "" {
		return ReasonUsernameOnly
	}
	for _, w := range u.Web3Wallets {
		if strings.TrimSpace(w.Web3Wallet) != "" {
			return ReasonWeb3Only
		}
	}
	return ReasonNoEmail
}

// connectionName names an SSO connection for the warning: its provider
// and domain (from the account's email when the connection has none).
func connectionName(accountProvider string, c *clerk.Connection, email string) string {
	provider, domain := strings.TrimSpace(accountProvider), ""
	if c != nil {
		if p := strings.TrimSpace(c.Provider); p != "" {
			provider = p
		}
		domain = strings.TrimSpace(c.Domain)
		if domain == "" {
			// Every domain the connection serves: the admin sets the
			// connection up for all of them, not just the first.
			domain = domainList(c.Domains)
		}
	}
	if domain == "" {
		if at := strings.LastIndexByte(email, '@'); at >= 0 {
			domain = strings.ToLower(strings.TrimSpace(email[at+1:]))
		}
	}
	if provider == "" {
		provider = "sso"
	}
	if domain == "" {
		return provider
	}
	return provider + " (" + domain + ")"
}

// maxDomainsNamed bounds the domains a connection's name lists.
const maxDomainsNamed = 5

// domainList names a connection's domains, each once, in their order.
func domainList(domains []string) string {
	var out []string
	for _, d := range domains {
		if d = strings.ToLower(strings.TrimSpace(d)); d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	if len(out) > maxDomainsNamed {
		return strings.Join(out[:maxDomainsNamed], ", ") + fmt.Sprintf(" and %d more", len(out)-maxDomainsNamed)
	}
	return strings.Join(out, ", ")
}

// ssoConnections lists a user's SAML and enterprise connections that sign
// them in, once each; unusable describes the accounts that do not
// ("provider (domain): why", see ssoUnusable), which are treated as
// absent, as unverified OAuth accounts are.
func ssoConnections(u *clerk.User) (out, unusable []string) {
	add := func(provider string, active bool, v *clerk.Verification, c *clerk.Connection, email string) {
		name := connectionName(provider, c, email)
		if why := ssoUnusable(active, v, c); why != "" {
			// Clerk's API lists a SAML account in saml_accounts and
			// again in enterprise_accounts: one account, said once.
			if s := name + ": " + why; !slices.Contains(unusable, s) {
				unusable = append(unusable, s)
			}
			return
		}
		out = append(out, name)
	}
	for _, a := range u.SAMLAccounts {
		add(a.Provider, a.Active, a.Verification, a.SAMLConnection, a.EmailAddress)
	}
	for _, a := range u.EnterpriseAccounts {
		add(a.Provider, a.Active, a.Verification, a.EnterpriseConnection, a.EmailAddress)
	}
	slices.Sort(out)
	return slices.Compact(out), unusable
}

// ssoUnusable says why nobody signs in through an SSO account, or "": it
// is not active (Clerk's active, which its API always sends), Clerk never
// verified it, or its connection is missing or turned off. Such an
// account is no evidence of an SSO sign-in, and its connection needs no
// setting up.
func ssoUnusable(active bool, v *clerk.Verification, c *clerk.Connection) string {
	switch {
	case !active:
		return "the account is not active"
	case !verified(v):
		status := "none"
		if v != nil && strings.TrimSpace(v.Status) != "" {
			status = quoteCut(v.Status)
		}
		return "the account is not verified (status " + status + ")"
	case c == nil:
		return "the account has no connection"
	case !c.Active:
		return "its connection is not active"
	}
	return ""
}

func verified(v *clerk.Verification) bool { return v != nil && v.Status == "verified" }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// webURL reports whether s is an absolute http or https URL with a host.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (strings.EqualFold(u.Scheme, "https") || strings.EqualFold(u.Scheme, "http")) && u.Host != ""
}

// displayName is first + last, else username, else empty.
func displayName(u *clerk.User) string {
	// Joined only when both are there: a name alone needs no copy.
	// Trimmed of invisible characters too: a first name of a zero-width
	// space alone is none, not a name that greets "Hi  Smith". Without
	// NUL, as imported (noNUL): the entries of users not imported name
	// them the same way.
	first, last := ascendkit.TrimBlank(noNUL(deref(u.FirstName))), ascendkit.TrimBlank(noNUL(deref(u.LastName)))
	switch {
	case first != "" && last != "":
		return first + " " + last
	case first != "":
		return first
	case last != "":
		return last
	}
	return ascendkit.TrimBlank(noNUL(deref(u.Username)))
}

// mapUserFor applies the mapping of import.md. It returns a skip reason
// (and for malformed records a detail) instead when the user cannot be
// imported. Without write, the user's metadata (only ever written, never
// counted or compared) is left nil, which spares a preview two maps per
// user. Everything else is the same.
func mapUserFor(u *clerk.User, now time.Time, includeBanned, write bool) (m mapped, reason, detail string) {
	if d := badKey(u.ID, maxSourceIDBytes); d != "" {
		return m, ReasonMalformed, "the Clerk id " + d
	}
	if !validMillis(int64(u.CreatedAt)) {
		return m, ReasonMalformed, fmt.Sprintf("created_at %d is not a time in milliseconds", u.CreatedAt)
	}
	if u.LastSignInAt != nil && !validMillis(int64(*u.LastSignInAt)) {
		return m, ReasonMalformed, fmt.Sprintf("last_sign_in_at %d is not a time in milliseconds", *u.LastSignInAt)
	}
	pe := primaryEmail(u)
	if pe == nil || strings.TrimSpace(pe.EmailAddress) == "" {
		return m, noEmailReason(u), ""
	}
	email, ok := normalizeEmail(pe.EmailAddress)
	if !ok {
		return m, ReasonInvalidEmail, invalidEmailDetail(pe.EmailAddress)
	}
	if restricted(u) && !includeBanned {
		return m, ReasonBanned, ""
	}
	m.email = email
	// An address the source marks unverified may lose to a later verified
	// holder (see sawUser); one the source says nothing about (Clerk
	// support's flat JSON) is no less proven than any other of that
	// source, so its user is not held back for it. An API object's null
	// verification is no proof: that address was never verified.
	m.markedUnverified = !verified(pe.Verification) && (pe.Verification != nil || !u.EmailStatusUnknown)
	m.hadPassword = u.PasswordEnabled
	m.banKnown = u.BanKnown()
	m.lockKnown = u.LockKnown()
	m.primaryNotFound = primaryNotFound(u)
	// A lockout that expires is Clerk's answer to failed attempts, over
	// once it runs out; carried over as a lock, nothing would clear it.
	// Without an expiry (null) it is a lock someone set, and kept.
	m.lockoutCleared = u.Locked && u.LockoutExpiresInSeconds != nil && *u.LockoutExpiresInSeconds >= 0

	au := ascendkit.User{
		Email:           email,
		Name:            displayName(u),
		EmailVerified:   verified(pe.Verification),
		CreatedAt:       now,
		Banned:          restricted(u),
		Locked:          u.Locked && !m.lockoutCleared,
		Username:        noNUL(strings.TrimSpace(deref(u.Username))),
		ExternalID:      noNUL(strings.TrimSpace(deref(u.ExternalID))),
		PrivateMetadata: u.PrivateMetadata,
		UnsafeMetadata:  u.UnsafeMetadata,
	}
	if img := noNUL(strings.TrimSpace(u.ImageURL)); u.HasImage && img != "" {
		// The image is shown by whatever renders the user; anything but a
		// web address (javascript:, data:, a file path) is no picture to
		// fetch there, so it is left out, and said to be.
		if webURL(img) {
			au.Image = img
		} else {
			m.notKept = append(m.notKept, "an image_url that is not an http(s) address "+quoteCut(img))
		}
	}
	if u.CreatedAt > 0 {
		au.CreatedAt = time.UnixMilli(int64(u.CreatedAt)).UTC()
	} else {
		m.undated = true
	}
	if u.LastSignInAt != nil && *u.LastSignInAt > 0 {
		t := time.UnixMilli(int64(*u.LastSignInAt)).UTC()
		au.LastLoginAt = &t
	}
	pp := primaryPhone(u)
	if pp != nil {
		if p, ext, ok := e164(pp.PhoneNumber); ok {
			au.Phone, au.PhoneVerified = p, verified(pp.Verification)
			if ext != "" {
				m.notKept = append(m.notKept, "the primary phone's extension "+quoteCut(ext))
			}
		} else {
			m.badPhone = pp.PhoneNumber
		}
	}
	if len(u.PhoneNumbers) > 1 || len(u.Web3Wallets) > 0 {
		m.notKept = otherIdentities(u, pp, au.Phone, m.notKept)
	}
	// The other addresses are kept for the record, not as sign-in ids;
	// one that is invalid or hides characters is left out, and said to be.
	var invalid []string
	for i := range u.EmailAddresses {
		ea := &u.EmailAddresses[i]
		if ea == pe {
			continue
		}
		e, ok := normalizeEmail(ea.EmailAddress)
		if !ok {
			if v := strings.TrimSpace(ea.EmailAddress); v != "" {
				invalid = append(invalid, quoteCut(v))
			}
			continue
		}
		if e == email || slices.ContainsFunc(au.SecondaryEmails, func(s ascendkit.SecondaryEmail) bool { return s.Email == e }) {
			continue
		}
		au.SecondaryEmails = append(au.SecondaryEmails, ascendkit.SecondaryEmail{Email: e, Verified: verified(ea.Verification)})
	}
	if len(invalid) > 0 {
		m.notKept = append(m.notKept, fmt.Sprintf("%d other email address(es) that are not valid %s", len(invalid), strings.Join(invalid, ", ")))
	}
	if write {
		au.Metadata = make(map[string]any, len(u.PublicMetadata)+1)
		for k, v := range u.PublicMetadata {
			au.Metadata[k] = v
		}
		if own, ok := au.Metadata["import"]; ok {
			// metadata.import is the import's own record; a public_metadata
			// key of the same name is kept beside it rather than lost, under
			// the first of publicImport, publicImport2, … the user's own
			// metadata does not use.
			key := "publicImport"
			for i := 2; hasKey(au.Metadata, key); i++ {
				key = "publicImport" + strconv.Itoa(i)
			}
			au.Metadata[key] = own
		}
		meta := importMeta(u.ID, now)
		if u.LegalAcceptedAt != nil && validMillis(int64(*u.LegalAcceptedAt)) && *u.LegalAcceptedAt > 0 {
			// Consent to the terms has no AscendKit field: kept with the
			// import's record rather than lost.
			meta["legalAcceptedAt"] = time.UnixMilli(int64(*u.LegalAcceptedAt)).UTC().Format(time.RFC3339Nano)
		}
		au.Metadata["import"] = meta
	}

	seen := map[string]bool{}
	linked := map[string]bool{}
	for _, ea := range u.ExternalAccounts {
		name, ok := providerName(ea.Provider)
		if !verified(ea.Verification) {
			// An unverified account proves nothing about who holds it:
			// linking it would hand the user to that account's holder, and
			// counting it as an OAuth sign-in would enable a provider (or
			// call the user social-only) on no evidence. So it is reported,
			// and the user is treated as if it were absent, whether or not
			// it names a provider account (it is not one they sign in with).
			if name == "" {
				name = "an account of no known provider"
			}
			m.unverified = append(m.unverified, name)
			continue
		}
		// A NUL in the provider is no provider's name (and PostgreSQL
		// text, where the links are looked up, cannot hold one).
		if name == "" || badKey(name, maxProviderUserIDBytes) != "" || strings.TrimSpace(ea.ProviderUserID) == "" || badKey(ea.ProviderUserID, maxProviderUserIDBytes) != "" {
			m.droppedLinks++
			continue
		}
		if lk := ascendkit.LinkKey(name, ea.ProviderUserID); !linked[lk] {
			linked[lk] = true
			au.OAuthLinks = append(au.OAuthLinks, ascendkit.OAuthLink{
				Provider:       name,
				ProviderUserID: ea.ProviderUserID,
				Email:          linkEmail(ea.EmailAddress),
			})
		}
		key := name
		if !ok {
			key = unsupportedName(ea.Provider, name)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if ok {
			m.providers = append(m.providers, name)
		} else {
			m.unsupported = append(m.unsupported, key)
		}
	}
	m.sso, m.ssoUnusable = ssoConnections(u)
	m.mfa = u.TOTPEnabled || u.BackupCodeEnabled || u.TwoFactorEnabled || len(u.Passkeys) > 0

	hasOAuth := len(m.providers)+len(m.unsupported) > 0
	m.oauthUnknown = u.OAuthUnknown && len(u.ExternalAccounts) == 0
	if !u.PasswordEnabled && len(m.sso) == 0 && len(m.providers) == 0 && (len(m.unsupported) > 0 || m.droppedLinks > 0) {
		// Their OAuth sign-in does not carry over: only a password they
		// set (the reset path) or magic-link lets them in.
		m.noUsableOAuth, m.noUsableWhy = true, noUsableWhy(&m)
	}
	au.Tags = make([]string, 1, 4) // at most four, and keepPassword swaps one
	au.Tags[0] = TagClerk
	if u.PasswordEnabled || m.noUsableOAuth {
		au.Tags = append(au.Tags, TagNeedsPasswordReset)
	} else if hasOAuth && len(m.sso) == 0 {
		// With an SSO account they did not sign in with OAuth only.
		au.Tags = append(au.Tags, TagSocialOnly)
	}
	if len(m.sso) > 0 {
		au.Tags = append(au.Tags, TagSSO)
	}
	if m.mfa {
		au.Tags = append(au.Tags, TagMFAReenroll)
	}

	events := make([]ascendkit.NewEvent, 1, 2)
	var oauth any = hasOAuth
	if m.oauthUnknown {
		oauth = nil // the source cannot say (clerk migrate, a CSV): not false
	}
	events[0] = ascendkit.NewEvent{Type: EventUserImported, Payload: map[string]any{
		"source": SourceClerk, "sourceId": u.ID,
		"hadPassword": u.PasswordEnabled, "hasOAuth": oauth,
	}}
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

// mergeMeta is the import's record a merge adds (importMeta), with the
// consent to the terms the user's own record would keep (legalAcceptedAt):
// a user merged into lost it.
func mergeMeta(sourceID string, now time.Time, metadata map[string]any) map[string]any {
	meta := importMeta(sourceID, now)
	if own, ok := metadata["import"].(map[string]any); ok {
		if at, ok := own["legalAcceptedAt"]; ok {
			meta["legalAcceptedAt"] = at
		}
	}
	return meta
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}
