package main

import (
	"encoding/json"
	"strings"
	"testing"

	"ciphergram/lab"
)

// TestLabEvalJSON runs `lab eval --json` on a small sample (one seed of
// 150 telegrams, 2 simulated depths, one built depth of three at each
// offset pattern) and checks the report: its layout, and that its figures
// make sense. With indicators in clear every depth is found and no false
// pair; hidden, the statistical search still finds some; depths of two
// and three recover most code groups. The figures are the same for the same
// flags (the seed fixes them), so the bounds are firm.
func TestLabEvalJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("lab eval builds the depth model and solves seven depths: several seconds")
	}
	out, stderr, err := run(t, "", "lab", "eval", "--json", "--seeds", "1", "--first-seed", "1",
		"--messages", "150", "--pairs", "2", "--sets", "1")
	if err != nil {
		t.Fatal(err, stderr)
	}
	for _, want := range []string{"lab eval: building the depth model", "lab eval: seed 1: simulating 150 telegrams"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("progress lacks %q:\n%s", want, stderr)
		}
	}
	// Every field of the report is one EvalReport knows, and the names are
	// the documented ones.
	var rep lab.EvalReport
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	for _, key := range []string{`"seeds"`, `"traffic"`, `"depths"`, `"recall_30"`, `"false_per_10k_parts"`, `"buckets"`,
		`"runs"`, `"solving"`, `"group_accuracy"`, `"word_accuracy"`, `"switch_rate"`, `"goals"`, `"met"`} {
		if !strings.Contains(out, key+":") {
			t.Errorf("the report has no %s", key)
		}
	}
	if len(rep.Seeds) != 1 || rep.Seeds[0] != 1 || rep.Traffic.Messages != 150 || rep.Traffic.Links != lab.DefaultSimOptions().Links {
		t.Errorf("seeds %v, traffic %+v", rep.Seeds, rep.Traffic)
	}
	if rep.Seconds <= 0 {
		t.Errorf("seconds %v", rep.Seconds)
	}
	unit := func(what string, x float64) {
		t.Helper()
		if x < 0 || x > 1 {
			t.Errorf("%s = %v, out of [0, 1]", what, x)
		}
	}

	// Finding depths: indicators in clear, then hidden.
	if len(rep.Depths) != 2 {
		t.Fatalf("%d depth searches, want 2: %+v", len(rep.Depths), rep.Depths)
	}
	for i, want := range [][2]string{{lab.EvalClear, lab.EvalMethodIndicator}, {lab.EvalHidden, lab.EvalMethodBoth}} {
		de := rep.Depths[i]
		if de.Traffic != want[0] || de.Method != want[1] {
			t.Errorf("search %d is %s/%s, want %s/%s", i, de.Traffic, de.Method, want[0], want[1])
		}
		if de.Parts < 150 || de.Depths == 0 || de.Found > de.Depths || de.OffsetRight > de.Found || de.False < 0 {
			t.Errorf("%s: parts %d, depths %d, found %d, offset right %d, false %d", de.Traffic, de.Parts, de.Depths, de.Found, de.OffsetRight, de.False)
		}
		unit(de.Traffic+" recall_30", de.Recall30)
		depths, found, falses := 0, 0, 0
		for _, b := range de.Buckets {
			unit(de.Traffic+" "+b.Overlap+" recall", b.Recall)
			if b.Found > b.Depths {
				t.Errorf("%s %s: found %d of %d", de.Traffic, b.Overlap, b.Found, b.Depths)
			}
			depths, found, falses = depths+b.Depths, found+b.Found, falses+b.False
		}
		if len(de.Buckets) != 4 || depths != de.Depths || found != de.Found || falses != de.False {
			t.Errorf("%s: %d buckets hold %d depths, %d found, %d false; the totals are %d, %d, %d",
				de.Traffic, len(de.Buckets), depths, found, falses, de.Depths, de.Found, de.False)
		}
		if len(de.Runs) != 1 || de.Runs[0].Seed != 1 || de.Runs[0].Parts != de.Parts || de.Runs[0].Found != de.Found {
			t.Errorf("%s: runs %+v", de.Traffic, de.Runs)
		}
	}
	clear, hidden := rep.Depths[0], rep.Depths[1]
	if clear.Found != clear.Depths || clear.Recall30 != 1 || clear.False != 0 || clear.FalsePer10k != 0 {
		t.Errorf("indicators in clear: %d of %d found, recall_30 %v, %d false", clear.Found, clear.Depths, clear.Recall30, clear.False)
	}
	for _, b := range clear.Buckets {
		if b.Depths > 0 && b.Recall != 1 {
			t.Errorf("indicators in clear, overlap %s: recall %v", b.Overlap, b.Recall)
		}
	}
	if clear.Runs[0].Searched != 0 || clear.Runs[0].Alignments != 0 {
		t.Errorf("indicators in clear were searched statistically: %+v", clear.Runs[0])
	}
	if hidden.Depths != clear.Depths || hidden.Parts != clear.Parts {
		t.Errorf("the hidden traffic has %d depths in %d parts, the clear one %d in %d", hidden.Depths, hidden.Parts, clear.Depths, clear.Parts)
	}
	if hidden.Found == 0 || hidden.Recall30 < 0.5 || hidden.False != 0 {
		t.Errorf("indicators hidden: %d found, recall_30 %v, %d false", hidden.Found, hidden.Recall30, hidden.False)
	}
	if r := hidden.Runs[0]; r.Searched == 0 || r.Alignments == 0 || r.Threshold < 12 {
		t.Errorf("indicators hidden: the statistical search %+v", r)
	}
	// Depths under 10 groups are never searched statistically.
	if b := hidden.Buckets[0]; b.Found != 0 {
		t.Errorf("indicators hidden: %d depths of %s groups found", b.Found, b.Overlap)
	}

	// Solving: the simulated pairs, then the built depths of two and three.
	if len(rep.Solving) != 5 {
		t.Fatalf("%d solving rows, want 5: %+v", len(rep.Solving), rep.Solving)
	}
	for _, se := range rep.Solving {
		if se.Depth != 2 && se.Depth != 3 || se.Sets == 0 || se.Groups == 0 || se.Right > se.Groups || se.CipherGroups == 0 {
			t.Errorf("%s (depth %d): sets %d, groups %d, right %d, cipher groups %d", se.Name, se.Depth, se.Sets, se.Groups, se.Right, se.CipherGroups)
		}
		for what, x := range map[string]float64{"group": se.GroupAccuracy, "pair": se.PairAccuracy, "word": se.WordAccuracy, "switch": se.SwitchRate} {
			unit(se.Name+" "+what, x)
		}
		if se.GroupAccuracy <= 0.5 {
			t.Errorf("%s: depth %d group accuracy %v, want more than 0.5", se.Name, se.Depth, se.GroupAccuracy)
		}
		if se.SwitchRate > 0.01 {
			t.Errorf("%s: switch rate %v", se.Name, se.SwitchRate)
		}
		if want := map[bool]int{true: 2, false: 1}[se.Offsets == "truth"]; se.Sets != want {
			t.Errorf("%s: %d depths solved, want %d", se.Name, se.Sets, want)
		}
	}
	if rep.Solving[0].Offsets != "truth" || rep.Solving[0].Depth != 2 {
		t.Errorf("the first solving row is %+v, want the simulated depths", rep.Solving[0])
	}

	if len(rep.Goals) == 0 {
		t.Error("no goals")
	}
	for _, g := range rep.Goals {
		if g.Goal == "" || g.Measured == "" {
			t.Errorf("goal %+v", g)
		}
		if strings.HasPrefix(g.Goal, "indicators in clear") && !g.Met {
			t.Errorf("goal not met: %+v", g)
		}
	}

}
