package lab

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomPart is a part of m groups of random digits whose code groups
// begin at the given phase.
func randomPart(rng *rand.Rand, m, phase, idx int) *depthPart {
	x := &Intercept{ID: fmt.Sprintf("R/%d/1", idx)}
	for range m {
		x.Groups = append(x.Groups, fmt.Sprintf("%05d", rng.IntN(100000)))
	}
	p := newDepthPart(x, idx).stage()
	p.phase = phase
	return p
}

// stageReference computes the first stage from the difference digits
// themselves, window by window, as firstStage's comment defines it: the
// sum after each window (nats, slope included) and whether it passes.
func stageReference(m *DepthModel, a, b *depthPart, K int, abandon bool) (float64, bool) {
	st := &m.stage
	delta := (5*K + b.phase - a.phase) & 3
	win := stageWindows[delta]
	lo, hi := 5*max(0, -K), 5*min(a.m, b.m-K)
	var sum int32 // slope taken off, as the tables hold it
	n := 0
	for s := lo; s+win.width <= hi; s++ {
		if (a.phase+s-win.off)&3 != 0 {
			continue // not the window of one of a's code groups
		}
		var d [6]int
		for i := range win.width {
			d[i] = (int(a.digits[s+i]) - int(b.digits[s+5*K+i]) + 10) % 10
		}
		if delta == 0 {
			// The base-19 sum of two digits whose difference is d is d+9
			// or d-1: the table must hold the same for both.
			idx, alt := 0, 0
			for i := range 4 {
				idx = idx*19 + d[i] + 9
				alt = alt*19 + (d[i]+9)%10 // d-1 where d > 0, else 9
			}
			if st.t4[idx] != st.t4[alt] {
				panic("t4 differs between two codes of one window")
			}
			sum += int32(st.t4[idx])
		} else {
			w := 0
			for i := range 6 {
				w = w*10 + d[i]
			}
			sum += int32(st.t6[delta][w])
		}
		n++
		if abandon && sum < st.at[delta] {
			return float64(sum+st.slope[delta]*int32(n)) / dmScale, false
		}
	}
	total := sum + st.slope[delta]*int32(n)
	return float64(total) / dmScale, n >= 2 && total >= st.pass[delta]
}

// TestFirstStageReference: the first stage's base-19 codes and strided
// windows give the same sums, abandonments and verdicts as scoring the
// difference digits window by window, at every phase, δ and offset.
func TestFirstStageReference(t *testing.T) {
	m := DefaultDepthModel()
	// The same model without abandonment, to compare whole sums.
	whole := *m
	for d := range whole.stage.at {
		whole.stage.at[d] = -1 << 30
	}
	rng := rand.New(rand.NewPCG(3, 4))
	checked, passed := [4]int{}, 0
	for it := range 60 {
		a := randomPart(rng, 1+rng.IntN(58), rng.IntN(4), 2*it)
		b := randomPart(rng, 1+rng.IntN(58), rng.IntN(4), 2*it+1)
		if it%3 == 0 {
			// Every third pair, b begins with a's digits: their difference
			// is 0 at offset 0 (frequent in depths), so that some
			// alignments pass.
			copy(b.digits, a.digits[:min(len(a.digits), len(b.digits))])
			b.codes = newStageCodes(b.digits)
		}
		for K := 1 - a.m; K < b.m; K++ {
			for _, c := range []struct {
				m       *DepthModel
				abandon bool
			}{{m, true}, {&whole, false}} {
				got, ok := c.m.firstStage(a, b, K)
				want, wantOK := stageReference(c.m, a, b, K, c.abandon)
				if got != want || ok != wantOK {
					t.Fatalf("parts of %d and %d groups, phases %d and %d, K %d (abandon %v): first stage %.4f %v, reference %.4f %v",
						a.m, b.m, a.phase, b.phase, K, c.abandon, got, ok, want, wantOK)
				}
				if ok && c.abandon {
					passed++
				}
			}
			checked[(5*K+b.phase-a.phase)&3]++
		}
	}
	t.Logf("alignments checked by δ: %v; %d passed", checked, passed)
	if passed == 0 {
		t.Error("no alignment passed: the comparison does not reach the end of the first stage")
	}
}

