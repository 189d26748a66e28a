package lab

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"ciphergram/cipher"
	"ciphergram/codebook"
	"ciphergram/groups"
	"ciphergram/otp"
)

// SimOptions describes a year of simulated traffic (see Simulate).
type SimOptions struct {
	// Seed selects the traffic: the same options give byte-identical
	// output.
	Seed uint64
	// Messages is the number of telegrams, 1 to MaxSimMessages.
	Messages int
	// Links is the number of stations in traffic with MOSCOW, 1 to
	// len(SimStations()).
	Links int
	// DuplicatedPages is the fraction (0 to 0.5) of all pad pages that the
	// factory also printed into a pad of another link.
	DuplicatedPages float64
	// LateStart is the fraction (0 to 1) of parts whose clerk began the
	// key further down the page than group 1, where the part leaves room.
	LateStart float64
	// HideIndicators replaces every indicator and end group with a random
	// group (all distinct), so that depths can only be found
	// statistically.
	HideIndicators bool
	// Letters writes the transmissions in cable letters, not digits.
	Letters bool
	// Year is the year of the traffic (0: 1944).
	Year int
}

// DefaultSimOptions returns the options of `ciphergram lab simulate`
// without flags: 2,000 telegrams on 5 links, 5% of pages duplicated, 10%
// of parts begun late, indicators in clear.
func DefaultSimOptions() SimOptions {
	return SimOptions{Seed: 1, Messages: 2000, Links: 5, DuplicatedPages: 0.05, LateStart: 0.1, Year: 1944}
}

// MaxSimMessages bounds SimOptions.Messages: the simulated factory keeps
// all indicators distinct, and there are only 10^5 of them.
const MaxSimMessages = 40000

// SimStation is a station of the simulation: its name in preambles, the
// short code of its pad IDs and the cover name its resident signs with.
type SimStation struct {
	Name, Code, Resident string
	weight               float64 // share of the traffic
}

// Centre is the station all simulated links lead to, and its signature.
const (
	SimCentre        = "MOSCOW"
	SimCentreCode    = "MOS"
	SimCentreSignsAs = "VIKTOR"
)

// simStations are the links in order of traffic. The cover names are
// invented for the simulation.
var simStations = []SimStation{
	{"NEW-YORK", "NYK", "MAJ", 5},
	{"WASHINGTON", "WAS", "ANTON", 3},
	{"LONDON", "LON", "VADIM", 2.5},
	{"CANBERRA", "CAN", "EFIM", 1.5},
	{"SAN-FRANCISCO", "SFR", "STEPAN", 1.5},
	{"STOCKHOLM", "STO", "OSIP", 1.2},
	{"MEXICO-CITY", "MEX", "JURIJ", 1},
	{"OTTAWA", "OTT", "GRANT", 1},
	{"BOGOTA", "BOG", "KLIM", 0.8},
	{"MONTEVIDEO", "MON", "PAVEL", 0.8},
}

// SimStations lists the stations a simulation draws its links from, in
// order: Links n uses the first n.
func SimStations() []SimStation { return slices.Clone(simStations) }

// Parameters of the simulated traffic.
const (
	simGroupsPerPage = otp.DefaultGroupsPerPage
	simCapacity      = simGroupsPerPage - 2 // historical: 58 cipher groups a page
	simPadPages      = 250                  // pages of one printed pad
	simFromStation   = 0.75                 // share of telegrams sent by the stations (the rest by MOSCOW)
	simSinglePart    = 0.8                  // share of telegrams meant to fit one page
	simMedianGroups  = 24                   // median length of a one-page telegram, groups
	simMaxLate       = 9                    // latest group a clerk begins a page at
	simSlack         = 0.1                  // share of extra pages printed in each direction's pads
)

