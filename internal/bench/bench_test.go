package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// tiny is a run of the whole bench with sizes too small to measure
// anything well, to check that every figure comes out and is written.
func tiny(t *testing.T) Config {
	return Config{Rounds: 1, MinTime: time.Millisecond, AddBytes: 4096, PadPages: 10, PadGroups: 60,
		OfficeTelegrams: 12, RawInserts: 10, Clerks: []int{1, 2, 8}, TextSize: 1 << 10, TextSizes: []int{1 << 10, 3 << 10},
		Dir: t.TempDir(),
		Lab: Lab{ // the lab's own measures are tested apart, below
			DepthIndex: func(context.Context) (float64, error) { return 0.25, nil },
			Solve:      func(context.Context) (float64, error) { return 1.5, nil },
		}}
}

func TestRunTiny(t *testing.T) {
	var log bytes.Buffer
	c := tiny(t)
	c.Log = &log
	r, err := Run(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range r.figures() {
		if !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s = %v, want a positive number", k, v)
		}
	}
	if r.DepthStatS10k != nil {
		t.Errorf("depth_stat_s_10k was measured without a measure")
	}
	if len(r.Goals) != len(goals) {
		t.Errorf("%d goals judged, want %d", len(r.Goals), len(goals))
	}
	if s := r.Scaling; s == nil || len(s.EncipherMBs) != 2 || len(s.DecipherMBs) != 2 || len(s.OfficeTPS) != 3 {
		t.Errorf("scaling tables: %+v", s)
	}
	if s := r.Scaling; s != nil {
		for _, f := range floors {
			if v := s.FloorTPS[f.rows]; !(v > 0) {
				t.Errorf("floor of %d rows: %v tps, want a positive rate", f.rows, v)
			}
		}
	}
	if !strings.Contains(log.String(), "measuring office") {
		t.Errorf("no progress logged: %q", log.String())
	}

	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(js.Bytes(), &m); err != nil {
		t.Fatalf("the JSON does not parse: %v\n%s", err, js.Bytes())
	}
	for _, k := range Keys() {
		v, ok := m[k]
		switch {
		case !ok:
			t.Errorf("JSON key %s is missing", k)
		case k == "depth_stat_s_10k":
			if v != nil {
				t.Errorf("%s = %v, want null (not measured)", k, v)
			}
		default:
			if f, ok := v.(float64); !ok || !(f > 0) {
				t.Errorf("%s = %v, want a positive number", k, v)
			}
		}
	}

	var tab bytes.Buffer
	if err := r.WriteTable(&tab); err != nil {
		t.Fatal(err)
	}
	for _, want := range append(Keys(), "GOAL", "MET", "CLERKS", "TELEGRAM", "not measured") {
		if !strings.Contains(tab.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, tab.String())
		}
	}
}

// TestLabMeasures runs the lab's measures once, the statistical search on
// 200 intercepts.
func TestLabMeasures(t *testing.T) {
	if testing.Short() {
		t.Skip("seconds of the lab's work")
	}
	l := LabMeasures(200)
	for name, fn := range map[string]func(context.Context) (float64, error){"depth_index_s_100k": l.DepthIndex,
		"depth_stat_s_10k": l.DepthStat, "solve_ms_per_group": l.Solve} {
		v, err := fn(t.Context())
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s = %v, %v; want a positive number", name, v, err)
		}
	}
}

func TestHuman(t *testing.T) {
	for v, want := range map[float64]string{0: "0 x", 0.1234: "0.123 x", 12.34: "12.3 x", 123.4: "123 x", 1234567: "1,234,567 x"} {
		if got := human(v, "x"); got != want {
			t.Errorf("human(%v) = %q, want %q", v, got, want)
		}
	}
}
