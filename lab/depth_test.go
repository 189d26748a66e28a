package lab

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestCalibrateThreshold measures the scores of unrelated pairs: traffic
// without duplicated pages and with hidden indicators has no depth, so
// every pair the statistical search reports is false. Run with
// CIPHERGRAM_LAB_CALIBRATE=messages (e.g. 3000), and optionally
// CIPHERGRAM_LAB_CALIBRATE_SEEDS=n (simulations, default 2) and
// CIPHERGRAM_LAB_CALIBRATE_ANY=1 (search every offset, not only those a
// page allows); docs/lab.md has the figures and the fit DepthThreshold
// uses. It prints the false pairs that score 8 or more, their rate per
// alignment tried and the mean excess over 8, the two numbers of the fit.
func TestCalibrateThreshold(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CIPHERGRAM_LAB_CALIBRATE"))
	if n == 0 {
		t.Skip("set CIPHERGRAM_LAB_CALIBRATE=messages to run")
	}
	seeds, _ := strconv.Atoi(os.Getenv("CIPHERGRAM_LAB_CALIBRATE_SEEDS"))
	seeds = max(seeds, 2)
	do := DepthOptions{Threshold: 8, AnyOffset: os.Getenv("CIPHERGRAM_LAB_CALIBRATE_ANY") != ""}
	var all []float64
	total := 0
	for seed := uint64(101); seed < uint64(101+seeds); seed++ {
		opts := DefaultSimOptions()
		opts.Seed, opts.Messages, opts.DuplicatedPages, opts.HideIndicators = seed, n, 0, true
		xs, _, depths, _, _ := simulateForTest(t, opts)
		if len(depths) != 0 {
			t.Fatalf("traffic without duplicated pages has %d depths", len(depths))
		}
		start := time.Now()
		ds := FindDepths(xs, do, nil)
		el := time.Since(start)
		var scores []float64
		for _, d := range ds {
			scores = append(scores, d.Score)
		}
		slices.Sort(scores)
		h := hypotheses(xs, do)
		total += h
		all = append(all, scores...)
		fmt.Printf("calibration seed %d: %d parts, %d alignments, %v: %d false pairs >= 8: %v\n", seed, len(xs), h, el, len(scores), scores)
	}
	excess := 0.0
	for _, s := range all {
		excess += s - 8
	}
	fmt.Printf("calibration: %d alignments, %d false pairs >= 8: %.2g per alignment, mean excess %.2f nats\n",
		total, len(all), float64(len(all))/float64(total), excess/float64(max(1, len(all))))
}

// hypotheses counts the (pair, offset) alignments the statistical search
// tries.
func hypotheses(xs []*Intercept, opts DepthOptions) int {
	if opts.MinOverlap <= 0 {
		opts.MinOverlap = DefaultDepthMinOverlap
	}
	ps := make([]*depthPart, len(xs))
	for i, x := range xs {
		ps[i] = newDepthPart(x, i)
	}
	return searchSize(ps, opts)
}

// depthIndex maps truth depths by pair.
func depthIndex(ds []TruthDepth) map[[2]string]TruthDepth {
	m := map[[2]string]TruthDepth{}
	for _, d := range ds {
		m[[2]string{d.A, d.B}] = d
	}
	return m
}

// TestIndicatorDepths: parts with the same indicator are all found, at
// their true offsets, however few groups they share (the end groups tell
// the offset where the statistic cannot): in a small traffic with many
// late starts and, unless -short, in the three traffics of `lab eval`.
func TestIndicatorDepths(t *testing.T) {
	o := smallSim()
	o.Messages = 600
	testIndicatorDepths(t, o)
	if testing.Short() {
		return
	}
	for seed := uint64(1); seed <= 3; seed++ {
		o := DefaultSimOptions()
		o.Seed = seed
		testIndicatorDepths(t, o)
	}
}

