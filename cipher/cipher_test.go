package cipher

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"ciphergram/codebook"
	"ciphergram/otp"
)

// testPad makes a deterministic pad; the tests never carry traffic. Two
// calls with the same page count give the two copies of one pad.
func testPad(t testing.TB, pages int) *otp.Pad {
	t.Helper()
	p, err := otp.Generate(rand.NewChaCha8([32]byte{1}), "T-1", "LONDON", "CENTRE", pages, otp.DefaultGroupsPerPage)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// randomText draws text over the whole alphabet the codebook accepts: Latin
// and Cyrillic words, numbers with separators, all punctuation, paragraphs.
func randomText(r *rand.Rand, words int) string {
	latin := []string{"THE", "PACT", "AGENT", "LONDON", "QUIXOTIC", "É", "ZEBRA", "WASHINGTON"}
	cyr := []string{"ЛИСТ", "ЁЖ", "ЙОД", "ВАДИМ", "ЩИТ", "ЪЫЬЭЮЯ"}
	punct := []string{".", ",", ":", ";", "?", "!", "\"", "'", "(", ")", "-", "/", "\n\n"}
	var b strings.Builder
	for i := 0; i < words; i++ {
		switch r.IntN(6) {
		case 0, 1, 2:
			b.WriteString(latin[r.IntN(len(latin))])
		case 3:
			b.WriteString(cyr[r.IntN(len(cyr))])
		case 4:
			fmt.Fprintf(&b, "%d%s%d", r.IntN(100), []string{"", ".", ",", ":", "/", "-"}[r.IntN(6)], r.IntN(1000))
		case 5:
			b.WriteString(punct[r.IntN(len(punct))])
		}
		b.WriteString(" ")
	}
	return b.String()
}

// TestRoundTrip enciphers random texts of every length class in both modes
// and checks the receiver recovers exactly the canonical text.
func TestRoundTrip(t *testing.T) {
	cb, _ := loadVectors(t)
	r := rand.New(rand.NewPCG(7, 7))
	for _, mode := range []Mode{Authenticated, Historical} {
		for _, words := range []int{1, 3, 20, 80, 400} {
			t.Run(fmt.Sprintf("%s/%d", mode, words), func(t *testing.T) {
				pad, sender := testPad(t, 200), testPad(t, 200)
				text := randomText(r, words)
				want, err := cb.Encode(text)
				if err != nil {
					t.Fatalf("encode %q: %v", text, err)
				}
				ts := seal(t, cb, sender, mode, text)
				reordered := slices.Clone(ts)
				slices.Reverse(reordered) // the receiver takes parts in any order
				o, err := Open(mode, reordered, PadKeys(pad))
				if err != nil {
					t.Fatal(err)
				}
				if got := o.Text(cb); got != cb.Decode(want) {
					t.Fatalf("round trip:\n got %q\nwant %q", got, cb.Decode(want))
				}
				if len(o.Pages) != len(ts) || o.Pages[0].Number != 1 {
					t.Fatalf("pages used: %v", o.Pages)
				}
			})
		}
	}
}

func seal(t testing.TB, c Codec, pad *otp.Pad, mode Mode, text string) []*Transmission {
	t.Helper()
	return sealNr(t, c, pad, mode, text, 278)
}

func sealNr(t testing.TB, c Codec, pad *otp.Pad, mode Mode, text string, nr int) []*Transmission {
	t.Helper()
	p, err := Prepare(c, text, mode, pad.GroupsPerPage)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := pad.Next(p.Parts())
	if err != nil {
		t.Fatal(err)
	}
	ts, err := p.Seal(Message{From: "LONDON", To: "CENTRE", Nr: nr, Day: 21, Prec: Routine}, pages)
	if err != nil {
		t.Fatal(err)
	}
	for _, pg := range pages {
		pg.Burn() // the sender's copy
	}
	// Send them through text, as a receiver gets them.
	ts, err = ParseTransmissions(FormatAll(ts, true))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestTamperEveryDigit changes each body digit of an authenticated telegram
// in turn: every change must be refused, by the tag or by a structural check.
func TestTamperEveryDigit(t *testing.T) {
	cb, _ := loadVectors(t)
	pad := testPad(t, 2)
	ts := seal(t, cb, testPad(t, 2), Authenticated, "Agent LIST reports: the pact is signed.")
	for gi, g := range ts[0].Groups {
		for di := range g {
			bad := *ts[0]
			bad.Groups = slices.Clone(ts[0].Groups)
			b := []byte(g)
			b[di] = (b[di]-'0'+1)%10 + '0'
			bad.Groups[gi] = string(b)
			o, err := Open(Authenticated, []*Transmission{&bad}, PadKeys(pad))
			if err == nil || o != nil {
				t.Fatalf("group %d digit %d changed: accepted", gi+1, di+1)
			}
			if gi > 0 && gi < len(g)-2 && !errors.Is(err, ErrAuthentication) {
				t.Errorf("group %d digit %d: %v, want an authentication failure", gi+1, di+1, err)
			}
		}
	}
	// The untouched telegram still opens: no failure consumed the page.
	if _, err := Open(Authenticated, ts, PadKeys(pad)); err != nil {
		t.Fatal(err)
	}
}

// TestTamperStructure swaps, truncates, replays and reorders parts.
func TestTamperStructure(t *testing.T) {
	cb, _ := loadVectors(t)
	pad, sender := testPad(t, 20), testPad(t, 20)
	long := strings.Repeat("The Germans attack in the west. ", 40)
	ts := seal(t, cb, sender, Authenticated, long)
	if len(ts) < 3 {
		t.Fatalf("want a telegram of 3+ parts, got %d", len(ts))
	}
	// Part 2 of the sender's next telegram, its preamble relabelled.
	other := sealNr(t, cb, sender, Authenticated, long, 279)
	other[1].Nr = 278
	swapGroups := func(tr *Transmission, i, j int) *Transmission {
		c := *tr
		c.Groups = slices.Clone(tr.Groups)
		c.Groups[i], c.Groups[j] = c.Groups[j], c.Groups[i]
		return &c
	}
	relabel := func(tr *Transmission, part int) *Transmission {
		c := *tr
		c.Part = part
		return &c
	}
	with := func(first []*Transmission) []*Transmission { return append(first, ts[2:]...) }
	truncated := *ts[0]
	truncated.Groups = ts[0].Groups[:5]
	tests := []struct {
		name string
		in   []*Transmission
		want string
	}{
		{"ErrGroupSwap", with([]*Transmission{swapGroups(ts[0], 2, 3), ts[1]}), "authentication failure"},
		{"ErrPartsRelabelled", with([]*Transmission{relabel(ts[1], 1), relabel(ts[0], 2)}), "authentication failure"},
		{"ErrPartFromOtherTelegram", with([]*Transmission{ts[0], other[1]}), "serial/date group 27921 does not agree with NR 278"},
		{"ErrMissingPart", with([]*Transmission{ts[0]}), "missing part 2"},
		{"ErrDuplicatePart", with([]*Transmission{ts[0], ts[1], ts[1]}), "appears twice"},
		{"ErrTruncated", with([]*Transmission{&truncated, ts[1]}), "too few"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Open(Authenticated, tt.in, PadKeys(pad))
			if err == nil || o != nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open = %v, %v; want error containing %q", o, err, tt.want)
			}
		})
	}
	// The genuine telegram opens; burned, its pages refuse a replay.
	o, err := Open(Authenticated, ts, PadKeys(pad))
	if err != nil {
		t.Fatal(err)
	}
	for _, pg := range o.Pages {
		pg.Burn()
	}
	if _, err := Open(Authenticated, ts, PadKeys(pad)); !errors.Is(err, otp.ErrUnknownIndicator) {
		t.Fatalf("replay: %v, want ErrUnknownIndicator", err)
	}
}

