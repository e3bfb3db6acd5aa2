package sqlite

import (
	"context"
	"database/sql"
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

func scanTemplate(row interface{ Scan(...any) error }) (ascendkit.Template, error) {
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

func getTemplate(ctx context.Context, q queryer, idOrSlug string) (ascendkit.Template, error) {
	t, err := scanTemplate(q.QueryRowContext(ctx, templateSelect+` WHERE t.id = ? OR t.slug = ? LIMIT 1`, idOrSlug, idOrSlug))
	if errors.Is(err, sql.ErrNoRows) {
		return ascendkit.Template{}, fmt.Errorf("template %q: %w", idOrSlug, ascendkit.ErrNotFound)
	}
	if err != nil {
		return ascendkit.Template{}, fmt.Errorf("template %q: %w", idOrSlug, err)
	}
	return t, nil
}

// CreateTemplate creates a template (version 1) unless one with its slug
// exists, in which case that one is returned unchanged with false. The
// name defaults to the slug and the category to marketing; t.ID, Version
// and the times are assigned.
func (l *Local) CreateTemplate(ctx context.Context, t ascendkit.Template) (ascendkit.Template, bool, error) {
	if err := rules.NormalizeNewTemplate(&t); err != nil {
		return ascendkit.Template{}, false, err
	}
	var out ascendkit.Template
	var created bool
	err := l.write(ctx, func(tx *sql.Tx) error {
		existing, err := getTemplate(ctx, tx, t.Slug)
		if err == nil && existing.Slug == t.Slug {
			out, created = existing, false
			return nil
		}
		if err != nil && !errors.Is(err, ascendkit.ErrNotFound) {
			return err
		}
		id := rules.NewID(rules.PrefixTemplate)
		now := rules.FormatTime(time.Now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO templates (id, slug, name, category, version, created_at) VALUES (?, ?, ?, ?, 1, ?)`,
			id, t.Slug, t.Name, t.Category, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO template_versions (template_id, version, subject, body_html, body_text, created_at) VALUES (?, 1, ?, ?, ?, ?)`,
			id, t.Subject, t.BodyHTML, t.BodyText, now); err != nil {
			return err
		}
		out, err = getTemplate(ctx, tx, id)
		created = true
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
// The slug never changes.
func (l *Local) UpdateTemplate(ctx context.Context, t ascendkit.Template) (ascendkit.Template, error) {
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
	var out ascendkit.Template
	err := l.write(ctx, func(tx *sql.Tx) error {
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO template_versions (template_id, version, subject, body_html, body_text, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			cur.ID, next.Version, next.Subject, next.BodyHTML, next.BodyText, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE templates SET name = ?, category = ?, version = ? WHERE id = ?`,
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
func (l *Local) ListTemplates(ctx context.Context, query string) ([]ascendkit.Template, error) {
	rows, err := l.r.QueryContext(ctx, templateSelect+` ORDER BY t.created_at, t.id`)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	q := strings.ToLower(strings.TrimSpace(query))
	out := []ascendkit.Template{}
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list templates: %w", err)
		}
		if q == "" || strings.Contains(strings.ToLower(t.Name), q) ||
			strings.Contains(strings.ToLower(t.Slug), q) || strings.Contains(strings.ToLower(t.Subject), q) {
			out = append(out, t)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	return out, nil
}

// GetTemplate finds a template by tpl_ id or slug, at its current version.
func (l *Local) GetTemplate(ctx context.Context, idOrSlug string) (ascendkit.Template, error) {
	return getTemplate(ctx, l.r, strings.TrimSpace(idOrSlug))
}
