package soak_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"ciphergram"
	"ciphergram/internal/pgtest"
	"ciphergram/internal/soak"
	"ciphergram/office"
	"ciphergram/postgres"
	"ciphergram/sqlite"
	"ciphergram/vault"
)

// openSQLite and openPostgres open the soak's stores, the one place that
// knows their options. SQLite takes its office key from the key file
// beside the database (the default); PostgreSQL gets a new random office
// key, destroyed when the test ends, after the store is closed.
func openSQLite(ctx context.Context, path string) (ciphergram.Store, error) {
	return sqlite.Open(ctx, path)
}

func openPostgres(t *testing.T, ctx context.Context, dsn string) (ciphergram.Store, error) {
	k, err := vault.NewKey()
	if err != nil {
		return nil, err
	}
	t.Cleanup(k.Destroy)
	return postgres.Open(ctx, dsn, postgres.WithKey(k))
}

// size is the run's size: $CIPHERGRAM_SOAK ("64x100000" is the full
// run), else 64 clients x 10 iterations, or x 3 with -short.
func size(t *testing.T) (clients, iterations int) {
	if s := os.Getenv("CIPHERGRAM_SOAK"); s != "" {
		c, n, err := soak.ParseSize(s)
		if err != nil {
			t.Fatal(err)
		}
		return c, n
	}
	if testing.Short() {
		return 64, 3
	}
	return 64, 10
}

// seed is the clients' seed: $CIPHERGRAM_SOAK_SEED, else 1941.
func seed(t *testing.T) uint64 {
	if s := os.Getenv("CIPHERGRAM_SOAK_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CIPHERGRAM_SOAK_SEED: %v", err)
		}
		return n
	}
	return 1941
}

// recordFile is where a run's record goes: in $CIPHERGRAM_SOAK_RECORD (a
// directory) to keep it, else in the test's temporary directory.
func recordFile(t *testing.T, name string) string {
	dir := os.Getenv("CIPHERGRAM_SOAK_RECORD")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "soak-"+name+".jsonl")
}

// run is one soak run: the office, what the clients saw and the record.
type run struct {
	st     ciphergram.Store
	office *soak.Office
	res    *soak.Result
	record string // the file
}

