package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"ciphergram"
	"ciphergram/otp"
	"ciphergram/vault"
)

// pageKey names a page as the schema does (pads.seq), and as people do.
type pageKey struct {
	pad    int64 // pads.seq
	padID  string
	number int
}

// destroy uses the pages and destroys their key material in tx, in one
// round trip: it deletes the sealed digits, marks the pages used (only
// those unused: ECONFLICT otherwise, also for a page named twice) and keeps
// a destruction record for each, in the order of keys. The schema refuses
// any other order: a used page cannot change again, marking a page used
// deletes its digits (trigger pages_use_destroys), and a destruction record
// needs a used page without digits. When tx commits, the data key of a pad
// whose last unused page it used is erased (trigger pages_use_erases_key,
// deferred so that it runs where commits are serialized anyway: see
// migrations/0008_vault.sql).
//
// What is guaranteed when the transaction has committed: the digits, and
// an erased data key, are in no row that a transaction begun since can
// read (one whose snapshot is older still sees them until it ends). What
// is not: that their bytes are gone from the disk. PostgreSQL deletes a
// row (or updates it, as an erase does) by marking the old version dead;
// its bytes stay in the table's file until VACUUM prunes the page once no
// snapshot needs the row (autovacuum is set to visit page_digits and pads
// after every deletion, see migrations/0003_pads.sql and 0008_vault.sql;
// pruning compacts the page, which in practice overwrites them, but
// nothing promises it), and they stay in the WAL segments, and in any WAL
// archive, base backup or replica, until those are recycled. Nor is
// anything guaranteed about the file system, the disk, or copies in the
// memory of the server (shared buffers) or of this process (the driver's
// buffers, though those scanned are zeroed). The digits there are sealed:
// they read only with the pad's data key, which an old copy of pads holds,
// and the office key. An office that needs them gone from the disk runs
// VACUUM on page_digits and pads after use, and keeps no WAL archive or
// base backup.
func destroy(ctx context.Context, tx pgx.Tx, keys []pageKey, reason string, telegramID int64, at time.Time) error {
	pads := make([]int64, len(keys))
	numbers := make([]int32, len(keys))
	for i, k := range keys {
		pads[i], numbers[i] = k.pad, int32(k.number)
	}
	var tid *int64
	if telegramID != 0 {
		tid = &telegramID
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM page_digits WHERE (pad, number) IN (SELECT * FROM unnest($1::bigint[], $2::integer[]))`, pads, numbers)
	b.Queue(`UPDATE pages SET state = 'used'
		WHERE (pad, number) IN (SELECT * FROM unnest($1::bigint[], $2::integer[])) AND state = 'unused'
		RETURNING pad, number`, pads, numbers)
	b.Queue(`INSERT INTO destructions (pad, number, indicator, reason, telegram_id, time_ns)
		SELECT g.pad, g.number, g.indicator, $3, $4, $5
		FROM unnest($1::bigint[], $2::integer[]) WITH ORDINALITY AS k (pad, number, ord)
			JOIN pages g ON g.pad = k.pad AND g.number = k.number
		ORDER BY k.ord`, pads, numbers, reason, tid, at.UnixNano())
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return err
	}
	rows, err := br.Query()
	used, err := collect(rows, err, func(r pgx.Row) (pageKey, error) {
		var k pageKey
		return k, r.Scan(&k.pad, &k.number)
	})
	if err != nil {
		return err
	}
	if len(used) != len(keys) {
		return alreadyUsed(keys, used)
	}
	if _, err := br.Exec(); err != nil {
		return conflict(err, "a page was destroyed already")
	}
	return br.Close()
}

// alreadyUsed is the ECONFLICT for the first of keys that is not among the
// pages used, or that keys name twice.
func alreadyUsed(keys, used []pageKey) error {
	type id struct {
		pad    int64
		number int
	}
	fresh := map[id]bool{}
	for _, k := range used {
		fresh[id{k.pad, k.number}] = true
	}
	for _, k := range keys {
		if !fresh[id{k.pad, k.number}] {
			return ciphergram.Errorf(ciphergram.ECONFLICT, "page %d of pad %s is already used", k.number, k.padID)
		}
		delete(fresh, id{k.pad, k.number}) // named again: used by then
	}
	return ciphergram.Errorf(ciphergram.ECONFLICT, "a page is already used")
}

// errShort ends the first attempt of a claim, which found fewer unused
// pages than it needs among those no other claim has locked.
var errShort = errors.New("too few pages free of other claims")

// ClaimPages takes the n lowest-numbered unused pages of the outgoing pads
// of the link from->to, oldest pad (first imported) first, for telegram
// telegramID, and destroys them in the same transaction (reason "sent").
// The pages returned hold the only copy of their digits, which the caller
// wipes after use. EEXHAUSTED when fewer than n are left; ENOTFOUND if
// telegramID is not 0 and no telegram has it; EINVALID if n < 1.
//
// The claim locks its pages with SELECT ... FOR UPDATE SKIP LOCKED:
// concurrent claims take different pages at once, each the lowest of those
// the others have not locked, and a page locked by one is never seen by
// another (the schema refuses a second use all the same). When that finds
// fewer than n pages, the claim rolls back and tries once more in a new
// transaction that waits for the claims in flight (FOR UPDATE without SKIP
// LOCKED), so that EEXHAUSTED is said only when fewer than n pages are
// really left.
func (s *Store) ClaimPages(ctx context.Context, from, to string, n int, telegramID int64, a ciphergram.Audit) ([]*otp.Page, error) {
	if n < 1 {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "cannot claim %d pages", n)
	}
	var pages []*otp.Page
	wipe := func() {
		for _, pg := range pages {
			pg.Wipe()
		}
		pages = nil
	}
	claim := func(wait bool) error {
		return s.write(ctx, "ClaimPages", a, func(tx pgx.Tx) error {
			wipe() // of an attempt before
			if err := telegramExists(ctx, tx, telegramID); err != nil {
				return err
			}
			keys, got, err := s.unusedPages(ctx, tx, from, to, n, wait)
			pages = got
			switch {
			case err != nil:
				return err
			case len(pages) < n && !wait:
				return errShort
			case len(pages) < n:
				return ciphergram.Errorf(ciphergram.EEXHAUSTED, "the link %s->%s has %d unused pages, %d needed", from, to, len(pages), n)
			}
			return destroy(ctx, tx, keys, "sent", telegramID, a.Time)
		})
	}
	err := claim(false)
	if errors.Is(err, errShort) {
		err = claim(true)
	}
	if err != nil {
		wipe()
		return nil, err
	}
	return pages, nil
}

// EncipherTelegram claims n pages for the signed telegram t, calls seal
// with them and saves t enciphered with the wire seal made, in one
// transaction: see ciphergram.Store. It locks the telegram first, so that
// of two clerks enciphering it at once the second waits and then finds it
// enciphered, at the cost of no page; the pages are taken as ClaimPages
// takes them (and with its second attempt), and the audit head is locked
// last, after seal has run. The pages are wiped when seal returns; on any
// error the transaction is rolled back, so that no page is used and t is
// unchanged. EINVALID if n < 1.
func (s *Store) EncipherTelegram(ctx context.Context, t *ciphergram.Telegram, n int, seal func([]*otp.Page) (string, error),
	claimed, enciphered ciphergram.Audit) error {
	if n < 1 {
		return ciphergram.Errorf(ciphergram.EINVALID, "cannot claim %d pages", n)
	}
	if err := checkTelegram(t); err != nil {
		return err
	}
	if err := checkAudit(claimed); err != nil {
		return err
	}
	var u ciphergram.Telegram
	var sealErr error
	attempt := func(wait bool) error {
		return s.write(ctx, "EncipherTelegram", enciphered, func(tx pgx.Tx) error {
			u, sealErr = *t, nil
			if err := lockState(ctx, tx, u.ID, ciphergram.StateSigned); err != nil {
				return err
			}
			keys, pages, err := s.unusedPages(ctx, tx, u.From, u.To, n, wait)
			defer wipe(pages)
			switch {
			case err != nil:
				return err
			case len(pages) < n && !wait:
				return errShort
			case len(pages) < n:
				return ciphergram.Errorf(ciphergram.EEXHAUSTED, "the link %s->%s has %d unused pages, %d needed", u.From, u.To, len(pages), n)
			}
			if err := destroy(ctx, tx, keys, "sent", u.ID, claimed.Time); err != nil {
				return err
			}
			wire, err := seal(pages)
			if err != nil {
				sealErr = err
				return errSeal
			}
			u.Wire, u.State = wire, ciphergram.StateEnciphered
			if err := saveTelegram(ctx, tx, &u, ciphergram.StateSigned); err != nil {
				return err
			}
			return appendAudit(ctx, tx, claimed)
		})
	}
	err := attempt(false)
	if errors.Is(err, errShort) {
		err = attempt(true)
	}
	if sealErr != nil {
		return sealErr
	}
	if err != nil {
		return err
	}
	*t = u
	return nil
}

// errSeal rolls back a transaction whose seal failed; the caller gets
// seal's error.
var errSeal = errors.New("seal failed")

// wipe wipes the digits of pages.
func wipe(pages []*otp.Page) {
	for _, pg := range pages {
		pg.Wipe()
	}
}

// unusedPages locks and reads up to n unused pages of the outgoing pads
// from->to in the order they are claimed: skipping the pages that other
// transactions have locked, or, with wait, waiting for them (a page that
// such a transaction used is then passed over, and the next one read). It
// opens their digits; a page that does not open is an error, and then no
// page is returned.
func (s *Store) unusedPages(ctx context.Context, tx pgx.Tx, from, to string, n int, wait bool) ([]pageKey, []*otp.Page, error) {
	lock := `FOR UPDATE OF g SKIP LOCKED`
	if wait {
		lock = `FOR UPDATE OF g`
	}
	rows, err := tx.Query(ctx, `SELECT g.pad, p.id, p.wrapped_key, g.number, false, 0, d.digits
		FROM pages g JOIN pads p ON p.seq = g.pad JOIN page_digits d ON d.pad = g.pad AND d.number = g.number
		WHERE g.from_office = $1 AND g.to_office = $2 AND g.direction = 'out' AND g.state = 'unused'
		ORDER BY g.pad, g.number LIMIT $3 `+lock, from, to, n)
	if err != nil {
		return nil, nil, err
	}
	var keys []pageKey
	var refs []vault.PageRef
	pages, err := scanPages(rows, func(r pgx.Row, dest ...any) error {
		var k pageKey
		var wrapped []byte
		if err := r.Scan(append([]any{&k.pad, &k.padID, &wrapped}, dest...)...); err != nil {
			return err
		}
		keys = append(keys, k)
		refs = append(refs, vault.PageRef{PadID: k.padID, Wrapped: wrapped})
		return nil
	})
	if err == nil {
		err = s.openPages(refs, pages)
	}
	if err != nil {
		return nil, nil, err
	}
	for i, pg := range pages {
		keys[i].number = pg.Number
	}
	return keys, pages, nil
}

// IncomingPage returns the unused page of an incoming pad of the link
// from->to with the indicator, with a copy of its digits and its failures.
// ENOTFOUND if no unused page has it.
func (s *Store) IncomingPage(ctx context.Context, from, to, indicator string) (ciphergram.PageRef, *otp.Page, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.id, p.wrapped_key, g.number, false, g.failures, d.digits
		FROM pages g JOIN pads p ON p.seq = g.pad JOIN page_digits d ON d.pad = g.pad AND d.number = g.number
		WHERE g.from_office = $1 AND g.to_office = $2 AND g.direction = 'in' AND g.indicator = $3 AND g.state = 'unused'`,
		from, to, indicator)
	if err != nil {
		return ciphergram.PageRef{}, nil, fault("IncomingPage", err)
	}
	var ref ciphergram.PageRef
	var wrapped []byte
	pages, err := scanPages(rows, func(r pgx.Row, dest ...any) error {
		return r.Scan(append([]any{&ref.PadID, &wrapped}, dest...)...)
	})
	if err == nil && len(pages) > 0 {
		err = s.openPages([]vault.PageRef{{PadID: ref.PadID, Wrapped: wrapped}}, pages[:1])
	}
	switch {
	case err != nil:
		return ciphergram.PageRef{}, nil, fault("IncomingPage", err)
	case len(pages) == 0:
		return ciphergram.PageRef{}, nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "no unused page with indicator %s on %s->%s", indicator, from, to)
	}
	ref.Number = pages[0].Number
	return ref, pages[0], nil
}