// TruthPart is what the simulation knows of one part: a line of
// truth.jsonl.
type TruthPart struct {
	ID    string `json:"id"`   // FROM/NR/PART, as in the intercepts
	Link  string `json:"link"` // FROM-TO
	Pad   string `json:"pad"`  // pad ID, e.g. NYK-MOS-0001
	Page  int    `json:"page"` // page number in that pad
	Start int    `json:"start"`
	// Plaintext is the canonical text of CodeGroups.
	Plaintext string `json:"plaintext"`
	// CodeGroups are the telegram's 4-digit code groups that overlap this
	// part (a group cut by a part boundary is in both parts).
	CodeGroups []string `json:"code_groups"`
	// CodePhase is how many digits of CodeGroups[0] belong to the
	// previous part.
	CodePhase int `json:"code_phase"`
	// Digits are the part's plaintext digits, 5 per cipher group (the
	// last part ends with filler).
	Digits string `json:"digits"`
}

// TruthDepth is a pair of parts that used the same pad groups: a line of
// truth.jsonl. A is before B in ID order; B's group i+Offset shares key
// with A's group i; Overlap groups share key.
type TruthDepth struct {
	A       string `json:"a"`
	B       string `json:"b"`
	Offset  int    `json:"offset"`
	Overlap int    `json:"overlap"`
}

// ReadTruth reads a truth.jsonl written by Simulate.
func ReadTruth(r io.Reader) ([]TruthPart, []TruthDepth, error) {
	var parts []TruthPart
	var depths []TruthDepth
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<22)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		var probe struct {
			ID string `json:"id"`
			A  string `json:"a"`
		}
		if err := json.Unmarshal(line, &probe); err != nil {
			return nil, nil, fmt.Errorf("truth line %d: %w", n, err)
		}
		switch {
		case probe.ID != "":
			var p TruthPart
			if err := json.Unmarshal(line, &p); err != nil {
				return nil, nil, fmt.Errorf("truth line %d: %w", n, err)
			}
			parts = append(parts, p)
		case probe.A != "":
			var d TruthDepth
			if err := json.Unmarshal(line, &d); err != nil {
				return nil, nil, fmt.Errorf("truth line %d: %w", n, err)
			}
			depths = append(depths, d)
		default:
			return nil, nil, fmt.Errorf("truth line %d: neither a part nor a depth", n)
		}
	}
	return parts, depths, sc.Err()
}

func (o SimOptions) check() error {
	switch {
	case o.Messages < 1 || o.Messages > MaxSimMessages:
		return fmt.Errorf("messages %d: want 1 to %d", o.Messages, MaxSimMessages)
	case o.Links < 1 || o.Links > len(simStations):
		return fmt.Errorf("links %d: want 1 to %d", o.Links, len(simStations))
	case !(o.DuplicatedPages >= 0 && o.DuplicatedPages <= 0.5):
		return fmt.Errorf("duplicated pages %v: want a fraction from 0 to 0.5", o.DuplicatedPages)
	case !(o.LateStart >= 0 && o.LateStart <= 1):
		return fmt.Errorf("late start %v: want a fraction from 0 to 1", o.LateStart)
	case o.Year < 0 || o.Year > 9999:
		return fmt.Errorf("year %d out of range", o.Year)
	}
	return nil
}

// simTelegram is one planned telegram.
type simTelegram struct {
	station  int  // index in simStations
	outbound bool // from the station to MOSCOW
	day      int  // day of the year, from 0
	minute   int
	target   int // cipher groups aimed at
	prec     cipher.Precedence
	nr       int
	text     string
	codes    []string // code groups
	stream   string   // regrouped plaintext digits
	parts    []*simPart
}

func (t *simTelegram) from() string {
	if t.outbound {
		return simStations[t.station].Name
	}
	return SimCentre
}

func (t *simTelegram) to() string {
	if t.outbound {
		return SimCentre
	}
	return simStations[t.station].Name
}

// dir is the index of the telegram's direction: 2*station, +1 inbound.
func (t *simTelegram) dir() int {
	if t.outbound {
		return 2 * t.station
	}
	return 2*t.station + 1
}

