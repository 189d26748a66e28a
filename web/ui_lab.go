package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ciphergram"
	"ciphergram/lab"
)

// The lab page: the analyst's VENONA bench. It is stateless: the analyst
// pastes intercepts, and each request carries everything the page works
// on (the intercepts, the depths found so far, the crib). Nothing is
// written to the store: looking at intercepts is analyst work outside the
// registry, and it leaves no audit entry.

const (
	// labMaxInput bounds the intercepts pasted into the page (about 9,000
	// parts of 58 groups); `ciphergram lab depths` takes more.
	labMaxInput = 1 << 20
	// labMaxStatistical is the most intercepts the page searches
	// statistically; bigger traffic is searched by indicator and end group
	// only. The search grows with the square of the traffic: 2,000 parts
	// take several seconds on two cores.
	labMaxStatistical = 2000
	// labMaxRows is the most depths the page lists.
	labMaxRows = 500
	// labTopHits is the most crib placings the page shows.
	labTopHits = 20
)

// labSearches lets one statistical search run at a time: each takes every
// core for seconds.
var labSearches = make(chan struct{}, 1)

// labData is the lab page: the form as posted, and what it gave.
type labData struct {
	// The form.
	Intercepts string
	Method     string // "both" or "indicator"
	Messages   string
	Offsets    string
	Target     string
	Crib       string
	At         string

	// Read is the number of intercepts read.
	Read int
	// Depths are the depths found (or carried over from an earlier
	// search, when Earlier is set), the first labMaxRows of them in Shown.
	Depths      []lab.Depth
	Shown       []lab.Depth
	Searched    bool
	Earlier     bool
	ByIndicator int
	Statistical int
	Elapsed     string
	Note        string
	// Found carries the depths to the next request.
	Found string

	Result *labCribResult
}

// labCribResult is a crib dragged through a depth.
type labCribResult struct {
	Crib   string
	Groups string // the crib's code groups
	Target string
	At     int // the figure asked for, or -1
	Parts  []labPart
	Others []string // the other parts' IDs: the implied columns
	Hits   []labHit
	Total  int // placings found, of which Hits are the best
}

// labPart is one part of the depth dragged.
type labPart struct {
	ID     string
	Offset int
	Groups int
}

// labHit is one placing of the crib.
type labHit struct {
	Figure, Group int
	Score         float64
	Implied       []string // in the order of Others; "" where the crib's key does not reach
}

func (s *Server) uiLabRoutes() {
	m := s.mux
	m.HandleFunc("GET /lab", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := labAllowed(u); err != nil {
			return err
		}
		s.render(w, r, http.StatusOK, "lab", view{Title: "Lab", User: u, Data: &labData{Method: "both"}})
		return nil
	}))
	m.HandleFunc("POST /lab", s.ui(s.labPost))
}

// labAllowed admits analysts (and the admin, who may do everything).
func labAllowed(u *ciphergram.User) error {
	if u.Role == ciphergram.RoleAnalyst || u.Role == ciphergram.RoleAdmin {
		return nil
	}
	return ciphergram.Errorf(ciphergram.EFORBIDDEN, "the lab: not allowed to a %s", u.Role)
}

