package ascendkit

import "encoding/json"

// Digest is a password digest. fmt and encoding/json see a redaction
// marker, never the value: only the password store reads string(d).
type Digest string

// String implements fmt.Stringer with a redaction marker.
func (d Digest) String() string {
	if d == "" {
		return ""
	}
	return "[redacted]"
}

// GoString keeps %#v from printing the value.
func (d Digest) GoString() string { return d.String() }

// MarshalJSON never writes the value.
func (d Digest) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// Password is a password carried over from the source: its hasher and
// digest. An empty Digest records that the user had a password whose
// hasher cannot be verified, so that a check can say why it fails.
type Password struct {
	Hasher string
	Digest Digest
}

// PasswordState is what the environment knows of a user's password.
type PasswordState struct {
	UserID string
	Email  string
	// Imported is true when the user came from (or was merged with) an
	// import source; ImportRun is the run that created the user ("" when
	// the user existed before any import and was merged into).
	Imported  bool
	ImportRun string
	// Hasher is set when the import recorded a password; Digest is empty
	// when its hasher was not supported.
	Hasher string
	Digest Digest
}
