package ascendkit

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// BlankNameRunes is every character a name can hold and still show as
// nothing, as one string (SQL's trim takes such a set): white space, the
// invisible format characters (zero-width space and joiners, the BOM,
// bidi marks, the soft hyphen, tag characters), the variation selectors
// of the Basic Multilingual Plane, and the fillers that render blank
// (Hangul fillers, the combining grapheme joiner, the Khmer inherent
// vowels, the blank Braille pattern). The prepended concatenation marks
// (U+0600…) are format characters that do show, and are not in it.
var BlankNameRunes = blankNameRunes()

func blankNameRunes() string {
	var b strings.Builder
	seen := map[rune]bool{}
	add := func(r rune) {
		if !seen[r] {
			seen[r] = true
			b.WriteRune(r)
		}
	}
	addRange := func(lo, hi, stride rune) {
		for r := lo; r <= hi; r += stride {
			if !unicode.Is(unicode.Prepended_Concatenation_Mark, r) {
				add(r)
			}
		}
	}
	for _, t := range []*unicode.RangeTable{unicode.White_Space, unicode.Cf, unicode.Variation_Selector} {
		for _, rg := range t.R16 {
			addRange(rune(rg.Lo), rune(rg.Hi), rune(rg.Stride))
		}
		if t == unicode.Variation_Selector {
			continue // the 240 supplementary ones: no name is made of them
		}
		for _, rg := range t.R32 {
			addRange(rune(rg.Lo), rune(rg.Hi), rune(rg.Stride))
		}
	}
	for _, r := range []rune{'\u034F', '\u115F', '\u1160', '\u17B4', '\u17B5', '\u2800', '\u3164', '\uFFA0'} {
		add(r)
	}
	return b.String()
}

// BlankName reports whether a user's name shows as nothing: empty, or made
// only of BlankNameRunes. An email greeting such a user by {{userName}}
// reads "Hi ,".
func BlankName(name string) bool {
	return strings.Trim(name, BlankNameRunes) == ""
}

// edgeRunes are the BlankNameRunes TrimBlank takes off a name's ends:
// not the variation selectors nor the tag characters, which end emoji
// sequences ("❤️" is U+2764 U+FE0F; a subdivision flag ends in tags).
var edgeRunes = strings.Map(func(r rune) rune {
	if unicode.Is(unicode.Variation_Selector, r) || r >= 0xE0000 && r <= 0xE007F {
		return -1
	}
	return r
}, BlankNameRunes)

// TrimBlank trims invisible characters from both ends of a name:
// "\u200bAna " is "Ana", and a name that is blank (BlankName) is "".
// What ends an emoji sequence stays (see edgeRunes). The usual name,
// printable ASCII at both ends, is returned without a look at the set.
func TrimBlank(name string) string {
	if name == "" {
		return name
	}
	if a, z := name[0], name[len(name)-1]; a > ' ' && a < utf8.RuneSelf && z > ' ' && z < utf8.RuneSelf {
		return name
	}
	if BlankName(name) {
		return ""
	}
	return strings.Trim(name, edgeRunes)
}
