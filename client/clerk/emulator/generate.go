// Package emulator is an in-process stand-in for Clerk: a deterministic
// generator of realistic users and a Backend API server that pages them
// the way Clerk does (bare arrays, rate limits, Clerk's error bodies). It
// backs the tests, `ascendkit demo` and the benchmarks, so none of them
// need a Clerk account or the network.
package emulator

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// The generated sign-up dates span two years ending at a fixed instant, so
// the same (n, seed) yields byte-identical data on every machine and day.
const (
	windowEnd   int64 = 1777593600000 // 2026-05-01T00:00:00Z in ms
	windowSpan  int64 = 2 * 365 * 24 * 3600 * 1000
	windowStart       = windowEnd - windowSpan
)

// Share of users in each edge-case bucket (drawn from a per-user hash so
// whether user j is "normal" can be asked without generating it).
const (
	pDupEmail     = 0.010
	pNoEmail      = 0.005
	pInvalidEmail = 0.005
	pBanned       = 0.005
)

type category int

const (
	catNormal category = iota
	catDupEmail
	catNoEmail
	catInvalidEmail
	catBanned
)

type name struct{ display, slug string }

// Names mix ASCII and non-ASCII spellings (and one apostrophe) so the
// importer's and the UI's text handling get exercised.
var firstNames = []name{
	{"Ada", "ada"}, {"Grace", "grace"}, {"Alan", "alan"}, {"Linus", "linus"},
	{"Margaret", "margaret"}, {"José", "jose"}, {"Zoë", "zoe"}, {"Björn", "bjorn"},
	{"François", "francois"}, {"Ayşe", "ayse"}, {"Søren", "soren"}, {"Łukasz", "lukasz"},
	{"Chloé", "chloe"}, {"Mohammed", "mohammed"}, {"Priya", "priya"}, {"Wei", "wei"},
	{"Yuki", "yuki"}, {"Olusegun", "olusegun"}, {"Sofía", "sofia"}, {"Dmitri", "dmitri"},
	{"Amara", "amara"}, {"Kenji", "kenji"}, {"Fatima", "fatima"}, {"Liam", "liam"},
	{"Emma", "emma"}, {"Noah", "noah"}, {"Olivia", "olivia"}, {"Ingrid", "ingrid"},
	{"Thành", "thanh"}, {"Мария", "mariya"}, {"美咲", "misaki"}, {"Nikolaj", "nikolaj"},
}

var lastNames = []name{
	{"Lovelace", "lovelace"}, {"Hopper", "hopper"}, {"Turing", "turing"}, {"Torvalds", "torvalds"},
	{"Hamilton", "hamilton"}, {"García", "garcia"}, {"Müller", "muller"}, {"Ødegaard", "odegaard"},
	{"Dubois", "dubois"}, {"Yılmaz", "yilmaz"}, {"Kowalski", "kowalski"}, {"Nguyễn", "nguyen"},
	{"Sharma", "sharma"}, {"Chen", "chen"}, {"Tanaka", "tanaka"}, {"Okafor", "okafor"},
	{"O'Brien", "obrien"}, {"Smith", "smith"}, {"Johnson", "johnson"}, {"Schmidt", "schmidt"},
	{"Rossi", "rossi"}, {"Silva", "silva"}, {"Иванова", "ivanova"}, {"王", "wang"},
	{"Andersson", "andersson"}, {"van der Berg", "vanderberg"}, {"Novák", "novak"}, {"Haddad", "haddad"},
}

type weighted struct {
	v string
	w float64
}

var personalDomains = []weighted{
	{"gmail.com", 45}, {"outlook.com", 14}, {"yahoo.com", 10}, {"icloud.com", 10},
	{"proton.me", 6}, {"hey.com", 3}, {"acme.io", 4}, {"globex.com", 3},
	{"initech.co", 3}, {"example.org", 2},
}

var workDomains = []weighted{
	{"acme.io", 30}, {"globex.com", 25}, {"initech.co", 20}, {"umbrella-corp.org", 15}, {"hooli.xyz", 10},
}

// Providers for social sign-in; oauth_x stands for a provider AscendKit
// cannot import (~2% of all users), so the importer's fallback is tested.
var providers = []weighted{
	{"oauth_google", 63}, {"oauth_github", 14}, {"oauth_linkedin_oidc", 8},
	{"oauth_microsoft", 8}, {"oauth_apple", 4}, {"oauth_x", 3},
}