func testIndicatorDepths(t *testing.T, o SimOptions) {
	xs, _, truth, _, _ := simulateForTest(t, o)
	got := FindDepths(xs, DepthOptions{SkipStatistical: true}, nil)
	want := depthIndex(truth)
	found, offsetOK, late := 0, 0, 0
	for _, d := range got {
		td, ok := want[[2]string{d.A, d.B}]
		if !ok {
			t.Errorf("false pair %+v", d)
			continue
		}
		if d.Evidence != EvidenceIndicator {
			t.Errorf("%+v: evidence", d)
		}
		found++
		if td.Offset != 0 {
			late++
		}
		if d.Offset == td.Offset {
			offsetOK++
		} else {
			t.Errorf("seed %d: %s %s: offset %d, true %d (overlap %d, score %.1f)", o.Seed, d.A, d.B, d.Offset, td.Offset, td.Overlap, d.Score)
		}
		if d.Offset == td.Offset && d.Overlap != td.Overlap {
			t.Errorf("%s %s: overlap %d, true %d", d.A, d.B, d.Overlap, td.Overlap)
		}
	}
	t.Logf("seed %d: %d intercepts, %d true depths (%d at offsets other than 0): %d found, %d offsets right", o.Seed, len(xs), len(truth), late, found, offsetOK)
	if found != len(truth) {
		t.Errorf("found %d of %d depths", found, len(truth))
	}
}

// TestStatisticalDepths: with the indicators hidden, the statistic finds
// nine in ten depths of 30 groups or more, at the right offsets, and no
// false pair.
func TestStatisticalDepths(t *testing.T) {
	o := smallSim()
	o.Messages, o.Seed, o.HideIndicators = 400, 2, true
	xs, _, truth, _, _ := simulateForTest(t, o)
	got := FindDepths(xs, DepthOptions{}, nil)
	want := depthIndex(truth)
	eligible, found := 0, 0
	for _, d := range truth {
		if d.Overlap >= 30 {
			eligible++
		}
	}
	for _, d := range got {
		td, ok := want[[2]string{d.A, d.B}]
		if !ok {
			t.Errorf("false pair %+v", d)
			continue
		}
		if d.Evidence != EvidenceStatistical {
			t.Errorf("%+v: evidence", d)
		}
		if d.Offset != td.Offset {
			t.Errorf("%s %s: offset %d, true %d", d.A, d.B, d.Offset, td.Offset)
		}
		if td.Overlap >= 30 {
			found++
		}
	}
	recall := float64(found) / float64(eligible)
	t.Logf("%d intercepts, threshold %.1f: %d of %d depths of 30 groups or more found (recall %.2f), %d reported in all",
		len(xs), DepthThreshold(len(xs), hypotheses(xs, DepthOptions{})), found, eligible, recall, len(got))
	if eligible < 20 || recall < 0.9 {
		t.Errorf("recall %.2f over %d depths", recall, eligible)
	}
}

// TestFindDepthsDeterministic: the result does not depend on the order of
// the intercepts nor on the number of workers.
func TestFindDepthsDeterministic(t *testing.T) {
	o := smallSim()
	o.Messages, o.HideIndicators = 150, true
	xs, _, _, _, _ := simulateForTest(t, o)
	for _, anyOffset := range []bool{false, true} {
		testFindDepthsDeterministic(t, xs, DepthOptions{Threshold: 10, AnyOffset: anyOffset})
	}
}

func testFindDepthsDeterministic(t *testing.T, xs []*Intercept, opts DepthOptions) {
	opts.Workers = 1
	a := FindDepths(xs, opts, nil)
	shuffled := slices.Clone(xs)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	opts.Workers = 3
	calls, last := 0, 0
	b := FindDepths(shuffled, opts, func(done, total int) {
		calls++
		if done < last || done > total {
			t.Errorf("progress %d of %d after %d", done, total, last)
		}
		last = done
	})
	if !slices.Equal(a, b) || len(a) == 0 {
		t.Fatalf("AnyOffset %v: %d and %d depths differ", opts.AnyOffset, len(a), len(b))
	}
	if calls < 2 {
		t.Errorf("progress called %d times", calls)
	}
	for i := 1; i < len(a); i++ {
		if CompareIDs(a[i-1].A, a[i].A) > 0 || a[i-1].A == a[i].A && CompareIDs(a[i-1].B, a[i].B) >= 0 {
			t.Fatalf("not sorted: %v then %v", a[i-1], a[i])
		}
	}
}