// TestHistoricalGarbles: an unreadable group costs only the code groups it
// touches; the rest of the text is recovered and the damage is reported.
func TestHistoricalGarbles(t *testing.T) {
	cb, _ := loadVectors(t)
	pad := testPad(t, 2)
	text := "Copies sent to Washington. Agent LIST reports the pact is signed."
	ts := seal(t, cb, testPad(t, 2), Historical, text)
	bad := *ts[0]
	bad.Groups = slices.Clone(ts[0].Groups)
	bad.Groups[3] = "?????"
	bad.Garbles = []Garble{{Group: 4, Text: "?????", Reason: "marked unreadable"}}
	o, err := Open(Historical, []*Transmission{&bad}, PadKeys(pad))
	if err != nil {
		t.Fatal(err)
	}
	got := o.Text(cb)
	if !strings.Contains(got, "groups unrecovered]") || !strings.HasPrefix(got, "COPIES SENT") || !strings.HasSuffix(got, "THE PACT IS SIGNED.") {
		t.Fatalf("garbled text = %q", got)
	}
	if len(o.Warnings) != 1 {
		t.Fatalf("warnings = %q, want one", o.Warnings)
	}
	// In authenticated mode the same damage is refused outright.
	pad2 := testPad(t, 2)
	ts = seal(t, cb, testPad(t, 2), Authenticated, text)
	ts[0].Groups[3], ts[0].Garbles = "?????", bad.Garbles
	if o, err := Open(Authenticated, ts, PadKeys(pad2)); err == nil || o != nil {
		t.Fatalf("authenticated garble accepted: %v", o)
	}
}