// soakRun serves an office on st, runs clients x iterations against it,
// stops serving and returns the run for checking.
func soakRun(t *testing.T, st ciphergram.Store, path string, clients, iterations int) *run {
	t.Helper()
	ctx := context.Background()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o, err := soak.Start(ctx, st, soak.Config{Clients: clients, Iterations: iterations, Seed: seed(t), Log: f, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	res, err := o.Run(ctx)
	if cerr := o.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return &run{st: st, office: o, res: res, record: path}
}

// check runs the checker on the run's store (or st instead) and record
// (or record instead).
func (r *run) check(t *testing.T, st ciphergram.Store, record []byte) *soak.Report {
	t.Helper()
	if st == nil {
		st = r.st
	}
	if record == nil {
		var err error
		if record, err = os.ReadFile(r.record); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := soak.Check(context.Background(), st, r.office.Pads, bytes.NewReader(record))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// testSoak is the soak on one store: the run, then the checker, which
// must find nothing; every telegram composed must end enciphered, and the
// hostile cases must have happened.
func testSoak(t *testing.T, st ciphergram.Store, name string) {
	clients, iterations := size(t)
	r := soakRun(t, st, recordFile(t, name), clients, iterations)
	res := r.res
	for _, u := range res.Unexpected {
		t.Errorf("unexpected: %s", u)
	}
	if res.UnexpectedCount > 0 {
		t.Errorf("%d unexpected replies", res.UnexpectedCount)
	}
	rep := r.check(t, nil, nil)
	t.Logf("%s: %d clients x %d iterations in %v: %d telegrams enciphered, %.0f telegrams/s; %d requests (%.0f/s); "+
		"twins %d (%d refused), cancels %d (%d lost the reply, %d of those committed), premature %d, exhausted replies %d, pads imported during the run %d; %d CPUs %s/%s\n%s",
		name, clients, iterations, res.Duration.Round(1e6), rep.Enciphered, float64(rep.Enciphered)/res.Duration.Seconds(),
		res.Requests, float64(res.Requests)/res.Duration.Seconds(), res.Twins, res.TwinRefused, res.Cancels, res.CancelsInterrupted,
		res.CancelsCommitted, res.Premature, res.Exhausted, res.PadsImported, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, rep)
	if rep.ViolationCount > 0 {
		t.Errorf("the checker found %d violations", rep.ViolationCount)
	}
	if want := clients * iterations; rep.Telegrams != want || rep.Enciphered != want {
		t.Errorf("%d telegrams in the registry, %d enciphered: want %d composed and all enciphered", rep.Telegrams, rep.Enciphered, want)
	}
	if res.Twins == 0 || res.TwinRefused != res.Twins || res.Cancels == 0 || res.Premature == 0 {
		t.Errorf("the hostile cases: %d twins (%d refused), %d cancels, %d premature: want some of each, one twin of each pair refused",
			res.Twins, res.TwinRefused, res.Cancels, res.Premature)
	}
	if rep.Acknowledged+rep.Interrupted < rep.Enciphered {
		t.Errorf("%d enciphered, from %d acknowledged and %d interrupted requests", rep.Enciphered, rep.Acknowledged, rep.Interrupted)
	}
	// The audit chain, while it is small enough to read whole.
	if rep.Telegrams <= 20000 {
		svc := office.New(st)
		admin, err := svc.Actor(context.Background(), "admin")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := svc.VerifyAudit(context.Background(), admin); err != nil {
			t.Errorf("the audit chain of %d entries: %v", n, err)
		}
	}
}

// TestSoakSQLite is the single-use soak against a SQLite office.
func TestSoakSQLite(t *testing.T) {
	st, err := openSQLite(context.Background(), filepath.Join(t.TempDir(), "soak.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testSoak(t, st, "sqlite")
}

// TestSoakPostgres is the single-use soak against a PostgreSQL office
// (skipped without CIPHERGRAM_TEST_POSTGRES).
func TestSoakPostgres(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	// A pool of 8 for 64 clients; pgtest's 4 suits its many small tests.
	dsn, err := pgtest.WithParams(dsn, map[string]string{"pool_max_conns": "8"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := openPostgres(t, context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testSoak(t, st, "postgres")
}

// TestSoakRecyclesIndicators gives each link only 150 indicators for
// about 140 pages, so that pads get the indicators of pads used up, as in
// a run of more than 100,000 pages a link: the stores must take them, and
// the checker must still find every page used once.
func TestSoakRecyclesIndicators(t *testing.T) {
	st, err := openSQLite(context.Background(), filepath.Join(t.TempDir(), "soak.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	f, err := os.Create(filepath.Join(t.TempDir(), "soak.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o, err := soak.Start(ctx, st, soak.Config{Clients: 16, Iterations: 10, PadPages: 20, IndicatorsPerLink: 150, Seed: seed(t), Log: f})
	if err != nil {
		t.Fatal(err)
	}
	res, err := o.Run(ctx)
	if cerr := o.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range res.Unexpected {
		t.Errorf("unexpected: %s", u)
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	rep, err := soak.Check(ctx, st, o.Pads, f)
	if err != nil {
		t.Fatal(err)
	}
	reissued := o.Pads.Reissued()
	t.Logf("%d indicators reissued, %d pads imported during the run\n%s", reissued, res.PadsImported, rep)
	if rep.ViolationCount > 0 || rep.Enciphered != 160 {
		t.Errorf("%d violations, %d of 160 telegrams enciphered", rep.ViolationCount, rep.Enciphered)
	}
	if reissued == 0 {
		t.Error("no indicator was given to a second pad")
	}
}

func TestParseSize(t *testing.T) {
	for _, s := range []string{"64x100000", " 8X3 "} {
		if _, _, err := soak.ParseSize(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	if c, n, _ := soak.ParseSize("64x100000"); c != 64 || n != 100000 {
		t.Errorf("64x100000: %d x %d", c, n)
	}
	for _, s := range []string{"", "64", "x3", "0x5", "4x-1", "4x3x2", "ax3"} {
		if _, _, err := soak.ParseSize(s); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}

// small is one small SQLite run shared by the checker's tests.
var small = struct {
	sync.Mutex
	r *run
}{}

func smallRun(t *testing.T) *run {
	small.Lock()
	defer small.Unlock()
	if small.r == nil {
		dir, err := os.MkdirTemp("", "soak-check")
		if err != nil {
			t.Fatal(err)
		}
		st, err := openSQLite(context.Background(), filepath.Join(dir, "soak.db"))
		if err != nil {
			t.Fatal(err)
		}
		// The store and its directory outlive this test, for the others;
		// TestMain removes them.
		cleanups = append(cleanups, func() { st.Close(); os.RemoveAll(dir) })
		small.r = soakRun(t, st, filepath.Join(dir, "soak.jsonl"), 16, 4)
	}
	return small.r
}

var cleanups []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range cleanups {
		f()
	}
	os.Exit(code)
}

// records reads the run's record.
func (r *run) records(t *testing.T) []soak.Record {
	t.Helper()
	b, err := os.ReadFile(r.record)
	if err != nil {
		t.Fatal(err)
	}
	var out []soak.Record
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var rec soak.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

func encode(t *testing.T, recs []soak.Record) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// acks returns the indexes of the acknowledged encipherments.
func acks(recs []soak.Record) []int {
	var out []int
	for i, r := range recs {
		if r.Op == "encipher" && r.Acknowledged() {
			out = append(out, i)
		}
	}
	return out
}

// wantViolations fails unless the report has violations, each of the
// substrings in one of them.
func wantViolations(t *testing.T, rep *soak.Report, subs ...string) {
	t.Helper()
	if rep.ViolationCount == 0 {
		t.Fatalf("the checker found nothing:\n%s", rep)
	}
	for _, s := range subs {
		if !slices.ContainsFunc(rep.Violations, func(v string) bool { return strings.Contains(v, s) }) {
			t.Errorf("no violation says %q:\n%s", s, rep)
		}
	}
}

// TestCheckerPassesCleanRun: the untouched run has no violation, so what
// the other tests find is the corruption's doing.
func TestCheckerPassesCleanRun(t *testing.T) {
	r := smallRun(t)
	if rep := r.check(t, nil, nil); rep.ViolationCount != 0 || rep.Enciphered != 64 {
		t.Fatalf("a clean run of 64 telegrams:\n%s", rep)
	}
}

// TestCheckerCatchesCorruptRecord corrupts the record the way a double use
// of a page, a lost encipherment or a double acknowledgement would show in
// the replies, and the checker must say so.
func TestCheckerCatchesCorruptRecord(t *testing.T) {
	r := smallRun(t)
	recs := r.records(t)
	ack := acks(recs)
	if len(ack) < 2 {
		t.Fatalf("%d acknowledged encipherments", len(ack))
	}
	// Two acknowledgements on the same link.
	first := recs[ack[0]]
	var other int
	for _, i := range ack[1:] {
		if recs[i].Peer == first.Peer && recs[i].Telegram != first.Telegram {
			other = i
			break
		}
	}
	if other == 0 {
		t.Fatal("no two acknowledged telegrams on one link")
	}

	t.Run("indicator duplicated", func(t *testing.T) {
		c := slices.Clone(recs)
		c[other].Indicators = slices.Clone(c[other].Indicators)
		c[other].Indicators[0] = first.Indicators[0]
		rep := r.check(t, nil, encode(t, c))
		wantViolations(t, rep, "indicator "+first.Indicators[0], "a page used twice",
			"telegram "+strconv.FormatInt(c[other].Telegram, 10)+": acknowledged")
	})
	t.Run("acknowledged telegram missing", func(t *testing.T) {
		fake := first
		fake.Telegram, fake.Seq = 1_000_000, int64(len(recs)+1)
		rep := r.check(t, nil, encode(t, append(slices.Clone(recs), fake)))
		wantViolations(t, rep, "telegram 1000000: acknowledged as enciphered", "not in the registry")
	})
	t.Run("acknowledged twice", func(t *testing.T) {
		again := first
		again.Seq = int64(len(recs) + 1)
		rep := r.check(t, nil, encode(t, append(slices.Clone(recs), again)))
		wantViolations(t, rep, "enciphered twice")
	})
	t.Run("another wire", func(t *testing.T) {
		c := slices.Clone(recs)
		c[ack[0]].WireSHA = strings.Repeat("0", 32)
		rep := r.check(t, nil, encode(t, c))
		wantViolations(t, rep, "the registry has indicators")
	})
	t.Run("draft enciphered", func(t *testing.T) {
		c := slices.Clone(recs)
		c[ack[0]].Kind = "premature"
		wantViolations(t, r.check(t, nil, encode(t, c)), "enciphered before it was signed")
	})
	t.Run("enciphered without a request", func(t *testing.T) {
		var c []soak.Record
		for _, x := range recs {
			if x.Op == "encipher" && x.Telegram == first.Telegram {
				continue // as if the clients had never asked
			}
			c = append(c, x)
		}
		wantViolations(t, r.check(t, nil, encode(t, c)), "but no encipherment of it was acknowledged or interrupted")
	})
}

// lyingStore answers the checker with a corrupted registry or corrupted
// destruction records.
type lyingStore struct {
	ciphergram.Store
	destructions func([]*ciphergram.Destruction) []*ciphergram.Destruction
	telegrams    func([]*ciphergram.Telegram) []*ciphergram.Telegram
}

func (s *lyingStore) Destructions(ctx context.Context) ([]*ciphergram.Destruction, error) {
	ds, err := s.Store.Destructions(ctx)
	if err == nil && s.destructions != nil {
		ds = s.destructions(ds)
	}
	return ds, err
}

func (s *lyingStore) Telegrams(ctx context.Context, f ciphergram.TelegramFilter) ([]*ciphergram.Telegram, error) {
	ts, err := s.Store.Telegrams(ctx, f)
	if err == nil && s.telegrams != nil {
		ts = s.telegrams(ts)
	}
	return ts, err
}

// TestCheckerCatchesCorruptStore shows a store that used a page twice, lost
// a destruction record or kept a wire other than the one acknowledged to
// the checker, which must say so.
func TestCheckerCatchesCorruptStore(t *testing.T) {
	r := smallRun(t)
	acked := map[int64]bool{}
	for _, rec := range r.records(t) {
		if rec.Op == "encipher" && rec.Acknowledged() {
			acked[rec.Telegram] = true
		}
	}
	ds, err := r.st.Destructions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Pages of two acknowledged telegrams on one link: the first destroyed
	// and the last.
	link := func(d *ciphergram.Destruction) string { peer, _, _ := r.office.Pads.Pad(d.PadID); return peer }
	var a, b *ciphergram.Destruction
	for _, d := range ds {
		switch {
		case !acked[d.TelegramID]:
		case a == nil:
			a = d
		case link(d) == link(a) && d.TelegramID != a.TelegramID:
			b = d
		}
	}
	if b == nil {
		t.Fatal("no two acknowledged telegrams on one link")
	}
	ta, tb := strconv.FormatInt(a.TelegramID, 10), strconv.FormatInt(b.TelegramID, 10)

	t.Run("page used twice", func(t *testing.T) {
		// The first page, also destroyed for the last telegram.
		st := &lyingStore{Store: r.st, destructions: func(ds []*ciphergram.Destruction) []*ciphergram.Destruction {
			twice := *a
			twice.TelegramID = b.TelegramID
			return append(ds, &twice)
		}}
		wantViolations(t, r.check(t, st, nil), "destroyed twice", "telegram "+tb+": its wire has indicators", "destruction records")
	})
	t.Run("destruction record lost", func(t *testing.T) {
		st := &lyingStore{Store: r.st, destructions: func(ds []*ciphergram.Destruction) []*ciphergram.Destruction {
			return slices.DeleteFunc(ds, func(d *ciphergram.Destruction) bool { return d.PageRef == a.PageRef })
		}}
		wantViolations(t, r.check(t, st, nil), "is used and has no destruction record", "telegram "+ta+": its wire has indicators")
	})
	t.Run("another wire stored", func(t *testing.T) {
		// Telegram b stored with telegram a's wire: a's pages on two.
		var wire string
		if ts, err := r.st.Telegrams(context.Background(), ciphergram.TelegramFilter{IDs: []int64{a.TelegramID}}); err != nil || len(ts) != 1 {
			t.Fatal(ts, err)
		} else {
			wire = ts[0].Wire
		}
		st := &lyingStore{Store: r.st, telegrams: func(ts []*ciphergram.Telegram) []*ciphergram.Telegram {
			for _, tg := range ts {
				if tg.ID == b.TelegramID {
					tg.Wire = wire
				}
			}
			return ts
		}}
		wantViolations(t, r.check(t, st, nil), "stored in 2 telegram parts", "telegram "+tb+": acknowledged")
	})
	t.Run("acknowledged telegram lost", func(t *testing.T) {
		st := &lyingStore{Store: r.st, telegrams: func(ts []*ciphergram.Telegram) []*ciphergram.Telegram {
			return slices.DeleteFunc(ts, func(tg *ciphergram.Telegram) bool { return tg.ID == b.TelegramID })
		}}
		wantViolations(t, r.check(t, st, nil), "telegram "+tb+": acknowledged as enciphered", "not in the registry")
	})
}
