package lab

import (
	"slices"
	"strings"
	"testing"

	"ciphergram/codebook"
)

// TestDrag: a crib dragged through one stream of a depth scores best where
// it really is, and there the other stream reads its own plaintext.
func TestDrag(t *testing.T) {
	cb := codebook.Default()
	texts := telegrams(t, 2, 70, 21)
	dc := depthOf(t, texts, []int{0, 0}, 21)
	m := corpusModel()
	// The crib: five code groups of B from its 20th.
	cribGroups := dc.truth[1][20:25]
	crib := cb.Decode(cribGroups)
	if got, _ := cb.Encode(crib); strings.Join(got, "") != strings.Join(cribGroups, "") {
		t.Skipf("crib %q does not encode back to its groups", crib)
	}
	hits, err := Drag(dc.streams, 1, crib, m)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hits[:3] {
		t.Logf("hit %d: figure %d, score %.2f: A reads %q", i+1, h.Position, h.Score, h.Implied["A"])
	}
	// The true place is among the best three (a place where both texts
	// hold the same groups implies the crib itself in A, which reads well
	// too: there the plaintexts, not the key, cancel).
	rank := slices.IndexFunc(hits, func(h CribHit) bool { return h.Position == 80 })
	if rank < 0 || rank > 2 {
		t.Fatalf("crib %q: the true place, figure 80, ranks %d", crib, rank+1)
	}
	want := cb.Decode(dc.truth[0][20:25])
	if got := hits[rank].Implied["A"]; got != want {
		t.Errorf("under the crib, A reads %q, want %q", got, want)
	}
	for i := 1; i < len(hits); i++ {
		if hits[i-1].Score < hits[i].Score {
			t.Errorf("hits not in order of score")
		}
	}
	// Every position is a group boundary of B.
	for _, h := range hits {
		if h.Position%4 != 0 || h.Position+4*len(cribGroups) > len(dc.streams[1].Digits) {
			t.Errorf("hit at figure %d", h.Position)
		}
	}

	// DragAt: one position only.
	h, ok, err := DragAt(dc.streams, 1, crib, m, 80)
	if err != nil || !ok || h.Implied["A"] != want {
		t.Errorf("DragAt 80: %+v %v %v", h, ok, err)
	}
	if _, _, err := DragAt(dc.streams, 1, crib, m, 81); err == nil {
		t.Error("DragAt accepted a figure inside a code group")
	}

	// With a bare codebook the hits come unranked by any language model,
	// but the implied text is the same.
	plain, err := Drag(dc.streams, 1, crib, cb)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plain {
		if p.Position == 80 && p.Implied["A"] != want {
			t.Errorf("bare codebook at 80: %q", p.Implied["A"])
		}
	}
}

// TestDragCut: where the other stream's groups are out of step with the
// crib's, the groups the window cuts show their digits.
func TestDragCut(t *testing.T) {
	cb := codebook.Default()
	texts := telegrams(t, 2, 70, 22)
	dc := depthOf(t, texts, []int{0, 1}, 22) // B starts 5 figures into the key: 1 figure out of step
	crib := cb.Decode(dc.truth[1][10:13])
	hits, err := Drag(dc.streams, 1, crib, corpusModel())
	if err != nil {
		t.Fatal(err)
	}
	var at *CribHit
	for i := range hits {
		if hits[i].Position == 40 {
			at = &hits[i]
		}
	}
	if at == nil {
		t.Fatalf("no hit at figure 40")
	}
	// B's figure 40 is key figure 45, A's figure 45: A's group 11 from its
	// second figure.
	a := dc.truth[0]
	implied := at.Implied["A"]
	if !strings.HasPrefix(implied, ".."+a[11][1:]+" ") || !strings.HasSuffix(implied, " "+a[14][:1]+"..") {
		t.Errorf("implied %q; A's groups 11-14: %v", implied, a[11:15])
	}
	if mid := cb.Decode(a[12:14]); !strings.Contains(implied, mid) {
		t.Errorf("implied %q lacks %q", implied, mid)
	}
}

func TestDragErrors(t *testing.T) {
	dc := depthOf(t, telegrams(t, 2, 70, 23), []int{0, 0}, 23)
	m := corpusModel()
	for _, tc := range []struct {
		target int
		crib   string
		want   string
	}{
		{2, "THE", "out of range"},
		{-1, "THE", "out of range"},
		{0, "§", "cannot be encoded"},
		{0, "  ", "no code groups"},
	} {
		if _, err := Drag(dc.streams, tc.target, tc.crib, m); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Drag(%d, %q): %v, want %q", tc.target, tc.crib, err, tc.want)
		}
	}
	if _, err := Drag(dc.streams, 0, "THE", nil); err == nil {
		t.Error("no codec accepted")
	}
	// A crib longer than the stream fits nowhere.
	long := strings.Repeat("THE PEOPLE'S COMMISSARIAT FOR FOREIGN AFFAIRS ", 40)
	if hits, err := Drag(dc.streams, 0, long, m); err != nil || len(hits) != 0 {
		t.Errorf("a crib longer than the stream: %d hits, %v", len(hits), err)
	}
}
