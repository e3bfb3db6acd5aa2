package ascendkit

// SignInCounts counts, among users who are not banned, those who could
// sign in each way the environment records: with a password (kept from
// the source, or to be set through the password reset), without one
// (magic-link), or through an account linked at an OAuth provider. It is
// what turning a provider off would take away from them.
type SignInCounts struct {
	// Passwords is how many users have a password digest that can be
	// checked (a kept password whose hasher was unsupported counts not:
	// those users need a reset whatever is enabled).
	Passwords int `json:"passwords"`
	// ResetPending is how many users without a checkable password carry
	// SignInTags.Reset: they sign in with credentials once the reset
	// journey has let them set a password.
	ResetPending int `json:"resetPending"`
	// Passwordless is how many users have no checkable password, neither
	// reset nor SSO tag, and no linked account: an emailed link
	// (magic-link) is their only way in.
	Passwordless int `json:"passwordless"`
	// Links maps a provider to how many users have an account linked
	// there; providers nobody is linked to are absent.
	Links map[string]int `json:"links"`
}

// SignInTags names the user tags that say how a user without a checkable
// password signs in; the environment counts them without knowing what
// put them there (an empty tag marks nobody).
type SignInTags struct {
	// Reset marks users who set a password through the password reset.
	Reset string
	// SSO marks users who sign in through an SSO connection.
	SSO string
}