// TestPageOffsets: the offsets pageOffsets allows are those of two keys
// that begin at page group 1 or later and leave room for the end group.
func TestPageOffsets(t *testing.T) {
	for ma := 1; ma <= pageGroups-2; ma++ {
		for mb := 1; mb <= pageGroups-2; mb++ {
			var want []int
			for K := -pageGroups; K <= pageGroups; K++ {
				for sa := 1; sa+ma <= pageGroups-1; sa++ {
					if sb := sa - K; sb >= 1 && sb+mb <= pageGroups-1 {
						want = append(want, K)
						break
					}
				}
			}
			lo, hi := pageOffsets(ma, mb)
			if len(want) == 0 || want[0] != lo || want[len(want)-1] != hi || len(want) != hi-lo+1 {
				t.Fatalf("pageOffsets(%d, %d) = %d, %d; want %v", ma, mb, lo, hi, want)
			}
		}
	}
}

// TestSearchSize: the alignments the statistical search tries (counted as
// it goes) are the ones searchSize counts, which set the threshold.
func TestSearchSize(t *testing.T) {
	o := smallSim()
	o.Messages, o.HideIndicators = 150, true
	xs, _, _, _, _ := simulateForTest(t, o)
	xs = append(xs, &Intercept{ID: "LONG/1/1", Groups: make([]string, 70)}) // longer than a page
	for i := range xs[len(xs)-1].Groups {
		xs[len(xs)-1].Groups[i] = "12345"
	}
	model := DefaultDepthModel()
	for _, opts := range []DepthOptions{{}, {AnyOffset: true}, {MaxOffset: 5}, {MinOverlap: 20, AnyOffset: true, MaxOffset: 12}} {
		opts.Workers, opts.Threshold = 2, 1000
		if opts.MinOverlap == 0 {
			opts.MinOverlap = DefaultDepthMinOverlap
		}
		parts := make([]*depthPart, len(xs))
		for i, x := range xs {
			parts[i] = newDepthPart(x, i)
		}
		want := searchSize(parts, opts)
		_, got := statisticalDepths(model, parts, map[[2]int]bool{}, opts, func(int, int) {})
		if got != want || got == 0 {
			t.Errorf("%+v: the search tried %d alignments, searchSize says %d", opts, got, want)
		}
	}
}

// plantDepth enciphers the plaintext digits of a and b afresh with one
// random key, so that they are in depth at offset K: a's group i and b's
// group i+K share a key group.
func plantDepth(rng *rand.Rand, a, b *Intercept, pa, pb string, K int) {
	base := max(0, K)
	key := make([]int, 5*(max(len(a.Groups), len(b.Groups)-K)+base))
	for i := range key {
		key[i] = rng.IntN(10)
	}
	encipher := func(x *Intercept, plain string, from int) {
		for g := range x.Groups {
			c := make([]byte, 5)
			for i := range c {
				c[i] = '0' + byte((int(plain[5*g+i]-'0')+key[5*(from+g)+i])%10)
			}
			x.Groups[g] = string(c)
		}
	}
	encipher(a, pa, base)
	encipher(b, pb, base-K)
}

