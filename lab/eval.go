package lab

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"time"

	"ciphergram/codebook"
)

// Evaluating the lab end to end: simulate traffic, find its depths, solve
// them, and measure every stage against the truth the simulation keeps.

// EvalOptions describes an evaluation (see Evaluate).
type EvalOptions struct {
	// Seeds are the simulations' seeds, one traffic (in two versions:
	// indicators in clear and hidden) a seed. Empty: 1, 2, 3.
	Seeds []uint64
	// Sim is the traffic of every seed (Seed and HideIndicators are set
	// per run). A zero Messages takes DefaultSimOptions().
	Sim SimOptions
	// Depth tunes the search of the traffic with hidden indicators (as
	// `lab depths` without flags when zero). The traffic with indicators
	// in clear is searched by indicator only.
	Depth DepthOptions
	// Pairs is the number of simulated depths (pairs of parts that share
	// MinOverlap groups or more) solved a seed (0: DefaultEvalPairs).
	Pairs int
	// Sets is the number of depths of three parts built a seed at each of
	// the two offset patterns, offsets 0,0,0 and small offsets other than 0
	// (0: DefaultEvalSets); the first two parts of each are also solved
	// alone, as a depth of two at the same offsets.
	Sets int
	// MinOverlap is the least overlap, in groups, of the simulated depths
	// solved (0: DefaultDepthMinOverlap).
	MinOverlap int
	// Solve tunes the solver (its Key is set for each depth: the end groups
	// of simulated depths, nothing for built ones).
	Solve SolveOptions
	// Model is the solver's language model (nil: trained on the lab
	// corpus's training part with the default codebook).
	Model *Model
}

// Defaults of EvalOptions.
const (
	DefaultEvalSeeds = 3
	DefaultEvalPairs = 20
	DefaultEvalSets  = 8
	// evalSetGroups is the least number of cipher groups of a part taken
	// into a built depth.
	evalSetGroups = 30
	// evalMaxOffset bounds |offset| in built depths at offsets other than 0.
	evalMaxOffset = 4
)

// DefaultEvalOptions returns the options of `ciphergram lab eval` without
// flags: seeds 1 to 3, the default traffic (2,000 telegrams), 20 simulated
// depths and 2×8 built depths of three a seed. It takes a few minutes on
// two cores.
func DefaultEvalOptions() EvalOptions {
	return EvalOptions{Seeds: []uint64{1, 2, 3}, Sim: DefaultSimOptions(), Pairs: DefaultEvalPairs, Sets: DefaultEvalSets}
}

// QuickEvalOptions returns the options of `ciphergram lab eval --quick`:
// seed 1, 1,000 telegrams, 10 simulated depths and 2×4 built ones; under
// a minute on two cores.
func QuickEvalOptions() EvalOptions {
	o := DefaultEvalOptions()
	o.Seeds = []uint64{1}
	o.Sim.Messages = 1000
	o.Pairs, o.Sets = 10, 4
	return o
}

// EvalReport is what Evaluate measured. Counts and times are summed over
// the seeds; rates are of the sums.
type EvalReport struct {
	Seeds   []uint64    `json:"seeds"`
	Traffic EvalTraffic `json:"traffic"`
	// Depths are the depth searches: indicators in clear (by indicator),
	// then hidden (both methods, as `lab depths`).
	Depths []DepthEval `json:"depths"`
	// Solving are the depths solved: simulated pairs, then the built depths
	// of two and three parts at offsets 0 and at small other offsets.
	Solving []SolveEval `json:"solving"`
	// Goals compares the measures with the lab's goals.
	Goals   []EvalGoal `json:"goals"`
	Seconds float64    `json:"seconds"` // the whole evaluation, wall clock
}

// EvalTraffic is the simulated traffic of an evaluation.
type EvalTraffic struct {
	Messages        int     `json:"messages"`
	Links           int     `json:"links"`
	DuplicatedPages float64 `json:"duplicated_pages"`
	LateStart       float64 `json:"late_start"`
	Year            int     `json:"year"`
}

