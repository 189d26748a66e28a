package lab

import (
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"ciphergram/codebook"
)

// corpusModel is the model of the lab's training corpus with the default
// codebook, trained once for the tests.
var corpusModel = sync.OnceValue(func() *Model {
	train, _ := Corpus()
	return TrainModel(codebook.Default(), train)
})

func TestTrainModelCorpus(t *testing.T) {
	train, held := Corpus()
	start := time.Now()
	m := TrainModel(codebook.Default(), train)
	el := time.Since(start)
	pp, n := m.Perplexity(held)
	t.Logf("trained on %d groups in %v; held-out perplexity %.1f per group over %d groups", m.Groups, el, pp, n)
	if m.Skipped != 0 {
		t.Errorf("%d paragraphs of the corpus skipped", m.Skipped)
	}
	if m.Groups < 50000 {
		t.Errorf("trained on only %d groups", m.Groups)
	}
	// Measured 21.9 with the corpus of November 2026: a 5-gram over code
	// groups. A unigram model is above 300.
	if pp > 35 {
		t.Errorf("held-out perplexity %.1f, want below 35", pp)
	}
	if trainPP, _ := m.Perplexity(train); trainPP >= pp {
		t.Errorf("training perplexity %.1f not below held-out %.1f", trainPP, pp)
	}
}

// TestModelNormalised: after any history, the probabilities of every group
// and of the end of the text add up to 1.
func TestModelNormalised(t *testing.T) {
	m := corpusModel()
	train, _ := Corpus()
	docs, _ := m.encodeDocs(train)
	d := docs[3]
	hs := []history{noHistory, startHistory, startHistory.then(d[0]), startHistory.then(d[0]).then(d[1]),
		noHistory.then(d[5]).then(d[6]).then(d[7]).then(d[8]), noHistory.then(5555).then(d[7])}
	for _, h := range hs {
		sum := m.probHist(h, eos)
		for g := range numGroups {
			sum += m.probHist(h, int32(g))
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("after %v the probabilities add up to %v", h, sum)
		}
	}
}

func TestModelProb(t *testing.T) {
	m := corpusModel()
	cb := codebook.Default()
	gs, err := cb.Encode("AND HE SAID TO HIS BROTHERS")
	if err != nil {
		t.Fatal(err)
	}
	// A continuation seen in training beats one never seen.
	seen := m.Prob(gs[:len(gs)-1], gs[len(gs)-1])
	cup, _ := cb.Lookup("CUP")
	unseen := m.Prob(gs[:len(gs)-1], cup)
	if !(seen > 10*unseen) || unseen <= 0 {
		t.Errorf("P(BROTHERS | ...) = %g, P(CUP | ...) = %g", seen, unseen)
	}
	if got := m.LogProb(gs[:2], gs[2]); math.Abs(got-math.Log(m.Prob(gs[:2], gs[2]))) > 1e-12 {
		t.Errorf("LogProb %v", got)
	}
	// Groups outside the codec have probability 0; so have non-groups.
	var missing string
	for g := range numGroups {
		if !m.known[g] {
			missing = groupString(int32(g))
			break
		}
	}
	if m.Prob(nil, missing) != 0 || m.Prob(nil, "12") != 0 || m.Known(missing) || m.Token(missing) != "" {
		t.Errorf("group %s outside the codebook: P=%g known=%v", missing, m.Prob(nil, missing), m.Known(missing))
	}
	if m.Token(cup) != "CUP" || !m.Known(cup) {
		t.Errorf("Token(%s) = %q", cup, m.Token(cup))
	}
}

// TestTrainModelSkips: a paragraph the codec cannot encode is left out and
// counted; the model still trains on the rest.
func TestTrainModelSkips(t *testing.T) {
	m := TrainModel(codebook.Default(), "The pact is signed.\n\nA § sign.\n\nThe pact holds.")
	if m.Skipped != 1 || m.Groups == 0 {
		t.Errorf("skipped %d, groups %d", m.Skipped, m.Groups)
	}
	empty := TrainModel(codebook.Default(), "")
	g, _ := codebook.Default().Lookup("PACT")
	if p := empty.Prob(nil, g); math.Abs(p-1/float64(codebook.Default().Len())) > 1e-12 {
		t.Errorf("an untrained model gives %s probability %g, want uniform", g, p)
	}
}

// TestTrainModelPartialCodebook: with a partial codebook the model knows
// only its groups; the words it lacks are spelled in training.
func TestTrainModelPartialCodebook(t *testing.T) {
	part := partialCodebook(t, 3)
	train, held := Corpus()
	m := TrainModel(part, train)
	pp, _ := m.Perplexity(held)
	t.Logf("partial codebook of %d entries: held-out perplexity %.1f", part.Len(), pp)
	if m.nKnown != part.Len() {
		t.Errorf("the model knows %d groups, the codebook has %d", m.nKnown, part.Len())
	}
}

// partialCodebook is the default codebook cut down to the control tokens
// and the words and phrases the training corpus uses at least minCount
// times: what analysts who broke the commonest groups first would hold.
func partialCodebook(t testing.TB, minCount int) *codebook.Codebook {
	t.Helper()
	full := codebook.Default()
	train, _ := Corpus()
	gs, err := full.Encode(train)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, g := range gs {
		count[g]++
	}
	var keep []codebook.Entry
	for _, e := range full.Entries() {
		if strings.HasPrefix(e.Token, "<") || count[e.Group] >= minCount {
			keep = append(keep, e)
		}
	}
	part, err := codebook.New(keep)
	if err != nil {
		t.Fatal(err)
	}
	return part
}
