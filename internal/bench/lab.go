package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"ciphergram/cipher"
	"ciphergram/codebook"
	"ciphergram/lab"
)

// LabMeasures measures the lab's figures as docs/lab.md states its goals:
//   - depth_index_s_100k: FindDepths pairing 100,000 intercepts by
//     indicator (the statistical search off), built as the lab's
//     BenchmarkDepthsIndicator100k builds them;
//   - depth_stat_s_10k: FindDepths searching 10,000 intercepts of simulated
//     traffic with hidden indicators statistically, with the default
//     options (the offsets at which two parts fit on one page; see
//     lab.DepthOptions.AnyOffset). The work grows with the square of the
//     intercepts: statN intercepts are searched and the time scaled by
//     (10,000/statN)^2 when statN is below 10,000 (the quick run);
//   - solve_ms_per_group: Solve breaking a depth of two first parts of
//     telegrams of held-out prose, per cipher group of both streams, as
//     BenchmarkSolveDepth2.
func LabMeasures(statN int) Lab {
	return Lab{DepthIndex: depthIndex100k, DepthStat: func(ctx context.Context) (float64, error) { return depthStat(ctx, statN) },
		Solve: solvePerGroup, StatIntercepts: statN}
}

func depthIndex100k(ctx context.Context) (float64, error) {
	const n = 100000
	rng := rand.New(rand.NewPCG(1, 1))
	perm := rng.Perm(n)
	xs := make([]*lab.Intercept, n)
	for i := range xs {
		x := &lab.Intercept{ID: fmt.Sprintf("S%d/%d/1", i%10, i), From: fmt.Sprintf("S%d", i%10), Nr: i, Part: 1, Parts: 1}
		x.Indicator = fmt.Sprintf("%05d", perm[i])
		if i%40 == 1 { // shares the page of the intercept before it
			x.Indicator = xs[i-1].Indicator
		}
		for range 10 + rng.IntN(49) {
			x.Groups = append(x.Groups, fmt.Sprintf("%05d", rng.IntN(100000)))
		}
		x.End, x.Serial = fmt.Sprintf("%05d", rng.IntN(100000)), "00101"
		xs[i] = x
	}
	lab.DefaultDepthModel()
	start := time.Now()
	if ds := lab.FindDepths(xs, lab.DepthOptions{SkipStatistical: true}, nil); len(ds) < n/40 {
		return 0, fmt.Errorf("FindDepths found %d depths by indicator, want %d", len(ds), n/40)
	}
	return time.Since(start).Seconds(), ctx.Err()
}

func depthStat(ctx context.Context, n int) (float64, error) {
	o := lab.DefaultSimOptions()
	o.HideIndicators = true
	o.Messages = n*4/7 + 10 // about 1.75 parts a telegram
	var ib, tb strings.Builder
	if err := lab.Simulate(o, &ib, &tb); err != nil {
		return 0, err
	}
	xs, err := lab.ReadIntercepts(strings.NewReader(ib.String()))
	if err != nil {
		return 0, err
	}
	if len(xs) < n {
		return 0, fmt.Errorf("the simulation gave %d intercepts, want %d", len(xs), n)
	}
	xs = xs[:n]
	lab.DefaultDepthModel()
	start := time.Now()
	lab.FindDepths(xs, lab.DepthOptions{}, nil)
	s := time.Since(start).Seconds()
	scale := 10000 / float64(n)
	return s * scale * scale, ctx.Err()
}

func solvePerGroup(ctx context.Context) (float64, error) {
	train, held := lab.Corpus()
	cb := codebook.Default()
	m := lab.TrainModel(cb, train)
	texts := heldOutTelegrams(cb, held, 2, 70)
	rng := rand.New(rand.NewPCG(1, 2))
	key := make([]byte, 58*5)
	for i := range key {
		key[i] = byte('0' + rng.IntN(10))
	}
	var streams []lab.Stream
	groups := 0
	for i, text := range texts {
		digits, err := cb.EncodeDigits(text)
		if err != nil {
			return 0, err
		}
		plain := cipher.Regroup(digits, cb.Filler())
		s := lab.Stream{ID: string(rune('A' + i)), Continues: len(plain) > len(key)}
		plain = plain[:min(len(plain), len(key))]
		ct := make([]byte, len(plain))
		for j := range ct {
			ct[j] = '0' + (plain[j]-'0'+key[j]-'0')%10
		}
		s.Digits = string(ct)
		streams = append(streams, s)
		groups += len(ct) / 5
	}
	const runs = 3
	start := time.Now()
	for range runs {
		if _, err := lab.Solve(streams, m, lab.SolveOptions{}); err != nil {
			return 0, err
		}
	}
	return float64(time.Since(start).Milliseconds()) / runs / float64(groups), ctx.Err()
}

// heldOutTelegrams makes n telegrams of about the given code groups from
// clauses of the held-out prose, as the lab's tests do.
func heldOutTelegrams(cb *codebook.Codebook, held string, n, groups int) []string {
	var clauses []string
	var sizes []int
	for _, c := range lab.Clauses(held) {
		if gs, err := cb.Encode(c); err == nil && len(gs) > 0 {
			clauses, sizes = append(clauses, c), append(sizes, len(gs))
		}
	}
	var out []string
	for i := range n {
		b := []string{"TO " + lab.SimCentreSignsAs + "."}
		for j, got := (i*7919)%len(clauses), 0; got < groups-12; j = (j + 1) % len(clauses) {
			b = append(b, clauses[j])
			got += sizes[j]
		}
		out = append(out, strings.Join(b, " "))
	}
	return out
}
