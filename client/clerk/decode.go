package clerk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"

	"github.com/ascendkit/ascendkit/client/ascendkit/emailaddr"
)

// pageSize is how many records a file source yields per Next call, and the
// API's maximum `limit`. Both sources use the same size so the importer sees
// pages of a similar shape whatever the origin.
const pageSize = 500

// pageBytes ends a file's page early when its records add up to more:
// users with much metadata (each record may hold 1 MiB) would otherwise
// make a page, and the pages the pipeline holds, hundreds of megabytes.
const pageBytes = 16 << 20

// decodeUser turns one JSON element into a Record. It never fails the
// stream: a bad element becomes a Record with Err and Raw so the importer
// can report it and carry on with the others.
func decodeUser(raw json.RawMessage, pos int) Record {
	rec, _ := decodeRecord(raw, pos)
	return rec
}

// decodeRecord is decodeUser that also says whether the record was a flat
// export record (support JSON, migrate or migration-tool shape) rather than
// a Backend API user, so a file source can name its format.
func decodeRecord(raw json.RawMessage, pos int) (Record, bool) {
	return decodeRecordMode(raw, pos, false)
}

// decodeRecordMode is decodeRecord; reference skips the shortcuts (go-json's
// UnmarshalOf, lists made straight from the API's objects, metadata by
// go-json), so that FuzzFastPath can hold them to the decoder they stand
// in for.
func decodeRecordMode(raw json.RawMessage, pos int, reference bool) (Record, bool) {
	trimmed := trimSpace(raw)
	bad := func(format string, args ...any) (Record, bool) {
		return Record{Pos: pos, Err: fmt.Errorf("record %d%s: "+format, append([]any{pos, idHint(trimmed)}, args...)...), Raw: raw, ID: shownID(malformedID(trimmed))}, false
	}
	if len(trimmed) > maxRecordBytes {
		return tooLargeRecord(pos, trimmed, int64(len(trimmed))), false
	}
	// encoding/json silently accepts `null` for a struct (leaving it zero),
	// which would smuggle an empty user through; only objects are users.
	if len(trimmed) == 0 || trimmed[0] != '{' {
		kind := jsonKind(trimmed)
		if !json.Valid(trimmed) {
			kind = "invalid JSON"
		}
		return Record{Pos: pos, Err: fmt.Errorf("record %d: expected a user object, got %s", pos, kind), Raw: raw}, false
	}
	// encoding/json turns bad UTF-8 and lone surrogates into U+FFFD without
	// a word; an address or name silently rewritten must not be imported.
	if !utf8.Valid(trimmed) {
		return bad("contains bytes that are not valid UTF-8 (at byte %d of the record)%s", firstInvalidUTF8(trimmed)+1, notUTF8Hint)
	}
	if esc := loneSurrogate(trimmed); esc != "" {
		return bad("contains a lone UTF-16 surrogate escape (%s), which is not a character", esc)
	}
	// go-json decodes a record about twice as fast as encoding/json, which
	// made decoding most of a preview's time. encoding/json stays the
	// reference: a record go-json rejects is decoded again by it, so what
	// is accepted and how an error reads do not depend on the fast path
	// (FuzzDecoderParity holds the two to the same results).
	var w wireUser
	// UnmarshalOf decodes into a pooled value and copies it out, so w
	// stays on the stack rather than being one more allocation per user.
	if reference || gojson.UnmarshalOf(trimmed, &w) != nil {
		var err error
		if w, err = slowWireUser(trimmed); err != nil {
			return bad("%w", describeJSONError(err))
		}
	}
	if camelCased(&w, trimmed) {
		if snake, ok := snakeRecord(trimmed); ok {
			if w, err := slowWireUser(snake); err == nil {
				return userRecord(&w, raw, pos, reference, bad)
			}
		}
	}
	return userRecord(&w, raw, pos, reference, bad)
}

// userRecord is the Record of a decoded record w.
func userRecord(w *wireUser, raw json.RawMessage, pos int, reference bool, bad func(string, ...any) (Record, bool)) (Record, bool) {
	u, flat, err := w.user(reference)
	if err != nil {
		return bad("%w", err)
	}
	// Every downstream step keys on the Clerk id (dedupe, sourceId, resume),
	// so a user without one cannot be imported meaningfully.
	if u.ID == "" {
		return Record{Pos: pos, Err: fmt.Errorf("record %d: user has no \"id\"", pos), Raw: raw}, false
	}
	// A digest where a name or an id belongs (fields swapped by a
	// hand-made mapping, as migration-script files are) would be printed
	// in the entries, the terminal and sourceId; the CSV reader refuses
	// such a row too (misplacedDigest).
	if !flat && !u.shapeless {
		return Record{Pos: pos, User: u}, flat
	}
	if field := digestOutOfPlace(u); field != "" {
		id, hint := shownID(u.ID), ""
		if id != "" {
			hint = idHintOf(id)
		}
		return Record{Pos: pos, ID: id, Err: fmt.Errorf("record %d%s: %s holds what looks like a password digest (not shown): are the record's fields swapped?", pos, hint, field), Raw: raw}, false
	}
	return Record{Pos: pos, User: u}, flat
}

