package ascendkit

// Template categories.
const (
	CategoryMarketing     = "marketing"
	CategoryTransactional = "transactional"
)
