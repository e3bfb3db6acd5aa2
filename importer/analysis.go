package importer

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// analyzer accumulates the auth-method analysis over the users that are
// not skipped. Its memory is bounded by the number of distinct providers
// and provider combinations, not by the number of users.
type analyzer struct {
	a Analysis
}

func newAnalyzer() *analyzer {
	return &analyzer{a: Analysis{
		Providers:             map[string]int{},
		Unsupported:           map[string]int{},
		SocialOnlyByProviders: map[string]int{},
		SSOConnections:        map[string]int{},
	}}
}

func (z *analyzer) add(m *mapped) {
	// A user whose only OAuth accounts cannot be linked (no provider user
	// id) still signed in with OAuth: not passwordless.
	social := len(m.providers)+len(m.unsupported) > 0 || m.noUsableOAuth
	if len(m.sso) > 0 {
		z.a.SSO++
		for _, c := range m.sso {
			if _, ok := z.a.SSOConnections[c]; !ok && len(z.a.SSOConnections) >= maxSSOConnections {
				c = otherConnections
			}
			z.a.SSOConnections[c]++
		}
	}
	if m.mfa {
		z.a.MFA++
	}
	z.a.UnverifiedLinks += len(m.unverified)
	switch {
	case m.hadPassword && social:
		z.a.Both++
	case m.hadPassword:
		z.a.Password++
	case len(m.sso) > 0:
		// SSO users sign in through their connection, whatever OAuth
		// accounts they have and whichever provider is enabled: they are
		// not social-only (nor tagged so), never stranded, and not
		// passwordless users who need magic-link.
		z.a.SSOOnly++
	case social:
		z.a.SocialOnly++
		if m.noUsableOAuth {
			// Stranded whatever is enabled (but magic-link).
			z.a.NoUsableOAuth++
			break
		}
		// Remember which providers a social-only user can sign in with, so
		// stranded users can be recounted for any provider set.
		z.a.SocialOnlyByProviders[providerCombo(m.providers)]++
	case m.oauthUnknown:
		// No password, and a source that cannot say whether they had
		// OAuth (clerk migrate's, a CSV): their way in is not known, so
		// they are not counted as having none.
		z.a.SignInUnknown++
	default:
		z.a.Neither++
	}
	if m.hadPassword {
		z.a.Providers["credentials"]++
	}
	for _, p := range m.providers {
		z.a.Providers[p]++
	}
	for _, p := range m.unsupported {
		if _, ok := z.a.Unsupported[p]; !ok && len(z.a.Unsupported) >= maxUnsupportedNames {
			p = otherProviders
		}
		z.a.Unsupported[p]++
	}
}

// providerCombo keys SocialOnlyByProviders: the sorted, comma-joined
// supported providers. Unsupported ones are left out: no provider set
// turns them on, so they never decide who is stranded, and their names
// (oauth_custom_<anything>) would let the map grow with the source.
func providerCombo(providers []string) string {
	all := slices.Clone(providers)
	slices.Sort(all)
	return strings.Join(all, ",")
}

// maxUnsupportedNames bounds the unsupported providers the analysis
// names, as maxSSOConnections does the connections: a file may give each
// user a provider of its own. The rest count as otherProviders.
const maxUnsupportedNames = 1000

// otherProviders counts the users of unsupported providers past the bound.
const otherProviders = "other providers"

// noLinkLeft moves a social-only user none of whose supported accounts
// was linked (runner.noLinkLeft) from their providers to NoUsableOAuth.
func (z *analyzer) noLinkLeft(providers []string) {
	k := providerCombo(providers)
	if z.a.SocialOnlyByProviders[k]--; z.a.SocialOnlyByProviders[k] <= 0 {
		delete(z.a.SocialOnlyByProviders, k)
	}
	z.a.NoUsableOAuth++
}

// maxSSOConnections bounds the connections the analysis names: a
// connection without a domain is named after each user's email domain,
// so without a bound the map could grow with the user count.
const maxSSOConnections = 1000

// otherConnections counts the users of connections past the bound.
const otherConnections = "other connections"