type simPart struct {
	tg    *simTelegram
	part  int // 1-based
	plain string
	page  *simPage
	start int
	trans *cipher.Transmission
}

func (p *simPart) id() string { return fmt.Sprintf("%s/%d/%d", p.tg.from(), p.tg.nr, p.part) }

// simPage is one printed page; copies of one page share a sheet number.
type simPage struct {
	pad   *otp.Pad
	page  *otp.Page
	sheet int
	idx   int  // place in its direction's pages
	dup   bool // already involved in a duplication
}

// Simulate writes a year of simulated traffic to intercepts (SPEC 6
// transmissions separated by blank lines, historical mode, as
// ReadIntercepts reads them) and what was really sent to truth (JSON
// lines: one TruthPart per part, in the order of the intercepts, then one
// TruthDepth per pair of parts that share key, in ID order).
//
// The model: each station of opts.Links sends reports to MOSCOW and
// receives instructions, each direction with its own pads of 250 pages of
// 60 groups, drawn from a ChaCha8 stream seeded by opts.Seed (SPEC 5 wants
// crypto/rand for real pads; a simulation wants reproducibility). The
// factory keeps indicators distinct across all pads, but printed a
// fraction opts.DuplicatedPages of the pages twice: it copied runs of 1 to
// 3 consecutive pages over pages of a pad of another link. Telegrams
// (opts.Messages, spread over the year, most of one page, a fifth of 2 to
// 5 pages, each part on the next page of its pad) carry held-out corpus
// passages framed as "TO VIKTOR. ... MAJ.", encoded with the default
// codebook and enciphered as cipher.Seal does in historical mode, except
// that a fraction opts.LateStart of the clerks begin the key at a later
// group (2 to 9) when the part leaves room, which puts depths at offsets
// other than 0.
func Simulate(opts SimOptions, intercepts io.Writer, truth io.Writer) error {
	if opts.Year == 0 {
		opts.Year = 1944
	}
	if err := opts.check(); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	rng := rand.New(rand.NewChaCha8(simSeed(opts.Seed, "traffic")))
	padSrc := rand.NewChaCha8(simSeed(opts.Seed, "pads"))
	cb := codebook.Default()

	tgs := planTraffic(rng, opts)
	if err := composeTraffic(rng, cb, tgs); err != nil {
		return err
	}
	pages, err := printPads(padSrc, rng, tgs, opts)
	if err != nil {
		return err
	}
	if err := sendTraffic(rng, tgs, pages, opts); err != nil {
		return err
	}
	return writeTraffic(cb, tgs, opts, intercepts, truth)
}

// simSeed derives a ChaCha8 seed from the user's seed and a purpose.
func simSeed(seed uint64, purpose string) [32]byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	return sha256.Sum256(append([]byte("ciphergram lab simulation\x00"+purpose+"\x00"), b[:]...))
}

// planTraffic draws who sends each telegram, when, how long and how
// urgent, and numbers the telegrams in each sender's yearly series.
func planTraffic(rng *rand.Rand, opts SimOptions) []*simTelegram {
	total := 0.0
	for _, s := range simStations[:opts.Links] {
		total += s.weight
	}
	days := 365
	if time.Date(opts.Year, 12, 31, 0, 0, 0, 0, time.UTC).YearDay() == 366 {
		days = 366
	}
	tgs := make([]*simTelegram, opts.Messages)
	for i := range tgs {
		t := &simTelegram{}
		x := rng.Float64() * total
		for t.station = 0; t.station < opts.Links-1 && x >= simStations[t.station].weight; t.station++ {
			x -= simStations[t.station].weight
		}
		t.outbound = rng.Float64() < simFromStation
		t.day, t.minute = rng.IntN(days), rng.IntN(24*60)
		if rng.Float64() < simSinglePart {
			g := math.Exp(math.Log(simMedianGroups) + 0.55*rng.NormFloat64())
			t.target = max(6, min(simCapacity-2, int(math.Round(g))))
		} else {
			t.target = (1+rng.IntN(4))*simCapacity + 8 + rng.IntN(simCapacity-10)
		}
		switch x := rng.Float64(); {
		case x < 0.85:
			t.prec = cipher.Routine
		case x < 0.95:
			t.prec = cipher.Priority
		case x < 0.99:
			t.prec = cipher.Immediate
		default:
			t.prec = cipher.Flash
		}
		tgs[i] = t
	}
	slices.SortStableFunc(tgs, func(a, b *simTelegram) int {
		return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.minute, b.minute))
	})
	next := map[string]int{}
	for _, t := range tgs {
		next[t.from()]++
		t.nr = next[t.from()]
	}
	return tgs
}

