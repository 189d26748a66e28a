// Package soak is the single-use soak of the office: C concurrent clients,
// each composing, signing and enciphering N telegrams through the JSON API
// of one office served on loopback, with hostile but legal concurrency
// mixed in: the same telegram enciphered by two clerks at once, requests
// given up by their client in mid-flight, encipherments asked for before
// the telegram is signed. Every request and its reply is recorded as one
// JSON line. Check then reads the store and the record and proves that no
// pad page went into two telegrams and that every acknowledged
// encipherment is in the registry with the pages its reply gave.
//
// Pads are supplied during the run as a station's clerk would take them
// into custody: when a link runs low, a pad generated with package otp is
// imported. An office holds at most one unused page per indicator on a link
// (10^5 indicators), so a long run recycles the indicators of pads used up;
// the PadBook remembers every page imported so that the checker can tell a
// page's indicator from the store's account of it.
package soak

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/office"
	"ciphergram/otp"
	"ciphergram/web"
)

// OfficeName is the station the soak serves; its links go to Config.Peers.
const OfficeName = "LONDON"

// Password is every soak user's password.
const Password = "a soak password of 1941"

// The soak's users. Officers compose and sign; clerks encipher. A twin
// encipherment is made by two different clerks.
var (
	officers = []struct{ name, cover string }{{"officer1", "VADIM"}, {"officer2", "ANTON"}}
	clerks   = []string{"clerk1", "clerk2", "clerk3"}
)

// texts are the telegrams composed, by client and iteration. With pages of
// 40 groups the first makes one part and the others two, so that claims of
// one and of two pages interleave.
var texts = []string{
	"MEETING WITH SOURCE %d POSTPONED.",
	"REPORT NUMBER %d: AGENT LIST REPORTS THAT THE PACT IS SIGNED.",
	"AGENT LIST REPORTS THAT THE PACT IS SIGNED. THE MINISTER LEAVES FOR MOSCOW ON MONDAY. SEND INSTRUCTIONS BY THE NEXT COURIER. REPORT NUMBER %d FOLLOWS.",
}

// Config sizes and shapes a run.
type Config struct {
	Clients    int // concurrent clients
	Iterations int // telegrams each client composes, signs and enciphers
	// Peers are the office's links; each client sends to them in turn.
	// Default CENTRE and ROME.
	Peers []string
	// GroupsPerPage of the pads; default 40.
	GroupsPerPage int
	// PadPages is the size of each pad imported; 0 chooses it from the
	// size of the run (50 to 5,000 pages). The link is topped up with a
	// pad whenever fewer than two pads' worth of pages are left.
	PadPages int
	// One iteration in TwinEvery enciphers the telegram by two clerks at
	// once, one in CancelEvery gives the encipherment up in mid-flight, one
	// in PrematureEvery asks for it before the telegram is signed. 0 takes
	// the defaults 8, 16 and 32; a negative value never does it.
	TwinEvery, CancelEvery, PrematureEvery int
	// IndicatorsPerLink bounds the indicators the pads of a link are given
	// (default all 100,000), so that a short run recycles the indicators of
	// pads used up as a long one must.
	IndicatorsPerLink int
	// Seed makes the clients' choices repeatable (not the server's timing).
	Seed uint64
	// Log receives the record: one JSON line (Record) a request. Required.
	Log io.Writer
	// Logf, if set, reports progress every ProgressEvery (default 10 s).
	Logf          func(format string, args ...any)
	ProgressEvery time.Duration
}

