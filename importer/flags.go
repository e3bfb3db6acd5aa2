package importer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// flagCounts is what the report counts of one user imported with
// something left out or changed; Classified keeps it per user so that
// Recount counts the same (addFlags).
type flagCounts struct {
	// InvalidLinks: external accounts without a usable provider or
	// provider user id; UnusableSSO: SAML / enterprise accounts nobody
	// signs in through (mapped.ssoUnusable).
	InvalidLinks, UnusableSSO int
	// BadPhone: the primary phone is not kept; PrimaryNotFound: the
	// primary email id named none of the addresses; LockoutCleared: a
	// lockout that expires is not kept.
	BadPhone, PrimaryNotFound, LockoutCleared bool
	// NoUsableOAuth: mapping found no OAuth account that signs the user
	// in (mapped.noUsableOAuth); a conflict can add one later.
	NoUsableOAuth bool
	// NotKept: some of the user's identity has no place in AscendKit
	// (mapped.notKept). Undated: no sign-up date (mapped.undated), counted
	// but not listed: a format without dates would list every user.
	NotKept, Undated bool
}

func (m *mapped) flagCounts() flagCounts {
	return flagCounts{InvalidLinks: m.droppedLinks, UnusableSSO: len(m.ssoUnusable), BadPhone: m.badPhone != "",
		PrimaryNotFound: m.primaryNotFound != "", LockoutCleared: m.lockoutCleared, NoUsableOAuth: m.noUsableOAuth,
		NotKept: len(m.notKept) > 0, Undated: m.undated}
}

// addFlags counts one user's flags in the report.
func addFlags(rep *Report, f flagCounts) {
	rep.OAuthLinksInvalid += f.InvalidLinks
	rep.SSOAccountsUnusable += f.UnusableSSO
	if f.BadPhone {
		rep.PhonesInvalid++
	}
	if f.PrimaryNotFound {
		rep.PrimaryEmailsNotFound++
	}
	if f.LockoutCleared {
		rep.LockoutsCleared++
	}
	if f.NotKept {
		rep.IdentitiesNotKept++
	}
	if f.Undated {
		rep.CreatedAtUnknown++
	}
}

// noUsableWhy says why a mapped user's OAuth accounts do not sign them
// in (mapped.noUsableOAuth).
func noUsableWhy(m *mapped) string {
	var why []string
	if len(m.unsupported) > 0 {
		why = append(why, strings.Join(m.unsupported, ", ")+", which AscendKit does not support")
	}
	if m.droppedLinks > 0 {
		why = append(why, fmt.Sprintf("%d account(s) without a usable provider or provider_user_id (see %s)", m.droppedLinks, ReasonLinkInvalid))
	}
	return noUsableDetail(strings.Join(why, "; and "))
}

func noUsableDetail(why string) string {
	// Outcome-neutral: a duplicate gets this entry too, and is not created.
	return "no password, and signed in to Clerk only with OAuth accounts that do not sign in to AscendKit: " + why +
		". If created (not a duplicate), the user is tagged " + TagNeedsPasswordReset + " (not " + TagSocialOnly + "), so that the password-reset journey lets them set a password"
}

// flagged counts and lists what of a user (analyzed once) is not
// imported as the source has it, beyond what analyze reports.
func (r *runner) flagged(pos int, u *clerk.User, m *mapped) {
	addFlags(&r.report, m.flagCounts())
	for _, e := range flagEntries(Entry{Pos: pos, SourceID: u.ID, Email: m.email, Name: m.user.User.Name}, u, m) {
		r.warn(e)
	}
}

