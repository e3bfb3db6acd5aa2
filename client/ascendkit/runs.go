package ascendkit

import (
	"encoding/json"
	"time"
)

// Run statuses.
const (
	RunRunning     = "running"
	RunCompleted   = "completed"
	RunInterrupted = "interrupted"
	RunFailed      = "failed"
	RunUndone      = "undone"
)

// Run is the record of one import run (canary runs included).
type Run struct {
	ID           string     `json:"id"`
	StartedAt    time.Time  `json:"startedAt"`
	FinishedAt   *time.Time `json:"finishedAt"`
	SourceKind   string     `json:"sourceKind"`
	SourceFormat string     `json:"sourceFormat"`
	Status       string     `json:"status"`
	UndoneAt     *time.Time `json:"undoneAt,omitempty"`
	// Options and Report are the importer's, stored as it wrote them.
	Options json.RawMessage `json:"options"`
	Report  json.RawMessage `json:"report"`
}

// RunFinish is what FinishRun records.
type RunFinish struct {
	Status       string
	SourceFormat string
	Report       json.RawMessage
	At           time.Time
}
