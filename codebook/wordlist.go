package codebook

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

// DefaultSeed is the seed text from which the built-in codebook's groups
// were drawn: `ciphergram codebook generate --words codebook/vocabulary.txt
// --seed ciphergram-default-1` reproduces codebook/default.txt exactly.
const DefaultSeed = "ciphergram-default-1"

// SeededReader returns a deterministic stream of bytes derived from seed
// (ChaCha8 keyed with the seed's SHA-256). It makes a codebook reproducible;
// such a codebook is public, not secret.
func SeededReader(seed string) io.Reader {
	return rand.NewChaCha8(sha256.Sum256([]byte(seed)))
}

// ReadWordList reads the input of Generate: one word or phrase per line,
// runs of white space folded to one space; blank lines and lines starting
// with '#' are skipped.
func ReadWordList(r io.Reader) ([]string, error) {
	var tokens []string
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		tokens = append(tokens, strings.Join(strings.Fields(s), " "))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("word list line %d: %w", line+1, err)
	}
	return tokens, nil
}
