package pdf

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"ciphergram/telegram"
)

// TestPopplerPublication: a declassified translation is marked as such on
// every page and carries every line of its plain text, true names and
// withheld passages included.
func TestPopplerPublication(t *testing.T) {
	needPoppler(t)
	p := &telegram.Publication{Registered: *demoTelegram(), Reveal: map[string]string{"VADIM": "Anatoly Gorsky"},
		Notes: []string{"A translator's note."}, ReleasedBy: "registrar", Released: time.Date(1995, 7, 11, 10, 0, 0, 0, time.UTC)}
	_, closing := telegram.SplitClosing(p.Text)
	p.Redact = []string{strings.Fields(p.Text)[0]}
	var b bytes.Buffer
	if err := Publication(&b, p, CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	Publication(&again, p, CopyOptions{})
	if !bytes.Equal(b.Bytes(), again.Bytes()) {
		t.Error("two renderings of one publication differ")
	}
	pages := poppler(t, "publication", b.Bytes(), 1)
	text := strings.Join(pages, "\n")
	for _, w := range []string{"DECLASSIFIED", "Released for publication", "PUBLICATION", "VADIM [Anatoly Gorsky]", telegram.Redacted, "[1] A translator's note."} {
		if !strings.Contains(text, w) {
			t.Errorf("the PDF lacks %q:\n%s", w, text)
		}
	}
	if closing == nil || !strings.Contains(text, closing.Date.Format("2 January 2006")[:2]) {
		t.Errorf("the closing line is missing:\n%s", text)
	}
}