func (c *Config) defaults() error {
	if c.Clients < 1 || c.Iterations < 1 {
		return fmt.Errorf("soak: %d clients x %d iterations: want at least 1x1", c.Clients, c.Iterations)
	}
	if c.Log == nil {
		return errors.New("soak: Config.Log is required: the record is what the checker reads")
	}
	if len(c.Peers) == 0 {
		c.Peers = []string{"CENTRE", "ROME"}
	}
	if c.GroupsPerPage == 0 {
		c.GroupsPerPage = 40
	}
	if c.PadPages == 0 {
		// Pages a link needs at 1.7 a telegram, in about 8 pads.
		need := c.Clients * c.Iterations * 17 / 10 / len(c.Peers)
		c.PadPages = min(max(need/8, 50), 5000)
	}
	if c.PadPages > otp.MaxPages {
		return fmt.Errorf("soak: pads of %d pages: at most %d", c.PadPages, otp.MaxPages)
	}
	for _, d := range []struct {
		p   *int
		def int
	}{{&c.TwinEvery, 8}, {&c.CancelEvery, 16}, {&c.PrematureEvery, 32}} {
		if *d.p == 0 {
			*d.p = d.def
		}
	}
	if c.IndicatorsPerLink == 0 {
		c.IndicatorsPerLink = numIndicators
	}
	if c.IndicatorsPerLink < 2*c.PadPages || c.IndicatorsPerLink > numIndicators {
		return fmt.Errorf("soak: %d indicators a link for pads of %d pages: want %d to %d", c.IndicatorsPerLink, c.PadPages, 2*c.PadPages, numIndicators)
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = 10 * time.Second
	}
	return nil
}

// ParseSize reads a run's size, "CxN" (e.g. "64x100000"): C clients of N
// iterations each.
func ParseSize(s string) (clients, iterations int, err error) {
	a, b, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "x")
	if ok {
		clients, err = strconv.Atoi(a)
		if err == nil {
			iterations, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || clients < 1 || iterations < 1 {
		return 0, 0, fmt.Errorf("soak size %q: want CLIENTSxITERATIONS, e.g. 64x100000", s)
	}
	return clients, iterations, nil
}

// Office is the office under soak: its store, its service and its server
// on loopback.
type Office struct {
	Store   ciphergram.Store
	Service *office.Service
	URL     string
	Pads    *PadBook
	cfg     Config

	srv   *http.Server
	serve chan error
}

// Start makes the empty store st an office (LONDON, with its admin,
// officers, clerks and links to cfg.Peers), takes two pads a link into
// custody and serves the office's API on a free loopback port. The caller
// closes the Office, then the store.
func Start(ctx context.Context, st ciphergram.Store, cfg Config) (*Office, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	svc := office.New(st)
	if err := svc.Init(ctx, OfficeName, false, "admin"); err != nil {
		return nil, err
	}
	admin, err := svc.Actor(ctx, "admin")
	if err != nil {
		return nil, err
	}
	var users []*ciphergram.User
	for _, o := range officers {
		users = append(users, &ciphergram.User{Name: o.name, Role: ciphergram.RoleOfficer, Cover: o.cover})
	}
	for _, c := range clerks {
		users = append(users, &ciphergram.User{Name: c, Role: ciphergram.RoleClerk})
	}
	// One hash for all: argon2id takes a sixth of a second and 64 MiB.
	hash, err := office.HashPassword(Password)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if err := svc.AddUser(ctx, admin, u); err != nil {
			return nil, err
		}
		a := ciphergram.Audit{Time: time.Now(), Actor: "admin", Action: "user.password_set", Subject: "user " + u.Name}
		if err := st.SetPassword(ctx, u.Name, hash, a); err != nil {
			return nil, err
		}
	}
	for _, p := range cfg.Peers {
		if err := svc.AddLink(ctx, admin, &ciphergram.Link{Peer: p, Mode: cipher.Authenticated}); err != nil {
			return nil, err
		}
	}
	o := &Office{Store: st, Service: svc, Pads: newPadBook(cfg.IndicatorsPerLink), cfg: cfg, serve: make(chan error, 1)}
	for _, p := range cfg.Peers {
		for range 2 {
			if err := o.importPad(ctx, p); err != nil {
				return nil, err
			}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	o.srv = &http.Server{Handler: web.New(svc, web.Config{}), ReadHeaderTimeout: 10 * time.Second}
	o.URL = "http://" + ln.Addr().String()
	go func() { o.serve <- o.srv.Serve(ln) }()
	return o, nil
}

// Close stops serving once the requests in flight have finished, so that
// the store holds everything the server will ever do. It leaves the store
// open.
func (o *Office) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := o.srv.Shutdown(ctx)
	if serr := <-o.serve; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// PadBook remembers every page the soak took into custody: each pad's
// link and its pages' indicators, and how many pages of each link bore
// each indicator. It hands out the indicators of new pads: never used on
// the link while any are left, then those of pads used up.
type PadBook struct {
	mu    sync.Mutex
	per   int // indicators a link may give
	pads  map[string]*padRecord
	order []*padRecord // as imported
	links map[string]*linkIndicators
}

type padRecord struct {
	id, peer   string
	indicators []int32 // page n has indicators[n-1]
	recycled   bool    // used up, its indicators free again
}

// linkIndicators is the indicator supply of one link.
type linkIndicators struct {
	fresh    []int32               // never issued on the link, in random order
	recycled []int32               // of pads used up
	issued   [numIndicators]uint16 // pages of the link that had each indicator
}

// numIndicators is the number of five-digit indicator groups.
const numIndicators = 100000

func newPadBook(perLink int) *PadBook {
	return &PadBook{per: perLink, pads: map[string]*padRecord{}, links: map[string]*linkIndicators{}}
}

func (b *PadBook) link(peer string) *linkIndicators {
	l := b.links[peer]
	if l == nil {
		all := make([]int32, numIndicators)
		for i := range all {
			all[i] = int32(i)
		}
		mrand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		l = &linkIndicators{fresh: all[:b.per]}
		b.links[peer] = l
	}
	return l
}

// take draws n indicators for a new pad of the link, or says how many
// are free.
func (b *PadBook) take(peer string, n int) ([]int32, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.link(peer)
	if len(l.fresh)+len(l.recycled) < n {
		return nil, fmt.Errorf("link %s: %d indicators free, a pad needs %d", peer, len(l.fresh)+len(l.recycled), n)
	}
	out := make([]int32, 0, n)
	k := min(n, len(l.fresh))
	out = append(out, l.fresh[len(l.fresh)-k:]...)
	l.fresh = l.fresh[:len(l.fresh)-k]
	for len(out) < n {
		i := mrand.IntN(len(l.recycled))
		out = append(out, l.recycled[i])
		l.recycled[i] = l.recycled[len(l.recycled)-1]
		l.recycled = l.recycled[:len(l.recycled)-1]
	}
	return out, nil
}

// giveBack returns indicators not used after all (a pad not imported).
func (b *PadBook) giveBack(peer string, ind []int32) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.link(peer)
	l.recycled = append(l.recycled, ind...)
}

func (b *PadBook) add(id, peer string, ind []int32) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := &padRecord{id: id, peer: peer, indicators: ind}
	b.pads[id] = r
	b.order = append(b.order, r)
	l := b.link(peer)
	for _, x := range ind {
		l.issued[x]++
	}
}

