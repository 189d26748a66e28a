package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"ciphergram"
)

// Group commit.
//
// Every write of the store (write, change) is a request: a function that
// runs in a transaction, and the audit entries it appends. Requests that
// arrive while a transaction is committing wait in a queue, and the next
// transaction takes them all (up to maxBatch): one BEGIN IMMEDIATE, one
// commit, one fsync for the lot. Within it each request runs between
// SAVEPOINT and RELEASE; one that fails is rolled back to its savepoint
// alone, and the others go on. Each caller returns only when its request's
// fate is final: after the commit returned, so that its effects are on
// disk (synchronous=FULL), or with its error, and then nothing of it was
// committed.
//
// The batches are run by the callers themselves, no goroutine of the store:
// the caller at the head of the queue leads, runs one batch (its own request
// is the first in it), wakes the callers of the others, and hands the lead
// to the caller now at the head of the queue, if any. A lone caller runs
// its own transaction at once, as before batching.
//
// What batching changes for a request, and what it does not:
//   - its statements run under the batch's context, not the caller's, so
//     that a caller that gives up cannot interrupt a statement (SQLite rolls
//     back the whole transaction of an interrupted write, the others' work
//     with it). A caller whose context is done before its request is taken
//     into a batch withdraws it (nothing happens, the error is the
//     context's); once taken, the request runs or fails as a whole and the
//     caller waits for that: an error still means that nothing happened;
//   - it sees the writes of the requests before it in the batch, which are
//     committed with it or not at all: when the commit fails, every request
//     of the batch gets the error and none of them happened. A request that
//     fails and leaves the transaction unusable (the disk full, an I/O
//     error: SQLite then rolls back the whole transaction) fails the others
//     of its batch too, with that error;
//   - the audit entries are chained in the order the requests ran, which is
//     the commit order;
//   - a request's function must not call the store (its caller would wait
//     for itself), and must be ready to run in another goroutine. A panic in
//     it fails its request, is passed on to its caller's goroutine, and
//     leaves the store usable.

// maxBatch bounds the requests of one transaction.
const maxBatch = 64

// A request is one write waiting to be committed.
type request struct {
	ctx    context.Context
	op     string
	audits []ciphergram.Audit // appended after fn, in one statement
	fn     func(tx *wtx) error

	err      error // the outcome, once done
	panicked any   // what fn panicked with, passed on to the caller

	// scrub marks the request that scrubs the WAL (see scrub.go): it runs
	// alone and outside any transaction.
	scrub bool
	// solo, when set, is run instead of fn, alone and outside any batch's
	// transaction, while no other write of the store runs (see exclusive).
	solo func() error

	// Guarded by Store.mu.
	taken bool          // in a batch: it can no longer be withdrawn
	lead  bool          // handed the lead
	done  bool          // err is final
	wake  chan struct{} // one send: done, or the lead handed over
}

// errClosed refuses the writes of a closed store.
var errClosed = errors.New("the store is closed")

// transact runs fn as one request: in an IMMEDIATE transaction, with the
// audit entries appended to the log after it, committed with the requests
// batched with it. Errors of fn that are *ciphergram.Error pass unchanged;
// others are wrapped as internal faults of op.
func (s *Store) transact(ctx context.Context, op string, audits []ciphergram.Audit, fn func(tx *wtx) error) error {
	return s.submit(&request{ctx: ctx, op: op, audits: audits, fn: fn})
}

// exclusive runs fn as a request of its own, between batches, while no
// other write of this store runs; fn begins and commits a transaction of
// its own, which other processes' writes wait for as usual. Errors of fn
// pass through fault, as for transact.
func (s *Store) exclusive(ctx context.Context, op string, fn func() error) error {
	return s.submit(&request{ctx: ctx, op: op, solo: fn})
}

// alone reports whether r runs in a batch of its own.
func (r *request) alone() bool { return r.scrub || r.solo != nil }

// submit queues r, waits for its outcome, leading batches when its turn
// comes, and returns r's error.
func (s *Store) submit(r *request) error {
	r.wake = make(chan struct{}, 1)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fault(r.op, errClosed)
	}
	s.queue = append(s.queue, r)
	lead := !s.leading
	s.leading, r.lead = true, lead
	s.mu.Unlock()
	if lead || s.await(r) {
		s.lead(r)
	}
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

