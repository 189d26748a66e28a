package lab

import "math"

// The first stage of the statistical search.
//
// The search tries every pair of parts at many offsets; nearly all of
// those alignments are unrelated, and the first stage must drop them for
// as little work as it can while keeping the depths. It scores one window
// of difference digits at each code group of part a (every four digits:
// the phases say where a's code groups begin), under the same model as
// the full score but as a whole window, one lookup each, and gives the
// alignment up as soon as the running sum falls below a line.
//
// What a window can see depends on δ, the phase difference of the two
// code streams (see alignParts). At δ = 0 the code groups of the two parts
// coincide, and the 4-digit window of a's code group holds the difference
// of two whole code groups: equal frequent groups make zeros, other
// frequent pairs the differences the table expects. At δ ≠ 0 every code
// group of a straddles two of b's, and a window holds a whole code group of
// each part only if it is 6 digits long (4 + the shift between them, 1 or
// 2); shorter windows see pieces of groups and tell depths from chance
// several times worse. So the window is 4 digits at δ = 0 and 6 digits
// at δ ≠ 0, placed to hold a's code group and one of b's (stageWindows).
//
// The difference digits are never formed. Each part keeps, for every
// digit position, the window that begins there in two base-19 codes: its
// digits d_i read as a number in base 19 (the "a code"), and the digits
// 9-d_i so read (the "b code"). The sum of a's a code and b's b code has
// the base-19 digits a_i+9-b_i, 0 to 18, without carries, and
// (a_i+9-b_i+1) mod 10 is the difference digit a_i-b_i mod 10: so one
// addition of two stored numbers indexes the 4-digit table (19^4 entries,
// 128 KB, in a core's cache). The 6-digit window is two 3-digit halves
// packed in one 32-bit word, added at once; a 16 KB table turns each
// half's sum into its three decimal difference digits, and the decimal
// window indexes a 1 MB table.

// stageWindow is the window the first stage scores at each code group of
// part a: it begins off digits from the group's first digit and is width
// digits long.
type stageWindow struct{ off, width int }

// stageWindows by δ: at δ = 1 b's code groups begin one digit before a's,
// at δ = 2 two digits after, at δ = 3 one digit after. The offsets were
// chosen, among the 6-digit windows holding both groups, as the ones that
// separate depths from chance best on simulated traffic.
var stageWindows = [4]stageWindow{{0, 4}, {-2, 6}, {0, 6}, {-1, 6}}

const (
	b19x3 = 19 * 19 * 19 // 3-digit base-19 codes and their sums: 0..6858
	b19x4 = b19x3 * 19   // 4-digit ones: 0..130320
	// Table sizes rounded up to powers of two so that a mask, not a
	// bounds check, keeps the indices in range.
	stage4Size = 1 << 17
	stage6Size = 1 << 20
	dec3Size   = 1 << 13
)

// dec3 maps the sum of a 3-digit a code and b code to the three
// difference digits, as a decimal number.
var dec3 = func() *[dec3Size]uint16 {
	var t [dec3Size]uint16
	for s := 0; s < b19x3; s++ {
		v, x, p := 0, s, 1
		for range 3 {
			v += (x%19 + 1) % 10 * p
			x /= 19
			p *= 10
		}
		t[s] = uint16(v)
	}
	return &t
}()

// dec4 is the same for 4-digit sums, used only to build the 4-digit table.
func dec4(s int) int {
	v, p := 0, 1
	for range 4 {
		v += (s%19 + 1) % 10 * p
		s /= 19
		p *= 10
	}
	return v
}

// stageCodes are a part's windows in the base-19 codes of the first
// stage: w[r][k] is the window that begins at digit r+4k. The first stage
// reads one window at each code group of a part, every four digits, so
// that stride keeps them side by side.
type stageCodes struct {
	a4, b4 [4][]uint32 // 4-digit windows: a code, b code
	// 6-digit windows: the code of the first three digits in the low 16
	// bits, of the last three in the high 16.
	a6, b6 [4][]uint32
}

func newStageCodes(d []byte) *stageCodes {
	n := len(d)
	// One backing array: the windows of 4 digits begin at 0..n-4, those
	// of 6 at 0..n-6, each once in a code and once in b code.
	buf := make([]uint32, 0, 2*max(0, n-3)+2*max(0, n-5))
	c := &stageCodes{}
	take := func(k int) []uint32 {
		s := buf[len(buf) : len(buf)+k : len(buf)+k]
		buf = buf[:len(buf)+k]
		return s
	}
	for r := range 4 {
		k4, k6 := 0, 0 // windows that begin at r, r+4, ...
		if n-4-r >= 0 {
			k4 = (n-4-r)/4 + 1
		}
		if n-6-r >= 0 {
			k6 = (n-6-r)/4 + 1
		}
		c.a4[r], c.b4[r], c.a6[r], c.b6[r] = take(k4), take(k4), take(k6), take(k6)
	}
	// code3 is the base-19 code of three digits, a code or b code.
	code3 := func(t int, neg bool) uint32 {
		v := uint32(0)
		for _, x := range d[t : t+3] {
			if neg {
				x = 9 - x
			}
			v = v*19 + uint32(x)
		}
		return v
	}
	for t := 0; t+4 <= n; t++ {
		c.a4[t&3][t>>2] = code3(t, false)*19 + uint32(d[t+3])
		c.b4[t&3][t>>2] = code3(t, true)*19 + uint32(9-d[t+3])
		if t+6 <= n {
			c.a6[t&3][t>>2] = code3(t, false) | code3(t+3, false)<<16
			c.b6[t&3][t>>2] = code3(t, true) | code3(t+3, true)<<16
		}
	}
	return c
}