// recycle frees the indicators of the pads the store says are used up.
func (b *PadBook) recycle(used map[string]bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.order {
		if !r.recycled && used[r.id] {
			r.recycled = true
			l := b.link(r.peer)
			l.recycled = append(l.recycled, r.indicators...)
		}
	}
}

// free is the number of indicators the link can still give new pads.
func (b *PadBook) free(peer string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.link(peer)
	return len(l.fresh) + len(l.recycled)
}

// Pad returns the link and page count of a pad the soak imported.
func (b *PadBook) Pad(id string) (peer string, pages int, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.pads[id]
	if r == nil {
		return "", 0, false
	}
	return r.peer, len(r.indicators), true
}

// Indicator returns the indicator page number of pad id had when it was
// imported.
func (b *PadBook) Indicator(id string, number int) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.pads[id]
	if r == nil || number < 1 || number > len(r.indicators) {
		return "", false
	}
	return fmt.Sprintf("%05d", r.indicators[number-1]), true
}

// Issued is how many pages imported on the link to peer bore the
// indicator: how many telegrams may show it at most.
func (b *PadBook) Issued(peer, indicator string) int {
	n, ok := indicatorNumber(indicator)
	if !ok {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.links[peer]
	if l == nil {
		return 0
	}
	return int(l.issued[n])
}

// Reissued counts the indicators given to more than one page of a link:
// those of pads used up, recycled.
func (b *PadBook) Reissued() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, l := range b.links {
		for _, c := range l.issued {
			if c > 1 {
				n++
			}
		}
	}
	return n
}

// IDs lists the pads imported, in order.
func (b *PadBook) IDs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	ids := make([]string, len(b.order))
	for i, r := range b.order {
		ids[i] = r.id
	}
	return ids
}

