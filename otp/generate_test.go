package otp

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestGenerate makes a pad from a deterministic ChaCha8 source with enough
// pages (2000 of 10^5 indicators) that indicators collide and are redrawn.
func TestGenerate(t *testing.T) {
	const pages, gpp = 2000, 12
	pad, err := Generate(rand.NewChaCha8([32]byte{41}), "LON-CEN-0001", "LONDON", "CENTRE", pages, gpp)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i, pg := range pad.Pages {
		if pg.Number != i+1 || pg.Burned || pg.Failures != 0 || len(pg.Digits) != 5*gpp || !allDigits(pg.Digits) {
			t.Fatalf("page %d is malformed: %v, %d digits", i+1, pg, len(pg.Digits))
		}
		if q, ok := seen[pg.Indicator()]; ok {
			t.Fatalf("page %d repeats the indicator of page %d", pg.Number, q)
		}
		seen[pg.Indicator()] = pg.Number
	}
	var out bytes.Buffer
	if _, err := pad.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	back, err := Parse(&out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, pad) {
		t.Error("Parse(WriteTo(pad)) differs from pad")
	}
	again, _ := Generate(rand.NewChaCha8([32]byte{41}), "LON-CEN-0001", "LONDON", "CENTRE", pages, gpp)
	if !reflect.DeepEqual(again, pad) {
		t.Error("the same seed gave a different pad")
	}
}

// TestGenerateRedrawsIndicator feeds digits that give page 2 the indicator
// of page 1 twice: Generate must draw a third and keep the rest of page 2.
func TestGenerateRedrawsIndicator(t *testing.T) {
	page1 := "12345" + strings.Repeat("0", 45)
	page2 := "12345" + strings.Repeat("1", 45)
	src := digitSource(t, page1+page2+"12345"+"54321")
	pad, err := Generate(src, "P", "A", "B", 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(pad.Pages[0].Digits); got != page1 {
		t.Errorf("page 1 = %s, want %s", got, page1)
	}
	if got, want := string(pad.Pages[1].Digits), "54321"+page2[5:]; got != want {
		t.Errorf("page 2 = %s, want %s", got, want)
	}
}

func TestGenerateErrors(t *testing.T) {
	ok := rand.NewChaCha8([32]byte{})
	tests := []struct {
		name          string
		src           io.Reader
		id, from, to  string
		pages, groups int
		err           string
	}{
		{"ErrID", ok, "", "A", "B", 1, 60, "pad id is empty"},
		{"ErrFromSpace", ok, "P", "NEW YORK", "B", 1, 60, `from "NEW YORK" contains white space`},
		{"ErrToNewline", ok, "P", "A", "B\n", 1, 60, "contains white space"},
		{"ErrNoPages", ok, "P", "A", "B", 0, 60, "0 pages: want 1 to 10000"},
		{"ErrTooManyPages", ok, "P", "A", "B", MaxPages + 1, 60, "want 1 to 10000"},
		{"ErrSmallPage", ok, "P", "A", "B", 1, 9, "groups-per-page 9"},
		{"ErrShortSource", strings.NewReader("12345"), "P", "A", "B", 1, 60, "page 1: reading random digits: unexpected EOF"},
		{"ErrZeroSource", constReader(0), "P", "A", "B", 2, 60, "page 2 indicator: random source repeated indicators"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pad, err := Generate(tt.src, tt.id, tt.from, tt.to, tt.pages, tt.groups)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("Generate = %v, %v; want error %q", pad, err, tt.err)
			}
		})
	}
	_, err := Generate(iotestErr{}, "P", "A", "B", 1, 60)
	if !errors.Is(err, errEntropy) {
		t.Errorf("source error not wrapped: %v", err)
	}
}

var errEntropy = errors.New("no entropy")

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errEntropy }
