// Package bench measures Ciphergram near the machine's limits, each figure
// side by side with a baseline that bounds it, in one run and one process
// (ciphergram bench):
//
//   - add_mb_s, the non-carrying addition of large digit buffers
//     (groups.Add), against memmove_mb_s, a copy of the same size;
//   - encipher_mb_s and decipher_mb_s, the whole procedure over telegram
//     prose with the default codebook (no baseline: they are what the
//     arithmetic and the codebook leave of the machine);
//   - padgen_digits_s, unbiased pad digits generated (an otp.DigitReader
//     on crypto/rand), against rand_bytes_s, crypto/rand bytes read; and
//     pad_generate_digits_s, whole pads made by otp.Generate;
//   - office_tps_1 and office_tps_8, telegrams enciphered and registered
//     per second by 1 and 8 concurrent clerks on the embedded store, each
//     with its pages durably consumed, against sqlite_raw_tps, single-row
//     inserts each in its own synchronous transaction, in a database with
//     the store's pragmas in the same directory;
//   - depth_index_s_100k, depth_stat_s_10k and solve_ms_per_group, the
//     cryptanalysis lab's figures, when a Lab is given.
//
// A figure and its baseline are measured in alternation, several rounds
// each, and each is reported as the median of its rounds, so that a slow
// disk moment or a frequency change weighs on both alike.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"ciphergram/otp"
)

// Config sets the sizes and the duration of a run.
type Config struct {
	// Rounds is how many times each figure and its baseline are measured,
	// in alternation; the median is reported.
	Rounds int
	// MinTime is the least duration of one measurement of a processor-bound
	// figure (repeated until it has run that long).
	MinTime time.Duration
	// AddBytes is the size of the digit buffers added and copied.
	AddBytes int
	// PadPages and PadGroups are the size of the pad otp.Generate makes in
	// one measurement of pad_generate_digits_s.
	PadPages, PadGroups int
	// OfficeTelegrams is the number of telegrams the clerks encipher in
	// one measurement of office_tps_*; RawInserts the rows inserted in one
	// measurement of sqlite_raw_tps.
	OfficeTelegrams, RawInserts int
	// Clerks lists the numbers of concurrent clerks measured; 1 and 8
	// give office_tps_1 and office_tps_8.
	Clerks []int
	// TextSizes lists the telegram sizes (bytes of prose) of the scaling
	// table of encipher_mb_s and decipher_mb_s; TextSize is the size of the
	// headline figure.
	TextSize  int
	TextSizes []int
	// Dir is where the temporary directory of the databases is made
	// (os.TempDir() if empty): put it on the file system to be measured.
	Dir string
	// Lab, if set, measures the lab's figures.
	Lab Lab
	// Log, if set, receives a line as each measurement starts.
	Log io.Writer
}

// Quick is a run of well under 45 seconds; Full is a run of a few minutes
// with a scaling table over telegram sizes and clerks.
func Quick() Config {
	return Config{Rounds: 3, MinTime: 150 * time.Millisecond, AddBytes: 16 << 20, PadPages: otp.MaxPages, PadGroups: otp.DefaultGroupsPerPage,
		OfficeTelegrams: 800, RawInserts: 400, Clerks: []int{1, 8}, TextSize: 4 << 10}
}

// Full is the run of record: more rounds and the scaling tables.
func Full() Config {
	return Config{Rounds: 7, MinTime: 400 * time.Millisecond, AddBytes: 16 << 20, PadPages: otp.MaxPages, PadGroups: otp.DefaultGroupsPerPage,
		OfficeTelegrams: 2000, RawInserts: 1000, Clerks: []int{1, 2, 4, 8, 16}, TextSize: 4 << 10,
		TextSizes: []int{1 << 10, 10 << 10, 100 << 10}}
}

// Lab measures the cryptanalysis lab; see Config.Lab. Each function
// returns its figure; a nil function leaves its figure out.
type Lab struct {
	// DepthIndex returns the seconds FindDepths takes to pair 100,000
	// intercepts by indicator.
	DepthIndex func(ctx context.Context) (float64, error)
	// DepthStat returns the seconds the statistical depth search takes
	// over 10,000 intercepts.
	DepthStat func(ctx context.Context) (float64, error)
	// Solve returns the milliseconds Solve takes per cipher group.
	Solve func(ctx context.Context) (float64, error)
	// StatIntercepts is how many intercepts DepthStat really searches
	// (its time scaled to 10,000 when fewer).
	StatIntercepts int
}

