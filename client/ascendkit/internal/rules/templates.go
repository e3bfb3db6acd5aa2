package rules

import (
	"fmt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// CheckCategory accepts the template categories.
func CheckCategory(c string) error {
	if c != ascendkit.CategoryMarketing && c != ascendkit.CategoryTransactional {
		return fmt.Errorf("category %q: want %s or %s", c, ascendkit.CategoryMarketing, ascendkit.CategoryTransactional)
	}
	return nil
}
