package soak

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"ciphergram"
)

// maxViolations is how many violations a Report describes; it counts all.
const maxViolations = 50

// Report is what Check found.
type Report struct {
	Records int // requests recorded
	// Encipherment requests: acknowledged (200), refused (an error
	// reply), interrupted (no whole reply: they may or may not have
	// happened).
	Acknowledged, Refused, Interrupted int
	// Outgoing telegrams in the registry, enciphered or not, and the
	// enciphered ones by number of parts.
	Telegrams, Enciphered, NotEnciphered int
	Parts                                map[int]int
	// Pads and pages the soak imported, the pages the store counts used,
	// its destruction records for sending and for any other reason.
	Pads, PagesImported, PagesUsed, PagesSent, PagesBurned int
	// Violations describes the first violations found; ViolationCount
	// counts them all.
	Violations     []string
	ViolationCount int
}

func (r *Report) violate(format string, args ...any) {
	r.ViolationCount++
	if len(r.Violations) < maxViolations {
		r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
	}
}

func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests recorded; encipherments: %d acknowledged, %d refused, %d interrupted\n",
		r.Records, r.Acknowledged, r.Refused, r.Interrupted)
	fmt.Fprintf(&b, "%d outgoing telegrams: %d enciphered %v (parts: telegrams), %d not\n",
		r.Telegrams, r.Enciphered, r.Parts, r.NotEnciphered)
	fmt.Fprintf(&b, "%d pads of %d pages: %d used = %d sent + %d burned otherwise\n",
		r.Pads, r.PagesImported, r.PagesUsed, r.PagesSent, r.PagesBurned)
	fmt.Fprintf(&b, "%d violations", r.ViolationCount)
	for _, v := range r.Violations {
		b.WriteString("\n  " + v)
	}
	if r.ViolationCount > len(r.Violations) {
		fmt.Fprintf(&b, "\n  ... and %d more", r.ViolationCount-len(r.Violations))
	}
	return b.String()
}

// observed is what the record says of one telegram.
type observed struct {
	peer        string
	acks        int
	ackSeq      int64 // the first acknowledgement's record
	ackSHA      string
	ackInd      []string
	interrupted bool     // an encipherment without a whole reply
	shown       []string // wires other replies showed (reads), by hash
}

// indicatorUse counts the telegrams showing each indicator on each link,
// against the pages that bore it.
type indicatorUse struct {
	what  string // "acknowledged", "stored"
	count map[string]map[string]int
	first map[string]map[string]int64
}

func newIndicatorUse(what string) *indicatorUse {
	return &indicatorUse{what: what, count: map[string]map[string]int{}, first: map[string]map[string]int64{}}
}

// add counts the indicators of telegram id on the link to peer, and
// reports an indicator shown by more telegrams than pages bore it: a
// page used twice.
func (u *indicatorUse) add(rep *Report, book *PadBook, peer string, id int64, ind []string) {
	if u.count[peer] == nil {
		u.count[peer], u.first[peer] = map[string]int{}, map[string]int64{}
	}
	for _, x := range ind {
		n := u.count[peer][x] + 1
		u.count[peer][x] = n
		if n == 1 {
			u.first[peer][x] = id
		}
		if pages := book.Issued(peer, x); n > pages {
			rep.violate("indicator %s on the link %s->%s: %s in %d telegram parts (first telegram %d, now %d), but %d page(s) imported on the link bore it: a page used twice",
				x, OfficeName, peer, u.what, n, u.first[peer][x], id, pages)
		}
	}
}

