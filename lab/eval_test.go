package lab

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// tinyEval is an evaluation that runs in a few seconds.
func tinyEval() EvalOptions {
	o := DefaultEvalOptions()
	o.Seeds = []uint64{4}
	o.Sim.Messages, o.Sim.Links, o.Sim.DuplicatedPages, o.Sim.LateStart = 160, 3, 0.1, 0.2
	o.Pairs, o.Sets = 2, 1
	o.Model = corpusModel()
	return o
}

// TestEvaluate checks what must hold of any evaluation, on tiny traffic.
func TestEvaluate(t *testing.T) {
	var stages []string
	r, err := Evaluate(tinyEval(), func(s string) { stages = append(stages, s) })
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", table.String())
	if len(stages) < 4 {
		t.Errorf("progress: %q", stages)
	}
	if !slices.Equal(r.Seeds, []uint64{4}) || r.Traffic.Messages != 160 {
		t.Errorf("seeds %v, traffic %+v", r.Seeds, r.Traffic)
	}
	unit := func(what string, x float64) {
		if !(x >= 0 && x <= 1) {
			t.Errorf("%s = %v, want a share in [0, 1]", what, x)
		}
	}
	if len(r.Depths) != 2 || r.Depths[0].Traffic != EvalClear || r.Depths[1].Traffic != EvalHidden {
		t.Fatalf("depth evaluations %+v", r.Depths)
	}
	for _, de := range r.Depths {
		if de.Parts == 0 || de.Depths == 0 || len(de.Runs) != 1 || len(de.Buckets) != len(evalBuckets) {
			t.Errorf("%s: %+v", de.Traffic, de)
		}
		depths, found, falses := 0, 0, 0
		for _, b := range de.Buckets {
			unit(de.Traffic+" recall "+b.Overlap, b.Recall)
			if b.Found > b.Depths {
				t.Errorf("%s %s: %d of %d found", de.Traffic, b.Overlap, b.Found, b.Depths)
			}
			depths, found, falses = depths+b.Depths, found+b.Found, falses+b.False
		}
		if depths != de.Depths || found != de.Found || falses != de.False || de.OffsetRight > de.Found {
			t.Errorf("%s: buckets sum to %d/%d/%d, totals %+v", de.Traffic, depths, found, falses, de)
		}
		unit(de.Traffic+" recall 30+", de.Recall30)
		if de.FalsePer10k != 1e4*float64(de.False)/float64(de.Parts) {
			t.Errorf("%s: %v false per 10,000 parts", de.Traffic, de.FalsePer10k)
		}
	}
	// With indicators in clear every depth is found, and nothing else.
	if c := r.Depths[0]; c.Found != c.Depths || c.False != 0 || c.Runs[0].Alignments != 0 {
		t.Errorf("indicators in clear: %d of %d found, %d false, %d alignments", c.Found, c.Depths, c.False, c.Runs[0].Alignments)
	}
	if h := r.Depths[1].Runs[0]; h.Searched == 0 || h.Searched > h.Parts || h.Alignments == 0 || h.Threshold < 12 {
		t.Errorf("hidden search: %+v", h)
	}
	if len(r.Solving) != 5 {
		t.Fatalf("%d solving rows", len(r.Solving))
	}
	for i, e := range r.Solving {
		if e.Sets == 0 || e.Groups == 0 || e.CipherGroups == 0 || e.Words == 0 || e.KeyFigures == 0 {
			t.Errorf("row %d: nothing measured: %+v", i, e)
			continue
		}
		want := []int{2, 2, 3, 2, 3}[i]
		if e.Depth != want {
			t.Errorf("row %d: depth %d, want %d", i, e.Depth, want)
		}
		if e.Right > e.Groups || e.Switched > e.Groups-e.Right || e.KeyRight > e.KeyFigures || e.WordsRight > e.Words {
			t.Errorf("row %d: counts %+v", i, e)
		}
		for what, x := range map[string]float64{"group": e.GroupAccuracy, "pair": e.PairAccuracy, "switch": e.SwitchRate, "word": e.WordAccuracy} {
			unit(e.Name+" "+what, x)
		}
		if e.MsPerGroup <= 0 || e.Seconds <= 0 {
			t.Errorf("row %d: time %+v", i, e)
		}
		// A depth of two is solved from what its parts share: most of it
		// is right even on tiny samples.
		if e.GroupAccuracy < 0.3 {
			t.Errorf("row %d: group accuracy %.3f", i, e.GroupAccuracy)
		}
	}
	if r.Solving[1].Sets != r.Solving[2].Sets || r.Solving[3].Sets != r.Solving[4].Sets {
		t.Errorf("built depths of two and three differ in number: %d %d %d %d", r.Solving[1].Sets, r.Solving[2].Sets, r.Solving[3].Sets, r.Solving[4].Sets)
	}
	if len(r.Goals) < 6 || !r.Goals[0].Met {
		t.Errorf("goals %+v", r.Goals)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back EvalReport
	if err := json.Unmarshal(b, &back); err != nil || back.Depths[1].Parts != r.Depths[1].Parts {
		t.Errorf("JSON round trip: %v", err)
	}
	if !strings.Contains(table.String(), "| clear | indicator | **all** |") {
		t.Errorf("table:\n%s", table.String())
	}
}

// TestEvalMeasure: a depth solved with its whole key known is read exactly,
// and the measures say so.
func TestEvalMeasure(t *testing.T) {
	o := tinyEval()
	xs, parts, _, err := evalSimulate(o.Sim)
	if err != nil {
		t.Fatal(err)
	}
	truthOf := map[string]*TruthPart{}
	for i := range parts {
		truthOf[parts[i].ID] = &parts[i]
	}
	var set []*Intercept
	for _, x := range xs {
		if len(x.Groups) >= evalSetGroups && x.Part > 1 == (len(set) == 1) {
			set = append(set, x)
		}
		if len(set) == 3 {
			break
		}
	}
	if len(set) < 3 {
		t.Fatal("no three parts long enough")
	}
	offsets := []int{0, 3, -2}
	streams, plains := buildDepth(set, offsets, xs, truthOf, rand.New(rand.NewPCG(1, 2)))
	if !streams[1].Resumes || streams[0].Resumes {
		t.Fatalf("streams %+v", streams)
	}
	key := map[int]string{}
	for i, s := range streams {
		for j := 0; j+5 <= len(s.Digits); j += 5 {
			key[offsets[i]+j/5] = subDigits(s.Digits[j:j+5], plains[i][j:j+5])
		}
	}
	var tally solveTally
	if err := tally.solve(streams, plains, corpusModel(), SolveOptions{Key: key}); err != nil {
		t.Fatal(err)
	}
	e := tally.eval()
	if e.Groups == 0 || e.GroupAccuracy != 1 || e.PairAccuracy != 1 || e.WordAccuracy != 1 || e.Switched != 0 {
		t.Errorf("whole key known: %+v", e)
	}
	// Without the key the figures are still read from the depth; a switch
	// is never counted as right.
	tally = solveTally{}
	if err := tally.solve(streams, plains, corpusModel(), SolveOptions{}); err != nil {
		t.Fatal(err)
	}
	e = tally.eval()
	t.Logf("depth 3 at offsets %v: %+v", offsets, e)
	if e.Right+e.Switched > e.Groups || e.GroupAccuracy < 0.5 {
		t.Errorf("no key: %+v", e)
	}
}

func TestEvalWords(t *testing.T) {
	if got := evalWords("TO VIKTOR. [3 groups unrecovered] SAID, I AM JOSEPH; [1 group unrecovered]"); !slices.Equal(got, []string{"TO", "VIKTOR", "SAID", "I", "AM", "JOSEPH"}) {
		t.Errorf("words %q", got)
	}
	for _, c := range []struct {
		a, b string
		want int
	}{{"A B C D", "A C D", 3}, {"A B C", "", 0}, {"A B C", "C B A", 1}, {"A A B", "A B A B", 3}} {
		if got := commonWords(strings.Fields(c.a), strings.Fields(c.b)); got != c.want {
			t.Errorf("commonWords(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
