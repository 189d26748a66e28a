package lab

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"ciphergram/codebook"
)

// A DepthSet is parts of intercepted traffic taken as one depth: the parts
// an analyst names, each at its offset in the shared key, laid out as the
// streams Solve and Drag work on. `ciphergram lab solve|crib` and the web
// lab page build theirs the same way.
type DepthSet struct {
	Parts   []*Intercept
	Offsets []int // in five-figure groups, as Stream.Offset
	Streams []Stream
}

// NewDepthSet picks the parts with the given IDs among all (the intercepts
// read together, which also tell where the code groups of later parts
// begin: see StreamOf) at the given offsets; nil offsets put every part at
// 0. A depth from FindDepths, Depth{A, B, Offset: K}, is the IDs A, B at
// offsets 0, -K.
//
// It refuses an unknown or repeated ID, fewer than 2 or more than 8 parts,
// a count of offsets that is not the count of parts, and offsets at which
// no two parts share any key.
func NewDepthSet(all []*Intercept, ids []string, offsets []int) (*DepthSet, error) {
	byID := make(map[string]*Intercept, len(all))
	for _, x := range all {
		byID[x.ID] = x
	}
	d := &DepthSet{}
	for _, id := range ids {
		x, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("no part %q among the intercepts (IDs are FROM/NR/PART: CIPHERGRAM FROM NEW-YORK TO MOSCOW NR 12 PART 1/1 is NEW-YORK/12/1)", id)
		}
		if d.Index(id) >= 0 {
			return nil, fmt.Errorf("part %s named twice", id)
		}
		d.Parts = append(d.Parts, x)
	}
	switch {
	case len(d.Parts) == 0:
		return nil, errors.New("no part named; a depth needs at least 2")
	case len(d.Parts) == 1:
		return nil, fmt.Errorf("only %s named; a depth needs at least 2 parts", d.Parts[0].ID)
	case len(d.Parts) > maxStreams:
		return nil, fmt.Errorf("%d parts named; a depth of at most %d is handled", len(d.Parts), maxStreams)
	}
	d.Offsets = make([]int, len(d.Parts))
	if offsets != nil {
		if len(offsets) != len(d.Parts) {
			return nil, fmt.Errorf("%d offsets for %d parts", len(offsets), len(d.Parts))
		}
		copy(d.Offsets, offsets)
	}
	overlap := false
	for i, x := range d.Parts {
		d.Streams = append(d.Streams, StreamOf(x, d.Offsets[i], all))
		for j := range i {
			lo := max(d.Offsets[i], d.Offsets[j])
			hi := min(d.Offsets[i]+len(x.Groups), d.Offsets[j]+len(d.Parts[j].Groups))
			overlap = overlap || lo < hi
		}
	}
	if !overlap {
		return nil, errors.New("at these offsets no two parts share any key")
	}
	return d, nil
}

// Index returns the position in the set of the part with the given ID, or
// -1.
func (d *DepthSet) Index(id string) int {
	for i, x := range d.Parts {
		if x.ID == id {
			return i
		}
	}
	return -1
}

// ParseIDs splits a comma-separated list of intercept IDs, trimming
// spaces and dropping empty items.
func ParseIDs(s string) []string {
	var ids []string
	for id := range strings.SplitSeq(s, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// ParseOffsets reads a comma-separated list of offsets in groups, "0,-8";
// an empty or blank s gives nil (every part at 0).
func ParseOffsets(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("offset %q is not a whole number", strings.TrimSpace(f))
		}
		out = append(out, n)
	}
	return out, nil
}

// DefaultModel returns the language model the lab uses when given no
// codebook and no corpus: the default codebook trained on the training
// part of the lab corpus (Corpus). It is trained once, on first use
// (about 0.1 s), and shared; a Model is safe for concurrent use.
func DefaultModel() *Model { return defaultModel() }

var defaultModel = sync.OnceValue(func() *Model {
	train, _ := Corpus()
	return TrainModel(codebook.Default(), train)
})