// Check proves, from the store of the office after the run and the record
// the run wrote, that:
//  1. no pad page went into two telegrams, acknowledged or not: every page
//     has at most one destruction record, each enciphered telegram's parts
//     are exactly the pages destroyed for it, and no indicator is on more
//     telegrams (acknowledged, or stored) than pages bore it on the link;
//  2. every acknowledged encipherment is in the registry, enciphered, with
//     the wire and indicators its reply gave, and no telegram was
//     acknowledged twice; every wire a reply showed is the one stored; a
//     telegram enciphered had a request acknowledged or interrupted;
//  3. every used page has a destruction record and no digits left, and
//     every page with a destruction record is used;
//  4. the counts add up: pages used = parts of the enciphered telegrams +
//     pages burned otherwise, and every page destroyed for sending is on
//     an enciphered telegram's wire.
//
// It reads the store through the Store interface only (ExportPad appends
// an audit entry a pad). Violations go into the Report; the error is for a
// store or record that cannot be read.
func Check(ctx context.Context, st ciphergram.Store, book *PadBook, record io.Reader) (*Report, error) {
	rep := &Report{Parts: map[int]int{}}
	obs, err := readRecord(record, book, rep)
	if err != nil {
		return rep, err
	}

	// The pads: those imported and those held must be the same.
	pads, err := st.Pads(ctx)
	if err != nil {
		return rep, err
	}
	held := map[string]*ciphergram.PadInfo{}
	for _, p := range pads {
		if p.Direction != ciphergram.PadOut || p.From != OfficeName {
			continue
		}
		held[p.ID] = p
		if peer, _, ok := book.Pad(p.ID); !ok || peer != p.To {
			rep.violate("pad %s (%s->%s) is in custody, but the soak imported no such pad", p.ID, p.From, p.To)
		}
	}
	for _, id := range book.IDs() {
		_, pages, _ := book.Pad(id)
		rep.Pads++
		rep.PagesImported += pages
		p := held[id]
		switch {
		case p == nil:
			rep.violate("pad %s was imported and is not in custody", id)
		case p.Pages != pages:
			rep.violate("pad %s: %d pages imported, %d held", id, pages, p.Pages)
		default:
			rep.PagesUsed += p.Used
		}
	}

	// The destruction records: one a page at most, with the page's
	// indicator.
	ds, err := st.Destructions(ctx)
	if err != nil {
		return rep, err
	}
	byPage := make(map[ciphergram.PageRef]*ciphergram.Destruction, len(ds))
	byTelegram := map[int64][]*ciphergram.Destruction{}
	for _, d := range ds {
		peer, _, ok := book.Pad(d.PadID)
		if !ok {
			continue // not one of the soak's outgoing pads
		}
		if prev := byPage[d.PageRef]; prev != nil {
			rep.violate("page %d of pad %s destroyed twice: %q for telegram %d and %q for telegram %d",
				d.Number, d.PadID, prev.Reason, prev.TelegramID, d.Reason, d.TelegramID)
		}
		byPage[d.PageRef] = d
		if want, ok := book.Indicator(d.PadID, d.Number); !ok || want != d.Indicator {
			rep.violate("page %d of pad %s (link to %s): destroyed with indicator %q, imported with %q", d.Number, d.PadID, peer, d.Indicator, want)
		}
		if d.Reason == "sent" {
			rep.PagesSent++
			byTelegram[d.TelegramID] = append(byTelegram[d.TelegramID], d)
		} else {
			rep.PagesBurned++
		}
	}

	// The registry, a batch of IDs at a time up to the highest (listed
	// first), against the destruction records and the record.
	var maxID int64
	if newest, err := st.Telegrams(ctx, ciphergram.TelegramFilter{Limit: 1}); err != nil {
		return rep, err
	} else if len(newest) == 1 {
		maxID = newest[0].ID
	}
	// A registry that lost its newest telegrams must not hide them from the
	// search: go up to the highest ID the record saw too.
	for id := range obs {
		maxID = max(maxID, id)
	}
	stored := newIndicatorUse("stored")
	seen := make(map[int64]bool, len(obs))
	parts := 0
	const batch = 500
	for lo := int64(1); lo <= maxID; lo += batch {
		ids := make([]int64, batch)
		for i := range ids {
			ids[i] = lo + int64(i)
		}
		ts, err := st.Telegrams(ctx, ciphergram.TelegramFilter{IDs: ids})
		if err != nil {
			return rep, err
		}
		for _, t := range ts {
			if t.Direction != ciphergram.Outgoing {
				continue
			}
			seen[t.ID] = true
			parts += checkTelegram(rep, book, stored, t, obs[t.ID], byTelegram[t.ID])
			delete(byTelegram, t.ID)
		}
	}
	rep.Telegrams = len(seen)
	for id, o := range obs {
		if o.acks > 0 && !seen[id] {
			rep.violate("telegram %d: acknowledged as enciphered (record %d, indicators %v), not in the registry", id, o.ackSeq, o.ackInd)
		}
	}
	orphans := make([]int64, 0, len(byTelegram))
	for id := range byTelegram {
		orphans = append(orphans, id)
	}
	slices.Sort(orphans)
	for _, id := range orphans {
		for _, d := range byTelegram[id] {
			rep.violate("page %d of pad %s (indicator %s) destroyed for sending telegram %d, which is not in the registry", d.Number, d.PadID, d.Indicator, id)
		}
	}

	// Every page of every pad: used exactly when destroyed, and then
	// without digits; unused with its own indicator.
	for _, id := range book.IDs() {
		p := held[id]
		if p == nil {
			continue
		}
		a := ciphergram.Audit{Time: time.Now(), Actor: "admin", Action: "pad.exported", Subject: "pad " + id, Detail: "soak check"}
		pad, err := st.ExportPad(ctx, id, a)
		if err != nil {
			return rep, err
		}
		used := 0
		for _, pg := range pad.Pages {
			d := byPage[ciphergram.PageRef{PadID: id, Number: pg.Number}]
			switch {
			case pg.Burned:
				used++
				if pg.Digits != nil {
					rep.violate("page %d of pad %s is used and still has its digits", pg.Number, id)
				}
				if d == nil {
					rep.violate("page %d of pad %s is used and has no destruction record", pg.Number, id)
				}
			case d != nil:
				rep.violate("page %d of pad %s has a destruction record (%q, telegram %d) and is unused", pg.Number, id, d.Reason, d.TelegramID)
			default:
				if want, _ := book.Indicator(id, pg.Number); pg.Indicator() != want {
					rep.violate("page %d of pad %s is unused with indicator %q, imported with %q", pg.Number, id, pg.Indicator(), want)
				}
			}
		}
		if len(pad.Pages) != p.Pages || used != p.Used {
			rep.violate("pad %s: exported %d pages, %d of them used; the store counts %d pages, %d used", id, len(pad.Pages), used, p.Pages, p.Used)
		}
		pad.Wipe()
	}

	// The counts.
	if rep.PagesUsed != rep.PagesSent+rep.PagesBurned {
		rep.violate("%d pages used, but %d destruction records (%d sent, %d burned otherwise)", rep.PagesUsed, rep.PagesSent+rep.PagesBurned, rep.PagesSent, rep.PagesBurned)
	}
	if rep.PagesSent != parts {
		rep.violate("%d pages destroyed for sending, but the enciphered telegrams have %d parts", rep.PagesSent, parts)
	}
	return rep, nil
}