func TestDepthScore(t *testing.T) {
	o := smallSim()
	o.Messages = 200
	xs, _, truth, _, _ := simulateForTest(t, o)
	byID := map[string]*Intercept{}
	for _, x := range xs {
		byID[x.ID] = x
	}
	m := DefaultDepthModel()
	for _, d := range truth {
		if d.Overlap < 40 {
			continue
		}
		s, ov := m.Score(byID[d.A], byID[d.B], d.Offset)
		if ov != d.Overlap {
			t.Errorf("%s %s: overlap %d, true %d", d.A, d.B, ov, d.Overlap)
		}
		// The same parts one group off are unrelated.
		if s1, _ := m.Score(byID[d.A], byID[d.B], d.Offset+1); s1 > 12 || s1 >= s {
			t.Errorf("%s %s: score %.1f at the true offset, %.1f one off", d.A, d.B, s, s1)
		}
	}
}

func TestWriteDepths(t *testing.T) {
	var b bytes.Buffer
	err := WriteDepths(&b, []Depth{{A: "LONDON/1/1", B: "NEW-YORK/22/2", Offset: -3, Score: 41.25, Evidence: EvidenceStatistical, Overlap: 40},
		{A: "A/1/1", B: "B/1/1", Score: 0, Evidence: EvidenceIndicator}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":"LONDON/1/1","b":"NEW-YORK/22/2","offset":-3,"score":41.25,"evidence":"statistical"}
{"a":"A/1/1","b":"B/1/1","offset":0,"score":0,"evidence":"indicator"}
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestCompareIDs(t *testing.T) {
	ids := []string{"NEW-YORK/10/1", "LONDON/2/1", "NEW-YORK/9/2", "NEW-YORK/9/10", "x", "LONDON/2/3"}
	slices.SortFunc(ids, CompareIDs)
	want := []string{"LONDON/2/1", "LONDON/2/3", "NEW-YORK/9/2", "NEW-YORK/9/10", "NEW-YORK/10/1", "x"}
	if !slices.Equal(ids, want) {
		t.Fatalf("%v", ids)
	}
}

func TestDepthThreshold(t *testing.T) {
	for _, c := range []struct {
		parts, h int
		lo, hi   float64
	}{{0, 0, 12, 12}, {500, 3_300_000, 13, 15}, {10000, 352_000_000, 16.5, 18}, {10000, 1_320_000_000, 19, 20.5}} {
		if got := DepthThreshold(c.parts, c.h); got < c.lo || got > c.hi {
			t.Errorf("DepthThreshold(%d, %d) = %.1f, want %.1f to %.1f", c.parts, c.h, got, c.lo, c.hi)
		}
	}
}

// BenchmarkDepthsIndicator100k groups 100,000 intercepts by indicator and
// end group (5% of them sharing a page with another).
func BenchmarkDepthsIndicator100k(b *testing.B) {
	const n = 100000
	rng := rand.New(rand.NewPCG(1, 1))
	perm := rng.Perm(100000)
	xs := make([]*Intercept, n)
	for i := range xs {
		x := &Intercept{ID: fmt.Sprintf("S%d/%d/1", i%10, i), From: fmt.Sprintf("S%d", i%10), Nr: i, Part: 1, Parts: 1}
		x.Indicator = fmt.Sprintf("%05d", perm[i])
		if i%40 == 1 { // shares the page of the intercept before it
			x.Indicator = xs[i-1].Indicator
		}
		m := 10 + rng.IntN(49)
		for range m {
			x.Groups = append(x.Groups, fmt.Sprintf("%05d", rng.IntN(100000)))
		}
		x.End, x.Serial = fmt.Sprintf("%05d", rng.IntN(100000)), "00101"
		xs[i] = x
	}
	DefaultDepthModel()
	b.ResetTimer()
	for range b.N {
		if ds := FindDepths(xs, DepthOptions{SkipStatistical: true}, nil); len(ds) < n/40 {
			b.Fatalf("%d depths", len(ds))
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "intercepts/s")
}

// BenchmarkDepthsStatistical searches simulated traffic with hidden
// indicators (1,000 telegrams, about 1,850 parts).
func BenchmarkDepthsStatistical(b *testing.B) {
	o := DefaultSimOptions()
	o.Messages, o.HideIndicators = 1000, true
	if testing.Short() {
		o.Messages = 200
	}
	xs, _, _, _, _ := simulateForTest(b, o)
	DefaultDepthModel()
	b.ResetTimer()
	for range b.N {
		FindDepths(xs, DepthOptions{}, nil)
	}
	b.ReportMetric(float64(len(xs)*b.N)/b.Elapsed().Seconds(), "intercepts/s")
	b.ReportMetric(float64(hypotheses(xs, DepthOptions{})*b.N)/b.Elapsed().Seconds(), "alignments/s")
}