var scopes = map[string]string{
	"oauth_google":        "email https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile openid profile",
	"oauth_github":        "read:user user:email",
	"oauth_linkedin_oidc": "email openid profile",
	"oauth_microsoft":     "email offline_access openid profile User.Read",
	"oauth_apple":         "email name",
	"oauth_x":             "offline.access tweet.read users.read",
}

var invalidEmails = []string{"not-an-email", "john@", "@example.com", "jane doe@example.com"}

var metadata = []func() map[string]any{
	func() map[string]any { return map[string]any{"plan": "pro"} },
	func() map[string]any { return map[string]any{"plan": "free"} },
	func() map[string]any { return map[string]any{"plan": "team", "seats": json.Number("5")} },
	func() map[string]any { return map[string]any{"role": "admin"} },
	func() map[string]any { return map[string]any{"beta": true, "referrer": "newsletter"} },
}

// Generate returns n deterministic, realistic Clerk users for seed,
// ordered by created_at ascending. It is UserAt for i in [0, n).
func Generate(n int, seed int64) []clerk.User {
	out := make([]clerk.User, n)
	for i := range out {
		out[i] = UserAt(i, n, seed)
	}
	return out
}

// WriteJSON streams the users Generate(n, seed) would return as a JSON
// array in Clerk's wire shape (with the fields clerk.User ignores), one
// user at a time, so files of millions of users cost no memory to write.
func WriteJSON(w io.Writer, n int, seed int64) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("["); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		b, err := json.Marshal(toWire(UserAt(i, n, seed)))
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	if _, err := bw.WriteString("\n]\n"); err != nil {
		return err
	}
	return bw.Flush()
}