// skipped counts the skips the settings block reports: users whose only
// identifier AscendKit cannot sign them in with.
func (z *analyzer) skipped(reason string) {
	switch reason {
	case ReasonPhoneOnly:
		z.a.PhoneOnly++
	case ReasonUsernameOnly:
		z.a.UsernameOnly++
	case ReasonWeb3Only:
		z.a.Web3Only++
	}
}

// snapshot returns a copy safe to hand to another goroutine.
func (z *analyzer) snapshot(fetched int, override []string) Analysis {
	a := z.a
	a.Fetched = fetched
	a.Providers = maps.Clone(z.a.Providers)
	a.Unsupported = maps.Clone(z.a.Unsupported)
	a.SocialOnlyByProviders = maps.Clone(z.a.SocialOnlyByProviders)
	a.SSOConnections = maps.Clone(z.a.SSOConnections)
	a.Stranded = StrandedWith(a, EnabledProviders(a, override))
	return a
}

// DetectedSSO returns the supported OAuth providers seen in the analysis, sorted.
func DetectedSSO(a Analysis) []string {
	var out []string
	for p, n := range a.Providers {
		if p != "credentials" && n > 0 {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// EnabledProviders is the provider set a run would enable: credentials as
// detected, plus the override when it is non-nil (credentials too, when it
// names it: asked for, it is not dropped for want of password users), else
// the detected SSO providers. Credentials is detected from password users
// and from NoUsableOAuth users, whom the import sends a password reset:
// without it, the password they set would not sign them in.
func EnabledProviders(a Analysis, override []string) []string {
	out := []string{}
	if a.Providers["credentials"] > 0 || a.NoUsableOAuth > 0 {
		out = append(out, "credentials")
	}
	if override != nil {
		out = append(out, override...)
	} else {
		out = append(out, DetectedSSO(a)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// StrandedWith counts social-only users none of whose providers is in
// enabled, and the NoUsableOAuth users, whose providers sign in nobody:
// after the move they have no way to sign in but a password they have yet
// to set. With magic-link enabled nobody is: a link to their email signs
// them in.
func StrandedWith(a Analysis, enabled []string) int {
	on := map[string]bool{}
	for _, p := range enabled {
		on[p] = true
	}
	if on["magic-link"] {
		return 0
	}
	n := a.NoUsableOAuth
	for combo, count := range a.SocialOnlyByProviders {
		ok := false
		for _, p := range strings.Split(combo, ",") {
			if on[p] {
				ok = true
				break
			}
		}
		if !ok {
			n += count
		}
	}
	return n
}

// ParseProviders validates a --providers list (comma-separated SSO
// providers). An empty list means "no SSO providers".
func ParseProviders(s string) ([]string, error) {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		p, _ = providerName(p) // the same names as in Clerk data
		if !slices.Contains(SupportedProviders, p) {
			return nil, fmt.Errorf("unknown provider %q (supported: %s)", p, strings.Join(SupportedProviders, ", "))
		}
		out = append(out, p)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// magicLinkOr is what a warning says of users who cannot sign in yet:
// that magic-link lets them in when the settings have it on, else advice.
func magicLinkOr(s SettingsReport, advice string) string {
	if slices.Contains(s.After, "magic-link") {
		return "until then they can sign in with magic-link"
	}
	return advice
}

// SignInUnknownWarning is the warning for the users whose way in the
// source does not hold (SignInUnknownUsers), or "": they may have signed
// in with a provider whose account the file lacks, so nothing is linked
// for them, and they are neither told to reset a password nor counted as
// passwordless. Exported for the wizard's Settings screen, which says it
// in the same words.
func SignInUnknownWarning(s SettingsReport) string {
	n := s.SignInUnknownUsers
	if n == 0 {
		return ""
	}
	// Said in --users runs too, where --providers is refused.
	next := magicLinkOr(s, "enable magic-link (--providers …,magic-link, on a run without --users) so that they can sign in with their email")
	return fmt.Sprintf("%s no password, and their sign-in methods are not in this file (it has no OAuth accounts for them): "+
		"they may have signed in with Google, GitHub or another provider, or an email code. This file links none of their OAuth accounts: "+
		"import from the API instead to link them; %s.",
		countUsers(n, "", "has", "have"), next)
}