// checkTelegram checks one outgoing telegram of the registry against the
// pages destroyed for it and what the record says of it, and returns its
// number of parts (0 unless enciphered).
func checkTelegram(rep *Report, book *PadBook, stored *indicatorUse, t *ciphergram.Telegram, o *observed, ds []*ciphergram.Destruction) int {
	if o != nil && o.peer != "" && o.peer != t.To {
		rep.violate("telegram %d: composed to %s, stored to %s", t.ID, o.peer, t.To)
	}
	switch t.State {
	case ciphergram.StateEnciphered, ciphergram.StateSent:
	case ciphergram.StateDraft, ciphergram.StateSigned:
		rep.NotEnciphered++
		for _, d := range ds {
			rep.violate("telegram %d is %s, yet page %d of pad %s (indicator %s) was destroyed for sending it", t.ID, t.State, d.Number, d.PadID, d.Indicator)
		}
		if o != nil && o.acks > 0 {
			rep.violate("telegram %d: acknowledged as enciphered (record %d, indicators %v), the registry has it %s", t.ID, o.ackSeq, o.ackInd, t.State)
		}
		if t.Wire != "" {
			rep.violate("telegram %d is %s with a wire", t.ID, t.State)
		}
		return 0
	default:
		rep.violate("telegram %d is outgoing in state %s", t.ID, t.State)
		return 0
	}
	rep.Enciphered++
	ind, err := Indicators(t.Wire)
	if err != nil {
		rep.violate("telegram %d is %s with a wire that does not parse: %v", t.ID, t.State, err)
		return 0
	}
	rep.Parts[len(ind)]++
	stored.add(rep, book, t.To, t.ID, ind)

	// Its parts are exactly the pages destroyed for it, of its link.
	var pages []string
	for _, d := range ds {
		pages = append(pages, d.Indicator)
		if peer, _, _ := book.Pad(d.PadID); peer != t.To {
			rep.violate("telegram %d to %s: page %d of pad %s, a pad of the link to %s", t.ID, t.To, d.Number, d.PadID, peer)
		}
	}
	if !sameSet(ind, pages) {
		var desc []string
		for _, d := range ds {
			desc = append(desc, fmt.Sprintf("%s/%d=%s", d.PadID, d.Number, d.Indicator))
		}
		rep.violate("telegram %d: its wire has indicators %v, the pages destroyed for it are %v", t.ID, ind, desc)
	}

	// What the replies said of it.
	sha := WireSHA(t.Wire)
	switch {
	case o == nil || (o.acks == 0 && !o.interrupted):
		rep.violate("telegram %d is enciphered (indicators %v), but no encipherment of it was acknowledged or interrupted", t.ID, ind)
	case o.acks > 0 && (o.ackSHA != sha || !slices.Equal(o.ackInd, ind)):
		rep.violate("telegram %d: acknowledged (record %d) with indicators %v and wire %s, the registry has indicators %v and wire %s",
			t.ID, o.ackSeq, o.ackInd, o.ackSHA, ind, sha)
	}
	if o != nil {
		for _, s := range o.shown {
			if s != sha {
				rep.violate("telegram %d: a reply showed wire %s, the registry has %s", t.ID, s, sha)
			}
		}
	}
	return len(ind)
}

