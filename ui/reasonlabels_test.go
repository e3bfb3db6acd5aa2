package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// Every reason the importer can give an entry has a label in the review:
// read from the importer's sources, so that a reason added there without
// one fails here instead of showing its raw code.
func TestEveryReasonHasALabel(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "importer", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("importer sources: %v", err)
	}
	constant := regexp.MustCompile(`(?m)^\s*(Reason[A-Za-z]+)\s*=\s*"([a-z_]+)"`)
	labelled := map[string]bool{}
	for r := range reasonLabels {
		labelled[r] = true
	}
	found := 0
	for _, f := range files {
		if filepath.Ext(f) != ".go" || regexp.MustCompile(`_test\.go$`).MatchString(f) {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range constant.FindAllStringSubmatch(string(b), -1) {
			found++
			if !labelled[m[2]] {
				t.Errorf("%s (%q, %s) has no label in reasonLabels", m[1], m[2], filepath.Base(f))
			}
		}
	}
	if found < 20 {
		t.Fatalf("found only %d reason constants: the pattern no longer matches the importer's sources", found)
	}
}
