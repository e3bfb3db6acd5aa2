package rules

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/emailaddr"
)

// NormEmail is how emails are stored and compared: emailaddr.Canonical,
// the form the importer writes them in (so a lookup typed with a
// decomposed "é", a trailing no-break space or an xn-- domain finds the
// user).
func NormEmail(s string) string {
	if IsNormASCIIEmail(s) {
		return s
	}
	return normEmail(s)
}

// normEmail is NormEmail without the shortcut for addresses already
// normal.
func normEmail(s string) string { return emailaddr.Canonical(s) }

// IsNormASCIIEmail reports whether s is ASCII and its own NormEmail: no
// capital and no space at either end (NFC leaves ASCII as it is, and the
// only spaces TrimSpace sees in ASCII are these six), and any xn-- domain
// label one that does not decode. It is false for any non-ASCII address,
// normal or not.
func IsNormASCIIEmail(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	if s != "" && (asciiSpace(s[0]) || asciiSpace(s[len(s)-1])) {
		return false
	}
	if at := strings.LastIndexByte(s, '@'); at >= 0 && strings.Contains(s[at+1:], "xn--") {
		return normEmail(s) == s
	}
	return true
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func Uniq(ss []string) []string {
	seen := make(map[string]struct{}, len(ss))
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if _, ok := seen[s]; ok {
			continue
		}
		seen[s] = struct{}{}
		out = append(out, s)
	}
	return out
}

// CleanTags trims, drops empty and repeated tags, keeping order.
func CleanTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// MarshalObject is m as a JSON object, "{}" when empty, written exactly
// as json.Marshal writes it (see appendJSON).
func MarshalObject(m map[string]any) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	var buf [512]byte
	b, err := appendJSON(buf[:0], m)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// LinksTaken is the error of a batch that found n OAuth accounts planned
// for the users it creates linked to other users at write time
// (ascendkit.ErrLinksTaken); the caller rolls the batch back.
func LinksTaken(n int) error {
	return fmt.Errorf("%w: %d OAuth account(s) planned for users this batch creates were linked to other users after this run looked them up (another import at the same time?), so nothing of the batch was written; run the import again: it looks them up afresh", ascendkit.ErrLinksTaken, n)
}

func ValidateBatch(b ascendkit.ImportBatch) error {
	if err := checkBatch(b); err != nil {
		return fmt.Errorf("%w: %w", ascendkit.ErrInvalid, err)
	}
	return nil
}

// Storable reports whether t fits the stored time format (years 0–9999).
func Storable(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
}

func checkBatch(b ascendkit.ImportBatch) error {
	for i, c := range b.Create {
		switch {
		case NormEmail(c.User.Email) == "":
			return fmt.Errorf("create %d (%s %s): empty email", i, c.Source, c.SourceID)
		case c.Source == "" || c.SourceID == "":
			return fmt.Errorf("create %d (%s): empty source or source id", i, c.User.Email)
		}
		if !Storable(c.User.CreatedAt) || (c.User.LastLoginAt != nil && !Storable(*c.User.LastLoginAt)) {
			return fmt.Errorf("create %d (%s %s): time out of range", i, c.Source, c.SourceID)
		}
		for _, ev := range c.Events {
			if ev.Type == "" {
				return fmt.Errorf("create %d (%s %s): event without type", i, c.Source, c.SourceID)
			}
		}
		for _, ln := range c.User.OAuthLinks {
			if ln.Provider == "" || ln.ProviderUserID == "" {
				return fmt.Errorf("create %d (%s %s): oauth link without provider or provider user id", i, c.Source, c.SourceID)
			}
		}
	}
	for i, m := range b.Merge {
		switch {
		case NormEmail(m.Email) == "":
			return fmt.Errorf("merge %d (%s %s): empty email", i, m.Source, m.SourceID)
		case m.Source == "" || m.SourceID == "":
			return fmt.Errorf("merge %d (%s): empty source or source id", i, m.Email)
		}
		for _, ln := range m.OAuthLinks {
			if ln.Provider == "" || ln.ProviderUserID == "" {
				return fmt.Errorf("merge %d (%s %s): oauth link without provider or provider user id", i, m.Source, m.SourceID)
			}
		}
	}
	return nil
}

// Identity is the JSON of a user's stored identity objects.
type Identity struct{ Secondary, Private, Unsafe string }

func IdentityArgs(u *ascendkit.User) (Identity, error) {
	var id Identity
	var err error
	if id.Private, err = MarshalObject(u.PrivateMetadata); err != nil {
		return id, fmt.Errorf("private metadata: %w", err)
	}
	if id.Unsafe, err = MarshalObject(u.UnsafeMetadata); err != nil {
		return id, fmt.Errorf("unsafe metadata: %w", err)
	}
	id.Secondary = "[]"
	if len(u.SecondaryEmails) > 0 {
		b, err := json.Marshal(u.SecondaryEmails)
		if err != nil {
			return id, fmt.Errorf("secondary emails: %w", err)
		}
		id.Secondary = string(b)
	}
	return id, nil
}

