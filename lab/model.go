package lab

import (
	"math"
	"slices"
	"strings"

	"ciphergram/codebook"
)

// Codec is what the lab needs of a codebook: to encode text into 4-digit
// code groups (to train a model and to place cribs), to render recovered
// groups as text, the list of its entries (which groups it knows, and what
// they mean) and its filler group. *codebook.Codebook satisfies it, and so
// does a partial codebook built with codebook.New from the entries an
// analyst has recovered so far.
type Codec interface {
	// Encode turns text into code groups (SPEC 3).
	Encode(text string) ([]string, error)
	// Decode renders code groups as canonical text; groups it does not
	// know become "[n groups unrecovered]".
	Decode(groups []string) string
	// Entries lists the codebook's groups and tokens.
	Entries() []codebook.Entry
	// Filler returns the group whose digits fill the last five-digit
	// group (SPEC 4).
	Filler() string
}

const (
	numGroups = 10000         // every 4-digit group 0000..9999
	noGroup   = numGroups     // an unknown or absent history group
	bos       = numGroups + 1 // the start of a text, in histories
	eos       = numGroups + 2 // the end of a text, predicted after its last group
	vocab     = numGroups + 3
)

// A Model is a language model of code groups: an interpolated, modified
// Kneser-Ney 4-gram model over the groups of a training text encoded with
// a codec. Groups of the codec the text never uses keep a small share of
// the probability (the lowest order is interpolated with a uniform
// distribution over the codec's groups); groups the codec does not hold
// have probability 0, and the solver decides what they cost (see
// SolveOptions.Unknown).
//
// A Model embeds its Codec, so it can be passed wherever a Codec is wanted
// (Drag then scores with it). It is immutable once trained and safe for
// concurrent use.
type Model struct {
	Codec

	// Groups is the number of code groups the model was trained on.
	Groups int
	// Skipped counts the paragraphs of the training text that could not be
	// encoded (a character the codec cannot represent) and were left out.
	Skipped int

	known  [numGroups]bool
	token  [numGroups]string // the codec's token of each group, "" if none
	nKnown int
	null   int32 // the filler group, or noGroup

	p1  [vocab]float64                // unigram (continuation) probabilities
	lp1 [vocab]float64                // their logarithms
	uni []int16                       // known groups by p1, most probable first
	bi  []context                     // bigram contexts, indexed by the previous group
	hi  [order - 2]map[int64]*context // contexts of 2, 3, ... groups, keyed by histKey

	// byMask[mask][bucket] lists the known groups, most probable first,
	// whose digits at the positions set in mask (bit i = digit i, the
	// thousands first) have the values packed into bucket.
	byMask [16][][]int16
}

// context holds the continuations seen after one history.
type context struct {
	gamma float64   // the weight of the lower order
	words []int16   // the continuations, by group
	alpha []float64 // their discounted probabilities, same order
	top   []int16   // the continuations, most frequent first
}

// prob returns the probability of w after this context, given the
// lower-order probability lower.
func (c *context) prob(w int32, lower float64) float64 {
	if c == nil || len(c.words) == 0 {
		return lower
	}
	p := c.gamma * lower
	if i, ok := slices.BinarySearch(c.words, int16(w)); ok {
		p += c.alpha[i]
	}
	return p
}

// order is the model's n: it predicts a group from the order-1 before it.
const order = 5

// histKey packs groups into a map key.
func histKey(gs []int32) int64 {
	k := int64(0)
	for _, g := range gs {
		k = k*vocab + int64(g)
	}
	return k
}

// TrainModel encodes text with c and trains a model on the groups. Each
// paragraph of text (paragraphs are separated by blank lines) is one
// document, such as one telegram: the model learns how texts begin and
// end. Paragraphs holding a character c cannot encode are left out and
// counted in Skipped. Training on the lab's corpus (60,000 words) takes
// about 0.1 s.
func TrainModel(c Codec, text string) *Model {
	m := &Model{Codec: c, null: noGroup}
	for _, e := range c.Entries() {
		g, ok := groupID(e.Group)
		if !ok {
			continue
		}
		if !m.known[g] {
			m.nKnown++
		}
		m.known[g], m.token[g] = true, e.Token
	}
	if g, ok := groupID(c.Filler()); ok {
		m.null = g
	}
	docs, skipped := m.encodeDocs(text)
	m.Skipped = skipped
	for _, d := range docs {
		m.Groups += len(d)
	}
	m.train(docs)
	for g, p := range m.p1 {
		m.lp1[g] = math.Log(p)
	}
	m.index()
	return m
}