func (s *Server) labPost(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
	if err := labAllowed(u); err != nil {
		return err
	}
	if err := form(w, r); err != nil {
		return err
	}
	d := &labData{Intercepts: r.FormValue("intercepts"), Method: r.FormValue("method"), Messages: r.FormValue("messages"),
		Offsets: r.FormValue("offsets"), Target: strings.TrimSpace(r.FormValue("target")), Crib: r.FormValue("crib"),
		At: strings.TrimSpace(r.FormValue("at"))}
	if d.Method != "indicator" {
		d.Method = "both"
	}
	fail := func(format string, args ...any) error {
		s.render(w, r, http.StatusBadRequest, "lab", view{Title: "Lab", User: u, Error: sentence(fmt.Sprintf(format, args...)), Data: d})
		return nil
	}
	if n := len(d.Intercepts); n > labMaxInput {
		d.Intercepts = "" // not sent back
		return fail("the intercepts are %.1f MiB; this page takes at most %d MiB: run ciphergram lab depths on bigger traffic",
			float64(n)/(1<<20), labMaxInput>>20)
	}
	if strings.TrimSpace(d.Intercepts) == "" {
		return fail("paste the intercepts first: transmissions in the SPEC 6 format, parts separated by a blank line")
	}
	xs, err := lab.ReadIntercepts(strings.NewReader(d.Intercepts))
	if err != nil {
		return fail("intercepts: %v", err)
	}
	d.Read = len(xs)
	switch r.FormValue("act") {
	case "depths":
		if err := s.labDepths(r, d, xs); err != nil {
			return err
		}
	case "crib":
		d.Depths, d.Earlier = labCarried(r.FormValue("found")), true
		d.Searched = d.Depths != nil
		d.tally()
		if msg := labCrib(d, xs, r.FormValue("depth")); msg != "" {
			return fail("%s", msg)
		}
	default:
		return fail("press Find depths or Drag the crib")
	}
	s.render(w, r, http.StatusOK, "lab", view{Title: "Lab", User: u, Data: d})
	return nil
}

// labDepths finds the depths of the intercepts.
func (s *Server) labDepths(r *http.Request, d *labData, xs []*lab.Intercept) error {
	var opts lab.DepthOptions
	switch {
	case d.Method == "indicator":
		opts.SkipStatistical = true
	case len(xs) > labMaxStatistical:
		opts.SkipStatistical = true
		d.Note = fmt.Sprintf("%d intercepts are more than the %d this page searches statistically: they were searched by indicator and end group only. "+
			"Run ciphergram lab depths for the statistical search of bigger traffic.", len(xs), labMaxStatistical)
	}
	if !opts.SkipStatistical {
		select {
		case labSearches <- struct{}{}:
			defer func() { <-labSearches }()
		case <-r.Context().Done():
			return ciphergram.Errorf(ciphergram.ECONFLICT, "another search was running: try again in a moment")
		}
	}
	start := time.Now()
	d.Depths = lab.FindDepths(xs, opts, nil)
	d.Elapsed = time.Since(start).Round(time.Millisecond).String()
	d.Searched = true
	d.tally()
	return nil
}

// tally fills in the counts and the rows shown, and what carries the
// depths to the next request.
func (d *labData) tally() {
	d.ByIndicator = 0
	var b strings.Builder
	for i, x := range d.Depths {
		if x.Evidence == lab.EvidenceIndicator {
			d.ByIndicator++
		}
		if i < labMaxRows {
			if i > 0 {
				b.WriteByte(';')
			}
			fmt.Fprintf(&b, "%s %s %d %g %s %d", x.A, x.B, x.Offset, x.Score, x.Evidence, x.Overlap)
		}
	}
	d.Statistical = len(d.Depths) - d.ByIndicator
	d.Shown = d.Depths[:min(len(d.Depths), labMaxRows)]
	d.Found = b.String()
}

// labCarried reads the depths an earlier search found back from the
// form; what does not read as a depth is left out (the field only
// spares the analyst a second search, and shows what it holds). nil if
// there was no search.
func labCarried(found string) []lab.Depth {
	if strings.TrimSpace(found) == "" {
		return nil
	}
	out := []lab.Depth{}
	for row := range strings.SplitSeq(found, ";") {
		f := strings.Fields(row)
		if len(f) != 6 {
			continue
		}
		k, err1 := strconv.Atoi(f[2])
		score, err2 := strconv.ParseFloat(f[3], 64)
		overlap, err3 := strconv.Atoi(f[5])
		if err1 != nil || err2 != nil || err3 != nil || (f[4] != lab.EvidenceIndicator && f[4] != lab.EvidenceStatistical) {
			continue
		}
		out = append(out, lab.Depth{A: f[0], B: f[1], Offset: k, Score: score, Evidence: f[4], Overlap: overlap})
		if len(out) == labMaxRows {
			break
		}
	}
	return out
}