// sameSet reports whether a and b hold the same strings as many times.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

// readRecord reads the record, checks what it says on its own (no
// telegram acknowledged twice, no indicator acknowledged on more telegrams
// than pages bore it, no draft enciphered) and returns what it says of
// each telegram.
func readRecord(record io.Reader, book *PadBook, rep *Report) (map[int64]*observed, error) {
	obs := map[int64]*observed{}
	get := func(id int64) *observed {
		o := obs[id]
		if o == nil {
			o = &observed{}
			obs[id] = o
		}
		return o
	}
	acked := newIndicatorUse("acknowledged")
	sc := bufio.NewScanner(record)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("record line %d: %w", line, err)
		}
		rep.Records++
		if r.Telegram == 0 {
			continue
		}
		o := get(r.Telegram)
		switch r.Op {
		case "compose":
			if r.Acknowledged() {
				o.peer = r.Peer
			}
		case "read":
			if r.Acknowledged() && r.WireSHA != "" {
				o.shown = append(o.shown, r.WireSHA)
			}
		case "encipher":
			switch {
			case r.Interrupted:
				rep.Interrupted++
				o.interrupted = true
			case r.Acknowledged():
				rep.Acknowledged++
				o.acks++
				if r.Kind == "premature" {
					rep.violate("telegram %d: enciphered before it was signed (record %d)", r.Telegram, r.Seq)
				}
				if r.State != string(ciphergram.StateEnciphered) || r.WireSHA == "" || len(r.Indicators) == 0 {
					rep.violate("telegram %d: acknowledged (record %d) in state %q with %d indicators", r.Telegram, r.Seq, r.State, len(r.Indicators))
				}
				if o.acks == 1 {
					o.ackSeq, o.ackSHA, o.ackInd = r.Seq, r.WireSHA, r.Indicators
				} else {
					rep.violate("telegram %d: enciphered twice, acknowledged by records %d (indicators %v) and %d (indicators %v)",
						r.Telegram, o.ackSeq, o.ackInd, r.Seq, r.Indicators)
				}
				acked.add(rep, book, r.Peer, r.Telegram, r.Indicators)
			case r.Status != 0:
				rep.Refused++
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the record: %w", err)
	}
	return obs, nil
}
