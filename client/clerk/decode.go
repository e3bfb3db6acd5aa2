package clerk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// pageSize is how many records a file source yields per Next call, and the
// API's maximum `limit`. Both sources use the same size so the importer sees
// pages of a similar shape whatever the origin.
const pageSize = 500

// decodeUser turns one JSON element into a Record. It never fails the
// stream: a bad element becomes a Record with Err and Raw so the importer
// can report it and carry on with the others.
func decodeUser(raw json.RawMessage, pos int) Record {
	trimmed := bytes.TrimSpace(raw)
	// encoding/json silently accepts `null` for a struct (leaving it zero),
	// which would smuggle an empty user through; only objects are users.
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Record{Pos: pos, Err: fmt.Errorf("record %d: expected a user object, got %s", pos, jsonKind(trimmed)), Raw: raw}
	}
	u := new(User)
	// UseNumber keeps metadata numbers exact (a float64 would round
	// 64-bit ids such as 12345678901234567890).
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	if err := dec.Decode(u); err != nil {
		return Record{Pos: pos, Err: fmt.Errorf("record %d%s: %w", pos, idHint(trimmed), describeJSONError(err)), Raw: raw}
	}
	// Every downstream step keys on the Clerk id (dedupe, sourceId, resume),
	// so a user without one cannot be imported meaningfully.
	if u.ID == "" {
		return Record{Pos: pos, Err: fmt.Errorf("record %d: user has no \"id\"", pos), Raw: raw}
	}
	return Record{Pos: pos, User: u}
}

// idHint returns ` (id "user_…")` when the malformed element still has a
// readable string id, so the error report can point at the Clerk user.
func idHint(raw []byte) string {
	var probe struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(raw, &probe) != nil {
		return ""
	}
	var id string
	if json.Unmarshal(probe.ID, &id) != nil || id == "" {
		return ""
	}
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	return fmt.Sprintf(" (id %q)", id)
}

// describeJSONError rewrites encoding/json's type errors in terms of the
// JSON field, since "Go struct field User.created_at of type int64" means
// little to someone looking at their export file.
func describeJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("field %q: got JSON %s, want %s", te.Field, te.Value, jsonTypeName(te.Type.Kind().String()))
	}
	return err
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
