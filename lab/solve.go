package lab

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// A Stream is the cipher of one part in a depth: parts enciphered with the
// same key, each at its own place in it.
type Stream struct {
	ID string
	// Digits are the cipher groups C1..Cm run together; '?' marks a digit
	// lost in transmission.
	Digits string
	// Offset is the key position of the stream's C1, in five-digit groups,
	// relative to the first stream's (whose Offset is normally 0). Two parts
	// begun at the same group of the same page have the same offset; a
	// Depth{A, B, Offset: K} (A's group i shares key with B's group i+K) is
	// A at offset 0 and B at offset -K.
	Offset int
	// Lead is the number of digits at the start of the stream that finish
	// a code group begun in the previous part of the telegram (0 to 3): 0
	// for a first part. Parts after the first start where the previous one
	// stopped, in the middle of a code group unless the earlier parts' digits
	// are a multiple of 4.
	Lead int
	// Resumes says the part is not the first of its telegram: its text
	// does not begin with the telegram's first group. A Lead above 0
	// implies it.
	Resumes bool
	// Continues says the telegram goes on in another part: the stream has
	// no filler and its last code group may be cut. A last (or only) part
	// ends with the regrouping filler, whose digits the solver knows, and
	// with the end of the text.
	Continues bool
}

// SolveOptions tune Solve. The zero value is a good start.
type SolveOptions struct {
	// Beam is the number of joint hypotheses kept at each step; 0 means
	// DefaultBeam. Time grows about linearly with it.
	Beam int
	// Proposals is how many groups, the likeliest, each code group touched
	// by a step proposes (a quarter of that to complete another's
	// proposal); 0 means DefaultProposals.
	Proposals int
	// Threshold is the confidence below which a recovered group is shown
	// as unrecovered in Text; 0 means DefaultThreshold, and a negative
	// value shows every group the search reached.
	Threshold float64
	// Key holds key groups known in clear: five digits at key position i
	// (in five-digit groups, in the coordinates of Stream.Offset, 0 being
	// the key under C1 of a stream of offset 0). A part's end group is the
	// key at its offset + its group count, its indicator the key at its
	// offset - 1: where another stream of the depth lies under them, its
	// plaintext there is read directly.
	Key map[int]string
	// Unknown is, for a partial codebook, the prior probability that a
	// plaintext group is one the codec does not hold. 0 means the codec is
	// complete: a group it lacks cannot occur and is heavily penalised.
	Unknown float64
}

// Defaults of SolveOptions.
const (
	DefaultBeam      = 64
	DefaultProposals = 24
	DefaultThreshold = 0.8
)

// A RecoveredGroup is one code group of a stream's plaintext, in order.
type RecoveredGroup struct {
	// Code is the group's four digits, with '?' for a digit that is not
	// known: all four where no other stream lies under the same key (and
	// the key is not known), some of them for a group cut by the start or
	// end of a part.
	Code string
	// Word is the codec's token for Code ("AMBASSADOR", "<STOP>", "<A>"),
	// or "" if the code is incomplete or the codec does not hold it.
	Word string
	// Confidence is the model's probability of this group given the rest
	// of the recovered text (0 to 1; see Solve): 1 for a group read from
	// known key, 0 for one not read.
	Confidence float64
}

// A Recovery is the recovered plaintext of one stream.
type Recovery struct {
	ID     string
	Groups []RecoveredGroup
	// Text is the plaintext as the codec decodes the groups recovered with
	// at least the threshold's confidence, the others shown, as in the
	// published VENONA translations, as "[n groups unrecovered]".
	Text string
}

// Recovered counts the groups Text shows as words: groups the codec holds,
// recovered with at least the given confidence.
func (r *Recovery) Recovered(threshold float64) int {
	n := 0
	for _, g := range r.Groups {
		if g.Word != "" && g.Confidence >= threshold {
			n++
		}
	}
	return n
}

// maxStreams bounds the depth Solve handles.
const maxStreams = 8

// invalidLogProb is what a group the codec lacks costs when the codec is
// complete: heavily penalised rather than pruned, so that a wrong offset
// or a garbled group still gives the best reading there is.
const invalidLogProb = -30

// Solve recovers the plaintexts of streams in depth: parts enciphered with
// the same key at the given offsets. Where two or more streams lie under
// the same key digits, the key cancels out of their difference, which is
// the difference of their plaintexts; a beam search over the joint
// plaintext, scored by the model, picks the code groups whose differences
// match and whose sequences read best in every stream. Where only one
// stream covers a stretch of key (and the key is not known) nothing can be
// read, and the groups there are left unrecovered.
//
// The search works on key digits, which fix every stream's digits at once.
// It walks the code groups of all streams in the order of the key position
// they start at; a step chooses the key digits still open under the groups
// that start at one position, together with the groups of other streams
// straddling them that it leaves at most two digits short of complete. Its
// hypotheses come from the model: every assignment when at most two digits
// are open, else each group's likeliest continuations given what is fixed
// (exact probabilities), the remaining digits completed the same way from
// the other groups, plus the pairs of groups jointly likeliest by their
// unigram probabilities. A hypothesis scores the sum of the model's
// log-probabilities of every stream's groups; groups a step leaves partly
// open count with their likeliest completion when hypotheses are ranked.
// Hypotheses with the same recent groups and open key digits merge. The
// 4/5 regrouping needs no special case: streams are digit streams, and
// their 4-digit groups fall where they fall. Known key digits (SolveOptions.Key,
// and the filler digits at the end of a last part, which are known
// plaintext) fix the digits under them in every stream.
//
// Each group's confidence is its probability given the rest of the best
// reading: the step that chose it is re-scored with every alternative the
// search tried there, the groups after it re-scored too.
func Solve(streams []Stream, m *Model, opts SolveOptions) ([]Recovery, error) {
	s, err := newSolver(streams, m, opts)
	if err != nil {
		return nil, err
	}
	s.search()
	return s.recover(), nil
}

// Digit kinds of a slot's digit, for the step that decides the slot.
const (
	dOut    = iota // outside the stream, or lost: the digit is not read
	dStatic        // the key is known there
	dDyn           // an earlier step determined the key there
	dChoose        // this step chooses the key there
)

// A slot is one 4-digit code group of one stream.
type slot struct {
	stream int
	index  int // its place in the stream's groups
	x      int // key position of its first digit (shifted to be >= 0)
	j0     int // stream digit index of its first digit (negative in a lead)
	in     [4]bool
	kind   [4]uint8
	last   bool // the last group of a final part whose digits leave no filler: <NULL> or a real group
	final  bool // the last group of a final part followed by filler digits: the end of the text
	search bool // some digit is linked to another stream or to known key
	fresh  bool // the stream's groups before this one are unknown: its history is reset
	reset  history
}

