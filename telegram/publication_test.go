package telegram

import (
	"strings"
	"testing"
)

func TestPublication(t *testing.T) {
	p := &Publication{
		Registered: Registered{Classification: "TOP SECRET", Caveat: "Removal of copies prohibited", Numbers: []int{2688},
			From: "LONDON", Received: at("1941-04-22 16:05"), Deciphered: at("1941-04-22 22:50"),
			Text: "LIST REPORTS THE PACT IS SIGNED. LISTOK MET VADIM IN THE PARK AT NOON.\n\n21 APRIL 1941. NO. 278. VADIM."},
		Reveal:     map[string]string{"VADIM": "Anatoly Gorsky"},
		Redact:     []string{"IN THE PARK AT NOON"},
		Notes:      []string{"LISTOK: not identified."},
		ReleasedBy: "registrar",
		Released:   at("1995-07-11 10:00"),
	}
	body := p.Body()
	for _, want := range []string{"LISTOK MET VADIM [Anatoly Gorsky] " + Redacted + ".", "NO. 278. VADIM [Anatoly Gorsky]."} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "PARK") || strings.Contains(body, "LIST [") {
		t.Errorf("body shows what it must not:\n%s", body)
	}
	text := p.PlainText()
	for _, want := range []string{"DECLASSIFIED\nReleased for publication on 11 July 1995 by registrar.\nOriginally TOP SECRET. Removal of copies prohibited.\n",
		"CIPHER TELEGRAM No. 2688\nFrom LONDON\nReceived 22 April 1941 at 16:05.", "1 passage(s) withheld, marked [REDACTED].", "Notes:\n[1] LISTOK: not identified.\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("plain text lacks %q:\n%s", want, text)
		}
	}
	md := p.Markdown()
	for _, want := range []string{"# CIPHER TELEGRAM No. 2688\n", "**Declassified.** Released", "```text\nLIST REPORTS", "1. LISTOK: not identified."} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	// Annotating twice does not annotate twice.
	if got := annotate("VADIM [Anatoly Gorsky] AND VADIM", "VADIM", "VADIM [Anatoly Gorsky]"); got != "VADIM [Anatoly Gorsky] AND VADIM [Anatoly Gorsky]" {
		t.Errorf("annotate: %q", got)
	}
}