// shownID is id, or "" when it looks like a password digest (fields
// swapped): such an id is named nowhere, not even as a record's.
func shownID(id string) string {
	if looksLikeDigest(strings.TrimSpace(id)) {
		return ""
	}
	return id
}

// digestOutOfPlace names the first field of u that a report prints (its
// id, username, names, an email or a phone) holding what looks like a
// password digest; "" when none does. Only flat records are asked: an API
// user's fields are Clerk's, not a hand-made mapping's.
func digestOutOfPlace(u *User) string {
	for _, f := range []struct {
		name string
		v    *string
	}{{"id", &u.ID}, {"username", u.Username}, {"first_name", u.FirstName}, {"last_name", u.LastName},
		{"external_id", u.ExternalID}, {"image_url", &u.ImageURL}} {
		if f.v != nil && looksLikeDigest(strings.TrimSpace(*f.v)) {
			return quote(f.name)
		}
	}
	for _, e := range u.EmailAddresses {
		if looksLikeDigest(strings.TrimSpace(e.EmailAddress)) {
			return "an email address"
		}
	}
	for _, p := range u.PhoneNumbers {
		if looksLikeDigest(strings.TrimSpace(p.PhoneNumber)) {
			return "a phone number"
		}
	}
	return ""
}

// slowWireUser decodes a record with go-json's Unmarshal, then
// encoding/json's. It is apart from decodeRecordMode so that only this
// path pays for the heap copy of the wireUser they need.
func slowWireUser(b []byte) (wireUser, error) {
	var w wireUser
	if gojson.Unmarshal(b, &w) == nil {
		return w, nil
	}
	w = wireUser{}
	err := json.Unmarshal(b, &w)
	return w, err
}

// tooLarge is the reason given for a record over the size limit.
func tooLarge(n int64) string {
	return fmt.Sprintf("record is larger than 1 MiB (%d bytes); skipped without reading it into memory", n)
}

// view is a field's JSON as a slice of the record being decoded, not a
// copy (json.RawMessage copies): decodeRecord interprets every view before
// it returns, while the record's bytes are still in place.
type view []byte

// UnmarshalJSON implements json.Unmarshaler without copying.
func (v *view) UnmarshalJSON(b []byte) error {
	*v = b
	return nil
}

// wireUser is a user as any JSON export writes it: the Backend API fields,
// with the fields whose shape varies between exports shadowed by raw
// values that user() interprets one by one.
type wireUser struct {
	User
	EmailAddresses   view `json:"email_addresses"`
	PhoneNumbers     view `json:"phone_numbers"`
	PrimaryEmail     view `json:"primary_email_address"`
	VerifiedEmails   view `json:"verified_email_addresses"`
	UnverifiedEmails view `json:"unverified_email_addresses"`
	PrimaryPhone     view `json:"primary_phone_number"`
	VerifiedPhones   view `json:"verified_phone_numbers"`
	UnverifiedPhones view `json:"unverified_phone_numbers"`
	PasswordDigest   view `json:"password_digest"`
	// PasswordEnabled shadows User's so that its absence can be told
	// from false (see User.PasswordUnknown).
	PasswordEnabled view `json:"password_enabled"`
	// HasImage shadows User's: without it (exports that leave it out)
	// an image_url is taken to be the user's own.
	HasImage view `json:"has_image"`
	// Banned shadows User's, so that its absence can be told from false
	// (see User.banUnknown).
	Banned view `json:"banned"`
	// The other flags shadow User's too, so that each is read by one
	// rule (boolField): a string "true"/"yes" as true, a word that is no
	// flag as a malformed record, never silently false.
	Locked            view `json:"locked"`
	Deprovisioned     view `json:"deprovisioned"`
	TwoFactorEnabled  view `json:"two_factor_enabled"`
	TOTPEnabled       view `json:"totp_enabled"`
	BackupCodeEnabled view `json:"backup_code_enabled"`
	// Only the presence of these secrets matters; their values are
	// dropped with the raw record.
	TOTPSecret         view `json:"totp_secret"`
	BackupCodes        view `json:"backup_codes"`
	BackupCodesEnabled view `json:"backup_codes_enabled"`
	// mfa_enabled is the flat exports' word for two_factor_enabled
	// (clerk/migration-script's samples): SMS codes leave no secret.
	MFAEnabled      view `json:"mfa_enabled"`
	PublicMetadata  view `json:"public_metadata"`
	PrivateMetadata view `json:"private_metadata"`
	UnsafeMetadata  view `json:"unsafe_metadata"`
	LastSignInAt    view `json:"last_sign_in_at"`
	LegalAcceptedAt view `json:"legal_accepted_at"`
	CreatedAt       view `json:"created_at"`
	UpdatedAt       view `json:"updated_at"`
}

