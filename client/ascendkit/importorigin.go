package ascendkit

import "encoding/json"

// ImportOrigin returns the source and sourceId of metadata.import in a
// user's stored metadata text, each where it is a string ("" otherwise,
// and for text that is not a JSON object), as UserState carries them.
//
// The backends read them here rather than with their SQL JSON functions:
// those parse the whole text and refuse what the rest of the product
// stores and reads back (SQLite nesting deeper than 1000 levels,
// PostgreSQL's json operators a \u0000 escape), so one user's public
// metadata would fail every later read of the states of a source.
func ImportOrigin(metadata []byte) (source, sourceID string) {
	var top map[string]json.RawMessage
	if json.Unmarshal(metadata, &top) != nil {
		return "", ""
	}
	var imp map[string]json.RawMessage
	if json.Unmarshal(top["import"], &imp) != nil {
		return "", ""
	}
	return jsonString(imp["source"]), jsonString(imp["sourceId"])
}

// jsonString is raw's string, "" when raw is absent or not a string.
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}