// Traffic kinds and methods of a DepthEval.
const (
	EvalClear  = "clear"  // indicators in clear
	EvalHidden = "hidden" // indicators and end groups replaced (--hide-indicators)

	EvalMethodIndicator = "indicator" // FindDepths by indicator only
	EvalMethodBoth      = "both"      // FindDepths by indicator, then statistically
)

// DepthEval measures FindDepths on one kind of traffic over all seeds.
type DepthEval struct {
	Traffic string `json:"traffic"` // EvalClear or EvalHidden
	Method  string `json:"method"`  // EvalMethodIndicator or EvalMethodBoth
	Parts   int    `json:"parts"`   // intercepted parts searched
	// Depths are the pairs in depth (the truth), Found those reported,
	// OffsetRight those reported at their true offset, False the pairs
	// reported that are not in depth.
	Depths      int `json:"depths"`
	Found       int `json:"found"`
	OffsetRight int `json:"offset_right"`
	False       int `json:"false"`
	// FalsePer10k is False per 10,000 parts.
	FalsePer10k float64 `json:"false_per_10k_parts"`
	// Recall30 is the share found of the depths of 30 groups or more.
	Recall30 float64 `json:"recall_30"`
	// Buckets split the depths by their true overlap and the false pairs
	// by their reported overlap.
	Buckets []EvalBucket `json:"buckets"`
	// Runs are the searches, one a seed.
	Runs    []DepthRun `json:"runs"`
	Seconds float64    `json:"seconds"`
}

// EvalBucket is a range of overlaps, in groups.
type EvalBucket struct {
	Overlap string  `json:"overlap"` // "1-9", "10-29", ...
	Lo      int     `json:"lo"`
	Hi      int     `json:"hi"` // inclusive; 0: no bound
	Depths  int     `json:"depths"`
	Found   int     `json:"found"`
	Recall  float64 `json:"recall"` // Found/Depths, 0 when there are none
	False   int     `json:"false"`
}

// DepthRun is one search.
type DepthRun struct {
	Seed  uint64 `json:"seed"`
	Parts int    `json:"parts"`
	// Searched is the number of parts the statistical search compared
	// (those of at least MinOverlap groups), Alignments the pairs and
	// offsets it tried, Threshold its score threshold; all 0 when the
	// search is by indicator only.
	Searched    int     `json:"searched"`
	Alignments  int     `json:"alignments"`
	Threshold   float64 `json:"threshold"`
	Depths      int     `json:"depths"`
	Found       int     `json:"found"`
	OffsetRight int     `json:"offset_right"`
	False       int     `json:"false"`
	// Depths30 and Found30 count the depths of 30 groups or more.
	Depths30 int     `json:"depths_30"`
	Found30  int     `json:"found_30"`
	Seconds  float64 `json:"seconds"`
}

// SolveEval measures Solve on one kind of depth over all seeds.
//
// A code group is scored when all its four figures lie in its part and
// under the key of another part of the depth: GroupAccuracy is the share
// of them recovered exactly, SwitchRate the share that hold instead what
// another part has at the same key figures. PairAccuracy is the share of
// the key figures under two parts or more (in scored groups) where every
// part's group is right. WordAccuracy compares the text the solver shows
// (groups of at least the threshold's confidence; the others
// "[n groups unrecovered]") with the true text of the scored groups: the
// share of the true words found in order (a longest common subsequence).
// MsPerGroup is the solver's wall-clock time per five-figure cipher group
// of all the parts.
type SolveEval struct {
	Name    string `json:"name"`
	Depth   int    `json:"depth"`   // parts in each depth
	Offsets string `json:"offsets"` // "truth", "0", "small"
	Sets    int    `json:"sets"`    // depths solved
	// CipherGroups counts the five-figure groups of all the parts, Groups
	// the code groups scored.
	CipherGroups  int     `json:"cipher_groups"`
	Groups        int     `json:"groups"`
	Right         int     `json:"right"`
	Switched      int     `json:"switched"`
	KeyFigures    int     `json:"key_figures"`
	KeyRight      int     `json:"key_right"`
	Words         int     `json:"words"`
	WordsRight    int     `json:"words_right"`
	GroupAccuracy float64 `json:"group_accuracy"`
	PairAccuracy  float64 `json:"pair_accuracy"`
	SwitchRate    float64 `json:"switch_rate"`
	WordAccuracy  float64 `json:"word_accuracy"`
	MsPerGroup    float64 `json:"ms_per_group"`
	Seconds       float64 `json:"seconds"`
}