// user normalises w into the Backend API shape; flat reports a non-API
// record shape. reference skips the shortcuts (see decodeRecordMode).
func (w *wireUser) user(reference bool) (*User, bool, error) {
	u := w.User
	var err error
	if u.PasswordDigest, err = secretField("password_digest", w.PasswordDigest); err != nil {
		return nil, false, err
	}
	// A hasher without a digest is a digest erased (see the CSV reader).
	pwOn, err := boolField("password_enabled", w.PasswordEnabled)
	if err != nil {
		return nil, false, err
	}
	u.PasswordEnabled = pwOn || u.PasswordDigest != "" || strings.TrimSpace(u.PasswordHasher) != ""
	// has_image only says whose the image is: a word that is no flag
	// costs the user nothing (read as false), not the whole record.
	imageOn, _ := boolField("has_image", w.HasImage)
	u.HasImage = imageOn || (isNull(w.HasImage) && strings.TrimSpace(u.ImageURL) != "")
	// Who may sign in is not guessed: a word that is no flag makes the
	// record malformed, as for the CSV's columns.
	for _, f := range []struct {
		name string
		raw  view
		dst  *bool
	}{{"banned", w.Banned, &u.Banned}, {"locked", w.Locked, &u.Locked}, {"deprovisioned", w.Deprovisioned, &u.Deprovisioned}} {
		if *f.dst, err = boolField(f.name, f.raw); err != nil {
			return nil, false, err
		}
	}
	// A second factor only tags the user for re-enrolment (mfaFlag).
	u.TwoFactorEnabled = mfaFlag(w.TwoFactorEnabled)
	u.TOTPEnabled = mfaFlag(w.TOTPEnabled)
	u.BackupCodeEnabled = mfaFlag(w.BackupCodeEnabled)
	if present(w.TOTPSecret) {
		u.TOTPEnabled, u.TwoFactorEnabled = true, true
	}
	if mfaFlag(w.BackupCodesEnabled) || present(w.BackupCodes) {
		u.BackupCodeEnabled, u.TwoFactorEnabled = true, true
	}
	u.TwoFactorEnabled = u.TwoFactorEnabled || mfaFlag(w.MFAEnabled)
	if u.CreatedAt, _, err = parseMillisField("created_at", w.CreatedAt); err != nil {
		return nil, false, err
	}
	// Nothing is made of updated_at: a value no reader understands costs
	// the user nothing, not the whole record.
	u.UpdatedAt, _, _ = parseMillis(w.UpdatedAt)
	if ms, set, err := parseMillis(w.LegalAcceptedAt); err == nil && set {
		u.LegalAcceptedAt = &ms // nor of legal_accepted_at, kept only when read
	}
	if ms, set, err := parseMillisField("last_sign_in_at", w.LastSignInAt); err != nil {
		return nil, false, err
	} else if set {
		u.LastSignInAt = &ms
	}
	for _, md := range []struct {
		name string
		raw  view
		dst  *map[string]any
	}{{"public_metadata", w.PublicMetadata, &u.PublicMetadata}, {"private_metadata", w.PrivateMetadata, &u.PrivateMetadata}, {"unsafe_metadata", w.UnsafeMetadata, &u.UnsafeMetadata}} {
		if *md.dst, err = metadataField(md.name, md.raw, reference); err != nil {
			return nil, false, err
		}
	}
	if n := len(u.ExternalAccounts); n > maxExternal {
		return nil, false, fmt.Errorf("has %d external accounts, more than the %d a real user can have", n, maxExternal)
	}
	recoverExternalID(&u)

	var primary *string
	var emailsFlat, phonesFlat bool
	u.EmailAddresses, primary, emailsFlat, err = addressList("email", reference, w.EmailAddresses, w.PrimaryEmail, w.VerifiedEmails, w.UnverifiedEmails,
		func(id ident) EmailAddress {
			return EmailAddress{ID: id.ID, EmailAddress: id.Value, Verification: id.Verification}
		})
	if err != nil {
		return nil, false, err
	}
	if u.PrimaryEmailAddressID == nil {
		u.PrimaryEmailAddressID = primary
	}
	u.EmailStatusUnknown = emailsFlat
	u.PhoneNumbers, primary, phonesFlat, err = addressList("phone", reference, w.PhoneNumbers, w.PrimaryPhone, w.VerifiedPhones, w.UnverifiedPhones,
		func(id ident) PhoneNumber {
			return PhoneNumber{ID: id.ID, PhoneNumber: id.Value, Verification: id.Verification}
		})
	if err != nil {
		return nil, false, err
	}
	if u.PrimaryPhoneNumberID == nil {
		u.PrimaryPhoneNumberID = primary
	}
	// A digest or TOTP key says "flat" only where the addresses do not say
	// otherwise: tools write "password_digest" into API-shaped users too.
	// Null addresses (a username-only user of Clerk support's file) say
	// nothing either way.
	flat := emailsFlat || phonesFlat ||
		(isNull(w.EmailAddresses) && isNull(w.PhoneNumbers) && (w.PasswordDigest != nil || w.TOTPSecret != nil))
	// An API user always has email_addresses and phone_numbers (maybe
	// empty); a record with neither could be of any format.
	u.shapeless = !flat && isNull(w.EmailAddresses) && isNull(w.PhoneNumbers)
	// An API user always says password_enabled; a flat record that says
	// neither it nor password_digest does not know.
	u.PasswordUnknown = (flat || u.shapeless) && w.PasswordEnabled == nil && w.PasswordDigest == nil && strings.TrimSpace(u.PasswordHasher) == ""
	// Likewise OAuth: an API user always has external_accounts; and bans.
	u.OAuthUnknown = (flat || u.shapeless) && u.ExternalAccounts == nil
	u.banUnknown = (flat || u.shapeless) && isNull(w.Banned)
	u.lockUnknown = (flat || u.shapeless) && isNull(w.Locked)
	return &u, flat, nil
}

