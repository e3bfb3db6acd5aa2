package rules

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

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
	if err := CheckTemplateText(*t); err != nil {
		return fmt.Errorf("create template %s: %w", t.Slug, err)
	}
	return nil
}

// CheckTemplateText refuses, as ErrInvalid, template text that is not
// UTF-8 or holds a NUL: PostgreSQL cannot store either and SQLite would,
// so without the check the two backends would disagree.
func CheckTemplateText(t ascendkit.Template) error {
	for _, f := range []struct{ name, v string }{{"name", t.Name}, {"subject", t.Subject}, {"bodyHtml", t.BodyHTML}, {"bodyText", t.BodyText}} {
		if !utf8.ValidString(f.v) {
			return fmt.Errorf("%w: %s is not UTF-8 text", ascendkit.ErrInvalid, f.name)
		}
		if strings.IndexByte(f.v, 0) >= 0 {
			return fmt.Errorf("%w: %s holds a NUL character", ascendkit.ErrInvalid, f.name)
		}
	}
	return nil
}
