package importer

import (
	"context"
	"fmt"
	"slices"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/passhash"
)

// NoKeptPasswordError says why a user has no kept Clerk password to check.
type NoKeptPasswordError struct {
	Email  string
	Reason string
}

// Error holds user data (the email): callers printing it to a terminal
// clean it, as the CLI does with every error.
func (e *NoKeptPasswordError) Error() string {
	return fmt.Sprintf("%s has no kept password: %s", e.Email, e.Reason)
}

// KeptPassword finds the password kept from Clerk for a user (email or
// id): the first half of the canary's proof, shared by `auth
// check-password` and the wizard. A user without one is a
// *NoKeptPasswordError that says why.
func KeptPassword(ctx context.Context, env ascendkit.Environment, who string) (ascendkit.PasswordState, error) {
	st, err := env.PasswordState(ctx, who)
	if err != nil {
		return st, err
	}
	if reason := noPasswordReason(st); reason != "" {
		if st.Imported && st.ImportRun != "" && st.Hasher == "" {
			// Not tagged for a reset: the source said the user has no
			// password, and no import of it brings one.
			if u, err := env.GetUser(ctx, st.UserID); err == nil && !slices.Contains(u.Tags, TagNeedsPasswordReset) && !slices.Contains(u.Tags, TagPasswordKept) {
				reason = "the source says this user has no password in Clerk (they sign in another way: OAuth, a magic link, SSO), so there is none to keep or check"
			}
		}
		return st, &NoKeptPasswordError{Email: st.Email, Reason: reason}
	}
	return st, nil
}

// CheckPassword verifies a password against a kept digest. Its errors
// name the hasher and the problem, never the digest.
func CheckPassword(st ascendkit.PasswordState, password string) (bool, error) {
	ok, err := passhash.Verify(st.Hasher, string(st.Digest), password)
	if err != nil {
		return false, fmt.Errorf("%s: the kept digest cannot be checked: %w", st.Email, err)
	}
	return ok, nil
}

// noPasswordReason says why a user has no password to check ("" when
// there is one).
func noPasswordReason(st ascendkit.PasswordState) string {
	// A password the user set in AscendKit (one who signed up there,
	// merged into or not) is not one kept from Clerk: checking the Clerk
	// password against it said only "does not match".
	switch {
	case !st.Imported:
		return "the user was not imported from Clerk"
	case st.ImportRun == "":
		return "the user existed before the import and was merged into; their own password is unchanged"
	case st.Hasher != "" && st.Digest != "":
		return ""
	case st.Hasher != "":
		return fmt.Sprintf("its Clerk password hasher %q is not supported, so the digest was not kept (the user is tagged %s)",
			st.Hasher, TagNeedsPasswordReset)
	}
	// A digest the import found malformed (password_digest_invalid), or a
	// passwords-file record it could not read, is not stored either, and
	// a new import of the same files brings the same: the remedy below is
	// for a source without digests (or files mended first).
	return fmt.Sprintf("the import had no usable password digest for this user (no password in Clerk, the source carried no digests, "+
		"its digest was malformed, or its record in the passwords file could not be read: %s or %s in the run's entries). "+
		"A digest is stored only when the user is created: for a source without digests (or once the file is mended), undo run %s (ascendkit import undo %s), "+
		"then import again with --passwords <Dashboard CSV or support export>",
		ReasonPasswordInvalid, ReasonPasswordRecordMalformed, st.ImportRun, st.ImportRun)
}