// boolField reads a JSON flag: true or false, absent or null as false,
// and, as tools that write flat records (a spreadsheet turned into JSON)
// write them and clerk/cli's import reads them, 1 and 0 or a flagWord as
// text; anything else is an error.
func boolField(name string, raw view) (bool, error) {
	v := trimSpace(raw)
	switch string(v) { // every API user's, without a string made
	case "", "null", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	var text string
	if v[0] == '"' && json.Unmarshal(v, &text) == nil {
		if on, ok := flagWord(text); ok {
			return on, nil
		}
		// The text, quoted once: "maybe", not "\"maybe\"".
		return false, fmt.Errorf("%s is the text %s, not true or false (nor yes/no, 1/0)", name, preview([]byte(text)))
	}
	return false, fmt.Errorf("%s is %s, not true or false", name, preview(v))
}

// flagWord reads a flag written as a word, in any case and with spaces
// around: true/false, 1/0, yes/no, y/n, t/f; "" is false. ok is false for
// any other word. The CSV reader's flag columns and boolField share it.
func flagWord(w string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(w)) {
	case "", "false", "0", "no", "n", "f":
		return false, true
	case "true", "1", "yes", "y", "t":
		return true, true
	}
	return false, false
}

// isNull reports a field that is absent or JSON null.
func isNull(raw view) bool {
	raw = trimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// emptyIfArray returns an empty slice when raw is a JSON array, else nil.
func emptyIfArray[T any](raw view) []T {
	if raw = trimSpace(raw); len(raw) > 0 && raw[0] == '[' {
		return []T{}
	}
	return nil
}

// addressList reads a user's emails (kind "email") or phones from the
// four fields that describe them and makes them T by mk. primary is the
// id of the primary the lists name, if they do; flat reports a non-API
// shape. The API's shape (only the list, of objects that all have ids)
// is made straight from the decoded objects unless reference: build
// would leave it as it is (ids keep every object, none gets an id or a
// status, and no primary is chosen).
func addressList[T any](kind string, reference bool, all, primary, verified, unverified view, mk func(ident) T) (list []T, primaryID *string, flat bool, err error) {
	if !reference && primary == nil && verified == nil && unverified == nil {
		if objs, ok := apiObjects(all); ok {
			list = make([]T, len(objs))
			for i, o := range objs {
				list[i] = mk(o.ident(kind))
			}
			return list, nil, false, nil
		}
	}
	l, err := readLists(kind, all, primary, verified, unverified)
	if err != nil {
		return nil, nil, false, err
	}
	// An address named by primary_email_address (primary_phone_number) is
	// verified unless listed as unverified: `clerk migrate export` only
	// promotes a verified address to primary, and Clerk's import tools,
	// which read these shapes, create the primary verified.
	l.primaryVerified = l.primary != ""
	// An empty array stays an empty (non-nil) slice, as encoding/json
	// would leave it: API users round-trip unchanged.
	list = emptyIfArray[T](all)
	if ids := l.build(kind, &primaryID); len(ids) > 0 {
		list = make([]T, len(ids))
		for i, id := range ids {
			list[i] = mk(id)
		}
	}
	return list, primaryID, l.flat, nil
}

// apiObjects decodes raw when it is what the API sends, a non-empty array
// of objects that all have ids, as identsField would; ok is false for
// anything else.
func apiObjects(raw view) (objs []identObject, ok bool) {
	raw = trimSpace(raw)
	if len(raw) < 2 || raw[0] != '[' {
		return nil, false
	}
	if first := bytes.TrimLeft(raw[1:], " \t\r\n"); len(first) == 0 || first[0] != '{' {
		return nil, false
	}
	if gojson.UnmarshalOf(raw, &objs) != nil { // see decodeRecord
		return nil, false
	}
	for _, o := range objs {
		if o.ID == "" {
			return nil, false
		}
	}
	return objs, true
}

// readLists reads the four fields that describe a user's emails (or phones).
func readLists(kind string, all, primary, verified, unverified view) (identLists, error) {
	var l identLists
	var err error
	plural := "email_addresses"
	if kind == "phone" {
		plural = "phone_numbers"
	}
	if l.all, l.flat, err = identsField(plural, kind, all); err != nil {
		return l, err
	}
	names := [3]string{"primary_email_address", "verified_email_addresses", "unverified_email_addresses"}
	if kind == "phone" {
		names = [3]string{"primary_phone_number", "verified_phone_numbers", "unverified_phone_numbers"}
	}
	var p []string
	if p, err = valuesField(names[0], kind, primary); err != nil {
		return l, err
	}
	if primary != nil {
		l.flat = true
	}
	if l.verified, err = valuesField(names[1], kind, verified); err != nil {
		return l, err
	}
	if l.unverified, err = valuesField(names[2], kind, unverified); err != nil {
		return l, err
	}
	if len(p) > 0 {
		l.primary = p[0]
		l.verified = append(extraPrimaries(kind, p[1:], l.unverified), l.verified...)
	}
	l.listed = verified != nil || unverified != nil
	if l.listed {
		l.flat = true
	}
	return l, nil
}

// extraPrimaries are the values after the first of a primary field that
// lists several: clerk/migration-script's `email` and `phone` are
// "Primary verified email address(es)" (string or string[]) and its
// importer makes the first primary and every one verified. One the
// source lists as unverified stays so: the explicit status wins.
func extraPrimaries(kind string, p []string, unverified []string) []string {
	out := make([]string, 0, len(p))
	for _, v := range p {
		if !slices.ContainsFunc(unverified, func(u string) bool { return identKey(kind, u) == identKey(kind, v) }) {
			out = append(out, v)
		}
	}
	return out
}

func valuesField(name, kind string, raw view) ([]string, error) {
	ids, _, err := identsField(name, kind, raw)
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, id.Value)
	}
	return out, err
}

