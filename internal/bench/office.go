package bench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/office"
	"ciphergram/otp"
	"ciphergram/sqlite"
)

// officeText is the telegram the clerks encipher: one page of the default
// pad, as most telegrams are.
const officeText = "AGENT LIST REPORTS THAT THE NEUTRALITY PACT WAS SIGNED IN MOSCOW ON 13 APRIL. " +
	"CRIPPS IS TO SEE MOLOTOV ON THE 23RD. COPIES TO WASHINGTON AND CHONGQING."

// rig is an office on the embedded store, and a plain database beside it
// with the same pragmas, in one temporary directory.
type rig struct {
	dir            string
	st             *sqlite.Store
	svc            *office.Service
	officer, clerk *ciphergram.User
	pads, left     int // pads issued, pages left
	raw            *sql.DB
	rawRow         string
}

func newRig(ctx context.Context, parent string) (r *rig, err error) {
	dir, err := os.MkdirTemp(parent, "ciphergram-bench-")
	if err != nil {
		return nil, err
	}
	r = &rig{dir: dir}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	if r.st, err = sqlite.Open(ctx, filepath.Join(dir, "office.db")); err != nil {
		return nil, err
	}
	r.svc = office.New(r.st)
	if err := r.svc.Init(ctx, "LONDON", false, "admin"); err != nil {
		return nil, err
	}
	admin, err := r.svc.Actor(ctx, "admin")
	if err != nil {
		return nil, err
	}
	for _, u := range []*ciphergram.User{{Name: "officer", Role: ciphergram.RoleOfficer, Cover: "VADIM"}, {Name: "clerk", Role: ciphergram.RoleClerk}} {
		if err := r.svc.AddUser(ctx, admin, u); err != nil {
			return nil, err
		}
	}
	if err := r.svc.AddLink(ctx, admin, &ciphergram.Link{Peer: "CENTRE", Mode: cipher.Authenticated}); err != nil {
		return nil, err
	}
	if r.officer, err = r.svc.Actor(ctx, "officer"); err != nil {
		return nil, err
	}
	if r.clerk, err = r.svc.Actor(ctx, "clerk"); err != nil {
		return nil, err
	}

	if r.raw, err = sql.Open("sqlite", sqlite.DSN(filepath.Join(dir, "raw.db"))); err != nil {
		return nil, err
	}
	r.raw.SetMaxOpenConns(1)
	if _, err := r.raw.ExecContext(ctx, `CREATE TABLE raw (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		return nil, err
	}
	for i := range floorTables {
		if _, err := r.raw.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE floor%d (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`, i)); err != nil {
			return nil, err
		}
	}
	r.rawRow = strings.Repeat("WWZTA ", 50) // about a one-page wire
	return r, nil
}

func (r *rig) close() {
	if r.st != nil {
		r.st.Close()
	}
	if r.raw != nil {
		r.raw.Close()
	}
	os.RemoveAll(r.dir)
}