// RecordAuthFailure counts a failed authentication against the unused page
// of an incoming pad of from->to with the indicator, and destroys the page
// at the otp.MaxFailures-th failure (reason "authentication failures").
// ENOTFOUND if no unused page has the indicator. The update locks the page,
// so that concurrent failures are counted one after the other.
func (s *Store) RecordAuthFailure(ctx context.Context, from, to, indicator string, a ciphergram.Audit) (bool, error) {
	var burned bool
	err := s.write(ctx, "RecordAuthFailure", a, func(tx pgx.Tx) error {
		burned = false
		var k pageKey
		var failures int
		err := tx.QueryRow(ctx, `UPDATE pages g SET failures = g.failures + 1 FROM pads p
			WHERE p.seq = g.pad AND g.from_office = $1 AND g.to_office = $2 AND g.direction = 'in'
				AND g.indicator = $3 AND g.state = 'unused'
			RETURNING g.pad, p.id, g.number, g.failures`, from, to, indicator).Scan(&k.pad, &k.padID, &k.number, &failures)
		if errors.Is(err, pgx.ErrNoRows) {
			return ciphergram.Errorf(ciphergram.ENOTFOUND, "no unused page with indicator %s on %s->%s", indicator, from, to)
		}
		if err != nil || failures < otp.MaxFailures {
			return err
		}
		burned = true
		return destroy(ctx, tx, []pageKey{k}, "authentication failures", 0, a.Time)
	})
	return burned && err == nil, err
}