// Limits of a step: the key digits it chooses, the slots it decides, the
// span of key positions it touches (the ring of a state holds them).
const (
	maxChoose = 8
	maxSlots  = 8
	ringSize  = 16
	maxExtra  = 2 // open digits a straddling slot may add to a step
)

// A step chooses the key digits under the slots that start at one key
// position, together with the slots that straddle them and leave at most
// maxExtra more digits open: every slot is scored in the step that fixes
// its last digit, so hypotheses are compared on whole groups.
type step struct {
	x      int
	slots  []int // slots decided here, by start then stream
	next   []int // later slots starting among this step's positions: left partly open
	choose []int // key positions chosen here, ascending
	clear  []int // positions whose ring entries are no longer needed after it
	joint  []proposal
}

// A state is one hypothesis after a step.
type state struct {
	hist   [maxStreams]packedHist
	ring   [ringSize]int8 // key digits at positions p%ringSize still needed
	grp    [maxSlots]int16
	assign [maxChoose]int8
	score  float64 // the log-probability of the groups decided so far
	rank   float64 // score and the best completion of the groups left partly open
	parent int32
}

// packedHist is a history in a state.
type packedHist [order - 1]int16

func (h history) pack() packedHist {
	var p packedHist
	for i, g := range h {
		p[i] = int16(g)
	}
	return p
}

func (p packedHist) unpack() history {
	var h history
	for i, g := range p {
		h[i] = int32(g)
	}
	return h
}

type stateKey struct {
	hist [maxStreams]packedHist
	ring [ringSize]int8
}

func (st *state) key() stateKey { return stateKey{st.hist, st.ring} }

type solver struct {
	m       *Model
	opts    SolveOptions
	streams []Stream
	cipher  [][]int8 // cipher digits of each stream, -1 for a lost one
	base    []int    // key position of each stream's digit 0 (shifted)
	known   []int8   // key digits known in clear, -1 if not
	cover   []int8   // number of streams under each key position
	detStep []int    // the step that chooses the key at each position, -1 if none
	slots   []slot
	byStrm  [][]int // slot indexes of each stream, in order
	steps   []step
	unkLog  float64 // log-probability of a group the codec lacks
	knownLg float64 // log of the share of groups the codec holds

	// The search.
	arena []state
	beams [][2]int32 // arena range of each step's beam
	sc    scratch
	seen  map[int]bool // assignments proposed at the current state
	props []proposal
	ctxs  []slotCtx
	best  map[bestKey]float64 // bestLogProb's answers
	ranks map[rankKey]map[int][]scoredGroup
	pools map[history][]scoredGroup
}

// proposal is a partial assignment of a step's key digits, by index in
// its choose list.
type proposal struct {
	a   [maxChoose]int8
	set uint16 // bit i set: a[i] is set
}