// flagEntries are the warnings of a user analyzed once (e with reason and
// detail set), whatever the choices: a preview lists them, and Classified
// keeps them (their details are short: counts, provider names, a phone
// number or id cut by quoteCut).
func flagEntries(e Entry, u *clerk.User, m *mapped) []Entry {
	var out []Entry
	add := func(reason, detail string) {
		e.Reason, e.Detail = reason, detail
		out = append(out, e)
	}
	if m.droppedLinks > 0 {
		add(ReasonLinkInvalid, fmt.Sprintf("%d external account(s) without a usable provider or provider_user_id not linked", m.droppedLinks))
	}
	if len(m.unverified) > 0 {
		add(ReasonLinkUnverified, fmt.Sprintf("%d unverified external account(s) not linked (%s): Clerk never confirmed who holds them",
			len(m.unverified), strings.Join(m.unverified, ", ")))
	}
	if m.badPhone != "" {
		add(ReasonPhoneInvalid, fmt.Sprintf("primary phone number %s is not an international (E.164) number%s; not kept", quoteCut(m.badPhone), phoneDamage(m.badPhone)))
	}
	if m.noUsableOAuth {
		add(ReasonNoUsableOAuth, m.noUsableWhy)
	}
	if len(m.ssoUnusable) > 0 {
		add(ReasonSSOUnusable, fmt.Sprintf("%d SAML or enterprise account(s) not counted as an SSO sign-in: %s",
			len(m.ssoUnusable), strings.Join(m.ssoUnusable, "; ")))
	}
	if m.primaryNotFound != "" {
		which := "the first verified one"
		if !m.user.User.EmailVerified {
			which = "the first listed (none is verified)"
		}
		add(ReasonPrimaryEmailNotFound, fmt.Sprintf("primary_email_address_id %s names none of the user's %d address(es); the address used is %s, %s",
			quoteCut(m.primaryNotFound), len(u.EmailAddresses), m.email, which))
	}
	if len(m.notKept) > 0 {
		add(ReasonIdentityNotKept, "not kept, as an AscendKit user has one phone number, no wallet and only valid email addresses: "+strings.Join(m.notKept, "; "))
	}
	if m.lockoutCleared {
		add(ReasonLockoutNotKept, fmt.Sprintf("locked in Clerk for %d more second(s) (failed sign-in attempts, or a lock set with the instance's lock duration): not carried over as a lock, as the lockout ends by itself", *u.LockoutExpiresInSeconds))
	}
	return out
}

// noLinkLeftDetail is why a user noLinkLeft gives the password-reset path
// has no OAuth sign-in left (providers: their supported ones).
func noLinkLeftDetail(providers []string) string {
	return noUsableDetail("every account with a supported provider (" + strings.Join(providers, ", ") +
		") is linked to another user (see " + ReasonLinkConflict + ")")
}

// noLinkLeft gives the password-reset path to a user to create who
// signed in to Clerk only through supported OAuth accounts, none of which
// is linked (another user has each: see newLinks). Their OAuth sign-in
// does not carry over, as for a user of unsupported providers.
func (r *runner) noLinkLeft(e Entry, m *mapped) {
	left := slices.ContainsFunc(m.user.User.OAuthLinks, func(l ascendkit.OAuthLink) bool {
		_, ok := providerName(l.Provider)
		return ok
	})
	if !strandedByLinks(m.hadPassword, m.noUsableOAuth, m.sso, m.providers, left) {
		return
	}
	m.noUsableOAuth = true
	m.noUsableWhy = noLinkLeftDetail(m.providers)
	m.user.User.Tags = resetNotSocial(m.user.User.Tags)
	r.z.noLinkLeft(m.providers)
	e.Reason, e.Detail = ReasonNoUsableOAuth, m.noUsableWhy
	r.warn(e)
}

// strandedByLinks reports a user without password or SSO who had
// supported OAuth accounts and has no link of a supported provider left
// (supportedLeft false).
func strandedByLinks(hadPassword, noUsable bool, sso, providers []string, supportedLeft bool) bool {
	return !hadPassword && !noUsable && len(sso) == 0 && len(providers) > 0 && !supportedLeft
}

// resetNotSocial is tags with the social-only tag turned into the
// password-reset one.
func resetNotSocial(tags []string) []string {
	tags = slices.Clone(tags)
	if i := slices.Index(tags, TagSocialOnly); i >= 0 {
		tags[i] = TagNeedsPasswordReset
	} else if !slices.Contains(tags, TagNeedsPasswordReset) {
		tags = append(tags, TagNeedsPasswordReset)
	}
	return tags
}

