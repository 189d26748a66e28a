package lab

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"ciphergram/cipher"
	"ciphergram/codebook"
	"ciphergram/otp"
)

func simulateForTest(t testing.TB, opts SimOptions) ([]*Intercept, []TruthPart, []TruthDepth, []byte, []byte) {
	t.Helper()
	var ib, tb bytes.Buffer
	if err := Simulate(opts, &ib, &tb); err != nil {
		t.Fatal(err)
	}
	xs, err := ReadIntercepts(bytes.NewReader(ib.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	parts, depths, err := ReadTruth(bytes.NewReader(tb.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return xs, parts, depths, ib.Bytes(), tb.Bytes()
}

func smallSim() SimOptions {
	o := DefaultSimOptions()
	o.Messages = 300
	o.DuplicatedPages = 0.1
	o.LateStart = 0.2
	return o
}

func TestSimulateDeterministic(t *testing.T) {
	o := smallSim()
	_, _, _, i1, t1 := simulateForTest(t, o)
	_, _, _, i2, t2 := simulateForTest(t, o)
	if !bytes.Equal(i1, i2) || !bytes.Equal(t1, t2) {
		t.Fatal("the same options gave different files")
	}
	o.Seed++
	_, _, _, i3, t3 := simulateForTest(t, o)
	if bytes.Equal(i1, i3) || bytes.Equal(t1, t3) {
		t.Fatal("another seed gave the same files")
	}
}

// TestSimulateTruth checks the truth against the intercepts: the same
// parts in the same order, plaintext digits that are the code groups
// regrouped, and for every depth, cipher differences equal to plaintext
// differences over exactly the overlap stated.
func TestSimulateTruth(t *testing.T) {
	o := smallSim()
	xs, parts, depths, _, _ := simulateForTest(t, o)
	if len(xs) != len(parts) {
		t.Fatalf("%d intercepts, %d truth parts", len(xs), len(parts))
	}
	cb := codebook.Default()
	byID := map[string]*Intercept{}
	tp := map[string]TruthPart{}
	links := map[string]bool{}
	multi, late := 0, 0
	for i, x := range xs {
		p := parts[i]
		if p.ID != x.ID {
			t.Fatalf("intercept %d is %s, truth part %s", i, x.ID, p.ID)
		}
		byID[x.ID], tp[x.ID] = x, p
		links[p.Link] = true
		if p.Link != x.Link() {
			t.Errorf("%s: link %s, intercept %s", x.ID, p.Link, x.Link())
		}
		if len(p.Digits) != 5*len(x.Groups) {
			t.Fatalf("%s: %d plaintext digits for %d groups", x.ID, len(p.Digits), len(x.Groups))
		}
		stream := strings.Join(p.CodeGroups, "")[p.CodePhase:]
		n := min(len(stream), len(p.Digits))
		if stream[:n] != p.Digits[:n] {
			t.Fatalf("%s: plaintext digits are not its code groups", x.ID)
		}
		if p.Plaintext != cb.Decode(p.CodeGroups) {
			t.Fatalf("%s: plaintext is not its code groups decoded", x.ID)
		}
		if len(x.Groups) > 58 || p.Start < 1 || p.Start+len(x.Groups) > 59 {
			t.Fatalf("%s: %d groups from page group %d do not fit a page", x.ID, len(x.Groups), p.Start)
		}
		if x.Parts > 1 {
			multi++
		}
		if p.Start > 1 {
			late++
		}
		if x.Part == 1 && !strings.HasPrefix(p.Plaintext, "TO ") {
			t.Errorf("%s: telegram does not start with its address: %.40q", x.ID, p.Plaintext)
		}
	}
	if len(links) != 2*o.Links || multi == 0 || late == 0 {
		t.Errorf("%d directions, %d parts of multi-part telegrams, %d begun late", len(links), multi, late)
	}
	if len(depths) < 10 {
		t.Fatalf("only %d depths", len(depths))
	}
	nonzero := 0
	for _, d := range depths {
		a, b := byID[d.A], byID[d.B]
		if CompareIDs(d.A, d.B) >= 0 {
			t.Errorf("depth %s %s not in ID order", d.A, d.B)
		}
		if tp[d.A].Link == tp[d.B].Link {
			t.Errorf("depth %s %s on one link", d.A, d.B)
		}
		if a.Indicator != b.Indicator {
			t.Errorf("depth %s %s: indicators %s and %s", d.A, d.B, a.Indicator, b.Indicator)
		}
		if d.Offset != tp[d.A].Start-tp[d.B].Start {
			t.Errorf("depth %s %s: offset %d, starts %d and %d", d.A, d.B, d.Offset, tp[d.A].Start, tp[d.B].Start)
		}
		if d.Offset != 0 {
			nonzero++
		}
		ov := 0
		for i := range a.Groups {
			j := i + d.Offset
			if j < 0 || j >= len(b.Groups) {
				continue
			}
			ov++
			for k := range 5 {
				c := (a.Groups[i][k] - b.Groups[j][k] + 10) % 10
				p := (tp[d.A].Digits[5*i+k] - tp[d.B].Digits[5*j+k] + 10) % 10
				if c != p {
					t.Fatalf("depth %s %s: group %d/%d: cipher difference is not the plaintext difference", d.A, d.B, i, j)
				}
			}
		}
		if ov != d.Overlap || ov == 0 {
			t.Errorf("depth %s %s: overlap %d, stated %d", d.A, d.B, ov, d.Overlap)
		}
	}
	if nonzero == 0 {
		t.Error("no depth at an offset other than 0")
	}
	// Indicators are distinct except on copies of a page.
	inDepth := map[[2]string]bool{}
	for _, d := range depths {
		inDepth[[2]string{d.A, d.B}] = true
	}
	seen := map[string]string{}
	for _, x := range xs {
		if prev, ok := seen[x.Indicator]; ok && !inDepth[[2]string{prev, x.ID}] && !inDepth[[2]string{x.ID, prev}] {
			t.Errorf("%s and %s share indicator %s but are not in depth", prev, x.ID, x.Indicator)
		}
		seen[x.Indicator] = x.ID
	}
}

// TestSimulateHidden: hiding indicators changes only the indicator and end
// groups, all distinct, and not the truth.
func TestSimulateHidden(t *testing.T) {
	o := smallSim()
	xs, _, _, _, t1 := simulateForTest(t, o)
	o.HideIndicators = true
	hs, _, _, _, t2 := simulateForTest(t, o)
	if !bytes.Equal(t1, t2) {
		t.Fatal("hiding indicators changed the truth")
	}
	seen := map[string]bool{}
	for i, h := range hs {
		x := xs[i]
		if h.ID != x.ID || !slices.Equal(h.Groups, x.Groups) || h.Serial != x.Serial {
			t.Fatalf("%s changed beyond its indicator and end group", x.ID)
		}
		for _, g := range []string{h.Indicator, h.End} {
			if seen[g] {
				t.Fatalf("hidden group %s used twice", g)
			}
			seen[g] = true
		}
	}
}

func TestSimulateLetters(t *testing.T) {
	o := smallSim()
	o.Messages = 40
	xs, _, _, _, _ := simulateForTest(t, o)
	o.Letters = true
	ls, _, _, raw, _ := simulateForTest(t, o)
	if !strings.Contains(string(raw), "CIPHERGRAM FROM") || strings.ContainsAny(strings.SplitN(string(raw), "\n", 3)[1], "0123456789") {
		t.Fatalf("not in letters:\n%.200s", raw)
	}
	for i := range xs {
		if !slices.Equal(xs[i].Groups, ls[i].Groups) || xs[i].Indicator != ls[i].Indicator {
			t.Fatalf("%s differs in letters", xs[i].ID)
		}
	}
}

// TestSealHistorical: beginning at group 1, the simulator enciphers as
// cipher.Seal does in historical mode.
func TestSealHistorical(t *testing.T) {
	rng := rand.NewChaCha8([32]byte{1})
	pad, err := otp.Generate(rng, "T-1", "LONDON", "MOSCOW", 2, 60)
	if err != nil {
		t.Fatal(err)
	}
	cb := codebook.Default()
	text := "TO VIKTOR. THE SOURCE REPORTED THAT THE MINISTER WILL LEAVE ON 3 MAY. VADIM."
	prep, err := cipher.Prepare(cb, text, cipher.Historical, 60)
	if err != nil {
		t.Fatal(err)
	}
	msg := cipher.Message{From: "LONDON", To: "MOSCOW", Nr: 278, Day: 21, Prec: cipher.Routine}
	want, err := prep.Seal(msg, pad.Pages[:1])
	if err != nil {
		t.Fatal(err)
	}
	digits, _ := cb.EncodeDigits(text)
	got := sealHistorical(cipher.Regroup(digits, cb.Filler()), pad.Pages[0], 1, msg, 1, 1)
	if got.Format(false) != want[0].Format(false) {
		t.Fatalf("got\n%s\nwant\n%s", got.Format(false), want[0].Format(false))
	}
}

func TestSimulateOptions(t *testing.T) {
	for _, mod := range []func(*SimOptions){
		func(o *SimOptions) { o.Messages = 0 },
		func(o *SimOptions) { o.Messages = MaxSimMessages + 1 },
		func(o *SimOptions) { o.Links = 0 },
		func(o *SimOptions) { o.Links = len(SimStations()) + 1 },
		func(o *SimOptions) { o.DuplicatedPages = 0.6 },
		func(o *SimOptions) { o.LateStart = -0.1 },
	} {
		o := DefaultSimOptions()
		mod(&o)
		if err := Simulate(o, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	for _, s := range SimStations() {
		if err := cipher.CheckStation(s.Name); err != nil {
			t.Error(err)
		}
	}
	// One link cannot duplicate across links; no page is then shared.
	o := DefaultSimOptions()
	o.Messages, o.Links = 50, 1
	if _, _, depths, _, _ := simulateForTest(t, o); len(depths) != 0 {
		t.Errorf("one link, %d depths", len(depths))
	}
}