func indicatorNumber(s string) (int, bool) {
	if len(s) != otp.GroupSize {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n < numIndicators
}

// importPad generates a pad for the link to peer with indicators from the
// book and takes it into custody, as a clerk imports a pad from the Centre.
func (o *Office) importPad(ctx context.Context, peer string) error {
	n, gpp := o.cfg.PadPages, o.cfg.GroupsPerPage
	ind, err := o.Pads.take(peer, n)
	if err != nil {
		return err
	}
	o.Pads.mu.Lock()
	id := fmt.Sprintf("%s-%s-%d", OfficeName[:3], peer, len(o.Pads.order)+1)
	o.Pads.mu.Unlock()
	p, err := otp.Generate(rand.Reader, id, OfficeName, peer, n, gpp)
	if err != nil {
		o.Pads.giveBack(peer, ind)
		return err
	}
	defer p.Wipe()
	for i, pg := range p.Pages {
		copy(pg.Digits[:otp.GroupSize], fmt.Sprintf("%05d", ind[i]))
	}
	a := ciphergram.Audit{Time: time.Now(), Actor: clerks[0], Action: "pad.imported", Subject: "pad " + id,
		Detail: fmt.Sprintf("%s to %s, %d pages, out copy (soak)", OfficeName, peer, n)}
	if err := o.Store.ImportPad(ctx, p, ciphergram.PadOut, a); err != nil {
		// Whether it committed is unknown after a broken connection: the
		// indicators are not given back.
		return fmt.Errorf("importing pad %s: %w", id, err)
	}
	o.Pads.add(id, peer, ind)
	return nil
}

// refill keeps every link stocked until ctx ends: when fewer than two
// pads' worth of pages are left on a link, it imports a pad; when the
// link's indicators run short, it frees those of the pads used up. It
// polls the store's pads, less often as that grows slower.
func (o *Office) refill(ctx context.Context, imported *atomic.Int64) error {
	low := 2 * o.cfg.PadPages
	wait := 10 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		start := time.Now()
		pads, err := o.Store.Pads(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("refill: %w", err)
		}
		wait = max(10*time.Millisecond, 2*time.Since(start))
		left := map[string]int{}
		used := map[string]bool{}
		for _, p := range pads {
			if p.Direction == ciphergram.PadOut && p.From == OfficeName {
				left[p.To] += p.Left()
				used[p.ID] = p.Left() == 0
			}
		}
		for _, peer := range o.cfg.Peers {
			if left[peer] >= low {
				continue
			}
			if o.Pads.free(peer) < o.cfg.PadPages {
				o.Pads.recycle(used)
			}
			if err := o.importPad(ctx, peer); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("refill: %w", err)
			}
			imported.Add(1)
		}
	}
}

// Record is one request of the run and its reply, as one JSON line.
type Record struct {
	Seq    int64  `json:"seq"` // order of completion
	Client int    `json:"client"`
	Iter   int    `json:"iter"`
	Op     string `json:"op"`             // login, compose, sign, encipher, read
	Kind   string `json:"kind,omitempty"` // of an encipher: first, twin, cancel, retry, premature, exhausted-retry
	User   string `json:"user"`
	Method string `json:"method"`
	Path   string `json:"path"`
	// Peer is the telegram's destination (compose, encipher); TextNo the
	// text composed.
	Peer     string `json:"peer,omitempty"`
	TextNo   int    `json:"text_no,omitempty"`
	Telegram int64  `json:"telegram,omitempty"`
	Start    int64  `json:"start_us"` // since the run began
	Micros   int64  `json:"us"`
	// CancelAfter is when the client meant to give up, if it did.
	CancelAfter int64 `json:"cancel_after_us,omitempty"`
	// Status of the reply; 0 when no whole reply came (Interrupted).
	Status int    `json:"status"`
	Code   string `json:"code,omitempty"` // the API's error code
	Err    string `json:"error,omitempty"`
	// Interrupted: the client gave up or the connection broke before the
	// whole reply came. Its act may or may not have happened.
	Interrupted bool `json:"interrupted,omitempty"`
	// What a telegram reply showed: its state, number, the SHA-256 of its
	// wire (first 16 bytes, hex) and the indicators of its parts.
	State      string   `json:"state,omitempty"`
	Nr         int      `json:"nr,omitempty"`
	WireSHA    string   `json:"wire_sha256,omitempty"`
	Indicators []string `json:"indicators,omitempty"`
}