// rawRate inserts n rows, each in its own synchronous transaction, and
// returns the inserts a second.
func (r *rig) rawRate(ctx context.Context, n int) (float64, error) {
	runtime.GC()
	start := time.Now()
	for range n {
		if _, err := r.raw.ExecContext(ctx, `INSERT INTO raw (body) VALUES (?)`, r.rawRow); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// floorTables is how many tables the floor transactions write: as many as
// the database pages an encipherment touches (docs/performance.md).
const floorTables = 12

// Floors are the transactions of the floor table: rows inserted in one
// synchronous transaction, spread over the floor tables, and for how many
// telegrams it stands. One row is the raw insert; four rows the fewest an
// encipherment could write (its telegram, its page, the page's destruction
// record, an audit entry); twelve the database pages one encipherment
// writes now; eight times four and eight times twelve, a group commit of
// eight clerks.
var floors = []struct {
	rows, telegrams int
}{{1, 1}, {4, 1}, {floorTables, 1}, {8 * 4, 8}, {8 * floorTables, 8}}

// floorRate commits n transactions of rows plain inserts each, spread
// over the floor tables, and returns the telegrams a second they stand
// for: what SQLite itself allows a transaction as big as the office's,
// with the same pragmas, before any of the office's own statements.
func (r *rig) floorRate(ctx context.Context, rows, telegrams, n int) (float64, error) {
	runtime.GC()
	start := time.Now()
	for range n {
		tx, err := r.raw.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		for i := range rows {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO floor%d (body) VALUES (?)`, i%floorTables), r.rawRow); err != nil {
				tx.Rollback()
				return 0, err
			}
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return float64(n*telegrams) / time.Since(start).Seconds(), nil
}

// officeRate has clerks clerks encipher n signed telegrams, as many at
// once, and returns the telegrams a second. The telegrams are composed and
// signed first, outside the time.
func (r *rig) officeRate(ctx context.Context, clerks, n int) (float64, error) {
	if err := r.ensurePages(ctx, n); err != nil {
		return 0, err
	}
	ids, err := r.signed(ctx, n)
	if err != nil {
		return 0, err
	}
	queue := make(chan int64, n)
	for _, id := range ids {
		queue <- id
	}
	close(queue)
	runtime.GC()
	var wg sync.WaitGroup
	errs := make(chan error, clerks)
	start := time.Now()
	for range clerks {
		wg.Go(func() {
			for id := range queue {
				if _, err := r.svc.Encipher(ctx, r.clerk, id); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	r.left -= n
	return float64(n) / d.Seconds(), nil
}

// ensurePages issues a pad with the pages missing for n telegrams. Each
// measurement uses up what it was issued, so that a new pad's indicators
// rarely meet those of unused pages of the one before (an office refuses a
// pad that repeats an indicator of its unused pages on the link; another is
// drawn then).
func (r *rig) ensurePages(ctx context.Context, n int) error {
	for try := 0; r.left < n; try++ {
		pages := min(otp.MaxPages, n-r.left)
		r.pads++
		_, err := r.svc.IssuePad(ctx, r.clerk, fmt.Sprintf("LON-CEN-B%d", r.pads), "LONDON", "CENTRE", pages, otp.DefaultGroupsPerPage)
		if ciphergram.ErrorCode(err) == ciphergram.ECONFLICT && try < 10 {
			continue
		}
		if err != nil {
			return err
		}
		r.left += pages
	}
	return nil
}

// signed composes and signs n telegrams, eight at a time, and returns
// their IDs.
func (r *rig) signed(ctx context.Context, n int) ([]int64, error) {
	ids := make([]int64, n)
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				t, err := r.svc.Compose(ctx, r.officer, office.Draft{To: "CENTRE", Text: officeText})
				if err == nil {
					t, err = r.svc.Sign(ctx, r.officer, t.ID)
				}
				if err != nil {
					errs <- err
					return
				}
				ids[i] = t.ID
			}
		})
	}
	wg.Wait()
	close(errs)
	return ids, <-errs
}

// measureOffice measures the raw inserts and the office with each number
// of clerks, in alternation.
func measureOffice(ctx context.Context, c Config, res *Result) error {
	r, err := newRig(ctx, c.Dir)
	if err != nil {
		return err
	}
	defer r.close()
	res.Machine.Dir = filepath.Dir(r.dir)
	fns := []func() (float64, error){func() (float64, error) { return r.rawRate(ctx, c.RawInserts) }}
	for _, clerks := range c.Clerks {
		fns = append(fns, func() (float64, error) {
			logf(c, "  %d clerk(s)", clerks)
			return r.officeRate(ctx, clerks, c.OfficeTelegrams)
		})
	}
	full := len(c.Clerks) > 2 // the run of record measures the floors too
	if full {
		for _, f := range floors[1:] {
			fns = append(fns, func() (float64, error) {
				logf(c, "  floor: %d rows a transaction", f.rows)
				return r.floorRate(ctx, f.rows, f.telegrams, max(1, c.RawInserts*f.telegrams/f.rows))
			})
		}
	}
	rs, err := alternate(c.Rounds, fns...)
	if err != nil {
		return err
	}
	res.SQLiteRawTPS = rs[0]
	if full {
		fl := map[int]float64{1: rs[0]}
		for i, f := range floors[1:] {
			fl[f.rows] = rs[1+len(c.Clerks)+i]
		}
		res.scaling().FloorTPS = fl
	}
	byClerks := map[int]float64{}
	for i, clerks := range c.Clerks {
		byClerks[clerks] = rs[i+1]
	}
	res.OfficeTPS1, res.OfficeTPS8 = byClerks[1], byClerks[8]
	if full || byClerks[1] == 0 || byClerks[8] == 0 {
		res.scaling().OfficeTPS = byClerks
	}
	return nil
}