// labCrib drags the crib through the depth picked in the table (picked:
// "A,B,K") or named in the form, and returns what is wrong, if anything.
func labCrib(d *labData, xs []*lab.Intercept, picked string) string {
	var ids []string
	var offsets []int
	if picked != "" {
		f := strings.Split(picked, ",")
		if len(f) != 3 {
			return fmt.Sprintf("the depth picked, %q, is not A,B,OFFSET", picked)
		}
		k, err := strconv.Atoi(f[2])
		if err != nil {
			return fmt.Sprintf("the depth picked, %q, is not A,B,OFFSET", picked)
		}
		ids, offsets = f[:2], []int{0, -k}
		d.Messages, d.Offsets = f[0]+","+f[1], "0,"+strconv.Itoa(-k)
	} else {
		ids = lab.ParseIDs(d.Messages)
		var err error
		if offsets, err = lab.ParseOffsets(d.Offsets); err != nil {
			return "offsets: " + err.Error()
		}
	}
	if len(ids) == 0 {
		return "pick a depth in the table, or name its parts (FROM/NR/PART, comma-separated)"
	}
	set, err := lab.NewDepthSet(xs, ids, offsets)
	if err != nil {
		return "the depth: " + err.Error()
	}
	crib := strings.TrimSpace(d.Crib)
	if crib == "" {
		return "write the crib: the words you guess are in the target part"
	}
	ti := 0
	if d.Target != "" {
		if ti = set.Index(d.Target); ti < 0 {
			if picked == "" {
				return fmt.Sprintf("the target %s is not one of the parts of the depth", d.Target)
			}
			ti = 0 // a depth just picked: its first part
		}
	}
	d.Target = set.Parts[ti].ID
	res := &labCribResult{Crib: strings.ToUpper(crib), Target: d.Target, At: -1}
	for i, x := range set.Parts {
		res.Parts = append(res.Parts, labPart{ID: x.ID, Offset: set.Offsets[i], Groups: len(x.Groups)})
		if i != ti {
			res.Others = append(res.Others, x.ID)
		}
	}
	m := lab.DefaultModel()
	var hits []lab.CribHit
	if d.At != "" {
		at, err := strconv.Atoi(d.At)
		if err != nil || at < 0 {
			return fmt.Sprintf("the figure %q is not a whole number from 0", d.At)
		}
		h, ok, err := lab.DragAt(set.Streams, ti, crib, m, at)
		if err != nil {
			return labMessage(err)
		}
		if !ok {
			return fmt.Sprintf("at figure %d of %s the crib lies under no other part's key", at, d.Target)
		}
		hits, res.At = []lab.CribHit{h}, at
	} else {
		if hits, err = lab.Drag(set.Streams, ti, crib, m); err != nil {
			return labMessage(err)
		}
		if len(hits) == 0 {
			return fmt.Sprintf("the crib fits nowhere in %s under another part's key", d.Target)
		}
	}
	gs, _ := m.Encode(crib)
	res.Groups = strings.Join(gs, " ")
	res.Total = len(hits)
	lead := set.Streams[ti].Lead
	for _, h := range hits[:min(len(hits), labTopHits)] {
		lh := labHit{Figure: h.Position, Group: (h.Position-lead)/4 + 1, Score: h.Score}
		for _, id := range res.Others {
			lh.Implied = append(lh.Implied, h.Implied[id])
		}
		res.Hits = append(res.Hits, lh)
	}
	d.Result = res
	return ""
}

// labMessage is a lab error for the page.
func labMessage(err error) string { return strings.TrimPrefix(err.Error(), "lab: ") }
