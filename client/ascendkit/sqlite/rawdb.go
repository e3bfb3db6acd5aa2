package sqlite

import "database/sql"

// WriteDB returns the environment's write connection (one connection,
// WAL, the environment's pragmas), for benchmarks that measure a raw
// insert floor against the same schema and settings. Writes through it
// bypass every check of the Environment methods; nothing else may use it.
func (l *Local) WriteDB() *sql.DB { return l.w }
