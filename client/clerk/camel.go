package clerk

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"unicode"
)

// Two public shapes write Clerk users with camelCase keys:
//   - @clerk/backend's User objects serialised as they are (a developer's
//     JSON.stringify of users.getUserList()): the API user in camelCase,
//     where an external account's externalId is the provider's user id
//     (and _raw, when written, the API user itself);
//   - clerk/migration-script's export (`bun run export:clerk`): flat
//     records with userId, email (the primary), emailAddresses (further
//     verified addresses), unverifiedEmailAddresses, phone, phoneNumbers,
//     password, passwordHasher, createdAt as ISO text.
// Both are read by rewriting the record's keys to the snake_case names
// the other readers use; metadata keeps its keys as they are.

// camelMarkers are keys only the camelCase shapes write.
var camelMarkers = [][]byte{[]byte(`"userId"`), []byte(`"emailAddresses"`), []byte(`"primaryEmailAddressId"`)}

// camelCased reports whether a record decoded with snake_case names found
// nothing that names a user but carries camelCase keys. A record with an
// id and any address or name field is never probed, so the exports that
// are not camelCase pay one branch.
func camelCased(w *wireUser, b []byte) bool {
	// (id and username are spelled alike in both shapes: they say nothing.)
	if w.ID != "" && (w.EmailAddresses != nil || w.PrimaryEmail != nil || w.PhoneNumbers != nil ||
		w.PrimaryPhone != nil || w.FirstName != nil || w.LastName != nil) {
		return false
	}
	for _, m := range camelMarkers {
		if bytes.Contains(b, m) {
			return true
		}
	}
	return false
}

// maxCamelDepth bounds the rewrite's recursion: a user object nests four
// levels (user, external account, verification, linked_to); deeper values
// are left as they are.
const maxCamelDepth = 6

// snakeRecord rewrites a camelCase user record (an object) to snake_case
// keys; ok is false when it is not a JSON object.
func snakeRecord(b []byte) ([]byte, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil || obj == nil {
		return nil, false
	}
	// The SDK's User keeps the API's own object in _raw, which
	// JSON.stringify writes too. It is the whole user: the class has no
	// field for passkeys or enterprise accounts, for one.
	if raw := trimSpace(obj["_raw"]); len(raw) > 0 && raw[0] == '{' {
		var api struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &api) == nil && api.ID != "" {
			return raw, true
		}
	}
	b, err := json.Marshal(snakeObject("", obj, 1))
	return b, err == nil
}

// snakeName is the snake_case name of key k of an object that is the
// value of field parent ("" for the user itself).
func snakeName(parent, k string, v json.RawMessage) string {
	switch {
	case parent == "external_accounts" && k == "externalId":
		return "provider_user_id" // the SDK's name for it
	case parent != "":
	case k == "userId":
		return "id"
	case k == "email":
		return "primary_email_address"
	case k == "phone":
		return "primary_phone_number"
	case k == "password":
		return "password_digest"
	case (k == "emailAddresses" || k == "phoneNumbers") && (isStringArray(v) || isString(v)):
		// migration-script lists further verified addresses as a string
		// or strings (its schema: string | string[]); the SDK lists
		// address objects.
		return "verified_" + snakeKey(k)
	}
	return snakeKey(k)
}

// snakeObject rewrites the keys of an object, the value of field parent,
// and those inside its values. Keys come in sorted order, so when two
// name one field the outcome does not depend on map order: a snake_case
// key written as such wins over any camelCase twin, and between two
// camelCase keys the first in sorted order does.
func snakeObject(parent string, obj map[string]json.RawMessage, depth int) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(obj))
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		v := obj[k]
		name := snakeName(parent, k, v)
		if _, taken := out[name]; taken && k != name {
			continue
		}
		out[name] = snakeValue(name, v, depth)
	}
	return out
}

// snakeValue rewrites the keys inside a field's value, except metadata.
func snakeValue(name string, v json.RawMessage, depth int) json.RawMessage {
	if strings.HasSuffix(name, "metadata") || depth > maxCamelDepth {
		return v
	}
	t := trimSpace(v)
	if len(t) == 0 {
		return v
	}
	switch t[0] {
	case '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(t, &obj) != nil {
			return v
		}
		if b, err := json.Marshal(snakeObject(name, obj, depth+1)); err == nil {
			return b
		}
	case '[':
		var arr []json.RawMessage
		if json.Unmarshal(t, &arr) != nil {
			return v
		}
		for i := range arr {
			// Elements are objects of the list's kind: the name carries.
			arr[i] = snakeValue(name, arr[i], depth+1)
		}
		if b, err := json.Marshal(arr); err == nil {
			return b
		}
	}
	return v
}

// snakeKey turns primaryEmailAddressId into primary_email_address_id.
func snakeKey(k string) string {
	var b strings.Builder
	for i, r := range k {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isString reports whether v is a JSON string.
func isString(v json.RawMessage) bool {
	t := trimSpace(v)
	return len(t) > 0 && t[0] == '"'
}

// isStringArray reports whether v is a JSON array whose first element is
// a string.
func isStringArray(v json.RawMessage) bool {
	var arr []json.RawMessage
	if json.Unmarshal(v, &arr) != nil || len(arr) == 0 {
		return false
	}
	t := trimSpace(arr[0])
	return len(t) > 0 && t[0] == '"'
}