// dataWarnings are the warnings about what of the users is not imported as
// the source has it (the counts addFlags makes); a run appends them just
// before the settings' (see Classified.finish), and only with the users
// phase.
func dataWarnings(rep *Report) []string {
	out := alreadyImportedWarnings(rep)
	if n := rep.OAuthLinksInvalid; n > 0 {
		out = append(out, fmt.Sprintf("%s without a usable provider or provider_user_id cannot be linked (listed in --entries as %s).",
			countOf(n, "external account", "external accounts"), ReasonLinkInvalid))
	}
	if n := rep.OAuthLinksUnverified; n > 0 {
		out = append(out, fmt.Sprintf("%s not verified in Clerk: not linked, as Clerk does not sign anyone in with one (listed in --entries as %s).",
			countOf(n, "external account is", "external accounts are"), ReasonLinkUnverified))
	}
	if n := rep.OAuthLinkConflicts; n > 0 {
		out = append(out, fmt.Sprintf("%s already linked to another user (of the environment, or earlier in this source): not linked again, as one provider account signs in one user (listed in --entries as %s).",
			countOf(n, "OAuth account is", "OAuth accounts are"), ReasonLinkConflict))
	}
	if n := rep.PhonesInvalid; n > 0 {
		out = append(out, fmt.Sprintf("%s primary phone number that is not an international (E.164) number: not kept (listed in --entries as %s).",
			countUsers(n, "", "has a", "have a"), ReasonPhoneInvalid))
	}
	if n := rep.SSOAccountsUnusable; n > 0 {
		out = append(out, fmt.Sprintf("%s not active or not verified in Clerk, or without an active connection: not counted as SSO sign-ins, nor their connections as ones to set up (listed in --entries as %s).",
			countOf(n, "SAML or enterprise account is", "SAML or enterprise accounts are"), ReasonSSOUnusable))
	}
	if n := rep.PrimaryEmailsNotFound; n > 0 {
		out = append(out, fmt.Sprintf("%s a primary_email_address_id that names none of their addresses: they sign in with their first verified address (else the first listed) instead (listed in --entries as %s).",
			countUsers(n, "", "has", "have"), ReasonPrimaryEmailNotFound))
	}
	if n := rep.EmailOfOtherImport; n > 0 {
		out = append(out, fmt.Sprintf("%s the address of a user an earlier import created from, or merged with, another Clerk user: not imported and never merged into that user, as two Clerk users are two accounts (did the address move to another Clerk account?). Check who holds it now by hand (listed in --entries as %s).",
			countUsers(n, "", "has", "have"), ReasonEmailExists))
	}
	if n := rep.IdentitiesNotKept; n > 0 {
		out = append(out, fmt.Sprintf("%s phone numbers besides their primary one, an extension to it, web3 wallets, other email addresses that are not valid, or an image_url that is not an http(s) address: an AscendKit user has one phone number (E.164, without an extension), no wallet, only valid addresses and a web address as image, so these are not kept (listed in --entries as %s).",
			countUsers(n, "", "has", "have"), ReasonIdentityNotKept))
	}
	if n := rep.CreatedAtUnknown; n > 0 {
		out = append(out, fmt.Sprintf("%s no sign-up date in the source (created_at missing, null or 0): those the import creates get its time as createdAt.",
			countUsers(n, "", "has", "have")))
	}
	if n := rep.LockoutsCleared; n > 0 {
		out = append(out, fmt.Sprintf("%s locked out in Clerk for a while (after failed sign-in attempts, or locked for the instance's lock duration): imported unlocked, as such a lockout ends by itself (a lock without an expiry is kept; listed in --entries as %s).",
			countUsers(n, "", "was", "were"), ReasonLockoutNotKept))
	}
	return out
}

// countOf reads "1 thing" / "3 things".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Thousands(n) + " " + many
}

// phoneDamage says how a spreadsheet may have spoilt a phone number that
// is not international, or "": Clerk writes every number in E.164
// ("+14155550100"), which a spreadsheet reads as a number, dropping the
// "+", and saves as 1.41556E+10 once the column is too narrow, losing
// the last digits.
func phoneDamage(s string) string {
	s = strings.TrimSpace(s)
	if d := hiddenDetail(s, HiddenRune); d != "" {
		// Refused for that (e164), not for its digits: say so.
		return " (it " + d + ")"
	}
	if strings.ContainsAny(s, "eE") {
		// 4,41555E+10 is the same from a comma-decimal spreadsheet.
		if _, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); err == nil {
			return " (a spreadsheet wrote it in scientific notation, which loses its last digits: export the users from Clerk again)"
		}
	}
	if len(s) >= 8 && len(s) <= 15 && strings.Trim(s, "0123456789") == "" {
		return ` (digits without the leading "+": did a spreadsheet read it as a number? Export the users from Clerk again, or put the "+" back)`
	}
	return ""
}
