package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"
	"time"
)

// Scrubbing the WAL.
//
// A committed destruction has deleted the digits from every row, and
// secure_delete has zeroed them in the new image of their database page,
// which the commit wrote to the WAL. Older images that hold the digits are
// still in the database file (until a checkpoint copies the new image over
// it) and in older frames of the WAL (until the WAL is truncated). A scrub
// does both: a TRUNCATE checkpoint, which takes no wait (busy_timeout 0)
// and gives up if other connections hold it up; frames it cannot clear go
// when a later checkpoint restarts the WAL, which journal_size_limit(0) then
// truncates.
//
// A scrub costs about two commits (the database file is synchronized, the
// WAL truncated), and runs alone, between batches. It runs within
// ScrubDelay of the commit of a destruction: one scrub for all the
// destructions of that time, not one each. ScrubDelay 0 scrubs after every
// such commit, before its callers return. What the delay costs: a copy of
// the files taken within ScrubDelay of a destruction still holds the pages
// destroyed in that time. Such a copy, taken a little earlier, would have
// held the same pages unused (and every other unused page), so the delay
// lets no one who can copy the files read a telegram they could not have
// read otherwise by copying them earlier; it is the window between a page's
// use and the files' forgetting it that grows, from the time of one
// checkpoint to ScrubDelay. A process that dies before its scrub leaves
// the images to the next Open, which scrubs first thing, and to SQLite's
// own checkpoint when the last connection closes.

// ScrubDelay is the longest a destroyed page's digits stay in the database
// and WAL files after the commit that destroyed it, when no other
// connection holds the checkpoint up. Open gives it to each store.
const ScrubDelay = 50 * time.Millisecond

// destroyed is called by the leader after a commit that destroyed key
// material: it scrubs now (ScrubDelay 0) or makes sure that a scrub is due.
func (s *Store) destroyed() {
	if s.scrubDelay <= 0 {
		s.scrubWAL()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scrubTimer == nil && !s.closed {
		s.scrubTimer = time.AfterFunc(s.scrubDelay, func() {
			s.mu.Lock()
			s.scrubTimer = nil
			s.mu.Unlock()
			// Queued as a write, so that it runs between batches; refused
			// once the store is closed, and Close scrubs then.
			_ = s.submit(&request{ctx: context.Background(), op: "scrub", scrub: true})
		})
	}
}

// scrubWAL checkpoints the WAL into the database file and truncates it, on
// a connection of its own, best effort. It is called only where no batch
// runs: by the leader, at Open and at Close.
func (s *Store) scrubWAL() {
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return
	}
	var busy, logFrames, checkpointed int
	_ = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &checkpointed)
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeoutMillis)); err != nil {
		// Never hand a connection without a busy timeout back to the pool.
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	s.stats.scrubbed()
}

// stmtCache keeps one prepared statement per query text; database/sql
// prepares each on a connection the first time it runs there, and keeps it.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}