// await waits until r is done, and reports false, or until the lead is
// handed to its caller, and reports true. A caller whose context ends while
// r is still queued withdraws it.
func (s *Store) await(r *request) (lead bool) {
	select {
	case <-r.wake:
	case <-r.ctx.Done():
		s.mu.Lock()
		if !r.taken && !r.lead && !r.done { // queued
			if i := slices.Index(s.queue, r); i >= 0 {
				s.queue = slices.Delete(s.queue, i, i+1)
			}
			r.done, r.err = true, fault(r.op, r.ctx.Err())
			s.mu.Unlock()
			return false
		}
		s.mu.Unlock()
		<-r.wake
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return !r.done
}

// lead runs the next batch, which begins with me, then hands the lead to
// the caller of the next request queued, or gives it up.
func (s *Store) lead(me *request) {
	s.mu.Lock()
	n := 1 // a scrub or a solo request runs alone, and ends a batch
	for !me.alone() && n < min(len(s.queue), maxBatch) && !s.queue[n].alone() {
		n++
	}
	batch := slices.Clone(s.queue[:n])
	s.queue = slices.Delete(s.queue, 0, n)
	for _, r := range batch {
		r.taken = true
	}
	s.mu.Unlock()
	ran := false
	defer func() {
		// Whatever happens, the batch's callers are woken and the lead
		// passes on; a panic of the store's own code fails the requests
		// that had not run to their end, then goes on up.
		p := recover()
		if p != nil && !ran {
			for _, r := range batch {
				if r.err == nil {
					r.err = fault(r.op, fmt.Errorf("the batch broke off: %v", p))
				}
			}
		}
		s.finish(me, batch)
		if p != nil {
			panic(p)
		}
	}()
	if batch[0] != me {
		panic("sqlite: the leader's request is not first in its batch")
	}
	if me.scrub {
		s.scrubWAL()
		ran = true
		return
	}
	if me.solo != nil {
		me.err = fault(me.op, me.solo())
		ran = true
		return
	}
	destroyed := s.run(batch)
	ran = true
	if destroyed {
		s.destroyed() // after a commit that destroyed key material
	}
}

// finish marks the batch's requests done, wakes their callers, and hands
// the lead to the caller of the next request queued, or gives it up.
func (s *Store) finish(me *request, batch []*request) {
	s.mu.Lock()
	for _, r := range batch {
		r.done = true
		if r != me {
			r.wake <- struct{}{}
		}
	}
	if len(s.queue) > 0 {
		next := s.queue[0]
		next.lead = true
		next.wake <- struct{}{}
	} else {
		s.leading = false
		s.idle.Broadcast()
	}
	s.mu.Unlock()
}

// run runs the batch in one transaction and sets each request's err. It
// reports whether key material was destroyed and committed.
func (s *Store) run(batch []*request) (destroyed bool) {
	ctx := context.Background()
	fail := func(err error) {
		for _, r := range batch {
			if r.err == nil {
				r.err = fault(r.op, err)
			}
		}
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		fail(err)
		return false
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		fail(err)
		return false
	}
	defer tx.Rollback()
	w := &wtx{tx: tx, ctx: ctx, stmts: &s.stmts}
	alone := len(batch) == 1
	ran := 0 // requests that ran and hold their effects in tx
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = fault(r.op, err)
			continue
		}
		if !alone {
			if _, err := w.ExecContext(ctx, `SAVEPOINT request`); err != nil {
				fail(err)
				return false
			}
		}
		before := w.destroyed
		if err := s.runOne(w, r); err != nil {
			r.err = fault(r.op, err)
			w.destroyed = before
			if alone {
				return false
			}
			if _, rerr := w.ExecContext(ctx, `ROLLBACK TO request`); rerr != nil {
				fail(fmt.Errorf("after %s failed (%v), the transaction cannot go on: %w", r.op, err, rerr))
				return false
			}
		}
		if !alone {
			if _, err := w.ExecContext(ctx, `RELEASE request`); err != nil {
				fail(err)
				return false
			}
		}
		if r.err == nil {
			ran++
		}
	}
	if ran == 0 {
		return false // nothing to commit: the deferred Rollback ends tx
	}
	start := time.Now()
	if err := tx.Commit(); err != nil {
		fail(err)
		return false
	}
	s.stats.record(ran, time.Since(start))
	return w.destroyed
}

// runOne runs r's function and appends its audit entry, turning a panic
// into an error (and keeping the panic for r's caller).
func (s *Store) runOne(w *wtx, r *request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.panicked = p
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	if err := r.fn(w); err != nil {
		return err
	}
	if len(r.audits) > 0 {
		return appendAudit(w.ctx, w, r.audits...)
	}
	return nil
}

// commitStats counts the commits of batches, for tests and measurements.
type commitStats struct {
	mu       sync.Mutex
	commits  int           // transactions committed
	requests int           // requests committed
	fsync    time.Duration // time spent in Commit
	scrubs   int           // scrubs of the WAL
}

func (c *commitStats) scrubbed() {
	c.mu.Lock()
	c.scrubs++
	c.mu.Unlock()
}

func (c *commitStats) record(requests int, d time.Duration) {
	c.mu.Lock()
	c.commits++
	c.requests += requests
	c.fsync += d
	c.mu.Unlock()
}

func (c *commitStats) get() (commits, requests int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commits, c.requests
}

// wtx is a write transaction: the batch's. Its statements run under the
// batch's context, whatever context a request's code passes, and are
// prepared once per connection. destroyed records that it deleted key
// material, so that the WAL is scrubbed after the commit.
type wtx struct {
	tx        *sql.Tx
	ctx       context.Context
	stmts     *stmtCache
	destroyed bool
}

// ExecContext runs a statement in the transaction. The context is ignored:
// see wtx.
func (w *wtx) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	st, err := w.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(w.ctx, args...)
}

// QueryContext runs a query in the transaction.
func (w *wtx) QueryContext(_ context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := w.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(w.ctx, args...)
}

// QueryRowContext runs a query of one row in the transaction.
func (w *wtx) QueryRowContext(_ context.Context, query string, args ...any) *sql.Row {
	st, err := w.stmt(query)
	if err != nil {
		return w.tx.QueryRowContext(w.ctx, query, args...) // reports the error from Scan
	}
	return st.QueryRowContext(w.ctx, args...)
}

// stmt returns the cached statement for query, bound to the transaction.
func (w *wtx) stmt(query string) (*sql.Stmt, error) {
	st, err := w.stmts.get(w.ctx, query)
	if err != nil {
		return nil, err
	}
	return w.tx.StmtContext(w.ctx, st), nil
}