func newSolver(streams []Stream, m *Model, opts SolveOptions) (*solver, error) {
	if m == nil {
		return nil, errors.New("lab: solve needs a model")
	}
	if len(streams) == 0 {
		return nil, errors.New("lab: no streams to solve")
	}
	if len(streams) > maxStreams {
		return nil, fmt.Errorf("lab: %d streams in depth; at most %d are handled", len(streams), maxStreams)
	}
	if opts.Beam <= 0 {
		opts.Beam = DefaultBeam
	}
	if opts.Proposals <= 0 {
		opts.Proposals = DefaultProposals
	}
	if opts.Threshold == 0 {
		opts.Threshold = DefaultThreshold
	}
	if opts.Unknown < 0 || opts.Unknown >= 1 {
		return nil, fmt.Errorf("lab: unknown-group probability %v out of range [0, 1)", opts.Unknown)
	}
	s := &solver{m: m, opts: opts, streams: streams}
	s.unkLog = invalidLogProb
	if opts.Unknown > 0 && m.nKnown < numGroups {
		s.unkLog = math.Log(opts.Unknown / float64(numGroups-m.nKnown))
		s.knownLg = math.Log(1 - opts.Unknown)
	}
	lo, hi := math.MaxInt, math.MinInt
	for i, st := range streams {
		if st.Digits == "" {
			return nil, fmt.Errorf("lab: stream %s has no digits", st.ID)
		}
		if st.Lead < 0 || st.Lead > 3 {
			return nil, fmt.Errorf("lab: stream %s: lead %d out of range 0..3", st.ID, st.Lead)
		}
		for j := range streams[:i] {
			if streams[j].ID == st.ID {
				return nil, fmt.Errorf("lab: stream %s given twice", st.ID)
			}
		}
		c := make([]int8, len(st.Digits))
		for j := 0; j < len(st.Digits); j++ {
			switch d := st.Digits[j]; {
			case d == '?':
				c[j] = -1
			case d < '0' || d > '9':
				return nil, fmt.Errorf("lab: stream %s: %q at digit %d is neither a digit nor '?'", st.ID, d, j+1)
			default:
				c[j] = int8(d - '0')
			}
		}
		s.cipher = append(s.cipher, c)
		lo = min(lo, 5*st.Offset-4)
		hi = max(hi, 5*st.Offset+len(st.Digits)+4)
	}
	shift := -lo
	for _, st := range streams {
		s.base = append(s.base, 5*st.Offset+shift)
	}
	span := hi + shift
	s.known = make([]int8, span)
	s.cover = make([]int8, span)
	for x := range s.known {
		s.known[x] = -1
	}
	for i := range streams {
		for j, c := range s.cipher[i] {
			if c >= 0 {
				s.cover[s.base[i]+j]++
			}
		}
	}
	keys := make([]int, 0, len(opts.Key))
	for k := range opts.Key {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		g := opts.Key[k]
		if len(g) != 5 || !allDigits(g) {
			return nil, fmt.Errorf("lab: key group %d: %q is not 5 digits", k, g)
		}
		for i := 0; i < 5; i++ {
			if x := 5*k + i + shift; x >= 0 && x < span {
				s.known[x] = int8(g[i] - '0')
			}
		}
	}
	s.layout()
	return s, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// layout cuts every stream into slots, marks the filler digits of final
// parts as known plaintext, and orders the slots into steps.
func (s *solver) layout() {
	null := s.m.null
	s.byStrm = make([][]int, len(s.streams))
	for i, st := range s.streams {
		L := len(s.cipher[i])
		add := func(j0 int) *slot {
			sl := slot{stream: i, index: len(s.byStrm[i]), x: s.base[i] + j0, j0: j0}
			for d := range 4 {
				j := j0 + d
				sl.in[d] = j >= 0 && j < L && s.cipher[i][j] >= 0
			}
			s.byStrm[i] = append(s.byStrm[i], len(s.slots))
			s.slots = append(s.slots, sl)
			return &s.slots[len(s.slots)-1]
		}
		lead := min(st.Lead, L)
		if lead > 0 {
			add(lead - 4)
		}
		n, r := (L-lead)/4, (L-lead)%4
		for k := range n {
			sl := add(lead + 4*k)
			if !st.Continues && k == n-1 && null != noGroup {
				sl.last, sl.final = r == 0, r > 0
			}
		}
		if st.Continues {
			if r > 0 {
				add(lead + 4*n)
			}
		} else if r > 0 && null != noGroup {
			// The filler: the first r digits of <NULL>, known plaintext.
			for d := range r {
				j := lead + 4*n + d
				if x := s.base[i] + j; s.known[x] < 0 && s.cipher[i][j] >= 0 {
					s.known[x] = (s.cipher[i][j] - digitOf(null, d) + 10) % 10
				}
			}
		}
	}
	for k := range s.slots {
		sl := &s.slots[k]
		for d := range 4 {
			x := sl.x + d
			if sl.in[d] && (s.cover[x] >= 2 || s.known[x] >= 0) {
				sl.search = true
			}
		}
	}
	// A stream's history starts afresh at its first group (the start of
	// the text unless the part resumes a telegram) and after any group
	// left out of the search.
	for i, st := range s.streams {
		begins := !st.Resumes && st.Lead == 0
		for k, si := range s.byStrm[i] {
			sl := &s.slots[si]
			switch {
			case k == 0:
				sl.fresh, sl.reset = true, noHistory
				if begins {
					sl.reset = startHistory
				}
			case !s.slots[s.byStrm[i][k-1]].search:
				sl.fresh, sl.reset = true, noHistory
			}
		}
	}
	s.makeSteps()
}

// open returns the key positions under slot sl that no step has chosen
// yet and that are not known.
func (s *solver) open(sl *slot) []int {
	var out []int
	for d := range 4 {
		if x := sl.x + d; sl.in[d] && s.known[x] < 0 && s.detStep[x] < 0 {
			out = append(out, x)
		}
	}
	return out
}

// makeSteps groups the searched slots into steps, in the order of the key
// position they start at.
func (s *solver) makeSteps() {
	order := make([]int, 0, len(s.slots))
	for k := range s.slots {
		if s.slots[k].search {
			order = append(order, k)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if d := s.slots[a].x - s.slots[b].x; d != 0 {
			return d
		}
		return s.slots[a].stream - s.slots[b].stream
	})
	s.detStep = make([]int, len(s.known))
	for x := range s.detStep {
		s.detStep[x] = -1
	}
	done := make([]bool, len(s.slots))
	inStep := make([]bool, len(s.slots))
	for i, k0 := range order {
		if done[k0] {
			continue
		}
		st := step{x: s.slots[k0].x}
		choose := map[int]bool{}
		hi := st.x + 3
		addSlot := func(k int) {
			st.slots = append(st.slots, k)
			inStep[k] = true
			for _, x := range s.open(&s.slots[k]) {
				choose[x] = true
			}
			hi = max(hi, s.slots[k].x+3)
		}
		for _, k := range order[i:] {
			if s.slots[k].x != st.x || len(st.slots) == maxSlots {
				break
			}
			if !done[k] {
				addSlot(k)
			}
		}
		// Slots straddling the first ones that leave few more digits open
		// join the step (if their stream's previous group is decided by
		// then).
		for changed := true; changed; {
			changed = false
			for _, k := range order[i:] {
				sl := &s.slots[k]
				if sl.x > st.x+3 {
					break
				}
				if done[k] || inStep[k] || len(st.slots) == maxSlots {
					continue
				}
				if sl.index > 0 {
					if prev := s.byStrm[sl.stream][sl.index-1]; s.slots[prev].search && !done[prev] && !inStep[prev] {
						continue
					}
				}
				extra := 0
				for _, x := range s.open(sl) {
					if !choose[x] {
						extra++
					}
				}
				if extra <= maxExtra && len(choose)+extra <= maxChoose {
					addSlot(k)
					changed = true
				}
			}
		}
		slices.SortStableFunc(st.slots, func(a, b int) int {
			if d := s.slots[a].x - s.slots[b].x; d != 0 {
				return d
			}
			return s.slots[a].stream - s.slots[b].stream
		})
		for x := range choose {
			st.choose = append(st.choose, x)
		}
		slices.Sort(st.choose)
		for _, k := range st.slots {
			sl := &s.slots[k]
			for d := range 4 {
				x := sl.x + d
				switch {
				case !sl.in[d]:
					sl.kind[d] = dOut
				case s.known[x] >= 0:
					sl.kind[d] = dStatic
				case choose[x]:
					sl.kind[d] = dChoose
				default:
					sl.kind[d] = dDyn
				}
			}
			done[k] = true
		}
		for _, x := range st.choose {
			s.detStep[x] = len(s.steps)
		}
		for _, k := range order[i:] {
			if s.slots[k].x > hi {
				break
			}
			if !done[k] {
				st.next = append(st.next, k)
			}
		}
		s.steps = append(s.steps, st)
	}
	// After each step, the ring entries of positions before the next step
	// are no longer needed.
	for i := range s.steps {
		st := &s.steps[i]
		next := math.MaxInt
		if i+1 < len(s.steps) {
			next = s.steps[i+1].x
		}
		top := st.x
		if n := len(st.choose); n > 0 {
			top = max(top, st.choose[n-1])
		}
		for p := max(top-ringSize+1, 0); p <= top; p++ {
			if p < next {
				st.clear = append(st.clear, p)
			}
		}
	}
}

// histFor returns the history of slot sl's stream in state st.
func (s *solver) histFor(st *state, sl *slot) history {
	if sl.fresh {
		return sl.reset
	}
	return st.hist[sl.stream].unpack()
}

func ringAt(x int) int { return x % ringSize }

// plain is the plaintext digit of stream i at its digit j under key k.
func (s *solver) plain(i, j int, k int8) int8 {
	return (s.cipher[i][j] - k + 10) % 10
}

// keyFor is the key digit that makes stream i's digit j equal p.
func (s *solver) keyFor(i, j int, p int8) int8 {
	return (s.cipher[i][j] - p + 10) % 10
}

// chooseIndex returns the index of position x in step st's choose list,
// or -1.
func chooseIndex(st *step, x int) int {
	for i, c := range st.choose {
		if c == x {
			return i
		}
	}
	return -1
}

// slotMask returns the digits of slot sl known in state st before step si
// chooses its digits, plus those proposal a sets, as a mask and values.
func (s *solver) slotMask(st *state, sl *slot, si int, a *proposal) (mask int, vals [4]int8) {
	step := &s.steps[si]
	for d := range 4 {
		if !sl.in[d] {
			continue
		}
		x := sl.x + d
		var k int8 = -1
		switch ds := s.detStep[x]; {
		case s.known[x] >= 0:
			k = s.known[x]
		case ds >= 0 && ds < si:
			k = st.ring[ringAt(x)]
		case ds == si && a != nil:
			if c := chooseIndex(step, x); c >= 0 && a.set&(1<<c) != 0 {
				k = a.a[c]
			}
		}
		if k < 0 {
			continue
		}
		mask |= 1 << d
		vals[d] = s.plain(sl.stream, sl.j0+d, k)
	}
	return mask, vals
}

func (s *solver) search() {
	s.arena = append(s.arena[:0], state{parent: -1})
	root := &s.arena[0]
	for i := range root.hist {
		root.hist[i] = noHistory.pack()
	}
	prev := [2]int32{0, 1}
	sel := newSelector(s.opts.Beam)
	for si := range s.steps {
		s.jointProposals(si)
		clear(s.ranks)
		clear(s.pools)
		sel.reset()
		for p := prev[0]; p < prev[1]; p++ {
			s.expand(si, p, sel)
		}
		lo := int32(len(s.arena))
		s.arena = append(s.arena, sel.sorted()...)
		prev = [2]int32{lo, int32(len(s.arena))}
		s.beams = append(s.beams, prev)
	}
}

// expand offers every extension of state p at step si.
func (s *solver) expand(si int, p int32, sel *selector) {
	parent := &s.arena[p]
	s.alternatives(si, parent)
	// The model's contexts of the step's slots, resolved once (a slot
	// whose stream has an earlier slot in the step depends on its choice).
	st := &s.steps[si]
	s.ctxs = s.ctxs[:0]
	for i, sk := range st.slots {
		sl := &s.slots[sk]
		c := slotCtx{h: s.histFor(parent, sl), ok: true}
		for _, prev := range st.slots[:i] {
			if s.slots[prev].stream == sl.stream {
				c.ok = false
			}
		}
		if c.ok {
			c.cs = s.m.contexts(c.h)
		}
		s.ctxs = append(s.ctxs, c)
	}
	for i := range s.props {
		s.score(si, p, &s.props[i], sel)
	}
}

// slotCtx is a slot's history and its resolved contexts in the model.
type slotCtx struct {
	h  history
	cs ctxChain
	ok bool
}

// alternatives fills s.props with the assignments of step si's open key
// digits to try after state parent: all of them when at most two digits
// are open, else those the model proposes.
func (s *solver) alternatives(si int, parent *state) {
	st := &s.steps[si]
	s.props = s.props[:0]
	nU := len(st.choose)
	if nU > 2 {
		s.propose(si, parent)
		return
	}
	for v := range int(pow10[nU]) {
		var pr proposal
		for i := range st.choose {
			pr.a[i] = int8(v / int(pow10[nU-1-i]) % 10)
			pr.set |= 1 << i
		}
		s.props = append(s.props, pr)
	}
}

// jointProposals gives a step whose slots hold no digit an earlier step
// chose (so that their groups depend on its choice alone) the assignments
// under which the step's groups are jointly likeliest by their unigram
// probabilities: pairs of rare groups that no context proposes.
func (s *solver) jointProposals(si int) {
	st := &s.steps[si]
	n := len(st.choose)
	if n < 3 || n > 5 || st.joint != nil {
		return
	}
	for _, k := range st.slots {
		for d := range 4 {
			if s.slots[k].kind[d] == dDyn {
				return
			}
		}
	}
	type scored struct {
		v  int
		lp float64
	}
	keep := s.opts.Proposals
	var best []scored
	idx := make([][4]int, len(st.slots)) // choose index of each digit, -1 if static/out
	for i, k := range st.slots {
		sl := &s.slots[k]
		for d := range 4 {
			idx[i][d] = -1
			if sl.kind[d] == dChoose {
				idx[i][d] = chooseIndex(st, sl.x+d)
			}
		}
	}
	var a [maxChoose]int8
	for v := range int(pow10[n]) {
		for i := range n {
			a[i] = int8(v / int(pow10[n-1-i]) % 10)
		}
		lp := 0.0
		for i, k := range st.slots {
			sl := &s.slots[k]
			g, full := int32(0), true
			for d := range 4 {
				var key int8
				switch sl.kind[d] {
				case dOut:
					full = false
				case dStatic:
					key = s.known[sl.x+d]
				default:
					key = a[idx[i][d]]
				}
				if full {
					g = g*10 + int32(s.plain(sl.stream, sl.j0+d, key))
				}
			}
			if !full {
				continue
			}
			if s.m.known[g] {
				lp += s.m.lp1[g] + s.knownLg
			} else {
				lp += s.unkLog
			}
		}
		if len(best) < keep || lp > best[len(best)-1].lp {
			i, _ := slices.BinarySearchFunc(best, lp, func(e scored, t float64) int {
				if e.lp > t {
					return -1
				}
				return 1
			})
			best = slices.Insert(best, i, scored{v, lp})
			if len(best) > keep {
				best = best[:keep]
			}
		}
	}
	st.joint = make([]proposal, len(best))
	for j, b := range best {
		for i := range n {
			st.joint[j].a[i] = int8(b.v / int(pow10[n-1-i]) % 10)
			st.joint[j].set |= 1 << i
		}
	}
}

// propose fills s.props with assignments of the step's open key digits
// drawn from the model's likely groups for every slot they touch, the
// remaining digits completed from the likely groups of the slots that
// hold them.
func (s *solver) propose(si int, parent *state) {
	st := &s.steps[si]
	k := s.opts.Proposals
	all := uint16(1)<<len(st.choose) - 1
	limit := 8 * k * (len(st.slots) + len(st.next))
	if s.seen == nil {
		s.seen = map[int]bool{}
	}
	clear(s.seen)
	emit := func(pr proposal) {
		v := 0
		for i := range st.choose {
			v = v*10 + int(pr.a[i])
		}
		if !s.seen[v] {
			s.seen[v] = true
			s.props = append(s.props, pr)
		}
	}
	for _, pr := range st.joint {
		emit(pr)
	}
	var complete func(pr proposal)
	complete = func(pr proposal) {
		if pr.set == all {
			emit(pr)
			return
		}
		if len(s.props) >= limit {
			return
		}
		// Every slot holding an open digit proposes its likeliest groups
		// given what pr fixes; the one with the most digits fixed is asked
		// for more.
		var completers []*slot
		most := -1
		for _, sk := range append(st.slots, st.next...) {
			sl := &s.slots[sk]
			holds := false
			for d := range 4 {
				if c := chooseIndex(st, sl.x+d); sl.in[d] && c >= 0 && pr.set&(1<<c) == 0 {
					holds = true
				}
			}
			if !holds {
				continue
			}
			h, ok := s.histIn(parent, si, sl, &pr)
			if !ok {
				continue
			}
			_ = h
			completers = append(completers, sl)
			if mask, _ := s.slotMask(parent, sl, si, &pr); fixedCount(mask) > most {
				most = fixedCount(mask)
			}
		}
		for _, sl := range completers {
			h, _ := s.histIn(parent, si, sl, &pr)
			mask, vals := s.slotMask(parent, sl, si, &pr)
			n := max(k/8, 3)
			if fixedCount(mask) == most {
				n = max(k/4, 4)
			}
			for _, g := range s.ranked(h, sl, mask, vals, n) {
				q := pr
				for d := range 4 {
					if c := chooseIndex(st, sl.x+d); sl.in[d] && c >= 0 && q.set&(1<<c) == 0 {
						q.a[c] = s.keyFor(sl.stream, sl.j0+d, digitOf(g, d))
						q.set |= 1 << c
					}
				}
				complete(q)
			}
		}
	}
	for _, sk := range append(slices.Clone(st.slots), st.next...) {
		sl := &s.slots[sk]
		h, ok := s.histIn(parent, si, sl, nil)
		if !ok {
			continue
		}
		mask, vals := s.slotMask(parent, sl, si, nil)
		for _, g := range s.ranked(h, sl, mask, vals, k) {
			var pr proposal
			for d := range 4 {
				if c := chooseIndex(st, sl.x+d); sl.in[d] && c >= 0 {
					pr.a[c] = s.keyFor(sl.stream, sl.j0+d, digitOf(g, d))
					pr.set |= 1 << c
				}
			}
			complete(pr)
		}
	}
}

// histIn returns the history of slot sl at step si after state parent,
// given the digits proposal pr fixes (nil: none yet), for proposing its
// groups: if the previous slot of its stream is decided in the same step,
// its group must be fixed (else ok is false), and stands alone.
func (s *solver) histIn(parent *state, si int, sl *slot, pr *proposal) (history, bool) {
	if sl.fresh || sl.index == 0 {
		return s.histFor(parent, sl), true
	}
	prev := &s.slots[s.byStrm[sl.stream][sl.index-1]]
	st := &s.steps[si]
	if !slices.ContainsFunc(st.slots, func(k int) bool { return &s.slots[k] == prev }) {
		return s.histFor(parent, sl), true
	}
	if pr == nil {
		return noHistory, false
	}
	mask, vals := s.slotMask(parent, prev, si, pr)
	if mask != 15 {
		return noHistory, false
	}
	g := int32(0)
	for d := range 4 {
		g = g*10 + int32(vals[d])
	}
	// Only the previous group: proposals from fewer distinct histories are
	// cheaper, and the scores are computed in full anyway.
	return noHistory.then(g), true
}

// ranked returns up to k groups for slot sl after history h whose digits
// match vals at the positions of mask, the likeliest first: every match
// when at most one digit is open; else the best of the continuations the
// model has seen after h (their exact probabilities computed once per
// history and mask, and filed by the values of the fixed digits) merged
// with the unigram ranking of the groups it has not.
func (s *solver) ranked(h history, sl *slot, mask int, vals [4]int8, k int) []int32 {
	for d := range 4 {
		if !sl.in[d] {
			mask &^= 1 << d // a digit outside the stream is free
		}
	}
	return s.rankedMask(h, mask, vals, k)
}

// rankedMask is ranked for a mask of digits all inside the stream.
func (s *solver) rankedMask(h history, mask int, vals [4]int8, k int) []int32 {
	if 4-fixedCount(mask) <= 1 {
		// Ten groups at most: rank them all.
		gs := s.m.candidates(h, mask, vals, k, &s.sc, nil)
		cs := s.m.contexts(h)
		ps := make([]float64, len(gs))
		for i, g := range gs {
			ps[i] = math.Exp(s.unkLog)
			if s.m.known[g] {
				ps[i] = s.m.probIn(&cs, g)
			}
		}
		idx := make([]int, len(gs))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			switch {
			case ps[a] > ps[b]:
				return -1
			case ps[a] < ps[b]:
				return 1
			}
			return 0
		})
		out := make([]int32, 0, min(k, len(gs)))
		for _, i := range idx[:min(k, len(idx))] {
			out = append(out, gs[i])
		}
		return out
	}
	key := rankKey{h, mask}
	t, ok := s.ranks[key]
	if !ok {
		t = s.rankTable(h, mask)
		if s.ranks == nil {
			s.ranks = map[rankKey]map[int][]scoredGroup{}
		}
		s.ranks[key] = t
	}
	bucket := 0
	for d := range 4 {
		if mask&(1<<d) != 0 {
			bucket = bucket*10 + int(vals[d])
		}
	}
	seen := t[bucket]
	out := make([]int32, 0, k)
	// Merge the seen continuations with the unigram ranking: a group the
	// model has not seen after h has probability proportional to its
	// unigram one.
	cs := s.m.contexts(h)
	uni := s.m.byMask[mask][bucket]
	i, j := 0, 0
	s.sc.reset()
	for _, c := range seen {
		s.sc.add(c.g)
	}
	for len(out) < k && (i < len(seen) || j < len(uni)) {
		for j < len(uni) && s.sc.seen[uni[j]] == s.sc.stamp {
			j++
		}
		var pu float64 = -1
		if j < len(uni) {
			pu = s.m.probIn(&cs, int32(uni[j]))
		}
		switch {
		case i < len(seen) && seen[i].p >= pu:
			out = append(out, seen[i].g)
			i++
		case j < len(uni):
			out = append(out, int32(uni[j]))
			s.sc.add(int32(uni[j]))
			j++
		default:
			i = len(seen) // only seen groups were left, and they are taken
		}
	}
	return out
}