// Acknowledged reports whether the reply acknowledged the act.
func (r *Record) Acknowledged() bool { return r.Status == http.StatusOK && !r.Interrupted }

// WireSHA is the wire hash records keep.
func WireSHA(wire string) string {
	h := sha256.Sum256([]byte(wire))
	return hex.EncodeToString(h[:16])
}

// Indicators returns the indicator of each part of a wire, in order.
func Indicators(wire string) ([]string, error) {
	ts, err := cipher.ParseTransmissions(wire)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		if len(t.Groups) == 0 {
			return nil, fmt.Errorf("part %d has no groups", i+1)
		}
		out[i] = t.Groups[0]
	}
	return out, nil
}

// recorder writes the record, one line a request, in order of completion.
type recorder struct {
	mu    sync.Mutex
	w     *bufio.Writer
	seq   int64
	start time.Time
	err   error
}

func (r *recorder) write(rec *Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	rec.Seq = r.seq
	b, err := json.Marshal(rec)
	if err == nil {
		b = append(b, '\n')
		_, err = r.w.Write(b)
	}
	if err != nil && r.err == nil {
		r.err = err
	}
}

func (r *recorder) flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.w.Flush(); err != nil && r.err == nil {
		r.err = err
	}
	return r.err
}

// Result is what the clients saw.
type Result struct {
	Clients, Iterations int
	Duration            time.Duration
	Requests            int64
	Composed, Signed    int64
	// Enciphered counts the acknowledged encipherments.
	Enciphered int64
	// Twins: telegrams enciphered by two clerks at once; TwinRefused the
	// twin requests refused as a conflict (one a pair when all is well).
	Twins, TwinRefused int64
	// Cancels: encipherments the client gave up on a timer; of those,
	// CancelsInterrupted lost their reply, and CancelsCommitted of these
	// were found enciphered afterwards.
	Cancels, CancelsInterrupted, CancelsCommitted int64
	Premature                                     int64 // asked before signing (refused)
	Exhausted                                     int64 // replies "exhausted", retried
	PadsImported                                  int64 // during the run
	// Unexpected lists replies the scenario does not allow (the first 20)
	// and UnexpectedCount counts them.
	Unexpected      []string
	UnexpectedCount int64
}

// runner is one run's shared state.
type runner struct {
	o        *Office
	cfg      Config
	hc       *http.Client
	rec      *recorder
	start    time.Time
	latency  atomic.Int64 // moving average of an acknowledged encipherment, ns
	imported atomic.Int64 // pads imported during the run
	mu       sync.Mutex
	tokens   map[string]string
	loginMu  sync.Mutex
	res      *Result
	resMu    sync.Mutex
	giveUpAt time.Duration // how long a client retries an exhausted link
}

// Run runs the Config's clients against the office, each its iterations,
// while the links are kept stocked; it records every request and reply in
// Config.Log and returns what the clients saw. Close the office, then
// Check its store against the record.
func (o *Office) Run(ctx context.Context) (*Result, error) {
	cfg := o.cfg
	tr := &http.Transport{MaxIdleConns: 4 * cfg.Clients, MaxIdleConnsPerHost: 4 * cfg.Clients, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	r := &runner{o: o, cfg: cfg, hc: &http.Client{Transport: tr}, rec: &recorder{w: bufio.NewWriterSize(cfg.Log, 1<<16)},
		tokens: map[string]string{}, res: &Result{Clients: cfg.Clients, Iterations: cfg.Iterations}, giveUpAt: 2 * time.Minute}
	r.latency.Store(int64(5 * time.Millisecond))
	r.start = time.Now()
	r.rec.start = r.start

	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	refilled := make(chan error, 1)
	go func() {
		err := o.refill(runCtx, &r.imported)
		if err != nil {
			stop(err)
		}
		refilled <- err
	}()
	var done atomic.Int64
	progress := make(chan struct{})
	go r.progress(runCtx, &done, progress)
	var wg sync.WaitGroup
	for c := range cfg.Clients {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(cfg.Seed, uint64(c)))
			for i := range cfg.Iterations {
				if runCtx.Err() != nil {
					return
				}
				r.iteration(runCtx, rng, c, i)
				done.Add(1)
			}
		})
	}
	wg.Wait()
	stop(nil)
	<-progress
	refillErr := <-refilled
	r.res.Duration = time.Since(r.start)
	r.res.PadsImported = r.imported.Load()
	r.res.Requests = r.rec.seq
	if err := r.rec.flush(); err != nil {
		return r.res, fmt.Errorf("soak: writing the record: %w", err)
	}
	if refillErr != nil {
		return r.res, refillErr
	}
	return r.res, ctx.Err()
}

