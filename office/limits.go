package office

import (
	"unicode/utf8"

	"ciphergram"
)

// Size limits of what people type into an office. A request body is
// bounded as a whole by the server (8 MiB); these bound each field, so that
// one name or note cannot fill a page of the registry or a column of the
// database, and each refusal names the field and its limit.
const (
	// MaxNameBytes bounds names: users, cover names, pad IDs.
	MaxNameBytes = 64
	// MaxLineBytes bounds one-line fields: true names, caveats, URLs,
	// credentials, passages withheld.
	MaxLineBytes = 1000
	// MaxNoteBytes bounds a translator's note.
	MaxNoteBytes = 4000
	// MaxListLen bounds the lists of a release (names, passages, notes).
	MaxListLen = 100
	// MaxTextBytes bounds a telegram's text. 99 parts of 58 groups carry
	// about 28,000 figures, some 7,000 code groups: rarely more than 40 KB
	// of prose, so a longer text could never be enciphered anyway.
	MaxTextBytes = 64 << 10
	// MaxWireBytes bounds what a clerk or a peer hands in at once: 99 parts
	// of a whole page each, as letters, with room to spare.
	MaxWireBytes = 1 << 20
)

// checkSize refuses a field longer than max bytes, or not valid UTF-8.
func checkSize(field, v string, max int) error {
	if len(v) > max {
		return ciphergram.Errorf(ciphergram.EINVALID, "%s: %d bytes, at most %d", field, len(v), max)
	}
	if !utf8.ValidString(v) {
		return ciphergram.Errorf(ciphergram.EINVALID, "%s: not valid UTF-8", field)
	}
	return nil
}

// checkList refuses a list of more than MaxListLen items or with an item
// longer than max bytes.
func checkList(field string, vs []string, max int) error {
	if len(vs) > MaxListLen {
		return ciphergram.Errorf(ciphergram.EINVALID, "%s: %d items, at most %d", field, len(vs), MaxListLen)
	}
	for i, v := range vs {
		if len(v) > max {
			return ciphergram.Errorf(ciphergram.EINVALID, "%s %d: %d bytes, at most %d", field, i+1, len(v), max)
		}
	}
	return nil
}

// checkSizes runs checks in order and returns the first refusal.
func checkSizes(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