// simClause is a clause of the held-out corpus and its code group count.
type simClause struct {
	text   string
	groups int
}

// heldOutClauses cuts the held-out corpus into clauses ending in . ; : ? !
// that the codebook encodes.
func heldOutClauses(cb *codebook.Codebook) []simClause {
	_, held := Corpus()
	var out []simClause
	for _, text := range Clauses(held) {
		if gs, err := cb.Encode(text); err == nil && len(gs) > 0 {
			out = append(out, simClause{text, len(gs)})
		}
	}
	return out
}

// composeTraffic writes each telegram's text: the address, a held-out
// passage long enough for its target length, the signature; then encodes
// and regroups it.
func composeTraffic(rng *rand.Rand, cb *codebook.Codebook, tgs []*simTelegram) error {
	clauses := heldOutClauses(cb)
	if len(clauses) == 0 {
		return errors.New("simulate: the held-out corpus has no encodable text")
	}
	for _, t := range tgs {
		to, sig := SimCentreSignsAs, simStations[t.station].Resident
		if !t.outbound {
			to, sig = sig, to
		}
		head, tail := "TO "+to+".", sig+"."
		need := (t.target*5+3)/4 - 12 // code groups, less the frame's (about 12)
		var b strings.Builder
		b.WriteString(head)
		for j, got := rng.IntN(len(clauses)), 0; got < need; j = (j + 1) % len(clauses) {
			b.WriteByte(' ')
			b.WriteString(clauses[j].text)
			got += clauses[j].groups
		}
		b.WriteString(" " + tail)
		t.text = b.String()
		var err error
		if t.codes, err = cb.Encode(t.text); err != nil {
			return fmt.Errorf("simulate: encoding a telegram: %w", err)
		}
		t.stream = cipher.Regroup(strings.Join(t.codes, ""), cb.Filler())
		for i, k := 0, 1; i < len(t.stream); i, k = i+simCapacity*5, k+1 {
			t.parts = append(t.parts, &simPart{tg: t, part: k, plain: t.stream[i:min(len(t.stream), i+simCapacity*5)]})
		}
		if len(t.parts) > cipher.MaxParts {
			return fmt.Errorf("simulate: a telegram of %d parts", len(t.parts))
		}
	}
	return nil
}