// EvalGoal is one of the lab's goals and what the evaluation says of it.
type EvalGoal struct {
	Goal     string `json:"goal"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

// evalBuckets are the overlap ranges of DepthEval.Buckets. Historical
// parts carry at most 58 groups, so no depth shares more.
var evalBuckets = []EvalBucket{{Overlap: "1-9", Lo: 0, Hi: 9}, {Overlap: "10-29", Lo: 10, Hi: 29},
	{Overlap: "30-44", Lo: 30, Hi: 44}, {Overlap: "45+", Lo: 45}}

func bucketIndex(overlap int) int {
	for i, b := range evalBuckets {
		if overlap <= b.Hi || b.Hi == 0 {
			return i
		}
	}
	return len(evalBuckets) - 1
}

// Evaluate runs the lab end to end on simulated traffic, for each seed:
//
//  1. Simulate the traffic twice, with indicators in clear and hidden
//     (the same telegrams, pads and depths).
//  2. Find the depths of the first by indicator and of the second with
//     both methods, and compare them with the truth: recall by overlap,
//     false pairs, time.
//  3. Solve up to opts.Pairs pairs of the truth's depths of at least
//     opts.MinOverlap groups (the first traffic's parts at the true
//     offsets, with the key their end groups give, as `lab solve` does).
//  4. Build depths of three parts (three parts of different telegrams of
//     at least 30 groups, their true plaintext figures enciphered afresh
//     with one seeded random key) at offsets 0,0,0 and at offsets 0,a,b
//     with a, b from -4 to 4 but not 0, solve them, and solve their first
//     two parts alone at the same offsets.
//
// progress, if not nil, is told of each stage. The measures are the same
// for the same options, except the times.
func Evaluate(opts EvalOptions, progress func(string)) (*EvalReport, error) {
	begin := time.Now()
	if progress == nil {
		progress = func(string) {}
	}
	if len(opts.Seeds) == 0 {
		opts.Seeds = []uint64{1, 2, 3}
	}
	if opts.Sim.Messages == 0 {
		opts.Sim = DefaultSimOptions()
	}
	if opts.Sim.Year == 0 {
		opts.Sim.Year = 1944
	}
	if opts.Pairs == 0 {
		opts.Pairs = DefaultEvalPairs
	}
	if opts.Sets == 0 {
		opts.Sets = DefaultEvalSets
	}
	if opts.MinOverlap <= 0 {
		opts.MinOverlap = DefaultDepthMinOverlap
	}
	if opts.Pairs < 0 || opts.Sets < 0 {
		return nil, errors.New("eval: negative numbers of depths to solve")
	}
	if err := opts.Sim.check(); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	m := opts.Model
	if m == nil {
		train, _ := Corpus()
		m = TrainModel(codebook.Default(), train)
	}
	if opts.Depth.Model == nil {
		progress("building the depth model")
		opts.Depth.Model = DefaultDepthModel()
	}
	rep := &EvalReport{Seeds: slices.Clone(opts.Seeds), Traffic: EvalTraffic{opts.Sim.Messages, opts.Sim.Links,
		opts.Sim.DuplicatedPages, opts.Sim.LateStart, opts.Sim.Year}}
	inClear := &DepthEval{Traffic: EvalClear, Method: EvalMethodIndicator}
	hidden := &DepthEval{Traffic: EvalHidden, Method: EvalMethodBoth}
	sim2 := &solveTally{name: "simulated depths, end groups used", depth: 2, offsets: "truth"}
	built := []*solveTally{
		{name: "built, offsets 0", depth: 2, offsets: "0"},
		{name: "built, offsets 0", depth: 3, offsets: "0"},
		{name: "built, small offsets", depth: 2, offsets: "small"},
		{name: "built, small offsets", depth: 3, offsets: "small"},
	}
	for _, seed := range opts.Seeds {
		so := opts.Sim
		so.Seed = seed
		progress(fmt.Sprintf("seed %d: simulating %d telegrams", seed, so.Messages))
		xs, parts, truth, err := evalSimulate(so)
		if err != nil {
			return nil, err
		}
		so.HideIndicators = true
		xh, _, _, err := evalSimulate(so)
		if err != nil {
			return nil, err
		}

		do := opts.Depth
		do.SkipStatistical, do.SkipIndicators = true, false
		r := inClear.search(seed, xs, truth, do)
		progress(fmt.Sprintf("seed %d: indicators in clear: %d parts, %d of %d depths found by indicator, %d false, in %.3f s",
			seed, r.Parts, r.Found, r.Depths, r.False, r.Seconds))
		progress(fmt.Sprintf("seed %d: indicators hidden: searching %d parts statistically", seed, len(xh)))
		r = hidden.search(seed, xh, truth, opts.Depth)
		progress(fmt.Sprintf("seed %d: indicators hidden: %d of %d depths found, %d false, threshold %.1f, %d alignments in %.1f s",
			seed, r.Found, r.Depths, r.False, r.Threshold, r.Alignments, r.Seconds))

		truthOf := make(map[string]*TruthPart, len(parts))
		for i := range parts {
			truthOf[parts[i].ID] = &parts[i]
		}
		byID := make(map[string]*Intercept, len(xs))
		for _, x := range xs {
			byID[x.ID] = x
		}
		n, err := solveSimulated(sim2, seed, truth, byID, truthOf, xs, m, opts)
		if err != nil {
			return nil, err
		}
		progress(fmt.Sprintf("seed %d: solved %d simulated depths", seed, n))
		n, err = solveBuilt(built, seed, xs, truthOf, m, opts)
		if err != nil {
			return nil, err
		}
		progress(fmt.Sprintf("seed %d: solved %d built depths of three (and their pairs)", seed, n))
	}
	for _, de := range []*DepthEval{inClear, hidden} {
		de.finish()
		rep.Depths = append(rep.Depths, *de)
	}
	rep.Solving = append(rep.Solving, sim2.eval())
	for _, t := range built {
		rep.Solving = append(rep.Solving, t.eval())
	}
	rep.Goals = evalGoals(rep)
	rep.Seconds = time.Since(begin).Seconds()
	return rep, nil
}

func evalSimulate(o SimOptions) ([]*Intercept, []TruthPart, []TruthDepth, error) {
	var ib, tb strings.Builder
	if err := Simulate(o, &ib, &tb); err != nil {
		return nil, nil, nil, fmt.Errorf("eval: %w", err)
	}
	xs, err := ReadIntercepts(strings.NewReader(ib.String()))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("eval: reading the simulated intercepts: %w", err)
	}
	parts, depths, err := ReadTruth(strings.NewReader(tb.String()))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("eval: reading the simulated truth: %w", err)
	}
	return xs, parts, depths, nil
}

// search runs FindDepths on one traffic and adds the comparison with the
// truth to de.
func (de *DepthEval) search(seed uint64, xs []*Intercept, truth []TruthDepth, opts DepthOptions) DepthRun {
	if de.Buckets == nil {
		de.Buckets = slices.Clone(evalBuckets)
	}
	run := DepthRun{Seed: seed, Parts: len(xs), Depths: len(truth)}
	if !opts.SkipStatistical {
		so := opts
		if so.MinOverlap <= 0 {
			so.MinOverlap = DefaultDepthMinOverlap
		}
		ps := make([]*depthPart, len(xs))
		for i, x := range xs {
			ps[i] = newDepthPart(x, i)
			if ps[i].m >= so.MinOverlap {
				run.Searched++
			}
		}
		run.Alignments = searchSize(ps, so)
		run.Threshold = so.Threshold
		if run.Threshold == 0 {
			run.Threshold = DepthThreshold(len(xs), run.Alignments)
		}
	}
	start := time.Now()
	ds := FindDepths(xs, opts, nil)
	run.Seconds = time.Since(start).Seconds()
	want := make(map[[2]string]TruthDepth, len(truth))
	for _, d := range truth {
		want[[2]string{d.A, d.B}] = d
		de.Buckets[bucketIndex(d.Overlap)].Depths++
		if d.Overlap >= 30 {
			run.Depths30++
		}
	}
	for _, d := range ds {
		td, ok := want[[2]string{d.A, d.B}]
		if !ok {
			run.False++
			de.Buckets[bucketIndex(d.Overlap)].False++
			continue
		}
		run.Found++
		if td.Overlap >= 30 {
			run.Found30++
		}
		de.Buckets[bucketIndex(td.Overlap)].Found++
		if d.Offset == td.Offset {
			run.OffsetRight++
		}
	}
	de.Parts += run.Parts
	de.Depths += run.Depths
	de.Found += run.Found
	de.OffsetRight += run.OffsetRight
	de.False += run.False
	de.Seconds += run.Seconds
	de.Runs = append(de.Runs, run)
	return run
}

func (de *DepthEval) finish() {
	de.FalsePer10k = 1e4 * float64(de.False) / float64(max(de.Parts, 1))
	n, found := 0, 0
	for i := range de.Buckets {
		b := &de.Buckets[i]
		if b.Depths > 0 {
			b.Recall = float64(b.Found) / float64(b.Depths)
		}
		if b.Lo >= 30 {
			n += b.Depths
			found += b.Found
		}
	}
	if n > 0 {
		de.Recall30 = float64(found) / float64(n)
	}
}

// solveSimulated solves up to opts.Pairs of the truth's depths of at least
// opts.MinOverlap groups, chosen at random (seeded), at their true offsets
// with the key of their end groups.
func solveSimulated(t *solveTally, seed uint64, truth []TruthDepth, byID map[string]*Intercept,
	truthOf map[string]*TruthPart, xs []*Intercept, m *Model, opts EvalOptions) (int, error) {
	var cands []TruthDepth
	for _, d := range truth {
		if d.Overlap >= opts.MinOverlap && byID[d.A] != nil && byID[d.B] != nil && truthOf[d.A] != nil && truthOf[d.B] != nil {
			cands = append(cands, d)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed_0002))
	rng.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	cands = cands[:min(len(cands), opts.Pairs)]
	for _, d := range cands {
		pair := []*Intercept{byID[d.A], byID[d.B]}
		offsets := []int{0, -d.Offset}
		streams := []Stream{StreamOf(pair[0], offsets[0], xs), StreamOf(pair[1], offsets[1], xs)}
		so := opts.Solve
		so.Key, _ = EndKeys(pair, offsets)
		if err := t.solve(streams, []string{truthOf[d.A].Digits, truthOf[d.B].Digits}, m, so); err != nil {
			return 0, fmt.Errorf("eval: solving %s %s: %w", d.A, d.B, err)
		}
	}
	return len(cands), nil
}

// solveBuilt builds opts.Sets depths of three at offsets 0 and as many at
// small offsets, and solves them and their first two parts: tallies holds
// depth 2 and 3 at offsets 0, then at small offsets.
func solveBuilt(tallies []*solveTally, seed uint64, xs []*Intercept, truthOf map[string]*TruthPart, m *Model, opts EvalOptions) (int, error) {
	var cands []*Intercept
	for _, x := range xs {
		if tp := truthOf[x.ID]; tp != nil && len(x.Groups) >= evalSetGroups && len(tp.Digits) == 5*len(x.Groups) {
			cands = append(cands, x)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed_0003))
	rng.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	used := map[string]bool{} // telegrams, FROM/NR
	next := 0
	pick := func() []*Intercept {
		var set []*Intercept
		for ; next < len(cands) && len(set) < 3; next++ {
			x := cands[next]
			tg := fmt.Sprintf("%s/%d", x.From, x.Nr)
			if !used[tg] {
				used[tg] = true
				set = append(set, x)
			}
		}
		if len(set) < 3 {
			return nil
		}
		return set
	}
	smallOffset := func() int {
		k := 1 + rng.IntN(2*evalMaxOffset)
		if k > evalMaxOffset {
			k = evalMaxOffset - k
		}
		return k
	}
	n := 0
	for pattern := range 2 {
		for range opts.Sets {
			set := pick()
			if set == nil {
				break
			}
			offsets := []int{0, 0, 0}
			if pattern == 1 {
				offsets[1] = smallOffset()
				for offsets[2] = smallOffset(); offsets[2] == offsets[1]; offsets[2] = smallOffset() {
				}
			}
			streams, plains := buildDepth(set, offsets, xs, truthOf, rng)
			so := opts.Solve
			so.Key = nil
			for k, depth := range []int{2, 3} {
				if err := tallies[2*pattern+k].solve(streams[:depth], plains[:depth], m, so); err != nil {
					return 0, fmt.Errorf("eval: solving a built depth: %w", err)
				}
			}
			n++
		}
	}
	return n, nil
}

// buildDepth enciphers the true plaintext figures of the parts with one
// random key, each at its offset, as streams laid out as StreamOf lays the
// parts out.
func buildDepth(set []*Intercept, offsets []int, xs []*Intercept, truthOf map[string]*TruthPart, rng *rand.Rand) ([]Stream, []string) {
	lo, hi := 0, 0
	for i, x := range set {
		lo, hi = min(lo, 5*offsets[i]), max(hi, 5*offsets[i]+5*len(x.Groups))
	}
	key := make([]byte, hi-lo)
	for i := range key {
		key[i] = byte(rng.IntN(10))
	}
	var streams []Stream
	var plains []string
	for i, x := range set {
		p := truthOf[x.ID].Digits
		c := make([]byte, len(p))
		for j := range c {
			c[j] = '0' + (p[j]-'0'+key[5*offsets[i]-lo+j])%10
		}
		s := StreamOf(x, offsets[i], xs)
		s.Digits = string(c)
		streams = append(streams, s)
		plains = append(plains, p)
	}
	return streams, plains
}

// solveTally accumulates the measures of one kind of depth.
type solveTally struct {
	name    string
	depth   int
	offsets string
	SolveEval
	dur time.Duration
}

// solve solves one depth, plains being its parts' true plaintext
// figures, and measures it.
func (t *solveTally) solve(streams []Stream, plains []string, m *Model, opts SolveOptions) error {
	start := time.Now()
	s, err := newSolver(streams, m, opts)
	if err != nil {
		return err
	}
	s.search()
	rs := s.recover()
	t.dur += time.Since(start)
	t.measure(s, rs, plains)
	return nil
}

// scored reports whether slot sl of stream i is scored: its four figures
// are in the part and under the key of another part.
func (s *solver) scored(sl *slot, plain string) bool {
	if sl.j0 < 0 || sl.j0+4 > len(plain) {
		return false
	}
	for d := range 4 {
		if !sl.in[d] || s.cover[sl.x+d] < 2 {
			return false
		}
	}
	return true
}

func (t *solveTally) measure(s *solver, rs []Recovery, plains []string) {
	t.Sets++
	// status of each figure of each part: 0 not in a scored group, 1 in a
	// right one, 2 in a wrong one.
	status := make([][]int8, len(s.streams))
	th := s.opts.Threshold
	for i := range s.streams {
		t.CipherGroups += len(s.cipher[i]) / 5
		status[i] = make([]int8, len(s.cipher[i]))
		plain := plains[i]
		var want, shown []string
		for k, si := range s.byStrm[i] {
			sl := &s.slots[si]
			if !s.scored(sl, plain) {
				continue
			}
			w, g := plain[sl.j0:sl.j0+4], rs[i].Groups[k]
			t.Groups++
			st := int8(1)
			if g.Code == w {
				t.Right++
			} else {
				st = 2
				for j := range s.streams {
					if o := sl.x - s.base[j]; j != i && o >= 0 && o+4 <= len(plains[j]) && plains[j][o:o+4] == g.Code {
						t.Switched++
						break
					}
				}
			}
			for d := range 4 {
				status[i][sl.j0+d] = st
			}
			want = append(want, w)
			if g.Word != "" && (g.Confidence >= th || th < 0) {
				shown = append(shown, g.Code)
			} else {
				shown = append(shown, "?")
			}
		}
		tw, gw := evalWords(s.m.Decode(want)), evalWords(s.m.Decode(shown))
		t.Words += len(tw)
		t.WordsRight += commonWords(tw, gw)
	}
	for x := range s.cover {
		if s.cover[x] < 2 {
			continue
		}
		n, ok, right := 0, true, true
		for i := range s.streams {
			j := x - s.base[i]
			if j < 0 || j >= len(status[i]) {
				continue
			}
			n++
			switch status[i][j] {
			case 0:
				ok = false
			case 2:
				right = false
			}
		}
		if ok && n >= 2 {
			t.KeyFigures++
			if right {
				t.KeyRight++
			}
		}
	}
}

func (t *solveTally) eval() SolveEval {
	e := t.SolveEval
	e.Name, e.Depth, e.Offsets = t.name, t.depth, t.offsets
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	e.GroupAccuracy = ratio(e.Right, e.Groups)
	e.SwitchRate = ratio(e.Switched, e.Groups)
	e.PairAccuracy = ratio(e.KeyRight, e.KeyFigures)
	e.WordAccuracy = ratio(e.WordsRight, e.Words)
	e.Seconds = t.dur.Seconds()
	if e.CipherGroups > 0 {
		e.MsPerGroup = 1000 * e.Seconds / float64(e.CipherGroups)
	}
	return e
}

var bracketed = regexp.MustCompile(`\[[^\]]*\]`)

// evalWords cuts decoded text into words, leaving out the
// "[n groups unrecovered]" marks.
func evalWords(text string) []string {
	return strings.FieldsFunc(bracketed.ReplaceAllString(text, " "), func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'')
	})
}

// commonWords is the length of the longest common subsequence of a and b.
func commonWords(a, b []string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// evalGoals compares the report with the lab's goals.
func evalGoals(r *EvalReport) []EvalGoal {
	var goals []EvalGoal
	var inClear, hidden *DepthEval
	for i := range r.Depths {
		switch r.Depths[i].Traffic {
		case EvalClear:
			inClear = &r.Depths[i]
		case EvalHidden:
			hidden = &r.Depths[i]
		}
	}
	if c := inClear; c != nil {
		goals = append(goals, EvalGoal{"indicators in clear: every pair of parts on a duplicated page found, no false pair",
			fmt.Sprintf("%d of %d found, %d false", c.Found, c.Depths, c.False), c.Found == c.Depths && c.False == 0})
		secs := 0.0
		if c.Parts > 0 {
			secs = c.Seconds / float64(c.Parts) * 1e5
		}
		goals = append(goals, EvalGoal{"100,000 intercepts searched by indicator in under a second",
			fmt.Sprintf("%d parts in %.3f s: %.2f s for 100,000 at that rate", c.Parts, c.Seconds, secs), secs < 1})
	}
	if hidden != nil {
		n30 := 0
		for _, b := range hidden.Buckets {
			if b.Lo >= 30 {
				n30 += b.Depths
			}
		}
		goals = append(goals, EvalGoal{"indicators hidden: 90% or more of the depths of 30+ groups found",
			fmt.Sprintf("recall %.3f of %d", hidden.Recall30, n30), n30 > 0 && hidden.Recall30 >= 0.9})
		goals = append(goals, EvalGoal{"indicators hidden: at most 1 false pair per 10,000 parts",
			fmt.Sprintf("%d false in %d parts: %.2f per 10,000", hidden.False, hidden.Parts, hidden.FalsePer10k), hidden.FalsePer10k <= 1})
		// The search's work grows with the square of the parts: project the
		// measured rate of alignments to 10,000 parts.
		var al, parts2, secs float64
		for _, run := range hidden.Runs {
			al += float64(run.Alignments)
			parts2 += float64(run.Parts) * float64(run.Parts)
			secs += run.Seconds
		}
		if al > 0 && secs > 0 && parts2 > 0 {
			proj := secs / parts2 * 1e8
			goals = append(goals, EvalGoal{"10,000 intercepts searched statistically in under a minute",
				fmt.Sprintf("%.1e alignments a second: about %.0f s for 10,000 parts", al/secs, proj), proj < 60})
		}
	}
	var sim2 *SolveEval
	byKey := map[string]*SolveEval{}
	for i := range r.Solving {
		e := &r.Solving[i]
		if e.Offsets == "truth" {
			sim2 = e
		}
		byKey[fmt.Sprintf("%d/%s", e.Depth, e.Offsets)] = e
	}
	if sim2 != nil && sim2.Words > 0 {
		goals = append(goals, EvalGoal{"depth 2: most words recovered",
			fmt.Sprintf("simulated depths: %.3f of the words", sim2.WordAccuracy), sim2.WordAccuracy > 0.5})
	}
	var parts []string
	more := true
	for _, off := range []string{"0", "small"} {
		d2, d3 := byKey["2/"+off], byKey["3/"+off]
		if d2 == nil || d3 == nil || d2.Words == 0 || d3.Words == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("offsets %s: %.3f against %.3f", off, d3.WordAccuracy, d2.WordAccuracy))
		more = more && d3.WordAccuracy > d2.WordAccuracy
	}
	if len(parts) > 0 {
		goals = append(goals, EvalGoal{"depth 3: more words than depth 2 (the same parts)", strings.Join(parts, "; "), more})
	}
	return goals
}

// WriteTable writes the report as Markdown tables.
func (r *EvalReport) WriteTable(w io.Writer) error {
	var b strings.Builder
	seeds := make([]string, len(r.Seeds))
	for i, s := range r.Seeds {
		seeds[i] = fmt.Sprint(s)
	}
	fmt.Fprintf(&b, "Seeds %s; %d telegrams a seed on %d links, %.0f%% of pages duplicated, %.0f%% of parts begun late; %.0f s in all.\n\n",
		strings.Join(seeds, ", "), r.Traffic.Messages, r.Traffic.Links, 100*r.Traffic.DuplicatedPages, 100*r.Traffic.LateStart, r.Seconds)

	b.WriteString("Finding depths (recall by true overlap; false pairs by reported overlap):\n\n")
	b.WriteString("| indicators | method | overlap | depths | found | recall | false pairs |\n|---|---|---|---|---|---|---|\n")
	for _, de := range r.Depths {
		for _, bk := range de.Buckets {
			fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %s | %d |\n", de.Traffic, de.Method, bk.Overlap, bk.Depths, bk.Found,
				rateOf(bk.Found, bk.Depths), bk.False)
		}
		fmt.Fprintf(&b, "| %s | %s | **all** | %d | %d | %s | %d (%.2f per 10,000 parts) |\n", de.Traffic, de.Method, de.Depths, de.Found,
			rateOf(de.Found, de.Depths), de.False, de.FalsePer10k)
	}
	b.WriteString("\n| indicators | seed | parts | searched | alignments | threshold | depths | found | offset right | found of 30+ groups | false | time |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, de := range r.Depths {
		for _, run := range de.Runs {
			searched, al, th := "-", "-", "-"
			if run.Alignments > 0 {
				searched, al, th = fmt.Sprint(run.Searched), fmt.Sprintf("%.3g", float64(run.Alignments)), fmt.Sprintf("%.1f", run.Threshold)
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s | %d | %d | %d | %d of %d | %d | %s |\n", de.Traffic, run.Seed, run.Parts, searched, al, th,
				run.Depths, run.Found, run.OffsetRight, run.Found30, run.Depths30, run.False, fmtSeconds(run.Seconds))
		}
	}

	b.WriteString("\nSolving (group accuracy: code groups under another part's key exactly right; pair: key figures where every part's group is right; switched: a group holding another part's plaintext; words: the text shown at confidence >= the threshold):\n\n")
	b.WriteString("| depth | depths | solved | code groups scored | group accuracy | pair accuracy | switched | word accuracy | ms a cipher group |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, e := range r.Solving {
		fmt.Fprintf(&b, "| %d | %s | %d | %d | %.3f | %.3f | %.3f | %.3f | %.1f |\n", e.Depth, e.Name, e.Sets, e.Groups,
			e.GroupAccuracy, e.PairAccuracy, e.SwitchRate, e.WordAccuracy, e.MsPerGroup)
	}

	b.WriteString("\nGoals:\n\n| goal | measured | met |\n|---|---|---|\n")
	for _, g := range r.Goals {
		met := "no"
		if g.Met {
			met = "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", g.Goal, g.Measured, met)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func rateOf(a, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", float64(a)/float64(n))
}

func fmtSeconds(s float64) string {
	if s < 1 {
		return fmt.Sprintf("%.0f ms", 1000*s)
	}
	return fmt.Sprintf("%.1f s", s)
}