// stageLine is the abandonment rule of the first stage at one δ: after c
// windows an alignment whose sum is below At + Slope·c nats is given up,
// and one that ends below Pass nats is dropped. Slope is a multiple of
// 1/16 nat (a table unit): it is taken off every entry of the table, so
// that the running sum is compared with a constant. Random alignments
// lose about 0.5 nat a window at δ = 0 and 0.35 at δ ≠ 0; depths gain
// about 1.1 and 0.4 to 0.55, but a stretch of unusual text can take a
// depth down by 8 nats or more before it recovers. The lines were fitted
// to the simulated depths of 30 groups or more that the full score finds
// (docs/lab.md, section 3.3): they lose under 1% of them. A lower pass
// mark at δ ≠ 0 lets more unrelated alignments through to the full score,
// and the threshold must rise with them (section 3.4).
type stageLine struct{ At, Slope, Pass float64 }

var stageLines = [4]stageLine{
	{At: -10, Slope: 0.0625, Pass: 0},
	{At: -10, Slope: 0.0625, Pass: 5},
	{At: -12, Slope: 0.0625, Pass: 5},
	{At: -10, Slope: 0.0625, Pass: 5},
}

// stageTables are the first stage's tables of a DepthModel, in table
// units (1/16 nat), the line's slope taken off.
type stageTables struct {
	// t4: log(10^4 P(w)) for the 4-digit difference window w at δ = 0,
	// indexed by the sum of the base-19 codes.
	t4 []int8
	// t6[δ], δ = 1..3: log(10^6 P(w)) for the 6-digit window w, indexed
	// by its decimal value.
	t6 [4][]int8
	// The lines by δ.
	at, slope, pass [4]int32
}

// fillStage sets the first-stage table of windows that begin at phase ra
// in part a and rb in part b if they are the windows the first stage
// uses; at gives the model's distribution of 6-digit difference windows.
func (m *DepthModel) fillStage(ra, rb int, at func(int) float64) {
	delta := (rb - ra) & 3
	if ra != stageWindows[delta].off&3 {
		return
	}
	st := &m.stage
	l := stageLines[delta]
	st.at[delta] = int32(math.Floor(l.At * dmScale))
	st.slope[delta] = int32(math.Round(l.Slope * dmScale))
	st.pass[delta] = int32(math.Ceil(l.Pass * dmScale))
	// units is the table entry for a window of probability p among n:
	// log(n P) with P mixed with stageMix of the uniform distribution,
	// less the slope.
	units := func(p float64, n int) int8 {
		p = (1-stageMix)*p + stageMix/float64(n)
		return int8(max(-128, min(127, math.Round(dmScale*math.Log(float64(n)*p))-float64(st.slope[delta]))))
	}
	// at mixes the difference distribution with dmMix of the uniform
	// one: take it out.
	raw := func(w int) float64 { return max(0, at(w)-dmMix/dmWindows) / (1 - dmMix) }
	if delta == 0 {
		var p4 [10000]float64
		for w := range dmWindows {
			p4[w/100] += raw(w)
		}
		st.t4 = make([]int8, stage4Size)
		for s := 0; s < b19x4; s++ {
			st.t4[s] = units(p4[dec4(s)], 1e4)
		}
		return
	}
	t := make([]int8, stage6Size)
	for w := range dmWindows {
		t[w] = units(raw(w), dmWindows)
	}
	st.t6[delta] = t
}

// stageMix is the weight of the uniform distribution in the first
// stage's window distributions.
const stageMix = 0.1

// firstStage scores parts a and b at offset K by the first stage: the sum
// (nats) of the windows at a's code groups that lie in the overlap, and
// whether the alignment passes (never fell below the line, and ends at
// the pass mark or above with two windows or more). It gives up as soon
// as the sum falls below the line.
func (m *DepthModel) firstStage(a, b *depthPart, K int) (float64, bool) {
	s, ok := m.stageSum(a, b, K)
	return float64(s) / dmScale, ok
}

// stageSum is firstStage in table units.
func (m *DepthModel) stageSum(a, b *depthPart, K int) (int32, bool) {
	st := &m.stage
	delta := (5*K + b.phase - a.phase) & 3
	win := stageWindows[delta]
	lo := 5 * max(0, -K)
	hi := 5 * min(a.m, b.m-K)
	// The first code group of a whose window begins at lo or later: a's
	// digit x begins a code group when (a.phase + x) mod 4 = 0.
	x := lo - win.off
	x += -(a.phase+x)&3 + win.off
	if x+win.width > hi {
		return 0, false
	}
	n := (hi-win.width-x)/4 + 1 // windows
	y := x + 5*K                // where b's side of the first one begins
	line := st.at[delta]
	var sum int32 // less the slope a window
	if delta == 0 {
		as := a.codes.a4[x&3][x>>2:][:n]
		bs := b.codes.b4[y&3][y>>2:][:n]
		t := (*[stage4Size]int8)(st.t4)
		for i, u := range as {
			sum += int32(t[(u+bs[i])&(stage4Size-1)])
			if sum < line {
				return sum + st.slope[delta]*int32(i+1), false
			}
		}
	} else {
		as := a.codes.a6[x&3][x>>2:][:n]
		bs := b.codes.b6[y&3][y>>2:][:n]
		t := (*[stage6Size]int8)(st.t6[delta])
		dec := dec3
		for i, u := range as {
			h := u + bs[i]
			w := uint32(dec[h&(dec3Size-1)])*1000 + uint32(dec[h>>16&(dec3Size-1)])
			sum += int32(t[w&(stage6Size-1)])
			if sum < line {
				return sum + st.slope[delta]*int32(i+1), false
			}
		}
	}
	sum += st.slope[delta] * int32(n)
	return sum, n >= 2 && sum >= st.pass[delta]
}
