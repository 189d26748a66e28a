package telegram

import (
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestRenderSpecLayout reproduces the layout of SPEC 8 line for line.
func TestRenderSpecLayout(t *testing.T) {
	r := &Registered{
		Classification: "TOP SECRET",
		Caveat:         "Removal of copies prohibited",
		Numbers:        []int{2688},
		From:           "LONDON",
		Received:       at("1941-04-22 16:05"),
		Deciphered:     at("1941-04-22 22:50"),
		Text:           "THE TEXT.\n\n21 APRIL 1941. NO. 278. VADIM.",
	}
	want := "TOP SECRET\n" +
		"Removal of copies prohibited\n" +
		"CIPHER TELEGRAM No. 2688\n" +
		"From LONDON\n" +
		"Received 22 April 1941 at 16:05.      Deciphered 22 April 1941 at 22:50.\n" +
		"\n" +
		"THE TEXT.\n" +
		"\n" +
		"21 April 1941. No. 278.      VADIM.\n"
	if got := r.Render(); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	r.Copy, r.Numbers = 1, []int{7550, 7553}
	want = "TOP SECRET\nRemoval of copies prohibited\nCopy No. 1\nCIPHER TELEGRAM No. 7550, 7553\n" + want[len("TOP SECRET\nRemoval of copies prohibited\nCIPHER TELEGRAM No. 2688\n"):]
	if got := r.Render(); got != want {
		t.Fatalf("copy: got:\n%s\nwant:\n%s", got, want)
	}
}

func TestSplitClosing(t *testing.T) {
	tests := []struct {
		text, body, closing string
	}{
		{"A.\n\n21 APRIL 1941. NO. 278. VADIM.", "A.", "21 April 1941. No. 278.      VADIM."},
		{"3 MAY 1942. NO. 7. MAY.", "", "3 May 1942. No. 7.      MAY."},
		{"NO CLOSING LINE.", "NO CLOSING LINE.", ""},
		{"A.\n\n31 FOOBAR 1941. NO. 2. X.", "A.\n\n31 FOOBAR 1941. NO. 2. X.", ""},
	}
	for _, tt := range tests {
		body, c := SplitClosing(tt.text)
		got := ""
		if c != nil {
			got = c.String()
		}
		if body != tt.body || got != tt.closing {
			t.Errorf("SplitClosing(%q) = %q, %q; want %q, %q", tt.text, body, got, tt.body, tt.closing)
		}
	}
}
