package codebook

import (
	_ "embed"
	"strings"
	"sync"
)

// defaultFile is the built-in codebook, in the file format of Parse.
//
//go:embed default.txt
var defaultFile string

var defaultBook = sync.OnceValue(func() *Codebook {
	c, err := Parse(strings.NewReader(defaultFile))
	if err != nil {
		panic("codebook: the built-in default.txt is invalid: " + err.Error())
	}
	return c
})

// Default returns the built-in codebook (codebook/default.txt, embedded in
// the program). It is parsed once; every call returns the same immutable
// codebook.
func Default() *Codebook { return defaultBook() }