// Result holds the figures of one run. A figure that was not measured is
// nil, and null in JSON.
type Result struct {
	AddMBs     float64 `json:"add_mb_s"`
	MemmoveMBs float64 `json:"memmove_mb_s"`

	EncipherMBs float64 `json:"encipher_mb_s"`
	DecipherMBs float64 `json:"decipher_mb_s"`

	PadgenDigitsS float64 `json:"padgen_digits_s"`
	RandBytesS    float64 `json:"rand_bytes_s"`
	// PadDigitsS is the digits a second of whole pads made by
	// otp.Generate (PadPages pages of PadGroups groups), allocation and
	// all: beside the figure, not a goal.
	PadDigitsS float64 `json:"pad_generate_digits_s"`

	OfficeTPS1   float64 `json:"office_tps_1"`
	OfficeTPS8   float64 `json:"office_tps_8"`
	SQLiteRawTPS float64 `json:"sqlite_raw_tps"`

	DepthIndexS100k *float64 `json:"depth_index_s_100k"`
	DepthStatS10k   *float64 `json:"depth_stat_s_10k"`
	SolveMsPerGroup *float64 `json:"solve_ms_per_group"`
	// DepthStatSearched is the intercepts the statistical search really
	// searched; below 10,000, depth_stat_s_10k is scaled from it by the
	// square of the traffic.
	DepthStatSearched int `json:"depth_stat_intercepts_searched,omitempty"`

	// Scaling holds the figures of the scaling tables, when measured.
	Scaling *Scaling `json:"scaling,omitempty"`
	Machine Machine  `json:"machine"`
	Goals   []Goal   `json:"goals"`
}

// Scaling is how the figures grow with telegram size and traffic.
type Scaling struct {
	// EncipherMBs and DecipherMBs by telegram size in bytes.
	EncipherMBs map[int]float64 `json:"encipher_mb_s_by_bytes,omitempty"`
	DecipherMBs map[int]float64 `json:"decipher_mb_s_by_bytes,omitempty"`
	// OfficeTPS by number of clerks.
	OfficeTPS map[int]float64 `json:"office_tps_by_clerks,omitempty"`
	// FloorTPS by rows a transaction: plain synchronous inserts in the
	// raw database, one row a table, as telegrams a second (a transaction
	// of 96 rows stands for 8 telegrams): the most the store's SQLite
	// allows a transaction of the office's size, by the number of rows.
	FloorTPS map[int]float64 `json:"sqlite_floor_tps_by_rows,omitempty"`
}

