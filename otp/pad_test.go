package otp

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func parseTestPad(t testing.TB) *Pad {
	t.Helper()
	pad, err := Parse(bytes.NewReader(readTestPad(t)))
	if err != nil {
		t.Fatal(err)
	}
	return pad
}

func pageNumbers(pages []*Page) []int {
	var ns []int
	for _, pg := range pages {
		ns = append(ns, pg.Number)
	}
	return ns
}

func TestNext(t *testing.T) {
	pad := parseTestPad(t)
	pad.Pages[0].Burn()
	pad.Pages[2].Burn()
	got, err := pad.Next(3)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(pageNumbers(got)) != "[2 4 5]" {
		t.Errorf("Next(3) = pages %v, want [2 4 5]", pageNumbers(got))
	}
	for _, pg := range pad.Pages[:38] {
		pg.Burn()
	}
	if pad.Remaining() != 2 {
		t.Fatalf("Remaining = %d, want 2", pad.Remaining())
	}
	_, err = pad.Next(3)
	if !errors.Is(err, ErrExhausted) || !strings.Contains(err.Error(), "pad TEST-1941 has 2 pages left, 3 needed") {
		t.Errorf("Next(3) error = %v", err)
	}
	if _, err := pad.Next(0); err == nil {
		t.Error("Next(0) succeeded")
	}
}

func TestLookup(t *testing.T) {
	pad := parseTestPad(t)
	tests := []struct {
		name, ind string
		want      int
	}{
		{"OK", "10141", 2},
		{"OKFirst", "00463", 1},
		{"ErrUnknown", "12345", 0},
		{"ErrBurned", "52009", 0}, // page 3, burned below
		{"ErrShort", "0046", 0},
		{"ErrNotIndicator", "30206", 0}, // page 1 group 1
	}
	pad.Pages[2].Burn()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := pad.Lookup(tt.ind)
			if tt.want == 0 {
				if !errors.Is(err, ErrUnknownIndicator) || !strings.Contains(err.Error(), "already used") {
					t.Errorf("Lookup(%s) = %v, %v; want ErrUnknownIndicator", tt.ind, pg, err)
				}
				return
			}
			if err != nil || pg.Number != tt.want {
				t.Errorf("Lookup(%s) = %v, %v; want page %d", tt.ind, pg, err, tt.want)
			}
		})
	}
}

func TestBurnAndWipe(t *testing.T) {
	pad := parseTestPad(t)
	pg := pad.Pages[0]
	view := pg.Groups(1, 2)
	if string(view) != "3020652897" {
		t.Fatalf("Groups(1, 2) = %s", view)
	}
	if cap(view) != len(view) {
		t.Errorf("Groups view has spare capacity %d", cap(view)-len(view))
	}
	pg.Burn()
	if !bytes.Equal(view, make([]byte, 10)) {
		t.Errorf("after Burn the view holds %q, want zeros", view)
	}
	if pg.Digits != nil || !pg.Burned || pg.Indicator() != "" {
		t.Errorf("burned page: digits %d, burned %v, indicator %q", len(pg.Digits), pg.Burned, pg.Indicator())
	}
	var out strings.Builder
	if _, err := pad.WriteTo(&out); err != nil || !strings.Contains(out.String(), "\nPAGE 1 BURNED\nPAGE 2\n") {
		t.Errorf("WriteTo after Burn: %v", err)
	}
	pad.Pages[1].Wipe()
	if pad.Pages[1].Burned {
		t.Error("Wipe burned the page")
	}
	if _, err := pad.WriteTo(&out); err == nil || !strings.Contains(err.Error(), "page 2 has 0 digits") {
		t.Errorf("WriteTo of a wiped page: err = %v", err)
	}
}

func TestRecordFailure(t *testing.T) {
	pad := parseTestPad(t)
	pg := pad.Pages[4]
	for i := 1; i <= MaxFailures; i++ {
		burned := pg.RecordFailure()
		if burned != (i == MaxFailures) || pg.Burned != burned || pg.Failures != i {
			t.Fatalf("failure %d: burned=%v page=%v", i, burned, pg)
		}
	}
	var out strings.Builder
	if _, err := pad.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\nPAGE 5 BURNED\n# failed-authentications: 3\nPAGE 6\n") {
		t.Error("burned page's failures not written")
	}
}

func TestWriteToRejects(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Pad)
		err    string
	}{
		{"ErrID", func(p *Pad) { p.ID = "A B" }, "pad id \"A B\" contains white space"},
		{"ErrFrom", func(p *Pad) { p.From = "" }, "from is empty"},
		{"ErrGroupsPerPage", func(p *Pad) { p.GroupsPerPage = 61 }, "page 1 has 300 digits, want 305"},
		{"ErrOrder", func(p *Pad) { p.Pages[0], p.Pages[1] = p.Pages[1], p.Pages[0] }, "page number 1 after 2"},
		{"ErrIndicator", func(p *Pad) { copy(p.Pages[1].Digits, "00463") }, "page 2 indicator 00463 repeats page 1"},
		{"ErrNonDigit", func(p *Pad) { p.Pages[3].Digits[7] = 'x' }, "page 4 holds a byte that is not a digit"},
		{"ErrNoteNewline", func(p *Pad) { p.Notes = []string{"a\nPAGE 99"} }, "would not read back"},
		{"ErrNoteKey", func(p *Pad) { p.Notes = []string{"id: OTHER"} }, "would not read back"},
		{"ErrNoteSpace", func(p *Pad) { p.Notes = []string{"trailing "} }, "would not read back"},
		{"ErrNoPages", func(p *Pad) { p.Pages = nil }, "pad has no pages"},
		{"ErrFailures", func(p *Pad) { p.Pages[0].Failures = -1 }, "failure count -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pad := parseTestPad(t)
			tt.modify(pad)
			var out bytes.Buffer
			n, err := pad.WriteTo(&out)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("WriteTo error = %v, want %q", err, tt.err)
			}
			if n != 0 || out.Len() != 0 {
				t.Errorf("WriteTo wrote %d bytes before failing", out.Len())
			}
		})
	}
}

// TestRedaction formats and logs pads, pages and keys every way a careless
// caller might, and looks for key digits in the output.
func TestRedaction(t *testing.T) {
	pad := parseTestPad(t)
	page := pad.Pages[0]
	key := testKey(t)
	secret := []string{"30206", "52897", "03000", "314159", "323846"}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("pad", "pad", pad, "page", page, "pageValue", *page, "key", key)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("pad", "pad", pad, "page", page, "key", key)
	var out strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, v := range []any{pad, *pad, page, *page, key, &key, []*Page{page}, struct{ P *Page }{page}} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
	}
	out.WriteString(logs.String())
	for _, s := range secret {
		if strings.Contains(out.String(), s) {
			t.Errorf("output shows key digits %s:\n%s", s, out.String())
			break
		}
	}
	if !strings.Contains(out.String(), "indicator 00463") || !strings.Contains(logs.String(), `"indicator":"00463"`) {
		t.Errorf("output lacks the public indicator:\n%s", out.String())
	}
	if got := pad.String(); got != "pad TEST-1941 LONDON->CENTRE (40 of 40 pages unused)" {
		t.Errorf("Pad.String() = %q", got)
	}
}