// ident is one email address or phone number before normalisation.
type ident struct {
	ID           string
	Value        string
	Verification *Verification
}

// identObject is the object form of an address or number in any export.
type identObject struct {
	ID           string        `json:"id"`
	EmailAddress string        `json:"email_address"`
	PhoneNumber  string        `json:"phone_number"`
	Verification *Verification `json:"verification"`
}

func (o identObject) ident(kind string) ident {
	v := o.EmailAddress
	if kind == "phone" {
		v = o.PhoneNumber
	}
	return ident{ID: o.ID, Value: v, Verification: o.Verification}
}

// identsField reads a field that exports write as an array of objects, an
// array of strings, one string of values separated by listSeps (`|` for
// phone numbers), or null.
// flat is set when the values came as strings (whose first is then the
// primary).
func identsField(name, kind string, raw view) (ids []ident, flat bool, err error) {
	raw = trimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false, nil
	}
	switch raw[0] {
	case '"':
		s, err := jsonString(raw)
		if err != nil {
			return nil, false, fmt.Errorf("field %q: %w", name, err)
		}
		seps := listSeps
		if kind == "phone" {
			seps = "|" // see listSeps
		}
		for _, v := range splitMulti(s, seps) {
			ids = append(ids, ident{Value: v})
		}
		return ids, true, nil
	case '[':
	default:
		return nil, false, fmt.Errorf("field %q: got %s, want an array, a string or null", name, jsonKind(raw))
	}
	// An empty array (most users' phone_numbers) needs no decoder.
	if raw[len(raw)-1] == ']' && len(trimSpace(raw[1:len(raw)-1])) == 0 {
		return nil, false, nil
	}
	// The API's shape, an array of objects, decodes in one pass; other
	// element kinds fall through to the element-by-element path.
	if first := bytes.TrimLeft(raw[1:], " \t\r\n"); len(first) > 0 && first[0] == '{' {
		var objs []identObject
		if gojson.Unmarshal(raw, &objs) == nil { // see decodeRecord
			ids = make([]ident, 0, len(objs))
			for _, o := range objs {
				ids = append(ids, o.ident(kind))
			}
			return ids, false, nil
		}
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, false, fmt.Errorf("field %q: %w", name, describeJSONError(err))
	}
	for i, e := range elems {
		switch {
		case len(e) == 0 || string(e) == "null":
		case e[0] == '"':
			s, err := jsonString(e)
			if err != nil {
				return nil, false, fmt.Errorf("field %q[%d]: %w", name, i, err)
			}
			if s = strings.TrimSpace(s); s != "" {
				ids = append(ids, ident{Value: s})
				flat = true
			}
		case e[0] == '{':
			var o identObject
			if err := json.Unmarshal(e, &o); err != nil {
				return nil, false, fmt.Errorf("field %q[%d]: %w", name, i, describeJSONError(err))
			}
			ids = append(ids, o.ident(kind))
		default:
			return nil, false, fmt.Errorf("field %q[%d]: got %s, want an object or a string", name, i, jsonKind(e))
		}
	}
	return ids, flat, nil
}

