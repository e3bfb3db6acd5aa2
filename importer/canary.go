package importer

import (
	"fmt"
	"strings"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// selection is Options.Only: the users a canary run imports, by Clerk id
// or by the email they are imported with (their primary address, compared
// as the import compares addresses). Others are read (and counted as
// fetched) but neither analyzed nor imported.
type selection struct {
	want  map[string]bool // lower-cased email or exact id
	found map[string]bool
	order []string
	// other: a wanted address found as a user's other (not primary)
	// address, with that user's id, the first such user.
	other map[string]string
}

func newSelection(only []string) *selection {
	if len(only) == 0 {
		return nil
	}
	s := &selection{want: map[string]bool{}, found: map[string]bool{}, other: map[string]string{}}
	for _, o := range only {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		k := selKey(o)
		if !s.want[k] {
			s.want[k] = true
			s.order = append(s.order, o)
		}
	}
	return s
}

// selKey: ids are user_…, anything with an @ is an email, compared as
// the import compares addresses (NFC, lower case).
func selKey(s string) string {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		if e, ok := normalizeEmail(s); ok {
			return e
		}
		return strings.ToLower(s)
	}
	return s
}

// selects reports whether a record is one of the selected users.
func (s *selection) selects(rec clerk.Record) bool {
	if s == nil {
		return true
	}
	u := rec.User
	if u == nil {
		// A record that cannot be read, by the id its error names: the
		// canary then shows why, not "not in the source".
		if rec.ID != "" && s.want[rec.ID] {
			s.found[rec.ID] = true
			return true
		}
		return false
	}
	hit := false
	if s.want[u.ID] {
		s.found[u.ID], hit = true, true
	}
	// Only the primary address: a user who merely holds the address as a
	// secondary (perhaps unverified) one is another user, and a canary is
	// the one user asked for.
	pe := primaryEmail(u)
	if pe != nil {
		if k := selKey(pe.EmailAddress); s.want[k] {
			s.found[k], hit = true, true
		}
	}
	for i := range u.EmailAddresses {
		if a := &u.EmailAddresses[i]; pe == nil || a.EmailAddress != pe.EmailAddress {
			if k := selKey(a.EmailAddress); s.want[k] && s.other[k] == "" {
				s.other[k] = u.ID // said if no user has it as primary
			}
		}
	}
	return hit
}

// described are missing selectors as a message lists them: an address
// some user has only as another address says whose, as --only goes by
// the primary one.
func (s *selection) described(missing []string) string {
	out := make([]string, len(missing))
	for i, o := range missing {
		out[i] = o
		if id := s.other[selKey(o)]; id != "" {
			out[i] = fmt.Sprintf("%s (another address of %s, not its primary one: give that user's primary address or Clerk id)", o, id)
		}
	}
	return strings.Join(out, ", ")
}

// missing are the selectors that matched no user of the source.
func (s *selection) missing() []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, o := range s.order {
		if !s.found[selKey(o)] {
			out = append(out, o)
		}
	}
	return out
}

func (r *runner) warnMissingSelection() {
	m := r.only.missing()
	if len(m) > 0 {
		r.report.Warnings = append(r.report.Warnings, fmt.Sprintf("--only: not in the source: %s", r.only.described(m)))
	}
	if u := r.report.Users; r.opts.Phases.Users && r.only != nil && len(m) < len(r.only.order) && u.ToImport+u.ToMerge == 0 {
		// Found, yet nobody to try the cut-over with: a canary that
		// imports no one must not read as one that went well.
		r.report.Warnings = append(r.report.Warnings,
			"--only: the users selected are in the source, but none of them is imported or merged (see the counts, and --entries for why), so this canary tries nothing")
	}
}