// rankRows is how many continuations of each history rankTable considers
// from each of its contexts, the most frequent first.
const rankRows = 400

type rankKey struct {
	h    history
	mask int
}

type scoredGroup struct {
	g int32
	p float64
}

// rankTable files the continuations seen after h by the values of their
// digits at mask, each bucket the likeliest first, at most Proposals of
// them.
func (s *solver) rankTable(h history, mask int) map[int][]scoredGroup {
	t := map[int][]scoredGroup{}
	keep := s.opts.Proposals
	for _, c := range s.pool(h) {
		b := bucketOf(mask, c.g)
		if len(t[b]) < keep {
			t[b] = append(t[b], c)
		}
	}
	return t
}

// pool returns the continuations seen after h (the most frequent rankRows
// of each context), with their probabilities, the likeliest first.
func (s *solver) pool(h history) []scoredGroup {
	if p, ok := s.pools[h]; ok {
		return p
	}
	cs := s.m.contexts(h)
	var out []scoredGroup
	var sc scratch
	sc.reset()
	for _, c := range cs {
		if c == nil {
			break
		}
		for _, w := range c.top[:min(len(c.top), rankRows)] {
			g := int32(w)
			if g < numGroups && s.m.known[g] && sc.add(g) {
				out = append(out, scoredGroup{g, s.m.probIn(&cs, g)})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b scoredGroup) int {
		switch {
		case a.p > b.p:
			return -1
		case a.p < b.p:
			return 1
		}
		return int(a.g - b.g)
	})
	if s.pools == nil {
		s.pools = map[history][]scoredGroup{}
	}
	s.pools[h] = out
	return out
}

// score computes the state that proposal pr makes of state p at step si
// and offers it.
func (s *solver) score(si int, p int32, pr *proposal, sel *selector) {
	st := &s.steps[si]
	parent := &s.arena[p]
	ns := *parent
	ns.parent = p
	ns.assign = pr.a
	for i, x := range st.choose {
		ns.ring[ringAt(x)] = pr.a[i]
	}
	total := 0.0
	floor := sel.floor() - parent.score
	for i, sk := range st.slots {
		sl := &s.slots[sk]
		g, mask, vals, full := s.slotDigits(sl, &ns)
		c := &s.ctxs[i]
		h := c.h
		if !c.ok {
			h = s.histFor(&ns, sl)
		}
		switch {
		case !full:
			total += s.bestLogProb(h, mask, vals)
		case !c.ok || sl.last || sl.final || !s.m.known[g]:
			total += s.logProb(h, g, sl.last, sl.final)
		default:
			total += math.Log(s.m.probIn(&c.cs, g)) + s.knownLg
		}
		if total <= floor {
			return // it cannot enter the beam
		}
		if full {
			ns.hist[sl.stream] = h.then(g).pack()
			ns.grp[i] = int16(g)
		} else {
			ns.hist[sl.stream] = noHistory.pack()
			ns.grp[i] = -1
		}
	}
	for _, x := range st.clear {
		ns.ring[ringAt(x)] = 0
	}
	ns.score = parent.score + total
	// Slots this step leaves partly open count with their likeliest
	// completion, so that hypotheses are ranked on what they imply.
	ns.rank = ns.score
	for _, sk := range st.next {
		sl := &s.slots[sk]
		h, ok := s.histIn(parent, si, sl, pr)
		if !ok {
			continue
		}
		mask, vals := s.slotMask(parent, sl, si, pr)
		if mask == 0 {
			continue
		}
		if gs := s.ranked(h, sl, mask, vals, 1); len(gs) > 0 {
			ns.rank += s.logProb(h, gs[0], false, false)
		}
		if ns.rank <= sel.floor() {
			return
		}
	}
	sel.offer(&ns)
}

// slotDigits reads slot sl, decided at the current step, in state ns.
func (s *solver) slotDigits(sl *slot, ns *state) (g int32, mask int, vals [4]int8, full bool) {
	full = true
	for d := range 4 {
		if sl.kind[d] == dOut {
			full = false
			continue
		}
		x := sl.x + d
		k := ns.ring[ringAt(x)]
		if sl.kind[d] == dStatic {
			k = s.known[x]
		}
		v := s.plain(sl.stream, sl.j0+d, k)
		vals[d] = v
		mask |= 1 << d
		g = g*10 + int32(v)
	}
	return g, mask, vals, full
}

// logProb is the cost of group g after history h for the solver: the
// model's log-probability, or the unknown-group share for a group the
// codec lacks. The last group of a final part (final) is followed by the
// end of the text; where the part's digits leave no filler (last), the
// group is as likely to be the filler group <NULL> after the end of the
// text as a real one.
func (s *solver) logProb(h history, g int32, last, final bool) float64 {
	if last && g == s.m.null {
		return math.Log(0.5) + math.Log(s.m.probHist(h, eos))
	}
	var lp float64
	if !s.m.known[g] {
		lp = s.unkLog
	} else {
		lp = math.Log(s.m.probHist(h, g)) + s.knownLg
	}
	if last || final {
		lp += math.Log(s.m.probHist(h.then(g), eos))
	}
	if last {
		lp += math.Log(0.5)
	}
	return lp
}

// bestLogProb is the log-probability of the likeliest group with the given
// digits fixed: the cost of a group cut by the start or end of a part.
func (s *solver) bestLogProb(h history, mask int, vals [4]int8) float64 {
	if mask == 0 {
		return 0
	}
	key := bestKey{h, mask, vals}
	if lp, ok := s.best[key]; ok {
		return lp
	}
	if s.best == nil {
		s.best = map[bestKey]float64{}
	}
	best := s.unkLog
	for _, g := range s.rankedMask(h, mask, vals, 1) {
		if s.m.known[g] {
			best = max(best, math.Log(s.m.probHist(h, g))+s.knownLg)
		}
	}
	s.best[key] = best
	return best
}

type bestKey struct {
	h    history
	mask int
	vals [4]int8
}

// recover walks back the best final hypothesis and measures each group's
// confidence.
func (s *solver) recover() []Recovery {
	path := make([]int32, len(s.steps)) // the best state of each step
	if len(s.steps) > 0 {
		p := s.beams[len(s.beams)-1][0] // beams are sorted, best first
		for i := len(s.steps) - 1; i >= 0; i-- {
			path[i] = p
			p = s.arena[p].parent
		}
	}
	key := slices.Clone(s.known)
	for i, st := range s.steps {
		a := s.arena[path[i]].assign
		for c, x := range st.choose {
			key[x] = a[c]
		}
	}
	conf := s.confidence(path, key)
	out := make([]Recovery, len(s.streams))
	for i, str := range s.streams {
		r := Recovery{ID: str.ID}
		var text []string
		for _, si := range s.byStrm[i] {
			sl := &s.slots[si]
			var rg RecoveredGroup
			code := []byte("????")
			if sl.search {
				for d := range 4 {
					if sl.in[d] && key[sl.x+d] >= 0 {
						code[d] = byte('0' + s.plain(i, sl.j0+d, key[sl.x+d]))
					}
				}
			}
			rg.Code = string(code)
			if g, ok := groupID(rg.Code); ok {
				rg.Word = s.m.token[g]
				rg.Confidence = conf[si]
			}
			r.Groups = append(r.Groups, rg)
			if rg.Word != "" && (rg.Confidence >= s.opts.Threshold || s.opts.Threshold < 0) {
				text = append(text, rg.Code)
			} else {
				text = append(text, "?")
			}
		}
		r.Text = s.m.Decode(text)
		out[i] = r
	}
	return out
}

// confidence measures, for every slot on the best path, how sure the model
// is of its group given everything else the path says: at each step it
// weighs every alternative the search tried there (with the rest of the
// path unchanged, rescoring the groups the change touches and the two
// after them in each stream, whose histories it changes) and takes the
// share of the alternatives' probability that leaves the slot's group as
// it is. A slot some digits of which several steps chose takes the least
// of their shares; one read from known key alone has confidence 1.
func (s *solver) confidence(path []int32, key []int8) []float64 {
	conf := make([]float64, len(s.slots))
	for i := range conf {
		conf[i] = 1
	}
	// The histories of the best path, slot by slot.
	hist := make([]history, len(s.slots))
	for i := range s.streams {
		h := noHistory
		for _, si := range s.byStrm[i] {
			sl := &s.slots[si]
			if sl.fresh {
				h = sl.reset
			}
			hist[si] = h
			if g, ok := s.groupUnder(sl, key); ok {
				h = h.then(g)
			} else {
				h = noHistory
			}
		}
	}
	var weights []float64
	alt := slices.Clone(key)
	set := func(st *step, a [maxChoose]int8) {
		for c, x := range st.choose {
			alt[x] = a[c]
		}
	}
	for si := range s.steps {
		st := &s.steps[si]
		if len(st.choose) == 0 {
			continue
		}
		parent := &s.arena[0]
		if si > 0 {
			parent = &s.arena[path[si-1]]
		}
		clear(s.ranks)
		clear(s.pools)
		s.alternatives(si, parent)
		touched := append(slices.Clone(st.slots), st.next...)
		weights = weights[:0]
		best := math.Inf(-1)
		for _, pr := range s.props {
			set(st, pr.a)
			sc := s.localScore(touched, alt, hist)
			weights = append(weights, sc)
			best = max(best, sc)
		}
		set(st, s.arena[path[si]].assign)
		total := 0.0
		for k := range weights {
			weights[k] = math.Exp(weights[k] - best)
			total += weights[k]
		}
		for _, sk := range touched {
			sl := &s.slots[sk]
			if !s.touches(sl, st) {
				continue
			}
			want, wantOK := s.groupUnder(sl, key)
			same := 0.0
			for k, pr := range s.props {
				set(st, pr.a)
				if g, ok := s.groupUnder(sl, alt); ok == wantOK && (!ok || g == want) {
					same += weights[k]
				}
			}
			set(st, s.arena[path[si]].assign)
			conf[sk] = min(conf[sk], same/total)
		}
	}
	return conf
}

// touches reports whether step st chooses a key digit under slot sl.
func (s *solver) touches(sl *slot, st *step) bool {
	for d := range 4 {
		if sl.in[d] && chooseIndex(st, sl.x+d) >= 0 {
			return true
		}
	}
	return false
}

// groupUnder returns the group slot sl reads under key, ok=false if a
// digit of it is outside its stream or its key is not known.
func (s *solver) groupUnder(sl *slot, key []int8) (int32, bool) {
	g := int32(0)
	for d := range 4 {
		if !sl.in[d] || key[sl.x+d] < 0 {
			return 0, false
		}
		g = g*10 + int32(s.plain(sl.stream, sl.j0+d, key[sl.x+d]))
	}
	return g, true
}

// localScore is the score, under key, of the slots touched and of the two
// slots after each in its stream (the groups whose histories they are).
func (s *solver) localScore(touched []int, key []int8, hist []history) float64 {
	total := 0.0
	for i := range s.streams {
		k0, k1 := -1, -1
		for _, sk := range touched {
			if sl := &s.slots[sk]; sl.stream == i {
				if k0 < 0 || sl.index < k0 {
					k0 = sl.index
				}
				k1 = max(k1, sl.index)
			}
		}
		if k0 < 0 {
			continue
		}
		h := hist[s.byStrm[i][k0]]
		for k := k0; k <= k1+2 && k < len(s.byStrm[i]); k++ {
			sl := &s.slots[s.byStrm[i][k]]
			if !sl.search {
				break
			}
			if sl.fresh {
				h = sl.reset
			}
			if g, ok := s.groupUnder(sl, key); ok {
				total += s.logProb(h, g, sl.last, sl.final)
				h = h.then(g)
				continue
			}
			mask := 0
			var vals [4]int8
			for d := range 4 {
				if sl.in[d] && key[sl.x+d] >= 0 {
					mask |= 1 << d
					vals[d] = s.plain(sl.stream, sl.j0+d, key[sl.x+d])
				}
			}
			total += s.bestLogProb(h, mask, vals)
			h = noHistory
		}
	}
	return total
}

// candidates appends to out the groups the model proposes after history h
// whose digits match vals at the positions set in mask: every match when
// at most one digit is open, else up to k of the continuations seen after
// each context of h (most frequent first) and of the unigram ranking.
func (m *Model) candidates(h history, mask int, vals [4]int8, k int, sc *scratch, out []int32) []int32 {
	sc.reset()
	free := 4 - fixedCount(mask)
	base := int32(0)
	for d := range 4 {
		if mask&(1<<d) != 0 {
			base += int32(vals[d]) * pow10[3-d]
		}
	}
	if free <= 1 {
		var open []int
		for d := range 4 {
			if mask&(1<<d) == 0 {
				open = append(open, d)
			}
		}
		for v := range int(pow10[free]) {
			g := base
			for i, d := range open {
				g += int32(v/int(pow10[free-1-i])%10) * pow10[3-d]
			}
			out = append(out, g)
		}
		return out
	}
	bucket := 0
	for d := range 4 {
		if mask&(1<<d) != 0 {
			bucket = bucket*10 + int(vals[d])
		}
	}
	take := func(list []int16) {
		n := 0
		for _, w := range list {
			g := int32(w)
			if g >= numGroups {
				continue
			}
			if mask != 0 && bucketOf(mask, g) != bucket {
				continue
			}
			if sc.add(g) {
				out = append(out, g)
				if n++; n >= k {
					return
				}
			}
		}
	}
	cs := m.contexts(h)
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i] != nil {
			take(cs[i].top)
		}
	}
	take(m.byMask[mask][bucket])
	return out
}

