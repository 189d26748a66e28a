package main

import (
	"errors"
	"io"

	"ciphergram/telegram"
)

func publicationPDF(w io.Writer, p *telegram.Publication) error {
	return errors.New("publish export: PDF is not built yet")
}