// TestPlantedDepths plants depths across links in traffic that has none,
// at each phase difference δ of the code streams and at offsets near 0 and
// far from it, and checks that the statistical search finds every one at
// its offset and nothing else: at the offsets a page allows by default,
// at any offset with AnyOffset.
func TestPlantedDepths(t *testing.T) {
	o := DefaultSimOptions()
	o.Messages, o.DuplicatedPages, o.HideIndicators, o.Seed = 500, 0, true, 7
	xs, truth, depths, _, _ := simulateForTest(t, o)
	if len(depths) != 0 {
		t.Fatalf("%d depths in traffic without duplicated pages", len(depths))
	}
	plain := map[string]string{}
	for _, p := range truth {
		plain[p.ID] = p.Digits
	}
	model := DefaultDepthModel()
	phase := func(x *Intercept) int { return newDepthPart(x, 0).phase }
	used := map[*Intercept]bool{}
	type plant struct {
		delta, K, ma, mb int // ma, mb: least lengths
		any              bool
	}
	plants := []plant{
		{0, 0, 58, 58, false}, {2, 0, 58, 58, false}, {1, -3, 45, 48, false}, {3, 5, 45, 50, false},
		{2, -6, 40, 50, false}, {0, 12, 40, 52, false}, {1, 27, 30, 57, false},
		{0, 20, 58, 58, true}, {3, -17, 56, 56, true}, {2, 14, 50, 58, true}, {1, -21, 58, 58, true},
	}
	rng := rand.New(rand.NewPCG(11, 12))
	type want struct {
		a, b string
		K    int
	}
	var planted [2][]want // by AnyOffset
	for _, p := range plants {
		found := false
		for i := 0; i < len(xs) && !found; i++ {
			for j := 0; j < len(xs) && !found; j++ {
				a, b := xs[i], xs[j]
				if used[a] || used[b] || CompareIDs(a.ID, b.ID) >= 0 || a.Link() == b.Link() ||
					len(a.Groups) < p.ma || len(b.Groups) < p.mb || len(plain[a.ID]) != 5*len(a.Groups) ||
					len(plain[b.ID]) != 5*len(b.Groups) || (5*p.K+phase(b)-phase(a))&3 != p.delta {
					continue
				}
				if lo, hi := pageOffsets(len(a.Groups), len(b.Groups)); (p.K >= lo && p.K <= hi) == p.any {
					continue // a far offset must be one no page allows, a near one one it does
				}
				saveA, saveB := slices.Clone(a.Groups), slices.Clone(b.Groups)
				plantDepth(rng, a, b, plain[a.ID], plain[b.ID], p.K)
				// Plant only depths the full score sees well: the test is of
				// the search, not of the model.
				if s, ov := model.Score(a, b, p.K); s < 25 || ov < 30 {
					a.Groups, b.Groups = saveA, saveB
					continue
				}
				used[a], used[b], found = true, true, true
				pa, pb := newDepthPart(a, 0).stage(), newDepthPart(b, 1).stage()
				if _, ok := model.firstStage(pa, pb, p.K); !ok {
					t.Errorf("%s %s at %d (δ %d): the first stage drops it", a.ID, b.ID, p.K, p.delta)
				}
				k := 0
				if p.any {
					k = 1
				}
				planted[k] = append(planted[k], want{a.ID, b.ID, p.K})
			}
		}
		if !found {
			t.Fatalf("no pair of parts for %+v", p)
		}
	}
	for k, anyOffset := range []bool{false, true} {
		got := FindDepths(xs, DepthOptions{AnyOffset: anyOffset}, nil)
		wanted := planted[0]
		if anyOffset {
			wanted = append(slices.Clone(wanted), planted[1]...)
		}
		for _, w := range wanted {
			i := slices.IndexFunc(got, func(d Depth) bool { return d.A == w.a && d.B == w.b })
			if i < 0 {
				t.Errorf("AnyOffset %v: depth %s %s at %d not found", anyOffset, w.a, w.b, w.K)
				continue
			}
			if d := got[i]; d.Offset != w.K || d.Evidence != EvidenceStatistical {
				t.Errorf("AnyOffset %v: %+v, want offset %d", anyOffset, d, w.K)
			}
		}
		if len(got) != len(wanted) {
			t.Errorf("AnyOffset %v: %d depths found, %d planted: %+v", anyOffset, len(got), len(wanted), got)
		}
		t.Logf("AnyOffset %v: %d parts, %d alignments: %d planted depths found of %d", anyOffset, len(xs),
			hypotheses(xs, DepthOptions{AnyOffset: anyOffset}), len(got), len(planted[0])+k*len(planted[1]))
	}
}
