// Package rules holds what every environment backend must do the same
// way: normalising emails, tags and providers, validating batches and
// journeys, making ids and formatting stored times and JSON. Keeping it in
// one place is what lets the backends pass one conformance suite.
package rules