// scratch is a reusable set of groups.
type scratch struct {
	stamp uint32
	seen  [numGroups]uint32
}

func (s *scratch) reset() {
	s.stamp++
	if s.stamp == 0 {
		clear(s.seen[:])
		s.stamp = 1
	}
}

func (s *scratch) add(g int32) bool {
	if s.seen[g] == s.stamp {
		return false
	}
	s.seen[g] = s.stamp
	return true
}

// A selector keeps the best states offered, merging those that are the
// same hypothesis for the rest of the search.
type selector struct {
	cap   int
	items []state
	heap  []int32 // min-heap of item indexes by score
	pos   []int32 // heap position of each item, -1 once evicted
	index map[stateKey]int32
}

func newSelector(n int) *selector {
	return &selector{cap: n, index: make(map[stateKey]int32, 2*n)}
}

func (q *selector) reset() {
	q.items, q.heap, q.pos = q.items[:0], q.heap[:0], q.pos[:0]
	clear(q.index)
}

func (q *selector) Len() int           { return len(q.heap) }
func (q *selector) Less(i, j int) bool { return q.less(q.heap[i], q.heap[j]) }
func (q *selector) Swap(i, j int) {
	q.heap[i], q.heap[j] = q.heap[j], q.heap[i]
	q.pos[q.heap[i]], q.pos[q.heap[j]] = int32(i), int32(j)
}
func (q *selector) Push(x any) {
	q.pos[x.(int32)] = int32(len(q.heap))
	q.heap = append(q.heap, x.(int32))
}
func (q *selector) Pop() any {
	x := q.heap[len(q.heap)-1]
	q.heap = q.heap[:len(q.heap)-1]
	q.pos[x] = -1
	return x
}