// identLists is what an export says about a user's emails (or phones):
// the full list, the primary, and which are verified.
type identLists struct {
	all                  []ident
	primary              string
	verified, unverified []string
	// listed: verified/unverified lists were given, so a value in neither
	// is not verified (except a primaryVerified primary).
	listed          bool
	primaryVerified bool
	// flat: the values came as strings, as in exports other than the API.
	flat bool
}

// identKey is the form in which two spellings of one email (or phone)
// are one: an address as the environment stores and compares it (case,
// Unicode form, IDN domain: emailaddr.Canonical), a number by its digits
// and plus sign, however spaced or dashed. Compared in any weaker form, a
// primary spelt max@xn--bcher-kva.de missed its own "unverified" entry
// max@bücher.de and was taken as verified.
func identKey(kind, v string) string {
	if kind == "phone" {
		k := strings.Map(func(r rune) rune {
			if r == '+' || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, v)
		if strings.Trim(k, "+") == "" {
			return strings.ToLower(v) // no number at all: as written
		}
		return k
	}
	return emailaddr.Canonical(v)
}

// build merges the lists into one list of identities, each once (compared
// by identKey), with generated ids where the export had none and a
// verification status from the lists. *primary is set to the primary's id
// when the export names one: explicitly, or as the first of a flat list.
func (l identLists) build(kind string, primary **string) []ident {
	if len(l.all) == 0 && l.primary == "" && len(l.verified) == 0 && len(l.unverified) == 0 {
		return nil // most users' phone_numbers: nothing to merge
	}
	prefix := kind
	out := make([]ident, 0, len(l.all)+1)
	// A map, not a scan: a 1 MiB record can list 100 000 addresses.
	seen := make(map[string]int, len(l.all)+1)
	index := func(v string) int {
		if i, ok := seen[identKey(kind, v)]; ok {
			return i
		}
		return -1
	}
	push := func(id ident) int {
		out = append(out, id)
		if k := identKey(kind, id.Value); index(id.Value) < 0 {
			seen[k] = len(out) - 1
		}
		return len(out) - 1
	}
	add := func(v string) int {
		if i := index(v); i >= 0 {
			return i
		}
		return push(ident{Value: v})
	}
	for _, id := range l.all {
		// Objects keep their ids (primary_*_id points at one), even when
		// two carry the same value; bare strings are merged.
		if id.ID == "" && (id.Value == "" || index(id.Value) >= 0) {
			continue
		}
		push(id)
	}
	p := -1
	switch {
	case l.primary != "":
		p = add(l.primary)
	case l.flat && len(out) > 0:
		p = 0
	}
	setStatus := func(i int, status string) {
		if out[i].Verification == nil {
			out[i].Verification = &Verification{Status: status}
		}
	}
	for _, v := range l.verified {
		setStatus(add(v), verificationVerified)
	}
	for _, v := range l.unverified {
		setStatus(add(v), verificationPending)
	}
	if p >= 0 && l.primaryVerified {
		setStatus(p, verificationVerified)
	}
	if l.listed {
		for i := range out {
			setStatus(i, verificationPending)
		}
	}
	for i := range out {
		if out[i].ID == "" {
			out[i].ID = fmt.Sprintf("%s_%d", prefix, i)
		}
	}
	if p >= 0 {
		id := out[p].ID
		*primary = &id
	}
	return out
}

// secretField reads a digest (a string or null) without echoing it in
// any error.
func secretField(name string, raw view) (Secret, error) {
	raw = trimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] != '"' {
		return "", fmt.Errorf("field %q: got %s, want a string or null", name, jsonKind(raw))
	}
	s, err := jsonString(raw)
	if err != nil {
		return "", fmt.Errorf("field %q: got %s, want a string or null", name, jsonKind(raw))
	}
	return Secret(strings.TrimSpace(s)), nil
}