func (r *runner) progress(ctx context.Context, done *atomic.Int64, stopped chan<- struct{}) {
	defer close(stopped)
	if r.cfg.Logf == nil {
		return
	}
	t := time.NewTicker(r.cfg.ProgressEvery)
	defer t.Stop()
	total := r.cfg.Clients * r.cfg.Iterations
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n := done.Load()
			el := time.Since(r.start)
			r.cfg.Logf("soak: %d/%d telegrams in %v (%.0f/s), %d pads imported", n, total, el.Round(time.Second),
				float64(n)/el.Seconds(), r.imported.Load())
		}
	}
}

// count adds to a Result counter.
func (r *runner) count(p *int64, n int64) {
	r.resMu.Lock()
	*p += n
	r.resMu.Unlock()
}

func (r *runner) unexpected(rec *Record, why string) {
	r.resMu.Lock()
	defer r.resMu.Unlock()
	r.res.UnexpectedCount++
	if len(r.res.Unexpected) < 20 {
		r.res.Unexpected = append(r.res.Unexpected, fmt.Sprintf("client %d iteration %d: %s %s (%s): %s: status %d %s %s",
			rec.Client, rec.Iter, rec.Method, rec.Path, rec.Kind, why, rec.Status, rec.Code, rec.Err))
	}
}

// iteration is one telegram's life through the API: an officer composes
// and signs it, a clerk enciphers it, now and then twice at once, given
// up in mid-flight, or asked for too early.
func (r *runner) iteration(ctx context.Context, rng *mrand.Rand, c, i int) {
	peer := r.cfg.Peers[(c+i)%len(r.cfg.Peers)]
	textNo := rng.IntN(len(texts))
	officer := officers[c%len(officers)].name
	clerk, other := clerks[c%len(clerks)], clerks[(c+1)%len(clerks)]
	every := func(n int) bool { return n > 0 && rng.IntN(n) == 0 }
	twin, cancel, premature := every(r.cfg.TwinEvery), every(r.cfg.CancelEvery), every(r.cfg.PrematureEvery)

	var tg telegramReply
	// Numbers of up to three digits, so that the parts a text makes do
	// not grow with the run.
	body := map[string]string{"to": peer, "text": fmt.Sprintf(texts[textNo], (c*r.cfg.Iterations+i)%1000+1)}
	rec := r.call(ctx, &Record{Client: c, Iter: i, Op: "compose", User: officer, Method: "POST", Path: "/api/v1/telegrams",
		Peer: peer, TextNo: textNo}, body, 0, &tg)
	if !rec.Acknowledged() {
		r.unexpected(rec, "composing failed")
		return
	}
	r.count(&r.res.Composed, 1)
	id := tg.ID
	path := fmt.Sprintf("/api/v1/telegrams/%d", id)
	if premature {
		r.count(&r.res.Premature, 1)
		rec := r.encipher(ctx, c, i, "premature", clerk, id, peer, 0)
		if rec.Code != ciphergram.ECONFLICT {
			r.unexpected(rec, "a draft enciphered, or refused otherwise than as a conflict")
		}
	}
	rec = r.call(ctx, &Record{Client: c, Iter: i, Op: "sign", User: officer, Method: "POST", Path: path + "/sign", Telegram: id}, nil, 0, &tg)
	if !rec.Acknowledged() {
		r.unexpected(rec, "signing failed")
		return
	}
	r.count(&r.res.Signed, 1)
	switch {
	case twin:
		r.count(&r.res.Twins, 1)
		var a, b *Record
		var wg sync.WaitGroup
		ready := make(chan struct{})
		wg.Go(func() { <-ready; a = r.encipher(ctx, c, i, "twin", clerk, id, peer, 0) })
		wg.Go(func() { <-ready; b = r.encipher(ctx, c, i, "twin", other, id, peer, 0) })
		close(ready)
		wg.Wait()
		for _, x := range []*Record{a, b} {
			if x.Code == ciphergram.ECONFLICT {
				r.count(&r.res.TwinRefused, 1)
			}
		}
		if a.Acknowledged() == b.Acknowledged() {
			r.unexpected(b, fmt.Sprintf("twin encipherments answered %d and %d: want exactly one 200", a.Status, b.Status))
		}
	case cancel:
		r.count(&r.res.Cancels, 1)
		after := time.Duration(rng.Int64N(2*r.latency.Load() + 1))
		rec := r.encipher(ctx, c, i, "cancel", clerk, id, peer, after)
		if rec.Acknowledged() || ctx.Err() != nil {
			return
		}
		r.count(&r.res.CancelsInterrupted, 1)
		// The reply is lost: look, and encipher it if it is still signed.
		var now telegramReply
		rec = r.call(ctx, &Record{Client: c, Iter: i, Op: "read", User: clerk, Method: "GET", Path: path, Telegram: id}, nil, 0, &now)
		switch {
		case !rec.Acknowledged():
			r.unexpected(rec, "reading after a lost reply failed")
		case now.State == string(ciphergram.StateSigned):
			rec := r.encipher(ctx, c, i, "retry", clerk, id, peer, 0)
			if rec.Code == ciphergram.ECONFLICT { // the lost one committed meanwhile
				r.count(&r.res.CancelsCommitted, 1)
			}
		case now.State == string(ciphergram.StateEnciphered):
			r.count(&r.res.CancelsCommitted, 1)
		default:
			r.unexpected(rec, "telegram in state "+now.State+" after a lost encipherment")
		}
	default:
		r.encipher(ctx, c, i, "first", clerk, id, peer, 0)
	}
}