// Machine describes where the run took place.
type Machine struct {
	CPU        string `json:"cpu"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Go         string `json:"go"`
	OS         string `json:"os"`
	Dir        string `json:"dir"`
	Quick      bool   `json:"quick"`
}

// Goal is one of the targets of the figures and whether the run met it.
type Goal struct {
	Name     string  `json:"name"`
	Figure   string  `json:"figure"`
	Baseline string  `json:"baseline"`
	Want     float64 `json:"want_ratio"` // figure / baseline at least
	Ratio    float64 `json:"ratio"`
	Met      bool    `json:"met"`
}

// goals are the targets of issue 8.
var goals = []struct {
	name, figure, baseline string
	want                   float64
}{
	{"add near memmove", "add_mb_s", "memmove_mb_s", 0.25},
	{"pad digits near the random source", "padgen_digits_s", "rand_bytes_s", 1.5},
	{"one clerk near one fsync a telegram", "office_tps_1", "sqlite_raw_tps", 0.8},
	{"eight clerks share fsyncs", "office_tps_8", "sqlite_raw_tps", 3},
}

// Run measures every figure. It stops at the first failure.
func Run(ctx context.Context, c Config) (*Result, error) {
	if c.Rounds < 1 {
		c.Rounds = 1
	}
	r := &Result{Machine: machine(c)}
	steps := []struct {
		name string
		run  func(context.Context, Config, *Result) error
	}{
		{"add and memmove", measureAdd},
		{"pad digits and crypto/rand", measurePadgen},
		{"encipherment and decipherment", measureCipher},
		{"office and raw SQLite", measureOffice},
		{"lab", measureLab},
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		logf(c, "measuring %s", s.name)
		if err := s.run(ctx, c, r); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
	}
	r.Goals = r.verdicts()
	return r, nil
}

// figures maps the JSON keys of the numeric figures to their values; a
// figure not measured is missing.
func (r *Result) figures() map[string]float64 {
	m := map[string]float64{
		"add_mb_s": r.AddMBs, "memmove_mb_s": r.MemmoveMBs,
		"encipher_mb_s": r.EncipherMBs, "decipher_mb_s": r.DecipherMBs,
		"padgen_digits_s": r.PadgenDigitsS, "rand_bytes_s": r.RandBytesS, "pad_generate_digits_s": r.PadDigitsS,
		"office_tps_1": r.OfficeTPS1, "office_tps_8": r.OfficeTPS8, "sqlite_raw_tps": r.SQLiteRawTPS,
	}
	for k, v := range map[string]*float64{"depth_index_s_100k": r.DepthIndexS100k,
		"depth_stat_s_10k": r.DepthStatS10k, "solve_ms_per_group": r.SolveMsPerGroup} {
		if v != nil {
			m[k] = *v
		}
	}
	return m
}

// Keys lists the JSON keys of the figures, measured or not.
func Keys() []string {
	return []string{"add_mb_s", "memmove_mb_s", "encipher_mb_s", "decipher_mb_s", "padgen_digits_s", "rand_bytes_s", "pad_generate_digits_s",
		"office_tps_1", "office_tps_8", "sqlite_raw_tps", "depth_index_s_100k", "depth_stat_s_10k", "solve_ms_per_group"}
}

func (r *Result) verdicts() []Goal {
	f := r.figures()
	var gs []Goal
	for _, g := range goals {
		fig, okf := f[g.figure]
		base, okb := f[g.baseline]
		if !okf || !okb || fig <= 0 || base <= 0 { // not measured
			continue
		}
		ratio := fig / base
		gs = append(gs, Goal{Name: g.name, Figure: g.figure, Baseline: g.baseline, Want: g.want, Ratio: ratio, Met: ratio >= g.want})
	}
	return gs
}

// WriteJSON writes the result as one JSON object: the figures under their
// keys (null when not measured), then scaling, machine and goals.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the figures for people: each with its baseline and the
// ratio, then the goals and their verdicts, then the scaling tables.
func (r *Result) WriteTable(w io.Writer) error {
	m := r.Machine
	var b strings.Builder
	fmt.Fprintf(&b, "machine: %s, %d CPUs (GOMAXPROCS %d), %s %s\n", m.CPU, m.CPUs, m.GOMAXPROCS, m.Go, m.OS)
	fmt.Fprintf(&b, "databases in: %s\n\n", m.Dir)
	rows := [][]string{{"FIGURE", "VALUE", "BASELINE", "VALUE", "RATIO"}}
	pair := func(name string, v float64, unit, base string, bv float64, bunit string) {
		row := []string{name, human(v, unit), "", "", ""}
		if base != "" {
			row[2], row[3], row[4] = base, human(bv, bunit), ratio(v, bv)
		}
		rows = append(rows, row)
	}
	pair("add_mb_s", r.AddMBs, "MB/s", "memmove_mb_s", r.MemmoveMBs, "MB/s")
	pair("padgen_digits_s", r.PadgenDigitsS, "digits/s", "rand_bytes_s", r.RandBytesS, "bytes/s")
	pair("pad_generate_digits_s", r.PadDigitsS, "digits/s", "rand_bytes_s", r.RandBytesS, "bytes/s")
	pair("encipher_mb_s", r.EncipherMBs, "MB/s", "", 0, "")
	pair("decipher_mb_s", r.DecipherMBs, "MB/s", "", 0, "")
	pair("office_tps_1", r.OfficeTPS1, "tps", "sqlite_raw_tps", r.SQLiteRawTPS, "tps")
	pair("office_tps_8", r.OfficeTPS8, "tps", "sqlite_raw_tps", r.SQLiteRawTPS, "tps")
	for _, l := range []struct {
		name string
		v    *float64
		unit string
	}{{"depth_index_s_100k", r.DepthIndexS100k, "s"}, {"depth_stat_s_10k", r.DepthStatS10k, "s"}, {"solve_ms_per_group", r.SolveMsPerGroup, "ms"}} {
		if l.v == nil {
			rows = append(rows, []string{l.name, "not measured", "", "", ""})
			continue
		}
		pair(l.name, *l.v, l.unit, "", 0, "")
		if l.name == "depth_stat_s_10k" && r.DepthStatSearched > 0 && r.DepthStatSearched < 10000 {
			rows[len(rows)-1][2] = fmt.Sprintf("(scaled from %d intercepts)", r.DepthStatSearched)
		}
	}
	writeColumns(&b, rows)
	b.WriteString("\n")
	rows = [][]string{{"GOAL", "FIGURE / BASELINE", "WANT", "GOT", "VERDICT"}}
	for _, g := range r.Goals {
		verdict := "MET"
		if !g.Met {
			verdict = "NOT MET"
		}
		rows = append(rows, []string{g.Name, g.Figure + " / " + g.Baseline, fmt.Sprintf(">= %.2f", g.Want), fmt.Sprintf("%.2f", g.Ratio), verdict})
	}
	writeColumns(&b, rows)
	if s := r.Scaling; s != nil {
		if len(s.EncipherMBs) > 0 {
			b.WriteString("\n")
			rows = [][]string{{"TELEGRAM", "ENCIPHER", "DECIPHER"}}
			for _, n := range sortedKeys(s.EncipherMBs) {
				rows = append(rows, []string{human(float64(n), "bytes"), human(s.EncipherMBs[n], "MB/s"), human(s.DecipherMBs[n], "MB/s")})
			}
			writeColumns(&b, rows)
		}
		if len(s.OfficeTPS) > 0 {
			b.WriteString("\n")
			rows = [][]string{{"CLERKS", "OFFICE", "RATIO TO RAW"}}
			for _, n := range sortedKeys(s.OfficeTPS) {
				rows = append(rows, []string{fmt.Sprint(n), human(s.OfficeTPS[n], "tps"), ratio(s.OfficeTPS[n], r.SQLiteRawTPS)})
			}
			writeColumns(&b, rows)
		}
		if len(s.FloorTPS) > 0 {
			b.WriteString("\n")
			rows = [][]string{{"ROWS A TRANSACTION", "TELEGRAMS IT STANDS FOR", "FLOOR", "RATIO TO RAW"}}
			for _, f := range floors {
				rows = append(rows, []string{fmt.Sprint(f.rows), fmt.Sprint(f.telegrams), human(s.FloorTPS[f.rows], "tps"), ratio(s.FloorTPS[f.rows], r.SQLiteRawTPS)})
			}
			writeColumns(&b, rows)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sortedKeys(m map[int]float64) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

func ratio(v, base float64) string {
	if base <= 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", v/base)
}

// human writes v with three significant figures and thousands separators.
func human(v float64, unit string) string {
	var s string
	switch {
	case v == 0:
		s = "0"
	case math.Abs(v) >= 1000:
		s = thousands(int64(math.Round(v)))
	case math.Abs(v) >= 100:
		s = fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		s = fmt.Sprintf("%.1f", v)
	default:
		s = fmt.Sprintf("%.3g", v)
	}
	return s + " " + unit
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// writeColumns writes rows as left-aligned columns.
func writeColumns(b *strings.Builder, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-len(c)+2))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}

// machine describes this machine: the processor model from /proc/cpuinfo
// where there is one.
func machine(c Config) Machine {
	m := Machine{CPU: "unknown", CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, Dir: c.Dir, Quick: c.MinTime < Full().MinTime}
	if m.Dir == "" {
		m.Dir = os.TempDir()
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func logf(c Config, format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "bench: "+format+"\n", args...)
	}
}

// rate runs fn, which does some work and says how many units it did, until
// at least min has passed, and returns the units per second.
func rate(min time.Duration, fn func() (float64, error)) (float64, error) {
	var units float64
	start := time.Now()
	for {
		u, err := fn()
		if err != nil {
			return 0, err
		}
		units += u
		if d := time.Since(start); d >= min {
			return units / d.Seconds(), nil
		}
	}
}

// alternate measures each of fns once a round, in order, for rounds
// rounds, and returns the median rate of each.
func alternate(rounds int, fns ...func() (float64, error)) ([]float64, error) {
	rates := make([][]float64, len(fns))
	for range rounds {
		for i, fn := range fns {
			v, err := fn()
			if err != nil {
				return nil, err
			}
			if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
				return nil, errors.New("a measurement gave no rate")
			}
			rates[i] = append(rates[i], v)
		}
	}
	out := make([]float64, len(fns))
	for i, rs := range rates {
		out[i] = median(rs)
	}
	return out, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