// jsonString decodes raw, a JSON string, as json.Unmarshal does. One of
// printable ASCII without escapes (every password digest and most
// identifiers) is cut out directly: Unmarshal's reflection cost more
// than the rest of the field's handling, for a field every user has.
func jsonString(raw []byte) (string, error) {
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' {
		plain := true
		for _, c := range raw[1 : n-1] {
			if c < 0x20 || c >= utf8.RuneSelf || c == '\\' || c == '"' {
				plain = false
				break
			}
		}
		if plain {
			return string(raw[1 : n-1]), nil
		}
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// present reports a non-null, non-empty value (a secret's presence).
func present(raw view) bool {
	raw = trimSpace(raw)
	switch string(raw) {
	case "", "null", `""`, "[]", "{}":
		return false
	}
	return true
}

// emptyArray reports whether b (trimmed) is an empty JSON array.
func emptyArray(b []byte) bool {
	return len(b) >= 2 && b[0] == '[' && b[len(b)-1] == ']' && len(trimSpace(b[1:len(b)-1])) == 0
}

// metadataField decodes a metadata object, bounded in size. Numbers stay
// json.Number so 64-bit ids keep every digit.
func metadataField(name string, raw view, reference bool) (map[string]any, error) {
	raw = trimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if len(raw) > maxMetadataBytes {
		return nil, fmt.Errorf("field %q is larger than 256 KiB (%d bytes)", name, len(raw))
	}
	if raw[0] == '"' {
		// The object written as JSON text, as tools that flatten users
		// write it (and clerk/cli reads it); empty text is no metadata.
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return nil, fmt.Errorf("field %q: %w", name, describeJSONError(err))
		}
		if text = strings.TrimSpace(text); text == "" || text == "null" || emptyArray([]byte(text)) {
			return nil, nil
		}
		if !strings.HasPrefix(text, "{") {
			return nil, fmt.Errorf("field %q: got a string that is not a JSON object, want an object", name)
		}
		raw = view(text)
	}
	if emptyArray(raw) {
		// An empty object as PHP's json_encode (and tools built on it)
		// writes one: no metadata, not a user lost over it.
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, fmt.Errorf("field %q: got %s, want an object", name, jsonKind(raw))
	}
	if string(raw) == "{}" {
		return map[string]any{}, nil
	}
	var m map[string]any
	// go-json with numbers as json.Number, from the bytes in place: the
	// encoding/json Decoder below copies them into its buffer first and
	// decodes with reflection. It stays the reference and words the error
	// for metadata go-json rejects (FuzzDecoderParity holds the two to the
	// same maps).
	if !reference && gojsonUseNumber != nil && gojson.UnmarshalWithOption(raw, &m, gojsonUseNumber) == nil {
		return m, nil
	}
	m = nil
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("field %q: %w", name, describeJSONError(err))
	}
	// A Decoder stops after the first value: anything after it (JSON
	// text holding two objects, a CSV cell with more) would be lost.
	var extra json.RawMessage
	if dec.Decode(&extra) != io.EOF {
		return nil, fmt.Errorf("field %q: more follows the metadata object", name)
	}
	return m, nil
}

// gojsonUseNumber is go-json's Decoder.UseNumber as an option of
// UnmarshalWithOption, which go-json does not export: the flag is read off
// a Decoder. nil if that does not give numbers as json.Number.
var gojsonUseNumber = func() gojson.DecodeOptionFunc {
	d := gojson.NewDecoder(strings.NewReader(`{"n":1}`))
	d.UseNumber()
	var flags gojson.DecodeOption
	var probe map[string]any
	if d.DecodeWithOption(&probe, func(o *gojson.DecodeOption) { flags.Flags = o.Flags }) != nil {
		return nil
	}
	opt := func(o *gojson.DecodeOption) { o.Flags |= flags.Flags }
	var m map[string]any
	if gojson.UnmarshalWithOption([]byte(`{"n":12345678901234567890}`), &m, opt) != nil || m["n"] != json.Number("12345678901234567890") {
		return nil
	}
	return opt
}()

// recoverExternalID undoes `clerk migrate export`, which moves a user's
// external_id into private_metadata.clerkExternalId. Only that key: an
// app's own private_metadata.external_id is its data, not the user's
// Clerk external_id. The key only carried the id, so it is removed once
// the id is back (or when it repeats the external_id the user has), and
// the user's private metadata is the same as the API gives; a key that
// differs from the user's external_id is the app's own and stays.
func recoverExternalID(u *User) {
	v, ok := u.PrivateMetadata["clerkExternalId"].(string)
	if !ok || v == "" {
		return
	}
	switch {
	case u.ExternalID == nil || *u.ExternalID == "":
		id := v // only a found id escapes to the heap
		u.ExternalID = &id
	case *u.ExternalID != v:
		return
	}
	delete(u.PrivateMetadata, "clerkExternalId")
}