// DecodeExact decodes stored JSON keeping numbers as json.Number, so that
// metadata such as 64-bit ids reads back exactly as it was written.
func DecodeExact(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(v)
}

// ID prefixes.
const (
	PrefixUser     = "usr_"
	PrefixTemplate = "tpl_"
	PrefixJourney  = "jrn_"
	PrefixEvent    = "evt_"
)

var idGen struct {
	sync.Mutex
	ms  uint64
	seq uint64
}

// NewID returns prefix + 24 lower-case hex digits: 48 bits of unix
// milliseconds then 48 bits that start random each millisecond and count
// up within it, so ids made by one process sort in creation order.
func NewID(prefix string) string {
	ms := uint64(time.Now().UnixMilli())
	idGen.Lock()
	if ms <= idGen.ms {
		ms = idGen.ms
		idGen.seq++
	} else {
		var b [8]byte
		rand.Read(b[2:])
		idGen.ms = ms
		idGen.seq = binary.BigEndian.Uint64(b[:]) >> 1 // room to count up
	}
	seq := idGen.seq
	idGen.Unlock()
	var b [12]byte
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6], b[7], b[8], b[9], b[10], b[11] = byte(seq>>40), byte(seq>>32), byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq)
	return prefix + hex.EncodeToString(b[:])
}

// SettingAuthProviders holds the enabled auth providers as a JSON array.
const SettingAuthProviders = "auth.providers"

// MaxBlockers bounds the blockers an undo plan lists (the count is what
// matters past that).
const MaxBlockers = 1000

// TimeLayout is how both backends store times: fixed-width UTC RFC 3339
// text with nanoseconds, so that text order is time order.
const TimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// FormatTime formats t in TimeLayout.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// FormatTimePtr is FormatTime of *t, or nil (SQL NULL) for nil.
func FormatTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return FormatTime(*t)
}

// ParseTime reads a stored time.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// ParseTimePtr reads a stored time that may be NULL or empty.
func ParseTimePtr(s *string) (*time.Time, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	t, err := ParseTime(*s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// NormProviders trims, lower-cases, sorts and de-duplicates auth provider
// names, dropping empty ones.
func NormProviders(providers []string) []string {
	ps := make([]string, 0, len(providers))
	for _, p := range providers {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// TemplateMatches says whether ListTemplates' query q (lower-cased,
// trimmed; "" matches all) is in t's name, slug or subject.
func TemplateMatches(t ascendkit.Template, q string) bool {
	return q == "" || strings.Contains(strings.ToLower(t.Name), q) ||
		strings.Contains(strings.ToLower(t.Slug), q) || strings.Contains(strings.ToLower(t.Subject), q)
}

// GroupEmails normalizes emails for a lookup: the distinct normalized
// addresses in first-seen order, and for each the spellings it was given
// as, so a match can be reported under every one of them.
func GroupEmails(emails []string) (normed []string, given map[string][]string) {
	given = make(map[string][]string, len(emails))
	normed = make([]string, 0, len(emails))
	for _, e := range emails {
		n := NormEmail(e)
		keys := []string{n}
		if l := emailaddr.Legacy(n); l != "" {
			keys = append(keys, l) // as earlier versions may have stored it
		}
		for _, k := range keys {
			if _, ok := given[k]; !ok {
				normed = append(normed, k)
			}
			if !slices.Contains(given[k], e) {
				given[k] = append(given[k], e)
			}
		}
	}
	return normed, given
}

// PutEmailMatch records that the user stored under email e matches the
// given address g. With both spellings of an address stored (an earlier
// version's xn-- row and a canonical one), the canonical row is the user
// GetUser and merges use, so a legacy row never replaces it.
func PutEmailMatch(out map[string]ascendkit.Match, g, e string, m ascendkit.Match) {
	if _, had := out[g]; had && e != NormEmail(g) {
		return
	}
	out[g] = m
}

// ParseAuthSettings reads the stored auth providers setting (ok false or
// "" when unset): always a non-nil, sorted list.
func ParseAuthSettings(v string, ok bool) (ascendkit.AuthSettings, error) {
	s := ascendkit.AuthSettings{Providers: []string{}}
	if ok && v != "" {
		if err := json.Unmarshal([]byte(v), &s.Providers); err != nil {
			return ascendkit.AuthSettings{}, fmt.Errorf("auth settings: stored providers: %w", err)
		}
		if s.Providers == nil {
			s.Providers = []string{}
		}
		slices.Sort(s.Providers)
	}
	return s, nil
}