// less orders by score, then by arrival (earlier is better), so that the
// search is deterministic.
func (q *selector) less(a, b int32) bool {
	sa, sb := q.items[a].rank, q.items[b].rank
	if sa != sb {
		return sa < sb
	}
	return a > b
}

func (q *selector) offer(st *state) {
	if len(q.heap) == q.cap && st.rank <= q.items[q.heap[0]].rank {
		return
	}
	k := st.key()
	if i, ok := q.index[k]; ok {
		if st.rank > q.items[i].rank {
			q.items[i] = *st
			heap.Fix(q, int(q.pos[i]))
		}
		return
	}
	i := int32(len(q.items))
	q.items = append(q.items, *st)
	q.pos = append(q.pos, -1)
	q.index[k] = i
	if len(q.heap) == q.cap {
		j := q.heap[0]
		delete(q.index, q.items[j].key())
		q.pos[j] = -1
		q.heap[0] = i
		q.pos[i] = 0
		heap.Fix(q, 0)
		return
	}
	heap.Push(q, i)
}

// floor is the score a state must beat to be kept: -Inf until the
// selector is full.
func (q *selector) floor() float64 {
	if len(q.heap) < q.cap {
		return math.Inf(-1)
	}
	return q.items[q.heap[0]].rank
}

// sorted returns the kept states, best first.
func (q *selector) sorted() []state {
	idx := slices.Clone(q.heap)
	slices.SortFunc(idx, func(a, b int32) int {
		if q.less(b, a) {
			return -1
		}
		if q.less(a, b) {
			return 1
		}
		return 0
	})
	out := make([]state, len(idx))
	for i, j := range idx {
		out[i] = q.items[j]
	}
	return out
}