// loneSurrogate returns the first \uXXXX escape in b that encodes half of
// a UTF-16 pair without its other half, or "".
func loneSurrogate(b []byte) string {
	hex := func(i int) (rune, bool) {
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
			return 0, false
		}
		var r rune
		for _, c := range b[i+2 : i+6] {
			switch {
			case c >= '0' && c <= '9':
				r = r<<4 | rune(c-'0')
			case c >= 'a' && c <= 'f':
				r = r<<4 | rune(c-'a'+10)
			case c >= 'A' && c <= 'F':
				r = r<<4 | rune(c-'A'+10)
			default:
				return 0, false
			}
		}
		return r, true
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			// Jump to the next backslash: most records have none.
			j := bytes.IndexByte(b[i:], '\\')
			if j < 0 {
				return ""
			}
			i += j
		}
		r, ok := hex(i)
		if !ok {
			i++ // skip the escaped byte (it may be a backslash)
			continue
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if lo, ok := hex(i + 6); ok && lo >= 0xDC00 && lo < 0xE000 {
				i += 11
				continue
			}
			return string(b[i : i+6])
		case r >= 0xDC00 && r < 0xE000:
			return string(b[i : i+6])
		}
		i += 5
	}
	return ""
}

// idHint returns ` (id "user_…")` when the malformed element still has a
// readable string id, so the error report can point at the Clerk user.
func idHint(raw []byte) string {
	var probe struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(raw, &probe) != nil {
		return prefixIDHint(raw)
	}
	return formatIDHint(probe.ID)
}

// malformedID is the id of a record that is not read (the one its error
// names): with a syntax error after it (a comma missing further on), the
// id its first bytes give. The id keeps the user in the source: a
// passwords file's record for them is not "of no user", and a re-run
// still checks which users left the source.
func malformedID(raw []byte) string {
	if id := rawID(raw); id != "" {
		return id
	}
	var id string
	if r := prefixIDRaw(raw); r == nil || json.Unmarshal(r, &id) != nil {
		return ""
	}
	return id
}

// prefixIDHint finds a top-level "id" in the start of an object that may
// be cut short (an oversized record), walking tokens only.
func prefixIDHint(prefix []byte) string {
	if id := prefixIDRaw(prefix); id != nil {
		return formatIDHint(id)
	}
	return ""
}

// tooLargeRecord is the record of one too large to read (n bytes, prefix
// its first): the id those bytes give names it in the error and as its
// ID, so that a re-run does not take that user for one gone from the
// source.
func tooLargeRecord(pos int, prefix []byte, n int64) Record {
	var id, hint string
	if raw := prefixIDRaw(prefix); raw != nil {
		hint = formatIDHint(raw)
		if json.Unmarshal(raw, &id) != nil {
			id = ""
		}
		id = shownID(id)
	}
	return Record{Pos: pos, ID: id, Err: fmt.Errorf("record %d%s: %s", pos, hint, tooLarge(n))}
}

// prefixIDRaw finds the top-level "id" member in a record's first bytes.
func prefixIDRaw(prefix []byte) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(prefix))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		if tok == "id" {
			var id json.RawMessage
			if dec.Decode(&id) != nil {
				return nil
			}
			return id
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return nil
		}
	}
	return nil
}

func formatIDHint(raw json.RawMessage) string {
	var id string
	if json.Unmarshal(raw, &id) != nil {
		return ""
	}
	return idHintOf(id)
}

// idHintOf is the " (id …)" an error names a record by: "" for an empty
// or invalid id, and never a digest's text.
func idHintOf(id string) string {
	if id == "" || !utf8.ValidString(id) {
		return ""
	}
	if looksLikeDigest(strings.TrimSpace(id)) {
		return " (id not shown: it looks like a password digest)"
	}
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	return fmt.Sprintf(" (id %q)", id)
}

// describeJSONError rewrites encoding/json's type errors in terms of the
// JSON field, since "Go struct field User.created_at of type int64" means
// little to someone looking at their export file. Whatever the error, it
// quotes at most maxQuote bytes of input.
func describeJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		// The path starts with the embedded struct's Go name
		// ("User.web3_wallets"): the export has no such level.
		field := strings.TrimPrefix(te.Field, "User.")
		return fmt.Errorf("field %s: got %s, want %s", quote(field), clip(te.Value), jsonTypeName(te.Type.Kind().String()))
	}
	return errors.New(clip(err.Error()))
}

// jsonTypeName maps a Go kind to the JSON type a user would recognise.
func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true/false"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr":
		return "a value or null"
	}
	return kind
}

// jsonKind names the JSON type of a value from its first byte.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// trimSpace is bytes.TrimSpace for JSON values, which rarely have space
// around them: checking both ends first keeps the call cheap for the
// dozen fields of every record.
func trimSpace(b []byte) []byte {
	if len(b) > 0 && notSpace(b[0]) && notSpace(b[len(b)-1]) {
		return b
	}
	return bytes.TrimSpace(b)
}

// mfaFlag reads a second-factor flag: as boolField, and a word that is
// no flag as on. Such a flag only asks the user to enrol again
// (TagMFAReenroll), which costs far less than a second factor lost
// unsaid, or the whole record refused for it.
func mfaFlag(raw view) bool {
	on, err := boolField("", raw)
	return on || err != nil
}

// notSpace: a printable ASCII byte, which bytes.TrimSpace never trims.
func notSpace(c byte) bool { return c > ' ' && c < 0x7f }