// printPads prints each direction's pads with enough pages (and some to
// spare), keeps indicators distinct across all pads, then duplicates pages
// across links. It returns each direction's pages in order of use.
func printPads(padSrc io.Reader, rng *rand.Rand, tgs []*simTelegram, opts SimOptions) ([][]*simPage, error) {
	need := make([]int, 2*opts.Links)
	for _, t := range tgs {
		need[t.dir()] += len(t.parts)
	}
	totalPages := 0
	for _, n := range need {
		totalPages += n + int(simSlack*float64(n)) + 2
	}
	if totalPages > 80000 {
		return nil, fmt.Errorf("simulate: the traffic needs %d pages; the factory keeps indicators distinct for at most 80000", totalPages)
	}
	pages := make([][]*simPage, 2*opts.Links)
	seenInd := make(map[string]bool, totalPages)
	sheet := 0
	for d, n := range need {
		st := simStations[d/2]
		from, to, fc, tc := st.Name, SimCentre, st.Code, SimCentreCode
		if d%2 == 1 {
			from, to, fc, tc = to, from, tc, fc
		}
		n += int(simSlack*float64(n)) + 2
		for padNo := 1; n > 0; padNo++ {
			k := min(n, simPadPages)
			n -= k
			pad, err := otp.Generate(padSrc, fmt.Sprintf("%s-%s-%04d", fc, tc, padNo), from, to, k, simGroupsPerPage)
			if err != nil {
				return nil, fmt.Errorf("simulate: %w", err)
			}
			for _, pg := range pad.Pages {
				for seenInd[pg.Indicator()] {
					copy(pg.Digits[:5], fmt.Sprintf("%05d", rng.IntN(100000)))
				}
				seenInd[pg.Indicator()] = true
				pages[d] = append(pages[d], &simPage{pad: pad, page: pg, sheet: sheet, idx: len(pages[d])})
				sheet++
			}
		}
	}
	duplicatePages(rng, pages, opts)
	return pages, nil
}

// duplicatePages copies runs of pages over pages of other links' pads
// until the fraction opts.DuplicatedPages of all pages has a twin.
func duplicatePages(rng *rand.Rand, pages [][]*simPage, opts SimOptions) {
	var all []*simPage
	dirOf := map[*simPage]int{}
	for d, ps := range pages {
		for _, p := range ps {
			all = append(all, p)
			dirOf[p] = d
		}
	}
	want := int(math.Round(opts.DuplicatedPages * float64(len(all))))
	if opts.Links < 2 {
		want = 0
	}
	for copied, tries := 0, 0; copied < want && tries < 100*want; tries++ {
		src := all[rng.IntN(len(all))]
		sd := dirOf[src]
		run := min(1+rng.IntN(3), want-copied)
		td := rng.IntN(len(pages))
		if td/2 == sd/2 {
			continue // same link
		}
		si := src.idx
		ti := rng.IntN(len(pages[td]))
		if si+run > len(pages[sd]) || ti+run > len(pages[td]) {
			continue
		}
		ok := true
		for k := range run {
			ok = ok && !pages[sd][si+k].dup && !pages[td][ti+k].dup
		}
		if !ok {
			continue
		}
		for k := range run {
			s, t := pages[sd][si+k], pages[td][ti+k]
			copy(t.page.Digits, s.page.Digits)
			t.sheet = s.sheet
			s.dup, t.dup = true, true
		}
		copied += run
	}
}

// sendTraffic gives each part the next page of its direction, picks where
// the clerk begins, and enciphers.
func sendTraffic(rng *rand.Rand, tgs []*simTelegram, pages [][]*simPage, opts SimOptions) error {
	nextPage := make([]int, len(pages))
	for _, t := range tgs {
		d := t.dir()
		date := time.Date(opts.Year, 1, 1+t.day, 0, 0, 0, 0, time.UTC)
		msg := cipher.Message{From: t.from(), To: t.to(), Nr: t.nr, Day: date.Day(), Prec: t.prec}
		for _, p := range t.parts {
			if nextPage[d] >= len(pages[d]) {
				return errors.New("simulate: a pad ran out (internal error)")
			}
			pg := pages[d][nextPage[d]]
			nextPage[d]++
			p.page = pg
			m := len(p.plain) / 5
			p.start = 1
			if late := min(simMaxLate, simGroupsPerPage-1-m); late >= 2 && rng.Float64() < opts.LateStart {
				p.start = 2 + rng.IntN(late-1)
			}
			p.trans = sealHistorical(p.plain, pg.page, p.start, msg, p.part, len(t.parts))
		}
	}
	if opts.HideIndicators {
		used := map[string]bool{}
		fresh := func() string {
			for {
				g := fmt.Sprintf("%05d", rng.IntN(100000))
				if !used[g] {
					used[g] = true
					return g
				}
			}
		}
		for _, t := range tgs {
			for _, p := range t.parts {
				g := p.trans.Groups
				g[0], g[len(g)-2] = fresh(), fresh()
			}
		}
	}
	return nil
}

