package rules

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// CheckCategory accepts the template categories.
func CheckCategory(c string) error {
	if c != ascendkit.CategoryMarketing && c != ascendkit.CategoryTransactional {
		return fmt.Errorf("category %q: want %s or %s", c, ascendkit.CategoryMarketing, ascendkit.CategoryTransactional)
	}
	return nil
}

// NormalizeNewTemplate trims the slug and fills the defaults of a new
// template (name = slug, category marketing), checking what is left.
func NormalizeNewTemplate(t *ascendkit.Template) error {
	t.Slug = strings.TrimSpace(t.Slug)
	if t.Slug == "" {
		return errors.New("create template: empty slug")
	}
	if t.Name == "" {
		t.Name = t.Slug
	}
	if t.Category == "" {
		t.Category = ascendkit.CategoryMarketing
	}
	if err := CheckCategory(t.Category); err != nil {
		return fmt.Errorf("create template %s: %w", t.Slug, err)
	}
	return nil
}
