package lab

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/cmplx"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"ciphergram/codebook"
)

// Finding depths.
//
// Two parts are "in depth" when they were enciphered with the same pad
// groups. Write a_i for the i-th cipher group of part a (1-based) and b_j
// for part b's. A depth at offset K means a_i and b_{i+K} were enciphered
// with the same pad group, for every i where both exist; equivalently K =
// start_a - start_b, where start is the index on the page of the first pad
// group a part used (1 when the clerk began right after the indicator). In
// depth the key cancels: a_i - b_{i+K} (digit by digit, mod 10) is the
// difference of the two plaintext groups.
//
// By indicator: parts with the same indicator (page group 0) were
// enciphered on the same page, so they are in depth at some small offset,
// 0 unless a clerk began further down the page. Identical end groups fix
// the offset: the end group is page group start+m, so K = m_b - m_a.
//
// Statistically: the plaintext difference is far from uniform. The code
// stream is 4-digit code groups whose frequencies are very uneven (in the
// lab corpus the commonest dozen groups make half the text), cut into 5-digit
// groups, and the difference of two such streams at a fixed alignment
// keeps much of that structure. DepthModel scores a candidate alignment by
// the log-likelihood ratio, in nats, of the digit differences under "these
// are differences of two code texts" against "these are uniform random
// digits" (what two unrelated keys give). See DepthModel.

// Depth is a pair of intercepted parts found in depth.
type Depth struct {
	A, B string // intercept IDs, A before B in ID order (see CompareIDs)
	// Offset K: A's cipher group i and B's group i+K share a pad group.
	Offset int
	// Score is the log-likelihood ratio (nats) of the digit differences
	// over the overlap: code text against random. Above 20 or so the
	// pair is almost surely in depth; below 0 the data do not support it.
	Score float64
	// Evidence is "indicator" (same indicator, or same end group) or
	// "statistical".
	Evidence string
	// Overlap is the number of cipher groups that share key.
	Overlap int
}

// Evidence values of a Depth.
const (
	EvidenceIndicator   = "indicator"
	EvidenceStatistical = "statistical"
)

// Defaults of DepthOptions.
const (
	// DefaultDepthMinOverlap is the least overlap, in groups, that the
	// statistical search considers.
	DefaultDepthMinOverlap = 30
	// IndicatorOffsets is how far from 0 the offset of two parts with the
	// same indicator is searched (a clerk beginning further down a page).
	IndicatorOffsets = 10
	// offsetPenalty is the score (nats) an offset other than 0 must gain
	// over offset 0 to be preferred for two parts with the same indicator:
	// most clerks begin at group 1.
	offsetPenalty = 6.0
)

// DepthOptions tunes FindDepths. The zero value asks for both methods with
// the defaults.
type DepthOptions struct {
	// MinOverlap is the least number of shared groups the statistical
	// search tries (0: DefaultDepthMinOverlap). Shorter depths are too weakly
	// marked to tell from chance among many pairs.
	MinOverlap int
	// Threshold is the least score of a statistical depth (0:
	// DepthThreshold for the traffic's size).
	Threshold float64
	// MaxOffset bounds |K| in the statistical search (0: every offset that
	// leaves MinOverlap groups).
	MaxOffset int
	// AnyOffset makes the statistical search try every offset that leaves
	// MinOverlap groups. Without it, it tries only the offsets at which the
	// two parts fit on one pad page of 60 groups (a part of m groups begins
	// at page group 59-m at the latest), the only ones a depth can have
	// when every part is enciphered on one page: two parts of 58 groups
	// share a page only at offset 0, two of 30 groups at -28 to 28. Parts
	// longer than a page can hold are searched at every offset.
	AnyOffset bool
	// SkipIndicators and SkipStatistical turn either method off.
	SkipIndicators, SkipStatistical bool
	// Workers is the number of goroutines of the statistical search (0:
	// GOMAXPROCS).
	Workers int
	// Model scores alignments (nil: DefaultDepthModel()).
	Model *DepthModel
}

