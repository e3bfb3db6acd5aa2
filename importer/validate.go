package importer

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/emailaddr"
)

// maxURLLen bounds a URL put into every migration email; real sign-in
// pages are far shorter, and a pasted blob is a mistake.
const maxURLLen = 2048

// ValidateURL checks that s is an absolute http(s) URL with a host, the
// kind a user can click in an email ("https://" alone is refused). The CLI
// and the wizard use this one check; its messages give a login URL as
// the example, ValidateResetURL's a reset URL.
func ValidateURL(s string) error { return validateURL(s, "https://yourapp.com/login") }

// ValidateResetURL is ValidateURL for the password reset page.
func ValidateResetURL(s string) error { return validateURL(s, "https://yourapp.com/reset") }

func validateURL(s, example string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("a URL is required, such as %s", example)
	}
	if len(s) > maxURLLen {
		return fmt.Errorf("URL is %d bytes long; at most %d", len(s), maxURLLen)
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return fmt.Errorf("invalid URL %q: it contains spaces or control characters", s)
	}
	// A zero-width or direction-changing character would make the link
	// in every email read other than where it goes; the wizard's form
	// refuses it too, so both faces take the same URLs.
	if strings.IndexFunc(s, HiddenRune) >= 0 {
		return fmt.Errorf("invalid URL %+q: %w", s, errHiddenText)
	}
	if err := placeholderFree(s); err != nil {
		return fmt.Errorf("invalid URL %q: %w", s, err)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("invalid URL %q: want an absolute http(s) URL such as %s", s, example)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("invalid URL %q: want an http(s) URL such as %s", s, example)
	}
	if u.Hostname() == "" || u.Opaque != "" {
		return fmt.Errorf("invalid URL %q: it has no host; want e.g. %s", s, example)
	}
	// url.Parse takes any digits for a port and any characters for a
	// host; a link no browser can open would go out in every email.
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("invalid URL %q: port %s is not between 1 and 65535", s, p)
		}
	}
	if !validHost(u.Hostname()) {
		return fmt.Errorf("invalid URL %q: %q is not a host name such as yourapp.com; want e.g. %s", s, u.Hostname(), example)
	}
	return nil
}

// validHost: an IP address, localhost (a developer trying the emails
// out), or a domain name of two labels or more, in any script.
func validHost(h string) bool {
	if net.ParseIP(h) != nil || strings.EqualFold(h, "localhost") {
		return true
	}
	// One trailing dot is the fully qualified spelling of the same name.
	return emailaddr.ValidDomain(strings.ToLower(strings.TrimSuffix(h, ".")))
}

// ValidateSender checks that s is a bare email address (no display name),
// the sender of the migration emails.
func ValidateSender(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("a sender email is required, such as hello@yourapp.com")
	}
	if strings.IndexFunc(s, HiddenRune) >= 0 {
		// As for users' addresses: a sender that looks like another
		// would not deliver, or would spoof.
		return fmt.Errorf("invalid sender identity %+q: it contains invisible or direction-changing characters", s)
	}
	if !validEmail(strings.ToLower(s)) {
		return fmt.Errorf("invalid sender identity %q: want a bare email address such as hello@yourapp.com", s)
	}
	return nil
}

// ValidateIdentity checks a sender email address; "" is allowed (no sender
// yet), anything else must pass ValidateSender.
func ValidateIdentity(s string) error {
	if s == "" {
		return nil
	}
	return ValidateSender(s)
}

// CleanIdentity is a sender as given on the command line made into the
// one stored: without the spaces around it (a pasted address often has
// some), checked by ValidateIdentity. `import clerk run --from-identity`
// and `migration-journey create --from-identity` both read it so, so a
// value one accepts the other does not refuse.
func CleanIdentity(s string) (string, error) {
	s = strings.TrimSpace(s)
	return s, ValidateIdentity(s)
}

// ValidateJourneySetup checks the sender, login URL and reset URL the
// migration journeys are created with. With requireAll (the wizard) all
// three must be given; without it (`migration-journey create`) empty ones
// are allowed and left for later, but given ones must be valid. The error
// names every field that is wrong, one per line.
func ValidateJourneySetup(sender, loginURL, resetURL string, requireAll bool) error {
	var errs []error
	check := func(name, v string, fn func(string) error) {
		if v == "" && !requireAll {
			return
		}
		if err := fn(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	check("sender", sender, ValidateSender)
	check("login URL", loginURL, ValidateURL)
	check("reset URL", resetURL, ValidateResetURL)
	return errors.Join(errs...)
}

// errHiddenText is text that would show in emails other than it reads.
var errHiddenText = errors.New("it contains control, invisible or direction-changing characters, which would show in the emails other than they read here")

// maxAppNameBytes is the longest app name every built-in migration
// subject can carry within MaxSubjectBytes, the limit `template update`
// holds a subject to: derived from the subjects, so a longer built-in
// subject lowers it rather than letting a rendered one overflow.
var maxAppNameBytes = appNameRoom(migrationTemplates())

// appNameRoom is the bytes left for {{appName}} in the tightest subject
// of ts: the limit less the subject's own text, shared among its
// {{appName}}s. The built-in subjects hold no other variable.
func appNameRoom(ts []ascendkit.Template) int {
	room := MaxSubjectBytes
	for _, t := range ts {
		n := 0
		for _, m := range varPattern.FindAllStringSubmatch(t.Subject, -1) {
			if m[1] == "appName" {
				n++
			}
		}
		if n > 0 {
			room = min(room, (MaxSubjectBytes-len(varPattern.ReplaceAllString(t.Subject, "")))/n)
		}
	}
	return room
}

// maxVariableBytes bounds a journey variable other than the app name and
// the URLs (which have their own bounds): a value is one line an email
// quotes, and a pasted blob is a mistake.
const maxVariableBytes = maxURLLen

// ValidateAppName checks the product name the migration emails carry
// ({{appName}}, subjects included): not empty, short enough that every
// migration subject stays within MaxSubjectBytes, and none of the
// characters that make text look other than it is.
func ValidateAppName(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("an app name is required: every migration email names it, e.g. Your App")
	}
	if n := len(strings.TrimSpace(s)); n > maxAppNameBytes {
		return fmt.Errorf("the app name is %s bytes long: at most %d, so that every migration email's subject, which names it, stays within %d bytes (RFC 5322's limit on a mail header line)",
			Thousands(n), maxAppNameBytes, MaxSubjectBytes)
	}
	// The name is set in subject lines, so it is held to a subject's
	// rules (a soft hyphen too: see ValidateTemplateLine).
	if err := ValidateTemplateLine(s); err != nil {
		return err
	}
	return placeholderFree(s)
}

// placeholderFree refuses a value holding template braces: rendered into
// an email it would show as a raw {{placeholder}} (values are not
// rendered again).
func placeholderFree(s string) error {
	if strings.Contains(s, "{{") || strings.Contains(s, "}}") {
		return errors.New("it contains {{ or }}, which the emails would show as they are")
	}
	return nil
}
