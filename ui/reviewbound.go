package ui

import "github.com/ascendkit/ascendkit/importer"

// reviewRowsCap is how many rows of each tab that lists without a choice
// (the flagged users, each reason of the passwords file's records) the
// wizard keeps. Those rows are there to be read, and a source whose every
// user is flagged (a phone or another identity not carried over, an
// unverified OAuth account), or the passwords file of another instance,
// would otherwise hold one for each,
// hundreds of thousands at about 1 KB each. A tab's count stays the
// whole; `--entries` lists every row.
const reviewRowsCap = 10_000

// listingOnly reports whether no choice acts on a row: a flagged user
// (imported anyway) or a record of the passwords file.
func listingOnly(e importer.Entry) bool { return passwordsRow(e) || e.Kind == kindWarning }

// rowBound keeps the first reviewRowsCap rows of each listing-only tab
// and counts the others by tab.
type rowBound struct {
	kept    map[string]int
	omitted map[string]int
}

// add appends to rows the entries of es it keeps.
func (b *rowBound) add(rows, es []importer.Entry) []importer.Entry {
	for _, e := range es {
		if b.keep(e) {
			rows = append(rows, e)
		}
	}
	return rows
}

// keep reports whether e is kept, counting it either way.
func (b *rowBound) keep(e importer.Entry) bool {
	if !listingOnly(e) {
		return true
	}
	t := tabOf(e)
	if b.kept[t] < reviewRowsCap {
		if b.kept == nil {
			b.kept = map[string]int{}
		}
		b.kept[t]++
		return true
	}
	if b.omitted == nil {
		b.omitted = map[string]int{}
	}
	b.omitted[t]++
	return false
}