// encodeDocs encodes text paragraph by paragraph.
func (m *Model) encodeDocs(text string) (docs [][]int32, skipped int) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	for p := range strings.SplitSeq(text, "\n\n") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		gs, err := m.Encode(p)
		if err != nil {
			skipped++
			continue
		}
		var doc []int32
		for _, g := range gs {
			if id, ok := groupID(g); ok {
				doc = append(doc, id)
			}
		}
		if len(doc) > 0 {
			docs = append(docs, doc)
		}
	}
	return docs, skipped
}

// groupID returns the number of a 4-digit group.
func groupID(g string) (int32, bool) {
	if len(g) != 4 {
		return 0, false
	}
	n := int32(0)
	for i := 0; i < 4; i++ {
		d := g[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int32(d-'0')
	}
	return n, true
}

// groupString writes a group number as 4 digits.
func groupString(g int32) string {
	return string([]byte{byte('0' + g/1000), byte('0' + g/100%10), byte('0' + g/10%10), byte('0' + g%10)})
}

// digitOf returns digit i (0 = thousands) of group g.
func digitOf(g int32, i int) int8 {
	return int8(g / pow10[3-i] % 10)
}

var pow10 = [9]int32{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000}

// discounts are the three discounts of modified Kneser-Ney (for counts 1, 2
// and 3 or more), estimated from the counts of counts n[1..4].
type discounts [3]float64

func estimateDiscounts(n [5]float64) discounts {
	d := discounts{0.5, 1.0, 1.5}
	if n[1] == 0 || n[2] == 0 {
		return d
	}
	y := n[1] / (n[1] + 2*n[2])
	d[0] = 1 - 2*y*n[2]/n[1]
	if n[3] > 0 {
		d[1] = 2 - 3*y*n[3]/n[2]
	}
	if n[4] > 0 && n[3] > 0 {
		d[2] = 3 - 4*y*n[4]/n[3]
	}
	for i := range d {
		// Small corpora give odd estimates; keep each discount sane.
		d[i] = min(max(d[i], 0.1), float64(i+1)-0.05)
	}
	return d
}

func (d discounts) of(c float64) float64 {
	switch {
	case c <= 0:
		return 0
	case c < 2:
		return d[0]
	case c < 3:
		return d[1]
	}
	return d[2]
}

// ngram is an n-gram of groups while counting, -1 after its n groups.
type ngram [order]int16

// counted is a continuation count under construction.
type counted struct {
	w int16
	c float64
}

// train counts the n-grams of the documents, each framed by a start (in
// histories only) and an end, and builds an interpolated, modified
// Kneser-Ney model: raw counts at the highest order, continuation counts
// (the number of distinct groups seen before) below it, n-grams at the
// start of a document counting as continued once for each time seen.
func (m *Model) train(docs [][]int32) {
	counts := make([]map[ngram]float64, order+1) // by n
	for n := 1; n <= order; n++ {
		counts[n] = map[ngram]float64{}
	}
	key := func(gs []int32) ngram {
		var k ngram
		for i := range k {
			k[i] = -1
		}
		for i, g := range gs {
			k[i] = int16(g)
		}
		return k
	}
	for _, d := range docs {
		seq := make([]int32, 0, len(d)+2)
		seq = append(seq, bos)
		seq = append(seq, d...)
		seq = append(seq, eos)
		for i := 1; i < len(seq); i++ {
			for n := 1; n <= order && n <= i+1; n++ {
				ng := seq[i-n+1 : i+1]
				switch {
				case n == order:
					counts[n][key(ng)]++
				case i-n+1 == 0:
					// starts with the start of the text: no predecessor
					counts[n][key(ng)]++
				}
			}
		}
	}
	// Continuation counts of the lower orders.
	for n := order; n > 1; n-- {
		for k := range counts[n] {
			var suffix ngram
			copy(suffix[:], k[1:])
			suffix[order-1] = -1
			counts[n-1][suffix]++
		}
	}
	unkey := func(k ngram, n int) []int32 {
		gs := make([]int32, n)
		for i := range gs {
			gs[i] = int32(k[i])
		}
		return gs
	}

	// Unigrams: continuation counts interpolated with a uniform
	// distribution over the codec's groups.
	var uniCont [vocab]float64
	for k, c := range counts[1] {
		uniCont[k[0]] = c
	}
	var cc [5]float64
	total := 0.0
	for _, c := range uniCont {
		if c > 0 {
			total += c
			if c <= 4 {
				cc[int(c)]++
			}
		}
	}
	uniform := 0.0
	if m.nKnown > 0 {
		uniform = 1 / float64(m.nKnown)
	}
	if total == 0 {
		for g := range numGroups {
			if m.known[g] {
				m.p1[g] = uniform
			}
		}
	} else {
		d := estimateDiscounts(cc)
		mass := 0.0
		for _, c := range uniCont {
			mass += d.of(c)
		}
		gamma := mass / total
		for g, c := range uniCont {
			p := max(c-d.of(c), 0) / total
			if g < numGroups && m.known[g] {
				p += gamma * uniform
			}
			m.p1[g] = p
		}
	}

	// Contexts of every higher order.
	m.bi = make([]context, vocab)
	for n := 2; n <= order; n++ {
		byHist := map[int64][]counted{}
		for k, c := range counts[n] {
			gs := unkey(k, n)
			h := histKey(gs[:n-1])
			byHist[h] = append(byHist[h], counted{int16(gs[n-1]), c})
		}
		d := discountsOf(byHist)
		if n > 2 {
			m.hi[n-3] = make(map[int64]*context, len(byHist))
		}
		for h, cs := range byHist {
			ctx := buildContext(cs, d)
			if n == 2 {
				m.bi[h] = ctx
			} else {
				m.hi[n-3][h] = &ctx
			}
		}
	}
}

// discountsOf estimates the discounts of one order from its counts.
func discountsOf(ctxs map[int64][]counted) discounts {
	var n [5]float64
	for _, cs := range ctxs {
		for _, c := range cs {
			if c.c <= 4 {
				n[int(c.c)]++
			}
		}
	}
	return estimateDiscounts(n)
}

// buildContext turns the counts seen after one history into a context.
func buildContext(cs []counted, d discounts) context {
	slices.SortFunc(cs, func(a, b counted) int { return int(a.w) - int(b.w) })
	total, mass := 0.0, 0.0
	for _, c := range cs {
		total += c.c
		mass += d.of(c.c)
	}
	ctx := context{gamma: mass / total, words: make([]int16, len(cs)), alpha: make([]float64, len(cs))}
	for i, c := range cs {
		ctx.words[i] = c.w
		ctx.alpha[i] = max(c.c-d.of(c.c), 0) / total
	}
	order := slices.Clone(cs)
	slices.SortStableFunc(order, func(a, b counted) int {
		switch {
		case a.c > b.c:
			return -1
		case a.c < b.c:
			return 1
		}
		return int(a.w) - int(b.w)
	})
	ctx.top = make([]int16, len(order))
	for i, c := range order {
		ctx.top[i] = c.w
	}
	return ctx
}

// index sorts the known groups by unigram probability and files them by
// every mask of fixed digits.
func (m *Model) index() {
	for g := range numGroups {
		if m.known[g] {
			m.uni = append(m.uni, int16(g))
		}
	}
	slices.SortStableFunc(m.uni, func(a, b int16) int {
		switch pa, pb := m.p1[a], m.p1[b]; {
		case pa > pb:
			return -1
		case pa < pb:
			return 1
		}
		return int(a) - int(b)
	})
	for mask := range 16 {
		m.byMask[mask] = make([][]int16, pow10[fixedCount(mask)])
		for _, g := range m.uni {
			b := bucketOf(mask, int32(g))
			m.byMask[mask][b] = append(m.byMask[mask][b], g)
		}
	}
}

// fixedCount is the number of digits a mask fixes.
func fixedCount(mask int) int {
	n := 0
	for i := range 4 {
		if mask&(1<<i) != 0 {
			n++
		}
	}
	return n
}

// bucketOf packs the digits of g at the positions of mask.
func bucketOf(mask int, g int32) int {
	b := 0
	for i := range 4 {
		if mask&(1<<i) != 0 {
			b = b*10 + int(digitOf(g, i))
		}
	}
	return b
}

// history is the groups before one, the latest last, noGroup where
// unknown (bos at the start of a text).
type history [order - 1]int32

var (
	noHistory    = history{noGroup, noGroup, noGroup, noGroup}
	startHistory = history{noGroup, noGroup, noGroup, bos}
)

// then is the history after group g.
func (h history) then(g int32) history {
	var n history
	copy(n[:], h[1:])
	n[len(n)-1] = g
	return n
}

// ctxChain holds the contexts of a history from the shortest (the bigram
// context of the latest group) to the longest; nil where never seen.
type ctxChain [order - 1]*context

// contexts resolves a history into its contexts.
func (m *Model) contexts(h history) ctxChain {
	var cs ctxChain
	last := len(h) - 1
	if h[last] == noGroup {
		return cs
	}
	if c := &m.bi[h[last]]; len(c.words) > 0 {
		cs[0] = c
	}
	for n := 1; n < len(h); n++ {
		g := h[last-n:]
		if g[0] == noGroup {
			break
		}
		c := m.hi[n-1][histKey(g)]
		if c == nil {
			break
		}
		cs[n] = c
	}
	return cs
}

// probIn is the probability of w in resolved contexts.
func (m *Model) probIn(cs *ctxChain, w int32) float64 {
	p := m.p1[w]
	for _, c := range cs {
		if c == nil {
			break
		}
		p = c.prob(w, p)
	}
	return p
}

// Prob returns the model's probability of group g after the groups before
// (the last three count; fewer, or groups that are not 4 digits, mean an
// unknown history). A group the codec does not hold has probability 0.
func (m *Model) Prob(before []string, g string) float64 {
	w, ok := groupID(g)
	if !ok {
		return 0
	}
	return m.probHist(m.historyOf(before), w)
}

func (m *Model) probHist(h history, w int32) float64 {
	cs := m.contexts(h)
	return m.probIn(&cs, w)
}

// historyOf turns the groups before one into a history.
func (m *Model) historyOf(before []string) history {
	h := noHistory
	for i := 0; i < len(h) && i < len(before); i++ {
		id, ok := groupID(before[len(before)-1-i])
		if !ok {
			break
		}
		h[len(h)-1-i] = id
	}
	return h
}

// LogProb returns the natural logarithm of Prob, -Inf for a group of
// probability 0.
func (m *Model) LogProb(before []string, g string) float64 {
	return math.Log(m.Prob(before, g))
}

// Known reports whether g is a group of the model's codec.
func (m *Model) Known(g string) bool {
	id, ok := groupID(g)
	return ok && m.known[id]
}

// Token returns the codec's token for group g ("AMBASSADOR", "<STOP>"), or
// "" if the codec does not hold it.
func (m *Model) Token(g string) string {
	id, ok := groupID(g)
	if !ok {
		return ""
	}
	return m.token[id]
}

// Perplexity returns the model's perplexity per group on text encoded with
// its codec, each paragraph a document whose end is predicted too
// (paragraphs it cannot encode are left out), and the number of groups
// measured. Lower is better; it measures how much a corpus helps.
func (m *Model) Perplexity(text string) (float64, int) {
	docs, _ := m.encodeDocs(text)
	sum, n := 0.0, 0
	for _, d := range docs {
		h := startHistory
		for _, w := range append(slices.Clone(d), eos) {
			p := m.probHist(h, w)
			if p <= 0 {
				p = 1e-12
			}
			sum += math.Log(p)
			h = h.then(w)
		}
		n += len(d)
	}
	if n == 0 {
		return 0, 0
	}
	return math.Exp(-sum / float64(n+len(docs))), n
}
