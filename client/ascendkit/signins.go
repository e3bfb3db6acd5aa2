package ascendkit

// SignInCounts counts, among users who are not banned, those who could
// sign in each way the environment records: with a password kept from
// the source, or through an account linked at an OAuth provider. It is
// what turning a provider off would take away from them.
type SignInCounts struct {
	// Passwords is how many users have a password digest that can be
	// checked (a kept password whose hasher was unsupported counts not:
	// those users need a reset whatever is enabled).
	Passwords int `json:"passwords"`
	// Links maps a provider to how many users have an account linked
	// there; providers nobody is linked to are absent.
	Links map[string]int `json:"links"`
}