// encipher asks for the encipherment of telegram id, again while the
// answer is "exhausted" (the link is being refilled), and returns the last
// record. cancelAfter > 0 gives the first request up after that long.
func (r *runner) encipher(ctx context.Context, c, i int, kind, user string, id int64, peer string, cancelAfter time.Duration) *Record {
	path := fmt.Sprintf("/api/v1/telegrams/%d/encipher", id)
	var first time.Time
	for {
		var tg telegramReply
		rec := r.call(ctx, &Record{Client: c, Iter: i, Op: "encipher", Kind: kind, User: user, Method: "POST", Path: path,
			Peer: peer, Telegram: id}, nil, cancelAfter, &tg)
		if rec.Acknowledged() {
			// A moving average of 1/16, which sets the cancel timers.
			old := r.latency.Load()
			r.latency.Store(old + (rec.Micros*1000-old)/16)
		}
		ok := map[string][]int{
			"first": {200}, "twin": {200, 409}, "cancel": {200, 0}, "retry": {200, 409}, "premature": {409}, "exhausted-retry": {200, 409},
		}[kind]
		switch {
		case rec.Code == ciphergram.EEXHAUSTED && ctx.Err() == nil:
			r.count(&r.res.Exhausted, 1)
			if first.IsZero() {
				first = time.Now()
			}
			if time.Since(first) > r.giveUpAt {
				r.unexpected(rec, "the link stayed exhausted")
				return rec
			}
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
			kind, cancelAfter = "exhausted-retry", 0
			continue
		case rec.Acknowledged():
			r.count(&r.res.Enciphered, 1)
			if rec.State != string(ciphergram.StateEnciphered) || len(rec.Indicators) == 0 {
				r.unexpected(rec, "acknowledged without an enciphered wire")
			}
		case ctx.Err() != nil:
		case !containsInt(ok, rec.Status):
			r.unexpected(rec, "a reply the scenario does not allow")
		}
		return rec
	}
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// telegramReply is what the soak reads of the API's telegram.
type telegramReply struct {
	ID    int64  `json:"id"`
	State string `json:"state"`
	Nr    int    `json:"nr"`
	To    string `json:"to"`
	Wire  string `json:"wire"`
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// call makes one request as rec.User, signing in first if need be (and
// again once if the session has ended), and records it and its reply. A
// telegram reply is decoded into out. cancelAfter > 0 gives the request up
// after that long.
func (r *runner) call(ctx context.Context, rec *Record, body any, cancelAfter time.Duration, out *telegramReply) *Record {
	for attempt := 0; ; attempt++ {
		token, err := r.token(ctx, rec.Client, rec.Iter, rec.User)
		if err != nil {
			// Never sent: nothing of it can have happened.
			rec.Err = "not sent: signing in: " + err.Error()
			r.rec.write(rec)
			return rec
		}
		r.do(ctx, rec, token, body, cancelAfter, out)
		if rec.Status == http.StatusUnauthorized && attempt == 0 {
			r.mu.Lock()
			if r.tokens[rec.User] == token {
				delete(r.tokens, rec.User)
			}
			r.mu.Unlock()
			again := *rec
			rec = &again
			rec.Status, rec.Code, rec.Err = 0, "", ""
			continue
		}
		return rec
	}
}

// token returns a session token of user, signing in through the API.
func (r *runner) token(ctx context.Context, c, i int, user string) (string, error) {
	r.mu.Lock()
	t := r.tokens[user]
	r.mu.Unlock()
	if t != "" {
		return t, nil
	}
	r.loginMu.Lock()
	defer r.loginMu.Unlock()
	r.mu.Lock()
	t = r.tokens[user]
	r.mu.Unlock()
	if t != "" {
		return t, nil
	}
	var ans struct {
		Token string `json:"token"`
	}
	rec := &Record{Client: c, Iter: i, Op: "login", User: user, Method: "POST", Path: "/api/v1/session"}
	r.doJSON(ctx, rec, "", map[string]string{"name": user, "password": Password}, 0, &ans)
	if !rec.Acknowledged() || ans.Token == "" {
		r.unexpected(rec, "signing in failed")
		return "", fmt.Errorf("status %d %s %s", rec.Status, rec.Code, rec.Err)
	}
	r.mu.Lock()
	r.tokens[user] = ans.Token
	r.mu.Unlock()
	return ans.Token, nil
}

// do makes the request of rec and records it with what a telegram reply
// showed.
func (r *runner) do(ctx context.Context, rec *Record, token string, body any, cancelAfter time.Duration, out *telegramReply) {
	var tg telegramReply
	r.doJSON(ctx, rec, token, body, cancelAfter, &tg)
	if rec.Status == http.StatusOK && tg.ID != 0 {
		if rec.Telegram == 0 {
			rec.Telegram = tg.ID
		}
		rec.State, rec.Nr = tg.State, tg.Nr
		if tg.Wire != "" {
			rec.WireSHA = WireSHA(tg.Wire)
			ind, err := Indicators(tg.Wire)
			if err != nil {
				rec.Err = "the reply's wire: " + err.Error()
			}
			rec.Indicators = ind
		}
		if tg.ID != rec.Telegram {
			rec.Err = fmt.Sprintf("the reply is telegram %d", tg.ID)
		}
		*out = tg
	}
	r.rec.write(rec)
	if rec.Err != "" && rec.Status == http.StatusOK {
		r.unexpected(rec, "a malformed reply")
	}
	if rec.Status >= 500 {
		r.unexpected(rec, "a server error")
	}
}

// doJSON sends rec's request with a JSON body and decodes a 200 reply into
// out, or an error reply into rec.Code and rec.Err. It does not write the
// record.
func (r *runner) doJSON(ctx context.Context, rec *Record, token string, body any, cancelAfter time.Duration, out any) {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if cancelAfter > 0 {
		rec.CancelAfter = cancelAfter.Microseconds()
		t := time.AfterFunc(cancelAfter, cancel)
		defer t.Stop()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		rd = bytes.NewReader(b)
	}
	start := time.Now()
	rec.Start = start.Sub(r.start).Microseconds()
	defer func() { rec.Micros = time.Since(start).Microseconds() }()
	req, err := http.NewRequestWithContext(rctx, rec.Method, r.o.URL+rec.Path, rd)
	if err != nil {
		rec.Err, rec.Interrupted = err.Error(), true
		return
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		rec.Err, rec.Interrupted = err.Error(), true
		return
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		// The status came, the reply did not: not acknowledged.
		rec.Err, rec.Interrupted = "reading the reply: "+err.Error(), true
		rec.Status = 0
		return
	}
	rec.Status = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		var e apiError
		if json.Unmarshal(b, &e) == nil {
			rec.Code, rec.Err = e.Code, e.Message
		} else {
			rec.Err = strings.TrimSpace(string(b))
		}
		return
	}
	if err := json.Unmarshal(b, out); err != nil {
		rec.Err = "decoding the reply: " + err.Error()
	}
}