// sealHistorical enciphers one part's plaintext digits (a multiple of 5)
// as cipher.Seal does in historical mode, except that the key begins at
// page group start instead of 1: indicator, cipher groups, the page group
// after the key as end group, serial/date group.
func sealHistorical(plain string, pg *otp.Page, start int, msg cipher.Message, part, parts int) *cipher.Transmission {
	m := len(plain) / 5
	ct := make([]byte, len(plain))
	groups.Add(ct, []byte(plain), pg.Groups(start, m))
	body := make([]string, 0, m+3)
	body = append(body, pg.Indicator())
	body = append(body, groups.Split(string(ct), 5)...)
	body = append(body, string(pg.Group(start+m)), msg.Serial())
	return &cipher.Transmission{From: msg.From, To: msg.To, Nr: msg.Nr, Part: part, Parts: parts, Prec: msg.Prec, Groups: body}
}

// writeTraffic writes the intercepts and the truth.
func writeTraffic(cb *codebook.Codebook, tgs []*simTelegram, opts SimOptions, intercepts, truth io.Writer) error {
	iw, tw := bufio.NewWriter(intercepts), bufio.NewWriter(truth)
	enc := json.NewEncoder(tw)
	enc.SetEscapeHTML(false)
	first := true
	bySheet := map[int][]*simPart{}
	var sheets []int
	for _, t := range tgs {
		for _, p := range t.parts {
			if !first {
				iw.WriteByte('\n')
			}
			first = false
			iw.WriteString(p.trans.Format(opts.Letters))
			if err := enc.Encode(truthOf(cb, p)); err != nil {
				return err
			}
			s := p.page.sheet
			if bySheet[s] == nil {
				sheets = append(sheets, s)
			}
			bySheet[s] = append(bySheet[s], p)
		}
	}
	var depths []TruthDepth
	for _, s := range sheets {
		ps := bySheet[s]
		for i := range ps {
			for j := i + 1; j < len(ps); j++ {
				a, b := ps[i], ps[j]
				if CompareIDs(a.id(), b.id()) > 0 {
					a, b = b, a
				}
				ma, mb := len(a.plain)/5, len(b.plain)/5
				lo, hi := max(a.start, b.start), min(a.start+ma, b.start+mb)
				if hi > lo {
					depths = append(depths, TruthDepth{A: a.id(), B: b.id(), Offset: a.start - b.start, Overlap: hi - lo})
				}
			}
		}
	}
	slices.SortFunc(depths, func(x, y TruthDepth) int { return cmp.Or(CompareIDs(x.A, y.A), CompareIDs(x.B, y.B)) })
	for _, d := range depths {
		if err := enc.Encode(d); err != nil {
			return err
		}
	}
	if err := iw.Flush(); err != nil {
		return err
	}
	return tw.Flush()
}

// truthOf describes one part.
func truthOf(cb *codebook.Codebook, p *simPart) TruthPart {
	begin := (p.part - 1) * simCapacity * 5 // digit offset of the part in the stream
	end := begin + len(p.plain)
	first, last := begin/4, min((end+3)/4, len(p.tg.codes))
	codes := p.tg.codes[first:last]
	return TruthPart{
		ID:         p.id(),
		Link:       p.tg.from() + "-" + p.tg.to(),
		Pad:        p.page.pad.ID,
		Page:       p.page.page.Number,
		Start:      p.start,
		Plaintext:  cb.Decode(codes),
		CodeGroups: slices.Clone(codes),
		CodePhase:  begin % 4,
		Digits:     p.plain,
	}
}