// UserAt returns user i of a population of n for seed. It depends only on
// (i, n, seed) — n sets the spacing of created_at over the two-year window
// — so Generate, WriteJSON and the server agree without sharing state.
func UserAt(i, n int, seed int64) clerk.User {
	if n < 1 {
		n = 1
	}
	r := rand.New(rand.NewPCG(uint64(seed), mix(uint64(i)+1)))
	cat := categoryOf(i, seed)

	first := firstNames[r.IntN(len(firstNames))]
	last := lastNames[r.IntN(len(lastNames))]
	u := clerk.User{
		ID:               userID(i, seed),
		EmailAddresses:   []clerk.EmailAddress{},
		ExternalAccounts: []clerk.ExternalAccount{},
		PublicMetadata:   map[string]any{},
		// The wire shape's empty collections, so a decoded user equals
		// the generated one.
		PhoneNumbers:       []clerk.PhoneNumber{},
		Web3Wallets:        []clerk.Web3Wallet{},
		Passkeys:           []clerk.Passkey{},
		SAMLAccounts:       []clerk.SAMLAccount{},
		EnterpriseAccounts: []clerk.EnterpriseAccount{},
		PrivateMetadata:    map[string]any{},
		UnsafeMetadata:     map[string]any{},
	}
	if r.Float64() >= 0.05 {
		u.FirstName = ptr(first.display)
	}
	if r.Float64() >= 0.07 {
		u.LastName = ptr(last.display)
	}
	// A couple of names carry a terminal escape sequence, as a hostile
	// sign-up might, so every place that prints names must sanitise them.
	if i%997 == 7 {
		u.FirstName = ptr("\x1b[31m" + first.display + "\x1b[0m")
	}
	if r.Float64() < 0.2 {
		u.Username = ptr(fmt.Sprintf("%s%s%d", first.slug, last.slug[:1], i))
	}
	if r.Float64() < 0.05 {
		u.ExternalID = ptr(fmt.Sprintf("legacy-%06d", i))
	}

	// Timestamps: created_at ascends with i, inside the two-year window.
	step := windowSpan / int64(n)
	u.CreatedAt = clerk.Millis(windowStart + windowSpan*int64(i)/int64(n))
	if step > 2 {
		u.CreatedAt += clerk.Millis(r.Int64N(step / 2))
	}
	u.UpdatedAt = u.CreatedAt + clerk.Millis(r.Int64N(windowEnd-int64(u.CreatedAt)+1))
	if r.Float64() < 0.8 {
		u.LastSignInAt = ptr(u.CreatedAt + clerk.Millis(r.Int64N(windowEnd-int64(u.CreatedAt)+1)))
	}

	u.HasImage = r.Float64() < 0.6
	if u.HasImage {
		u.ImageURL = "https://img.clerk.com/eyJ0eXBlIjoicHJveHkiLCJzcmMiOi" + suffix(mix(uint64(seed)^uint64(i)<<1), 22)
	} else {
		u.ImageURL = "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCIsImlpZCI6Imluc18yIn0"
	}
	if r.Float64() < 0.3 {
		u.PublicMetadata = metadata[r.IntN(len(metadata))]()
	}

	// Auth methods: ~45% password only, ~25% social only, ~20% both,
	// ~10% neither (email code / magic link).
	var password, social bool
	switch m := r.Float64(); {
	case m < 0.45:
		password = true
	case m < 0.70:
		social = true
	case m < 0.90:
		password, social = true, true
	}
	u.PasswordEnabled = password
	u.TwoFactorEnabled = password && r.Float64() < 0.06
	u.TOTPEnabled = u.TwoFactorEnabled
	var provs []string
	if social {
		provs = append(provs, pick(r, providers))
		if r.Float64() < 0.1 {
			if p := pick(r, providers); p != provs[0] {
				provs = append(provs, p)
			}
		}
	}

	// Primary address.
	var primary string
	switch cat {
	case catNoEmail:
	case catInvalidEmail:
		primary = invalidEmails[r.IntN(len(invalidEmails))]
	case catDupEmail:
		// Same person signing up again (or a shared inbox): an earlier
		// user's address, often typed with different capitalisation.
		j := earlierNormal(i, seed, r)
		if j < 0 {
			primary = identityEmail(i, seed)
		} else {
			primary = identityEmail(j, seed)
			if r.Float64() < 0.5 {
				primary = strings.ToUpper(primary[:1]) + primary[1:]
			}
		}
	default:
		primary = identityEmail(i, seed)
		if r.Float64() < 0.08 {
			primary = mixedCase(primary)
		}
	}
	if primary != "" {
		v := &clerk.Verification{Status: "verified", Strategy: "email_code"}
		switch {
		case cat == catInvalidEmail:
			v = &clerk.Verification{Status: "unverified", Strategy: "admin"}
		case social && !password:
			v.Strategy = "from_" + provs[0]
		case r.Float64() < 0.04:
			v.Status = "unverified"
		}
		addrs := []clerk.EmailAddress{{ID: emailID(i, 0, seed), EmailAddress: primary, Verification: v}}
		// A quarter also have a work address; the primary is not always
		// first, because Clerk does not promise any order.
		if cat == catNormal && r.Float64() < 0.25 {
			local := primaryLocal(primary)
			work := clerk.EmailAddress{
				ID:           emailID(i, 1, seed),
				EmailAddress: local + "@" + pick(r, workDomains),
				Verification: &clerk.Verification{Status: "verified", Strategy: "email_link"},
			}
			if r.Float64() < 0.3 {
				work.Verification = &clerk.Verification{Status: "unverified", Strategy: "email_code"}
			}
			if r.Float64() < 0.5 {
				addrs = []clerk.EmailAddress{work, addrs[0]}
			} else {
				addrs = append(addrs, work)
			}
		}
		u.EmailAddresses = addrs
		u.PrimaryEmailAddressID = ptr(emailID(i, 0, seed))
	}

	for k, p := range provs {
		ea := clerk.ExternalAccount{
			ID:             fmt.Sprintf("eac_%s%s", seq(i), suffix(mix(uint64(seed)+uint64(i)*31+uint64(k)+7), 17)),
			Provider:       p,
			ProviderUserID: providerUserID(p, r),
			EmailAddress:   strings.ToLower(primary),
			ApprovedScopes: scopes[p],
			Verification:   &clerk.Verification{Status: "verified", Strategy: p},
		}
		u.ExternalAccounts = append(u.ExternalAccounts, ea)
	}

	if cat == catBanned {
		u.Banned = true
	}
	return u
}