// FindDepths finds the pairs of intercepts in depth, first by indicator
// and end group, then statistically among the pairs not found so.
// progress, if not nil, is called from time to time with the work done
// and the total of the statistical search (in visits of pairs: it sweeps
// them four times), never concurrently.
// The result is sorted by A then B in ID order; it is the same for the
// same input whatever the number of workers.
func FindDepths(xs []*Intercept, opts DepthOptions, progress func(done, total int)) []Depth {
	if opts.MinOverlap <= 0 {
		opts.MinOverlap = DefaultDepthMinOverlap
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	order := slices.Clone(xs)
	slices.SortFunc(order, compareIntercepts)
	var found []foundDepth
	seen := map[[2]int]bool{}
	var parts []*depthPart
	model := opts.Model
	if !opts.SkipIndicators || !opts.SkipStatistical {
		if model == nil {
			model = DefaultDepthModel()
		}
		parts = make([]*depthPart, len(order))
		for i, x := range order {
			parts[i] = newDepthPart(x, i)
		}
	}
	if !opts.SkipIndicators {
		found = indicatorDepths(model, parts, seen)
	}
	if !opts.SkipStatistical {
		if opts.Threshold == 0 {
			opts.Threshold = DepthThreshold(len(xs), searchSize(parts, opts))
		}
		stat, _ := statisticalDepths(model, parts, seen, opts, progress)
		found = append(found, stat...)
	}
	slices.SortFunc(found, func(a, b foundDepth) int {
		return cmp.Or(cmp.Compare(a.aIdx, b.aIdx), cmp.Compare(a.bIdx, b.bIdx))
	})
	out := make([]Depth, len(found))
	for i, d := range found {
		out[i] = d.Depth
	}
	return out
}

// Calibration of the statistical threshold (TestCalibrateThreshold,
// docs/lab.md): in traffic without depths, over 1.64e9 alignments tried at
// the offsets a page allows (16 simulations of 5,400 parts) 76 passed the
// first stage and scored 8 or more, 4.6e-8 an alignment, and over 7.85e8
// tried at every offset (2 simulations) 31 did, 3.9e-8. The excess over 8
// is close to exponential, with a mean of 1.6 nats but a few far ones
// (20.5 the highest): a mean of 1.8 is assumed. So an alignment scores t
// >= 8 or more with probability about calAt8 * exp(-calRate*(t-8)).
const (
	calAt8   = 4.6e-8
	calRate  = 0.55
	calAim   = 1e-5 // false pairs per part aimed at: 1 in 10,000 with a margin of 10
	calFloor = 12.0 // never report less
)

// DepthThreshold returns the score a statistical depth needs, in traffic
// of parts intercepts where the search tries the given number of
// alignments (pair and offset): the least score that unrelated pairs
// reach, by the calibration, fewer than once per 100,000 parts. It grows
// with the logarithm of the search: about 14 for 500 parts, 17 for 10,000
// (20 if every offset is tried).
func DepthThreshold(parts, alignments int) float64 {
	if parts < 1 || alignments < 1 {
		return calFloor
	}
	t := 8 + math.Log(float64(alignments)*calAt8/(calAim*float64(parts)))/calRate
	return math.Max(calFloor, math.Round(t*10)/10)
}

// searchSize counts the alignments the statistical search tries.
func searchSize(parts []*depthPart, opts DepthOptions) int {
	count := map[int]int{} // parts by length
	for _, p := range parts {
		if p.m >= opts.MinOverlap {
			count[p.m]++
		}
	}
	lengths := make([]int, 0, len(count))
	for m := range count {
		lengths = append(lengths, m)
	}
	slices.Sort(lengths)
	h := 0
	for i, ma := range lengths {
		for _, mb := range lengths[i:] {
			lo, hi := searchOffsets(ma, mb, opts)
			pairs := count[ma] * count[mb]
			if ma == mb {
				pairs = count[ma] * (count[ma] - 1) / 2
			}
			h += pairs * max(0, hi-lo+1)
		}
	}
	return h
}

// searchOffsets returns the offsets the statistical search tries for
// parts of ma and mb groups, the first before the second (lo > hi: none).
func searchOffsets(ma, mb int, opts DepthOptions) (lo, hi int) {
	lo, hi = opts.MinOverlap-ma, mb-opts.MinOverlap
	if opts.MaxOffset > 0 {
		lo, hi = max(lo, -opts.MaxOffset), min(hi, opts.MaxOffset)
	}
	if !opts.AnyOffset && max(ma, mb) <= pageGroups-2 {
		plo, phi := pageOffsets(ma, mb)
		lo, hi = max(lo, plo), min(hi, phi)
	}
	return lo, hi
}

// foundDepth is a Depth with the ranks of its parts, for sorting.
type foundDepth struct {
	Depth
	aIdx, bIdx int
}

// CompareIDs orders intercept IDs "FROM/NR/PART": by station, then
// telegram number, then part number, numerically. IDs not of that form
// sort as strings after those that are.
func CompareIDs(a, b string) int {
	fa, na, pa, oka := splitInterceptID(a)
	fb, nb, pb, okb := splitInterceptID(b)
	switch {
	case oka && okb:
		return cmp.Or(strings.Compare(fa, fb), cmp.Compare(na, nb), cmp.Compare(pa, pb))
	case oka:
		return -1
	case okb:
		return 1
	}
	return strings.Compare(a, b)
}

func splitInterceptID(id string) (from string, nr, part int, ok bool) {
	f := strings.Split(id, "/")
	if len(f) != 3 {
		return "", 0, 0, false
	}
	if _, err := fmt.Sscan(f[1], &nr); err != nil {
		return "", 0, 0, false
	}
	if _, err := fmt.Sscan(f[2], &part); err != nil {
		return "", 0, 0, false
	}
	return f[0], nr, part, true
}

func compareIntercepts(a, b *Intercept) int {
	return cmp.Or(strings.Compare(a.From, b.From), cmp.Compare(a.Nr, b.Nr), cmp.Compare(a.Part, b.Part),
		strings.Compare(a.ID, b.ID))
}

// partPlainDigits is the plaintext digits one historical part carries: 58
// groups. Part k of a telegram starts (k-1)*partPlainDigits digits into the code
// stream, which fixes where its code groups begin.
const partPlainDigits = 58 * 5

// depthPart is an intercept prepared for scoring.
type depthPart struct {
	x      *Intercept
	idx    int
	digits []byte      // cipher digit values 0..9 ('?' as 0)
	m      int         // cipher groups
	phase  int         // code-stream position of digit 0, mod 4
	codes  *stageCodes // the first stage's windows (stage)
}

func newDepthPart(x *Intercept, idx int) *depthPart {
	p := &depthPart{x: x, idx: idx, m: len(x.Groups)}
	if x.Part > 0 {
		p.phase = (x.Part - 1) * partPlainDigits % 4
	}
	return p
}

// load fills in the digits, once. Scoring needs them; grouping by
// indicator does not.
func (p *depthPart) load() *depthPart {
	if p.digits != nil {
		return p
	}
	d := make([]byte, 0, 5*len(p.x.Groups))
	for _, g := range p.x.Groups {
		d = append(d, g...)
	}
	for i, c := range d {
		c -= '0'
		if c > 9 { // '?' or anything else unreadable
			c = 0
		}
		d[i] = c
	}
	p.digits = d
	return p
}

// stage fills in the windows of the first stage, once, and the digits.
// Only the statistical search needs them.
func (p *depthPart) stage() *depthPart {
	if p.codes == nil {
		p.codes = newStageCodes(p.load().digits)
	}
	return p
}

// indicatorDepths pairs parts with the same indicator or end group.
func indicatorDepths(model *DepthModel, parts []*depthPart, seen map[[2]int]bool) []foundDepth {
	var out []foundDepth
	byInd := make(map[string][]int, len(parts))
	byEnd := make(map[string][]int, len(parts))
	for i, p := range parts {
		if isDigits5(p.x.Indicator) {
			byInd[p.x.Indicator] = append(byInd[p.x.Indicator], i)
		}
		if isDigits5(p.x.End) {
			byEnd[p.x.End] = append(byEnd[p.x.End], i)
		}
	}
	keys := make([]string, 0, len(byInd))
	for k, v := range byInd {
		if len(v) > 1 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		ix := byInd[k]
		for u := 0; u < len(ix); u++ {
			for v := u + 1; v < len(ix); v++ {
				a, b := parts[ix[u]].load(), parts[ix[v]].load()
				seen[[2]int{a.idx, b.idx}] = true
				var K int
				var s float64
				if a.x.End == b.x.End {
					K = b.m - a.m
					s = model.score(a, b, K)
				} else {
					K, s = model.bestSmallOffset(a, b)
				}
				out = append(out, foundDepth{Depth{A: a.x.ID, B: b.x.ID, Offset: K, Score: roundScore(s),
					Evidence: EvidenceIndicator, Overlap: groupsShared(a.m, b.m, K)}, a.idx, b.idx})
			}
		}
	}
	// Same end group, different indicators: a garbled or altered
	// indicator. Chance matches of end groups are common in large traffic
	// (1 in 10^5 per pair), so the statistic must confirm, more strictly
	// the more candidates there are.
	type cand struct{ a, b *depthPart }
	var cands []cand
	keys = keys[:0]
	for k, v := range byEnd {
		if len(v) > 1 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		ix := byEnd[k]
		for u := 0; u < len(ix); u++ {
			for v := u + 1; v < len(ix); v++ {
				a, b := parts[ix[u]], parts[ix[v]]
				if !seen[[2]int{a.idx, b.idx}] {
					cands = append(cands, cand{a, b})
				}
			}
		}
	}
	need := 10 + math.Log(float64(max(1, len(cands))))
	for _, c := range cands {
		K := c.b.m - c.a.m
		c.a.load()
		c.b.load()
		if s := model.score(c.a, c.b, K); s >= need {
			seen[[2]int{c.a.idx, c.b.idx}] = true
			out = append(out, foundDepth{Depth{A: c.a.x.ID, B: c.b.x.ID, Offset: K, Score: roundScore(s),
				Evidence: EvidenceIndicator, Overlap: groupsShared(c.a.m, c.b.m, K)}, c.a.idx, c.b.idx})
		}
	}
	return out
}

func isDigits5(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < 5; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// groupsShared is the number of groups shared by parts of ma and mb groups at
// offset K.
func groupsShared(ma, mb, K int) int {
	return max(0, min(ma, mb-K)-max(0, -K))
}

func roundScore(x float64) float64 { return math.Round(x*100) / 100 }

// bestSmallOffset returns the offset in [-IndicatorOffsets,
// IndicatorOffsets] that best explains two parts known to share a page,
// and its score. Each offset K is weighed by its score plus the evidence
// of the end groups (endEvidence), the log-likelihood ratio of all the
// parts' groups under "in depth at K" against "unrelated"; an offset
// other than 0 must gain offsetPenalty more (most clerks begin at group
// 1: with one part in ten begun late, K = 0 is about 200 times likelier a
// priori than any one other offset, e^5.3). Offsets the page cannot hold
// are not tried (pageOffsets), unless a part is too long for one.
func (m *DepthModel) bestSmallOffset(a, b *depthPart) (int, float64) {
	lo, hi := -IndicatorOffsets, IndicatorOffsets
	if max(a.m, b.m) <= pageGroups-2 {
		lo, hi = pageOffsets(a.m, b.m)
	}
	best, bestS, bestW := 0, 0.0, math.Inf(-1)
	for K := max(lo, -IndicatorOffsets); K <= min(hi, IndicatorOffsets); K++ {
		s := 0.0
		if groupsShared(a.m, b.m, K) >= 2 {
			s = m.score(a, b, K)
		}
		w := s + m.endEvidence(a, b, K)
		if K != 0 {
			w -= offsetPenalty
		}
		if w > bestW {
			best, bestS, bestW = K, s, w
		}
	}
	return best, bestS
}

// pageGroups is the number of groups on a pad page: the indicator (group
// 0), then the key. A part of m groups whose key begins at page group
// start sends page group start+m as its end group, so start <= pageGroups
// - 1 - m.
const pageGroups = 60

// pageOffsets returns the offsets K = start_a - start_b that two parts of
// ma and mb groups on one page can have: both keys begin at group 1 or
// later and leave room for the end group. (An empty range, lo > hi, when
// one part is too long for the page.)
func pageOffsets(ma, mb int) (lo, hi int) {
	return 1 - (pageGroups - 1 - mb), pageGroups - 1 - ma - 1
}

// endEvidence is what the end groups say of offset K: a's end group is
// the pad group after a's key, and at offset K part b's group m_a+1+K was
// enciphered with it; so if b has that group, the group minus a's end
// group is b's plaintext, which the model of single code texts scores
// (log-likelihood ratio against uniform digits, nats). The same holds of
// b's end group and a's group m_b+1-K. End groups not of five digits
// (hidden or garbled) say nothing.
func (m *DepthModel) endEvidence(a, b *depthPart, K int) float64 {
	return m.plainEvidence(b, a.m+1+K, a.x.End) + m.plainEvidence(a, b.m+1-K, b.x.End)
}

// plainEvidence scores p's cipher group j (1-based) minus the key group
// key as p's plaintext; 0 if p has no group j or key is not five digits.
func (m *DepthModel) plainEvidence(p *depthPart, j int, key string) float64 {
	if j < 1 || j > p.m || !isDigits5(key) {
		return 0
	}
	w := 0
	for i, c := range p.digits[5*(j-1) : 5*j] {
		w = w*10 + (int(c)-int(key[i]-'0')+10)%10
	}
	return float64(m.plain[w*4+(p.phase+5*(j-1))&3]) / dmScale
}

// statisticalDepths tries every pair of parts not yet paired at every
// offset searchOffsets gives (those leaving opts.MinOverlap groups, on
// one page unless opts.AnyOffset), and keeps the best offset of each pair
// that passes the first stage and scores opts.Threshold or more; it also
// returns the number of alignments it tried. It sweeps the pairs four
// times, once for each phase difference δ of the two code streams (δ
// depends on the offset mod 4), so that only one first-stage table is in
// use at a time, and takes the pairs in tiles of dmTile by dmTile parts
// so that their windows stay in cache with it.
func statisticalDepths(model *DepthModel, parts []*depthPart, seen map[[2]int]bool, opts DepthOptions, progress func(int, int)) ([]foundDepth, int) {
	var cand []*depthPart
	for _, p := range parts {
		if p.m >= opts.MinOverlap {
			cand = append(cand, p.stage())
		}
	}
	type tile struct{ r, c int } // first rows and columns, r <= c
	var tiles []tile
	for r := 0; r < len(cand); r += dmTile {
		for c := r; c < len(cand); c += dmTile {
			tiles = append(tiles, tile{r, c})
		}
	}
	pairs := len(cand) * (len(cand) - 1) / 2
	total := 4 * pairs
	done := 0
	progress(0, total)
	var mu sync.Mutex
	best := map[[2]int]foundDepth{}
	tried := 0
	for delta := range 4 {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range opts.Workers {
			wg.Go(func() {
				var mine []foundDepth
				myTried := 0
				for {
					k := int(next.Add(1) - 1)
					if k >= len(tiles) {
						break
					}
					tl := tiles[k]
					n := 0
					for i := tl.r; i < min(tl.r+dmTile, len(cand)); i++ {
						a := cand[i]
						for j := max(tl.c, i+1); j < min(tl.c+dmTile, len(cand)); j++ {
							b := cand[j]
							n++
							if len(seen) > 0 && seen[[2]int{a.idx, b.idx}] {
								continue
							}
							lo, hi := searchOffsets(a.m, b.m, opts)
							// δ = (5K + phase_b - phase_a) mod 4: start at
							// the first K >= lo of this sweep's class.
							lo += (delta - (5*lo+b.phase-a.phase)&3 + 4) & 3
							if lo <= hi {
								myTried += (hi-lo)/4 + 1
							}
							for K := lo; K <= hi; K += 4 {
								if _, ok := model.firstStage(a, b, K); !ok {
									continue
								}
								if s := model.score(a, b, K); s >= opts.Threshold {
									mine = append(mine, foundDepth{Depth{A: a.x.ID, B: b.x.ID, Offset: K, Score: roundScore(s),
										Evidence: EvidenceStatistical, Overlap: groupsShared(a.m, b.m, K)}, a.idx, b.idx})
								}
							}
						}
					}
					mu.Lock()
					done += n
					progress(done, total)
					mu.Unlock()
				}
				mu.Lock()
				tried += myTried
				for _, d := range mine {
					k := [2]int{d.aIdx, d.bIdx}
					if old, ok := best[k]; !ok || d.Score > old.Score || d.Score == old.Score && d.Offset < old.Offset {
						best[k] = d
					}
				}
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	out := make([]foundDepth, 0, len(best))
	for _, d := range best {
		out = append(out, d)
	}
	return out, tried
}

// dmTile is the side of the tiles of pairs of the statistical search: the
// windows of one sweep of 64 parts of at most 58 groups are 75 KB.
const dmTile = 64

// DepthModel scores an alignment of two parts. It is a model of the digit
// differences of two code texts: for each digit of the overlap, the
// probability of the difference digit given the five before it, for each
// combination of the two texts' positions within their 4-digit code
// groups (the phase of a digit is its position in the code stream mod 4;
// part k of a telegram starts (k-1)*290 digits into the stream). The
// probabilities come from the 6-digit windows of a training text: if P_r
// is the distribution of windows that start at phase r, the difference of
// a window at phase r with an independent one at phase s has the
// distribution P_r ⋆ P_s (a correlation over (Z/10)^6, computed with a
// discrete Fourier transform), mixed with 10% of the uniform distribution.
// The score of an alignment is the sum over its digits (from the sixth)
// of log(10 P(d | five before)): its expected value is negative for random differences
// and positive for a depth; for random differences P(score >= t) <= e^-t.
//
// A DepthModel is immutable and safe for concurrent use. It holds 16 MB of
// tables.
type DepthModel struct {
	// tab[δ][w*4+pa]: 16 times the log-ratio for the difference window w
	// (6 digits, oldest first) whose last digit has phase pa in part a,
	// when part b's phase is pa+δ (mod 4).
	tab [4][]int8
	// stage holds the tables of the search's first stage (firststage.go).
	stage stageTables
	// plain[w*4+r]: 16 times log(10^5 P(w)) for the 5-digit window w of a
	// single code text starting at phase r (mixed like the others with
	// 10% of the uniform distribution): the model of a plaintext group,
	// for end groups (endEvidence).
	plain []int8
}

const (
	dmWindow  = 6
	dmWindows = 1000000 // 10^dmWindow
	dmScale   = 16      // table units per nat
	dmMix     = 0.1     // weight of the uniform distribution in the mixture
)

// DefaultDepthModel returns the model trained on the training part of the
// lab corpus encoded with the default codebook. It is built once (about a
// second) and shared.
func DefaultDepthModel() *DepthModel { return defaultDepthModel() }

var defaultDepthModel = sync.OnceValue(func() *DepthModel {
	train, _ := Corpus()
	m, err := NewDepthModel(codebook.Default(), train)
	if err != nil {
		panic("lab: the corpus does not train a depth model: " + err.Error())
	}
	return m
})

// NewDepthModel trains a depth model on text encoded by c: each paragraph
// (text between blank lines) is one code stream, as a telegram would be.
// Paragraphs c cannot encode are left out; no encodable paragraph is an
// error.
func NewDepthModel(c interface {
	Encode(string) ([]string, error)
}, text string) (*DepthModel, error) {
	var P [4][]float64
	for r := range P {
		P[r] = make([]float64, dmWindows)
	}
	var n [4]float64
	for para := range strings.SplitSeq(text, "\n\n") {
		gs, err := c.Encode(para)
		if err != nil || len(gs) == 0 {
			continue
		}
		s := strings.Join(gs, "")
		w := 0
		for t := 0; t < len(s); t++ {
			w = (w*10 + int(s[t]-'0')) % dmWindows
			if t >= dmWindow-1 {
				r := (t - (dmWindow - 1)) & 3
				P[r][w]++
				n[r]++
			}
		}
	}
	for r := range P {
		if n[r] == 0 {
			return nil, errors.New("depth model: no training text")
		}
		for w := range P[r] {
			P[r][w] /= n[r]
		}
	}
	// Forward transforms, two real arrays packed in one complex array.
	F := make([][]complex128, 4)
	for r := 0; r < 4; r += 2 {
		x := make([]complex128, dmWindows)
		for i := range x {
			x[i] = complex(P[r][i], P[r+1][i])
		}
		dftDigits(x, false)
		F[r], F[r+1] = unpackPair(x)
	}
	m := &DepthModel{plain: make([]int8, 4*dmWindows/10)}
	for r := range P {
		// The model of a plaintext group: the first five digits of P_r.
		p5 := make([]float64, dmWindows/10)
		for w, p := range P[r] {
			p5[w/10] += p
		}
		for w, p := range p5 {
			p = (1-dmMix)*p + dmMix/(dmWindows/10)
			m.plain[w*4+r] = int8(max(-128, min(127, math.Round(dmScale*math.Log(p*dmWindows/10)))))
		}
	}
	P = [4][]float64{}
	for d := range m.tab {
		m.tab[d] = make([]int8, 4*dmWindows)
	}
	// Difference distributions D_{ra,rb} for ra <= rb, two per inverse
	// transform; D_{rb,ra}(Δ) = D_{ra,rb}(-Δ).
	type combo struct{ ra, rb int }
	var combos []combo
	for ra := 0; ra < 4; ra++ {
		for rb := ra; rb < 4; rb++ {
			combos = append(combos, combo{ra, rb})
		}
	}
	neg := negIndex()
	var wg sync.WaitGroup
	for i := 0; i < len(combos); i += 2 {
		c1, c2 := combos[i], combos[i+1]
		x := make([]complex128, dmWindows)
		for k := range x {
			g1 := F[c1.ra][k] * cmplx.Conj(F[c1.rb][k])
			g2 := F[c2.ra][k] * cmplx.Conj(F[c2.rb][k])
			x[k] = g1 + 1i*g2
		}
		dftDigits(x, true)
		for _, job := range []struct {
			c    combo
			part func(complex128) float64
		}{{c1, func(z complex128) float64 { return real(z) }}, {c2, func(z complex128) float64 { return imag(z) }}} {
			wg.Go(func() {
				D := make([]float64, dmWindows)
				for k := range D {
					D[k] = job.part(x[k])
				}
				m.fill(job.c.ra, job.c.rb, D, nil)
				if job.c.ra != job.c.rb {
					m.fill(job.c.rb, job.c.ra, D, neg)
				}
			})
		}
		wg.Wait()
	}
	return m, nil
}

// fill sets the table entries for windows starting at phase ra in part a
// and rb in part b, from D (indexed through neg if not nil).
func (m *DepthModel) fill(ra, rb int, D []float64, neg []int32) {
	at := func(w int) float64 {
		if neg != nil {
			w = int(neg[w])
		}
		return (1-dmMix)*max(D[w], 0) + dmMix/dmWindows
	}
	delta := (rb - ra) & 3
	pa := (ra + dmWindow - 1) & 3 // phase of the window's last digit
	fillConditional(m.tab[delta], pa, dmWindows, at, nil)
	m.fillStage(ra, rb, at)
}

// fillConditional sets tab[w*4+pa] to the log-ratio, in table units, of
// the last digit of window w given the others, for the n windows
// distributed as at; if marg is not nil it receives the distribution of
// the windows without their last digit (and tab may be nil).
func fillConditional(tab []int8, pa, n int, at func(int) float64, marg []float64) {
	for pre := 0; pre < n/10; pre++ {
		var p [10]float64
		sum := 0.0
		for d := range p {
			p[d] = at(pre*10 + d)
			sum += p[d]
		}
		if marg != nil {
			marg[pre] = sum
		}
		if tab == nil {
			continue
		}
		for d := range p {
			v := math.Round(dmScale * math.Log(10*p[d]/sum))
			tab[(pre*10+d)*4+pa] = int8(max(-128, min(127, v)))
		}
	}
}

// negIndex maps each 6-digit window to its digit-wise negation mod 10.
func negIndex() []int32 {
	neg := make([]int32, dmWindows)
	for w := range neg {
		v, x, p := 0, w, 1
		for range dmWindow {
			v += (10 - x%10) % 10 * p
			x /= 10
			p *= 10
		}
		neg[w] = int32(v)
	}
	return neg
}

// unpackPair splits the transform of x+iy (x, y real) into the
// transforms of x and of y.
func unpackPair(z []complex128) (fx, fy []complex128) {
	neg := negIndex()
	fx = make([]complex128, len(z))
	fy = make([]complex128, len(z))
	for k := range z {
		c := cmplx.Conj(z[neg[k]])
		fx[k] = (z[k] + c) / 2
		fy[k] = (z[k] - c) / 2i
	}
	return fx, fy
}

// dftDigits transforms x, indexed by 6-digit numbers, over (Z/10)^6: one
// length-10 transform along each digit. The inverse divides by 10^6.
func dftDigits(x []complex128, inverse bool) {
	var W [10][10]complex128
	sign := -1.0
	if inverse {
		sign = 1
	}
	for k := range W {
		for j := range W[k] {
			W[k][j] = cmplx.Rect(1, sign*2*math.Pi*float64(k*j%10)/10)
		}
	}
	workers := runtime.GOMAXPROCS(0)
	for s := 1; s < len(x); s *= 10 {
		// Work items: a block of 10*s values and a range of its s columns.
		block := 10 * s
		blocks := len(x) / block
		chunk := s
		if blocks < workers {
			chunk = (s + workers - 1) / workers
		}
		perBlock := (s + chunk - 1) / chunk
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				tmp := make([]complex128, 10*chunk)
				for {
					item := int(next.Add(1) - 1)
					if item >= blocks*perBlock {
						return
					}
					row := x[item/perBlock*block:][:block]
					i0 := item % perBlock * chunk
					n := min(chunk, s-i0)
					for k := 0; k < 10; k++ {
						tk := tmp[k*n : (k+1)*n]
						copy(tk, row[i0:i0+n]) // W[k][0] = 1
						for j := 1; j < 10; j++ {
							wk := W[k][j]
							xj := row[j*s+i0 : j*s+i0+n]
							for i := range tk {
								tk[i] += wk * xj[i]
							}
						}
					}
					for k := 0; k < 10; k++ {
						copy(row[k*s+i0:k*s+i0+n], tmp[k*n:(k+1)*n])
					}
				}
			})
		}
		wg.Wait()
	}
	if inverse {
		for i := range x {
			x[i] /= complex(float64(len(x)), 0)
		}
	}
}

// Score returns the score (nats) of parts a and b at offset K (a's group
// i against b's group i+K) and the number of groups they share. Parts
// that share fewer than two groups score 0.
func (m *DepthModel) Score(a, b *Intercept, K int) (score float64, overlapGroups int) {
	pa, pb := newDepthPart(a, 0).load(), newDepthPart(b, 1).load()
	s := m.score(pa, pb, K)
	return s, groupsShared(pa.m, pb.m, K)
}

// score sums the table over the overlap of a and b at offset K: their
// score as DepthModel.Score defines it.
func (m *DepthModel) score(a, b *depthPart, K int) float64 {
	da, db, pa, delta := alignParts(a, b, K)
	n := len(da)
	if n < 2*5 {
		return 0
	}
	var buf [64 * 5]byte
	df := buf[:]
	if n > len(buf) {
		df = make([]byte, n)
	}
	df = df[:n]
	diffDigits(df, da, db)
	tab := (*[4 * dmWindows]int8)(m.tab[delta])
	// w5 holds the five difference digits before t, w6 the six ending at t.
	var w5 uint32
	for t := 0; t < dmWindow-1; t++ {
		w5 = w5*10 + uint32(df[t])
	}
	var sum int32
	for t := dmWindow - 1; t < n; t++ {
		w6 := w5*10 + uint32(df[t])
		w5 = w6 - uint32(df[t-(dmWindow-1)])*(dmWindows/10)
		sum += int32(tab[w6<<2|(pa+uint32(t))&3])
	}
	return float64(sum) / dmScale
}

// alignParts returns the digits of a and b that share key at offset K,
// the phase of a's first one and the phase difference δ.
func alignParts(a, b *depthPart, K int) (da, db []byte, pa uint32, delta int) {
	lo := max(0, -K) * 5
	hi := min(a.m, b.m-K) * 5
	if hi <= lo {
		return nil, nil, 0, 0
	}
	da = a.digits[lo:hi]
	db = b.digits[lo+5*K : hi+5*K]
	return da, db, uint32(lo+a.phase) & 3, (5*K + b.phase - a.phase) & 3
}

// diffDigits sets dst[i] = (a[i] - b[i]) mod 10 for digit values 0..9,
// eight at a time (see package groups for the trick).
func diffDigits(dst, a, b []byte) {
	const (
		ones = 0x0101010101010101
		ten  = 10 * ones
		bias = 0x76 * ones
		high = 0x80 * ones
	)
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		v := binary.LittleEndian.Uint64(a[i:]) + ten - binary.LittleEndian.Uint64(b[i:])
		ge := ((v + bias) & high) >> 7
		binary.LittleEndian.PutUint64(dst[i:], v-(ge<<3+ge<<1))
	}
	for ; i < n; i++ {
		d := a[i] + 10 - b[i]
		if d >= 10 {
			d -= 10
		}
		dst[i] = d
	}
}

// depthJSON is the line WriteDepths writes, fields in this order.
type depthJSON struct {
	A        string  `json:"a"`
	B        string  `json:"b"`
	Offset   int     `json:"offset"`
	Score    float64 `json:"score"`
	Evidence string  `json:"evidence"`
}

// WriteDepths writes one JSON object a line:
// {"a":"FROM/NR/PART","b":"FROM/NR/PART","offset":K,"score":S,"evidence":"indicator"|"statistical"}.
func WriteDepths(w io.Writer, ds []Depth) error {
	enc := json.NewEncoder(w)
	for _, d := range ds {
		if err := enc.Encode(depthJSON{d.A, d.B, d.Offset, d.Score, d.Evidence}); err != nil {
			return err
		}
	}
	return nil
}