// DestroyPad destroys every unused page of the pad id, outgoing or
// incoming, as a use would (reason "destroyed by order", no telegram): the
// digits are deleted, the pages marked used and a destruction record kept
// for each, and the pad's data key is erased (a cryptographic erase: no
// copy of the pages opens without it). The pad's record and its pages'
// records are kept. It waits for the claims in flight on the pad's pages. It says
// how many pages it destroyed, 0 for a pad used up. ENOTFOUND if the pad
// is unknown.
func (s *Store) DestroyPad(ctx context.Context, id string, a ciphergram.Audit) (int, error) {
	var n int
	err := s.write(ctx, "DestroyPad", a, func(tx pgx.Tx) error {
		n = 0
		var seq int64
		err := tx.QueryRow(ctx, `SELECT seq FROM pads WHERE id = $1`, id).Scan(&seq)
		if err != nil {
			return notFound(err, "no pad %s in custody", id)
		}
		rows, err := tx.Query(ctx, `SELECT number FROM pages WHERE pad = $1 AND state = 'unused' ORDER BY number FOR UPDATE`, seq)
		keys, err := collect(rows, err, func(r pgx.Row) (pageKey, error) {
			k := pageKey{pad: seq, padID: id}
			return k, r.Scan(&k.number)
		})
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := destroy(ctx, tx, keys, "destroyed by order", 0, a.Time); err != nil {
				return err
			}
		}
		n = len(keys)
		// Erased now rather than at the commit (the trigger then finds
		// it gone): no claim of the pad is in flight, as its unused
		// pages are locked. A pad used up already has no key left.
		_, err = tx.Exec(ctx, `UPDATE pads SET wrapped_key = NULL WHERE seq = $1 AND wrapped_key IS NOT NULL`, seq)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Destructions lists the destruction records, oldest first.
func (s *Store) Destructions(ctx context.Context) ([]*ciphergram.Destruction, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.id, d.number, d.indicator, d.reason, coalesce(d.telegram_id, 0), d.time_ns
		FROM destructions d JOIN pads p ON p.seq = d.pad ORDER BY d.seq`)
	ds, err := collect(rows, err, func(r pgx.Row) (*ciphergram.Destruction, error) {
		d := &ciphergram.Destruction{}
		return d, r.Scan(&d.PadID, &d.Number, &d.Indicator, &d.Reason, &d.TelegramID, intoNanos(&d.Time))
	})
	return ds, fault("Destructions", err)
}

// keyBytes scans key material: it copies the bytes out of the driver's
// buffer and zeroes them there.
type keyBytes struct{ b *[]byte }

// ScanBytes implements pgtype.BytesScanner.
func (k *keyBytes) ScanBytes(v []byte) error {
	if v == nil {
		*k.b = nil
		return nil
	}
	*k.b = append(make([]byte, 0, len(v)), v...)
	clear(v)
	return nil
}

// scanPages reads the pages of rows and closes rows. The last four columns
// of a row are a page's number, burned flag, failures and digits; scan,
// when not nil, scans a row into its own destinations followed by dest. On
// an error it wipes the pages read so far and returns none.
func scanPages(rows pgx.Rows, scan func(r pgx.Row, dest ...any) error) ([]*otp.Page, error) {
	defer rows.Close()
	var pages []*otp.Page
	wipe := func(err error) ([]*otp.Page, error) {
		for _, pg := range pages {
			pg.Wipe()
		}
		return nil, err
	}
	for rows.Next() {
		pg := &otp.Page{}
		dest := []any{&pg.Number, &pg.Burned, &pg.Failures, &keyBytes{&pg.Digits}}
		var err error
		if scan != nil {
			err = scan(rows, dest...)
		} else {
			err = rows.Scan(dest...)
		}
		if err != nil {
			pg.Wipe()
			return wipe(err)
		}
		pages = append(pages, pg)
	}
	if err := rows.Err(); err != nil {
		return wipe(err)
	}
	return pages, nil
}