// categoryOf draws user i's edge-case bucket from a hash of (seed, i), so
// the dup-email case can find an earlier "normal" user cheaply.
func categoryOf(i int, seed int64) category {
	u := float64(mix(uint64(seed)*0x9E3779B97F4A7C15^uint64(i)+0x632BE59BD9B4E019)>>11) / (1 << 53)
	switch {
	case u < pDupEmail:
		if i == 0 {
			return catNormal
		}
		return catDupEmail
	case u < pDupEmail+pNoEmail:
		return catNoEmail
	case u < pDupEmail+pNoEmail+pInvalidEmail:
		return catInvalidEmail
	case u < pDupEmail+pNoEmail+pInvalidEmail+pBanned:
		return catBanned
	}
	return catNormal
}

// earlierNormal picks an earlier user whose primary address is its own
// identity address (normal or banned), or -1 if there is none.
func earlierNormal(i int, seed int64, r *rand.Rand) int {
	for tries := 0; tries < 16 && i > 0; tries++ {
		j := r.IntN(i)
		if c := categoryOf(j, seed); c == catNormal || c == catBanned {
			return j
		}
	}
	return -1
}

// identityEmail is user i's own address, lower case. The local part ends
// with i, which keeps distinct users' addresses distinct.
func identityEmail(i int, seed int64) string {
	r := rand.New(rand.NewPCG(uint64(seed), mix(uint64(i)+1)))
	first := firstNames[r.IntN(len(firstNames))]
	last := lastNames[r.IntN(len(lastNames))]
	h := mix(uint64(seed) ^ uint64(i)*0xBF58476D1CE4E5B9)
	var local string
	switch h % 4 {
	case 0:
		local = fmt.Sprintf("%s.%s%d", first.slug, last.slug, i)
	case 1:
		local = fmt.Sprintf("%s%s%d", first.slug[:1], last.slug, i)
	case 2:
		local = fmt.Sprintf("%s_%s%d", first.slug, last.slug, i)
	default:
		local = fmt.Sprintf("%s%d", first.slug, i)
	}
	hr := rand.New(rand.NewPCG(h, uint64(i)))
	return local + "@" + pick(hr, personalDomains)
}

func primaryLocal(addr string) string {
	if at := strings.IndexByte(addr, '@'); at > 0 {
		return strings.ToLower(addr[:at])
	}
	return "user"
}

// mixedCase capitalises like "Ada.Lovelace3@Gmail.com", which real users
// type and which dedupe must see through.
func mixedCase(addr string) string {
	b := []byte(addr)
	up := true
	for k, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[k] = c - 'a' + 'A'
		}
		up = c == '.' || c == '_' || c == '@'
	}
	return string(b)
}

func providerUserID(p string, r *rand.Rand) string {
	switch p {
	case "oauth_google":
		return fmt.Sprintf("10%019d", r.Uint64()%1e19)
	case "oauth_github":
		return fmt.Sprintf("%d", 1000000+r.IntN(150000000))
	case "oauth_apple":
		return fmt.Sprintf("%06d.%s.%04d", r.IntN(1e6), suffix(r.Uint64(), 32), r.IntN(1e4))
	default:
		return suffix(r.Uint64(), 12)
	}
}

func pick(r *rand.Rand, ws []weighted) string {
	total := 0.0
	for _, w := range ws {
		total += w.w
	}
	x := r.Float64() * total
	for _, w := range ws {
		if x < w.w {
			return w.v
		}
		x -= w.w
	}
	return ws[len(ws)-1].v
}

// userID mimics Clerk's "user_2…" ids: a sortable index part (so ids are
// unique and ascend with created_at) and a hash part for realism.
func userID(i int, seed int64) string {
	return "user_2" + seq(i) + suffix(mix(uint64(seed)^uint64(i)), 18)
}

func emailID(i, k int, seed int64) string {
	return fmt.Sprintf("idn_2%s%d%s", seq(i), k, suffix(mix(uint64(seed)+uint64(i)*7+uint64(k)), 17))
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// seq encodes i as 8 fixed-width base-62 digits (ASCII order = numeric).
func seq(i int) string {
	var b [8]byte
	v := uint64(i)
	for k := len(b) - 1; k >= 0; k-- {
		b[k] = base62[v%62]
		v /= 62
	}
	return string(b[:])
}

// suffix returns n pseudo-random base-62 characters derived from h.
func suffix(h uint64, n int) string {
	b := make([]byte, n)
	for k := range b {
		h = mix(h + uint64(k))
		b[k] = base62[h%62]
	}
	return string(b)
}

// mix is SplitMix64's finaliser: a cheap, well-spread hash.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

func ptr[T any](v T) *T { return &v }
