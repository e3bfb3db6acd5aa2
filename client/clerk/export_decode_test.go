package clerk

import "encoding/json"

// DecodeRecordMode exposes decodeRecordMode to the external benchmarks.
func DecodeRecordMode(raw json.RawMessage, pos int, reference bool) Record {
	rec, _ := decodeRecordMode(raw, pos, reference)
	return rec
}