// partDigits is what a historical part on a page of 60 groups carries: 58
// five-digit groups.
const partDigits = 58 * 5

// StreamOf makes the stream of an intercepted part at the given offset.
// Where its code groups begin follows from the digits of the telegram's
// earlier parts: they are looked up among all (the intercepts read with
// it), and any not found count as full historical pages of 58 groups. A
// group of the wrong length, or a character that is not a digit, is read
// as lost digits ('?'), keeping the key positions of the others.
func StreamOf(x *Intercept, offset int, all []*Intercept) Stream {
	var b strings.Builder
	for _, g := range x.Groups {
		for i := range 5 {
			if i < len(g) && g[i] >= '0' && g[i] <= '9' {
				b.WriteByte(g[i])
			} else {
				b.WriteByte('?')
			}
		}
	}
	s := Stream{ID: x.ID, Digits: b.String(), Offset: offset, Resumes: x.Part > 1, Continues: x.Part < x.Parts}
	if x.Part > 1 {
		before := 0
		for p := 1; p < x.Part; p++ {
			n := partDigits
			for _, y := range all {
				if y.From == x.From && y.To == x.To && y.Nr == x.Nr && y.Part == p {
					n = 5 * len(y.Groups)
					break
				}
			}
			before += n
		}
		s.Lead = (4 - before%4) % 4
	}
	return s
}

// EndKeys returns the key that the end groups of parts in depth give in
// clear, for SolveOptions.Key: a part's end group is the key at its offset
// plus its number of cipher groups. Two parts whose end groups claim the
// same key position with different digits contradict the offsets; neither
// is used, and the positions are returned in conflicts.
func EndKeys(xs []*Intercept, offsets []int) (key map[int]string, conflicts []int) {
	key = map[int]string{}
	bad := map[int]bool{}
	for i, x := range xs {
		if len(x.End) != 5 || !allDigits(x.End) || i >= len(offsets) {
			continue
		}
		k := offsets[i] + len(x.Groups)
		if prev, ok := key[k]; ok && prev != x.End {
			bad[k] = true
		}
		key[k] = x.End
	}
	for k := range bad {
		delete(key, k)
		conflicts = append(conflicts, k)
	}
	slices.Sort(conflicts)
	return key, conflicts
}