func TestPrepareErrors(t *testing.T) {
	cb, _ := loadVectors(t)
	tests := []struct {
		name, text string
		gpp        int
		want       string
	}{
		{"ErrEmpty", "  \n ", 60, "nothing to encipher"},
		{"ErrCharacter", "Pact\nsigned #3", 60, "line 2, column 8"},
		{"ErrTinyPage", "Pact", 8, "leave no room"},
		{"ErrTooLong", strings.Repeat("Washington ", 9000), 60, "at most 99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Prepare(cb, tt.text, Authenticated, tt.gpp)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Prepare: %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSealErrors(t *testing.T) {
	cb, _ := loadVectors(t)
	p, err := Prepare(cb, "Pact signed.", Authenticated, 60)
	if err != nil {
		t.Fatal(err)
	}
	pad := testPad(t, 3)
	ok := Message{From: "LONDON", To: "CENTRE", Nr: 1, Day: 1, Prec: Routine}
	burned := testPad(t, 1)
	burned.Pages[0].Burn()
	tests := []struct {
		name  string
		msg   Message
		pages []*otp.Page
		want  string
	}{
		{"ErrPageCount", ok, pad.Pages[:2], "1 parts but 2 pages"},
		{"ErrBurned", ok, burned.Pages, "burned"},
		{"ErrStation", Message{From: "New York", To: "CENTRE", Nr: 1, Day: 1, Prec: Routine}, pad.Pages[:1], "station name"},
		{"ErrDay", Message{From: "LONDON", To: "CENTRE", Nr: 1, Day: 32, Prec: Routine}, pad.Pages[:1], "day of month"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := p.Seal(tt.msg, tt.pages); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Seal: %v, want %q", err, tt.want)
			}
		})
	}
}

func TestRegroup(t *testing.T) {
	tests := []struct{ in, filler, want string }{
		{"1234", "0000", "12340"},
		{"12345", "9876", "12345"},
		{"123456", "9876", "1234569876"},
		{"12", "98", "12989"},
	}
	for _, tt := range tests {
		if got := Regroup(tt.in, tt.filler); got != tt.want {
			t.Errorf("Regroup(%q, %q) = %q, want %q", tt.in, tt.filler, got, tt.want)
		}
	}
}

// TestCheckerboardTelegram sends a telegram through CT-46 instead of a code.
func TestCheckerboardTelegram(t *testing.T) {
	board := codebook.CT46()
	pad := testPad(t, 3)
	ts := seal(t, board, testPad(t, 3), Authenticated, "MEET AT 16:05 (STATION 3).")
	o, err := Open(Authenticated, ts, PadKeys(pad))
	if err != nil {
		t.Fatal(err)
	}
	if got := o.Text(board); got != "MEET AT 16:05 (STATION 3)." {
		t.Fatalf("got %q", got)
	}
}
