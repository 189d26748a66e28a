package lab

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestNewDepthSet: the parts named, at their offsets, as StreamOf lays
// them out; and what is refused, with a message that says why.
func TestNewDepthSet(t *testing.T) {
	in := "CIPHERGRAM FROM LONDON TO MOSCOW NR 1 PART 1/2 GR 6 PREC R\n12345 11111 22222 33333 44444 00101\n\n" +
		"CIPHERGRAM FROM LONDON TO MOSCOW NR 1 PART 2/2 GR 5 PREC R\n12346 55555 66666 44445 00101\n\n" +
		"CIPHERGRAM FROM NEW-YORK TO MOSCOW NR 7 PART 1/1 GR 6 PREC R\n12345 51111 62222 73333 84444 00101\n"
	xs, err := ReadIntercepts(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDepthSet(xs, ParseIDs(" NEW-YORK/7/1, LONDON/1/2 ,"), []int{0, -1})
	if err != nil {
		t.Fatal(err)
	}
	if d.Index("LONDON/1/2") != 1 || d.Index("LONDON/1/1") != -1 || !slices.Equal(d.Offsets, []int{0, -1}) {
		t.Errorf("parts %v, offsets %v", d.Parts, d.Offsets)
	}
	if want := StreamOf(xs[1], -1, xs); d.Streams[1] != want || want.Lead == 0 {
		t.Errorf("stream %+v, want %+v (a later part, with a lead)", d.Streams[1], want)
	}
	if d, err := NewDepthSet(xs, []string{"LONDON/1/1", "NEW-YORK/7/1"}, nil); err != nil || !slices.Equal(d.Offsets, []int{0, 0}) {
		t.Errorf("no offsets: %v, %v", d, err)
	}
	for _, c := range []struct {
		ids     []string
		offsets []int
		want    string
	}{
		{nil, nil, "no part named"},
		{[]string{"LONDON/1/1"}, nil, "only LONDON/1/1 named"},
		{[]string{"LONDON/1/1", "LONDON/9/1"}, nil, `no part "LONDON/9/1"`},
		{[]string{"LONDON/1/1", "LONDON/1/1"}, nil, "named twice"},
		{[]string{"LONDON/1/1", "NEW-YORK/7/1"}, []int{0}, "1 offsets for 2 parts"},
		{[]string{"LONDON/1/1", "NEW-YORK/7/1"}, []int{0, 9}, "no two parts share any key"},
	} {
		if _, err := NewDepthSet(xs, c.ids, c.offsets); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v at %v: %v, want %q", c.ids, c.offsets, err, c.want)
		}
	}
	ids := []string{"LONDON/1/1", "LONDON/1/2", "NEW-YORK/7/1"}
	for _, x := range manyIntercepts(6) {
		xs, ids = append(xs, x), append(ids, x.ID)
	}
	if _, err := NewDepthSet(xs, ids, nil); err == nil || !strings.Contains(err.Error(), "9 parts named; a depth of at most 8") {
		t.Errorf("9 parts: %v", err)
	}
}

// manyIntercepts makes n one-group parts A/1/1, A/2/1, ...
func manyIntercepts(n int) []*Intercept {
	var out []*Intercept
	for i := range n {
		out = append(out, &Intercept{ID: fmt.Sprintf("A/%d/1", i+1), From: "A", To: "B", Nr: i + 1, Part: 1, Parts: 1, Groups: []string{"12345"}})
	}
	return out
}

func TestParseOffsets(t *testing.T) {
	for in, want := range map[string][]int{"": nil, "  ": nil, "0": {0}, "0, -8 ,3": {0, -8, 3}} {
		got, err := ParseOffsets(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"0,,1", "0,x", "1.5"} {
		if _, err := ParseOffsets(in); err == nil || !strings.Contains(err.Error(), "not a whole number") {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestDefaultModel(t *testing.T) {
	m := DefaultModel()
	if m != DefaultModel() || m.Groups < 100000 {
		t.Errorf("DefaultModel: %d groups, shared %v", m.Groups, m == DefaultModel())
	}
}
