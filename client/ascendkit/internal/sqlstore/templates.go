package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

// templateSelect reads templates with their current version.
const templateSelect = `SELECT t.id, t.slug, t.name, t.category, t.version, t.created_at,
	v.subject, v.body_html, v.body_text, v.created_at
FROM templates t JOIN template_versions v ON v.template_id = t.id AND v.version = t.version`

func scanTemplate(row Row) (ascendkit.Template, error) {
	var t ascendkit.Template
	var created, updated string
	if err := row.Scan(&t.ID, &t.Slug, &t.Name, &t.Category, &t.Version, &created,
		&t.Subject, &t.BodyHTML, &t.BodyText, &updated); err != nil {
		return ascendkit.Template{}, err
	}
	var err error
	if t.CreatedAt, err = rules.ParseTime(created); err != nil {
		return ascendkit.Template{}, err
	}
	if t.UpdatedAt, err = rules.ParseTime(updated); err != nil {
		return ascendkit.Template{}, err
	}
	return t, nil
}

// getTemplate finds a template by id, else by slug.
func getTemplate(ctx context.Context, q Querier, idOrSlug string) (ascendkit.Template, error) {
	return readTemplate(ctx, q, idOrSlug, ` WHERE t.id = $1 OR t.slug = $1 ORDER BY (t.id = $1) DESC LIMIT 1`)
}

func readTemplate(ctx context.Context, q Querier, key, where string) (ascendkit.Template, error) {
	t, err := scanTemplate(q.QueryRow(ctx, templateSelect+where, key))
	return found("template", key, t, err)
}

// CreateTemplate creates a template (version 1) unless one with its slug
// exists, in which case that one is returned unchanged with false. The
// name defaults to the slug and the category to marketing; t.ID, Version
// and the times are assigned. Two writers creating the same slug at once
// end with one template: the slug is unique and the loser reads the
// winner's.
func (s *Store) CreateTemplate(ctx context.Context, t ascendkit.Template) (ascendkit.Template, bool, error) {
	if err := rules.NormalizeNewTemplate(&t); err != nil {
		return ascendkit.Template{}, false, err
	}
	var out ascendkit.Template
	var created bool
	err := s.db.Write(ctx, func(tx Querier) error {
		id := rules.NewID(rules.PrefixTemplate)
		now := rules.FormatTime(time.Now())
		n, err := tx.Exec(ctx, `INSERT INTO templates (id, slug, name, category, version, created_at) VALUES ($1, $2, $3, $4, 1, $5)
			ON CONFLICT (slug) DO NOTHING`, id, t.Slug, t.Name, t.Category, now)
		if err != nil {
			return err
		}
		if created = n == 1; !created {
			// By slug only: another template's id may be spelled like it.
			out, err = readTemplate(ctx, tx, t.Slug, ` WHERE t.slug = $1`)
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO template_versions (template_id, version, subject, body_html, body_text, created_at) VALUES ($1, 1, $2, $3, $4, $5)`,
			id, t.Subject, t.BodyHTML, t.BodyText, now); err != nil {
			return err
		}
		out, err = getTemplate(ctx, tx, id)
		return err
	})
	if err != nil {
		return ascendkit.Template{}, false, fmt.Errorf("create template %s: %w", t.Slug, err)
	}
	return out, created, nil
}

// UpdateTemplate stores a new version of the template t.ID (or, when ID is
// empty, t.Slug). Subject, BodyHTML and BodyText make the new version; an
// empty field keeps the current value, as do an empty Name or Category.
// The slug never changes. The template row is locked first, so concurrent
// updates make consecutive versions.
func (s *Store) UpdateTemplate(ctx context.Context, t ascendkit.Template) (ascendkit.Template, error) {
	key := t.ID
	if key == "" {
		key = t.Slug
	}
	if key == "" {
		return ascendkit.Template{}, errors.New("update template: no id")
	}
	if t.Category != "" {
		if err := rules.CheckCategory(t.Category); err != nil {
			return ascendkit.Template{}, fmt.Errorf("update template %s: %w", key, err)
		}
	}
	if err := rules.CheckTemplateText(t); err != nil {
		return ascendkit.Template{}, fmt.Errorf("update template %s: %w", key, err)
	}
	var out ascendkit.Template
	err := s.db.Write(ctx, func(tx Querier) error {
		if err := s.lock(ctx, tx, `SELECT 1 FROM templates WHERE id = $1 OR slug = $1`, key); err != nil {
			return err
		}
		cur, err := getTemplate(ctx, tx, key)
		if err != nil {
			return err
		}
		next := cur
		next.Version = cur.Version + 1
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		set(&next.Name, t.Name)
		set(&next.Category, t.Category)
		set(&next.Subject, t.Subject)
		set(&next.BodyHTML, t.BodyHTML)
		set(&next.BodyText, t.BodyText)
		now := rules.FormatTime(time.Now())
		if _, err := tx.Exec(ctx, `INSERT INTO template_versions (template_id, version, subject, body_html, body_text, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			cur.ID, next.Version, next.Subject, next.BodyHTML, next.BodyText, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE templates SET name = $1, category = $2, version = $3 WHERE id = $4`,
			next.Name, next.Category, next.Version, cur.ID); err != nil {
			return err
		}
		out, err = getTemplate(ctx, tx, cur.ID)
		return err
	})
	if err != nil {
		return ascendkit.Template{}, fmt.Errorf("update template: %w", err)
	}
	return out, nil
}

// ListTemplates lists templates, oldest first, whose name, slug or subject
// contains query, compared case-insensitively ("" lists all).
func (s *Store) ListTemplates(ctx context.Context, query string) ([]ascendkit.Template, error) {
	rows, err := s.db.Query(ctx, templateSelect+` ORDER BY t.created_at, t.id`)
	all, err := collect(rows, err, scanTemplate)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	q := strings.ToLower(strings.TrimSpace(query))
	out := all[:0]
	for _, t := range all {
		if rules.TemplateMatches(t, q) {
			out = append(out, t)
		}
	}
	return out, nil
}

// GetTemplate finds a template by tpl_ id or slug, at its current version.
func (s *Store) GetTemplate(ctx context.Context, idOrSlug string) (ascendkit.Template, error) {
	return getTemplate(ctx, s.db, strings.TrimSpace(idOrSlug))
}
