package ciphergram_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"ciphergram"
)

func TestErrorfClipsLongMessages(t *testing.T) {
	long := strings.Repeat("é", 2000) // 4,000 bytes
	e := ciphergram.Errorf(ciphergram.EINVALID, "word %q is not in the codebook", long)
	if len(e.Message) > ciphergram.MaxMessageBytes || !strings.HasSuffix(e.Message, "...") || !utf8.ValidString(e.Message) {
		t.Errorf("message of %d bytes, ends %q, valid UTF-8 %t", len(e.Message), e.Message[len(e.Message)-5:], utf8.ValidString(e.Message))
	}
	if short := ciphergram.Errorf(ciphergram.EINVALID, "word %q", "x"); short.Message != `word "x"` {
		t.Errorf("a short message became %q", short.Message)
	}
}
