package lab

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// A CribHit is what a crib placed at one position of the target stream
// implies in the other streams of the depth.
type CribHit struct {
	// Position is the digit of the target stream (0 = its first cipher
	// digit) where the crib's first code group is placed.
	Position int
	// Implied maps the ID of each other stream lying under the crib's key
	// to its plaintext there: its code groups decoded, and the digits of
	// groups the window cuts, with ".." on the cut side ("..47 OF THE 3..").
	Implied map[string]string
	// Score is the mean log-probability per implied code group (cut groups
	// count with their likeliest completion) under the model when Drag is
	// given a *Model, else under a uniform choice among the codec's groups:
	// higher is more plausible. -30 a group means a group the codec lacks.
	Score float64
}

// Drag places the code groups of crib (a guessed word or phrase, encoded
// with c) in stream target at every position where a code group of that
// stream may start (its Lead, then every 4 digits), and reports for each
// what the key it implies makes of the other streams there. Positions
// where no other stream lies under the crib are left out. Hits come best
// first (highest Score, then earliest position).
//
// Pass a *Model as c to score the implied groups with its language model.
func Drag(streams []Stream, target int, crib string, c Codec) ([]CribHit, error) {
	if target < 0 || target >= len(streams) {
		return nil, fmt.Errorf("lab: target stream %d out of range (%d streams)", target, len(streams))
	}
	if c == nil {
		return nil, errors.New("lab: drag needs a codec")
	}
	m, ok := c.(*Model)
	if !ok {
		m = TrainModel(c, "")
	}
	gs, err := c.Encode(crib)
	if err != nil {
		return nil, fmt.Errorf("lab: crib: %w", err)
	}
	if len(gs) == 0 {
		return nil, errors.New("lab: the crib encodes to no code groups")
	}
	cribDigits := strings.Join(gs, "")
	s, err := newSolver(streams, m, SolveOptions{})
	if err != nil {
		return nil, err
	}
	t := streams[target]
	var hits []CribHit
	for p := t.Lead; p+len(cribDigits) <= len(t.Digits); p += 4 {
		if h, ok := s.place(target, p, cribDigits); ok {
			hits = append(hits, h)
		}
	}
	slices.SortStableFunc(hits, func(a, b CribHit) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return a.Position - b.Position
	})
	return hits, nil
}

// DragAt is Drag at one digit position of the target stream only. ok is
// false if no other stream lies under the crib there.
func DragAt(streams []Stream, target int, crib string, c Codec, pos int) (hit CribHit, ok bool, err error) {
	if target < 0 || target >= len(streams) {
		return CribHit{}, false, fmt.Errorf("lab: target stream %d out of range (%d streams)", target, len(streams))
	}
	hits, err := Drag(streams, target, crib, c)
	if err != nil {
		return CribHit{}, false, err
	}
	if (pos-streams[target].Lead)%4 != 0 || pos < 0 {
		return CribHit{}, false, fmt.Errorf("lab: position %d is not where a code group of %s starts (lead %d, then every 4 digits)",
			pos, streams[target].ID, streams[target].Lead)
	}
	for _, h := range hits {
		if h.Position == pos {
			return h, true, nil
		}
	}
	return CribHit{}, false, nil
}

// place puts the crib digits at digit p of stream t and reads the others.
func (s *solver) place(t, p int, crib string) (CribHit, bool) {
	x0 := s.base[t] + p
	x1 := x0 + len(crib)
	key := make(map[int]int8, len(crib))
	for i := 0; i < len(crib); i++ {
		if s.cipher[t][p+i] >= 0 {
			key[x0+i] = s.keyFor(t, p+i, int8(crib[i]-'0'))
		}
	}
	hit := CribHit{Position: p, Implied: map[string]string{}}
	total, n := 0.0, 0
	for u := range s.streams {
		if u == t {
			continue
		}
		lo, hi := max(x0, s.base[u]), min(x1, s.base[u]+len(s.cipher[u]))
		if lo >= hi {
			continue
		}
		var parts []string
		var run []string
		h := noHistory
		flush := func() {
			if len(run) > 0 {
				parts = append(parts, s.m.Decode(run))
				run = nil
			}
		}
		for _, si := range s.byStrm[u] {
			sl := &s.slots[si]
			if sl.x+4 <= lo || sl.x >= hi {
				continue
			}
			code := []byte("????")
			mask := 0
			var vals [4]int8
			for d := range 4 {
				x := sl.x + d
				if k, ok := key[x]; ok && sl.in[d] {
					v := s.plain(u, sl.j0+d, k)
					code[d] = byte('0' + v)
					mask |= 1 << d
					vals[d] = v
				}
			}
			if mask == 15 {
				g, _ := groupID(string(code))
				run = append(run, string(code))
				total += s.logProb(h, g, false, false)
				n++
				h = h.then(g)
				continue
			}
			flush()
			frag := strings.Trim(string(code), "?")
			if code[0] == '?' {
				frag = ".." + frag
			}
			if code[3] == '?' {
				frag += ".."
			}
			parts = append(parts, frag)
			total += s.bestLogProb(h, mask, vals)
			n++
			h = noHistory
		}
		flush()
		if len(parts) > 0 {
			hit.Implied[s.streams[u].ID] = strings.Join(parts, " ")
		}
	}
	if len(hit.Implied) == 0 {
		return CribHit{}, false
	}
	hit.Score = math.Round(total/float64(max(n, 1))*1000) / 1000
	return hit, true
}
