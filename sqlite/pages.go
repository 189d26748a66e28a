package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

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

// destroy uses the page and destroys its key material in tx: it marks the
// page used (only if it was unused: ECONFLICT otherwise), which deletes its
// sealed digits in the same statement, and erases the pad's data key when
// it was the pad's last unused page (trigger pages_use_destroys), and keeps
// a destruction record. The schema refuses any other order: a used page
// cannot change again, and a destruction record needs a used page without
// digits. The transaction is marked so that the WAL is scrubbed after the
// commit.
//
// What is guaranteed when the transaction has committed: the digits, and
// an erased data key, are in no row of the database; secure_delete has
// zeroed the bytes they took in the new image of their database page; and
// the database file and the WAL hold old images until a scrub copies the
// new ones over the database file and truncates the WAL, which is due
// within ScrubDelay of the commit (see scrub.go; a scrub does not wait for
// other connections, and Close and the next Open try again). What is not: that a checkpoint succeeds while
// another connection reads an older snapshot; that the file system or the
// disk keep no copy of blocks overwritten or freed (journaling, SSD wear
// levelling, backups); that no copy remains in process memory (SQLite's
// page cache, the driver's buffers) or in a copy of the files taken before.
func destroy(ctx context.Context, tx *wtx, k pageKey, reason string, telegramID int64, at time.Time) error {
	// The trigger pages_use_destroys deletes the digits, and with the
	// pad's last unused page its data key, in the statement that marks
	// the page used.
	var indicator string
	err := tx.QueryRowContext(ctx, `UPDATE pages SET state = 'used' WHERE pad = ? AND number = ? AND state = 'unused'
		RETURNING indicator`, k.pad, k.number).Scan(&indicator)
	if errors.Is(err, sql.ErrNoRows) {
		return ciphergram.Errorf(ciphergram.ECONFLICT, "page %d of pad %s is already used", k.number, k.padID)
	}
	if err != nil {
		return err
	}
	var tid any
	if telegramID != 0 {
		tid = telegramID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO destructions (pad, number, indicator, reason, telegram_id, time)
		VALUES (?, ?, ?, ?, ?, ?)`, k.pad, k.number, indicator, reason, tid, at.UnixNano())
	if err != nil {
		return conflict(err, "page %d of pad %s was destroyed already", k.number, k.padID)
	}
	tx.destroyed = true
	return nil
}

// ClaimPages takes the n lowest-numbered unused pages of the outgoing pads
// of the link from->to, oldest pad (first imported) first, for telegram
// telegramID, and destroys them in the same IMMEDIATE transaction (reason
// "sent"); the WAL is scrubbed after the commit. The pages returned
// hold the only copy of their digits, which the caller wipes after use.
// EEXHAUSTED when fewer than n are left; ENOTFOUND if telegramID is not 0
// and no telegram has it; EINVALID if n < 1.
func (s *Store) ClaimPages(ctx context.Context, from, to string, n int, telegramID int64, a ciphergram.Audit) ([]*otp.Page, error) {
	if n < 1 {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "cannot claim %d pages", n)
	}
	var keys []pageKey
	var pages []*otp.Page
	err := s.write(ctx, "ClaimPages", a, func(tx *wtx) (err error) {
		if err := telegramExists(ctx, tx, telegramID); err != nil {
			return err
		}
		if keys, pages, err = s.unusedPages(ctx, tx, from, to, n); err != nil {
			return err
		}
		if len(pages) < n {
			return ciphergram.Errorf(ciphergram.EEXHAUSTED, "the link %s->%s has %d unused pages, %d needed", from, to, len(pages), n)
		}
		for _, k := range keys {
			if err := destroy(ctx, tx, k, "sent", telegramID, a.Time); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		wipe(pages)
		return nil, err
	}
	return pages, nil
}

// EncipherTelegram claims n pages for the signed telegram t, calls seal
// with them and saves t enciphered with the wire seal made, in one request
// of a batch: see ciphergram.Store. The telegram's state is checked first,
// so that a telegram enciphered meanwhile costs no page. The pages are
// wiped when seal returns; on any error the request is rolled back whole,
// so that no page is used and t is unchanged. EINVALID if n < 1.
func (s *Store) EncipherTelegram(ctx context.Context, t *ciphergram.Telegram, n int, seal func([]*otp.Page) (string, error),
	claimed, enciphered ciphergram.Audit) error {
	if n < 1 {
		return ciphergram.Errorf(ciphergram.EINVALID, "cannot claim %d pages", n)
	}
	if err := checkTelegram(t); err != nil {
		return err
	}
	var u ciphergram.Telegram
	var sealErr error
	err := s.writeAudits(ctx, "EncipherTelegram", []ciphergram.Audit{claimed, enciphered}, func(tx *wtx) error {
		u, sealErr = *t, nil
		if err := checkState(ctx, tx, u.ID, ciphergram.StateSigned); err != nil {
			return err
		}
		keys, pages, err := s.unusedPages(ctx, tx, u.From, u.To, n)
		defer wipe(pages)
		if err != nil {
			return err
		}
		if len(pages) < n {
			return ciphergram.Errorf(ciphergram.EEXHAUSTED, "the link %s->%s has %d unused pages, %d needed", u.From, u.To, len(pages), n)
		}
		for _, k := range keys {
			if err := destroy(ctx, tx, k, "sent", u.ID, claimed.Time); err != nil {
				return err
			}
		}
		wire, err := seal(pages)
		if err != nil {
			sealErr = err
			return errSeal
		}
		u.Wire, u.State = wire, ciphergram.StateEnciphered
		return saveTelegram(ctx, tx, &u, ciphergram.StateSigned)
	})
	if sealErr != nil {
		return sealErr
	}
	if err != nil {
		return err
	}
	*t = u
	return nil
}

// errSeal rolls back a request whose seal failed; the caller gets seal's
// error.
var errSeal = errors.New("seal failed")

// wipe wipes the digits of pages.
func wipe(pages []*otp.Page) {
	for _, pg := range pages {
		pg.Wipe()
	}
}

// unusedPages reads up to n unused pages of the outgoing pads from->to in
// the order they are claimed, and opens their digits. A page that does not
// open is an error, and then no page is returned.
func (s *Store) unusedPages(ctx context.Context, tx *wtx, from, to string, n int) ([]pageKey, []*otp.Page, error) {
	rows, err := tx.QueryContext(ctx, `SELECT g.pad, p.id, p.wrapped_key, g.number, 0, 0, d.digits
		FROM pages g JOIN pads p ON p.seq = g.pad JOIN page_digits d ON d.pad = g.pad AND d.number = g.number
		WHERE g.from_office = ? AND g.to_office = ? AND g.direction = 'out' AND g.state = 'unused'
		ORDER BY g.pad, g.number LIMIT ?`, from, to, n)
	if err != nil {
		return nil, nil, err
	}
	var keys []pageKey
	var refs []vault.PageRef
	pages, err := scanPages(rows, func(r scanner, dest ...any) error {
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

// telegramExists is ENOTFOUND when id is not 0 and no telegram has it.
func telegramExists(ctx context.Context, tx *wtx, id int64) error {
	if id == 0 {
		return nil
	}
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM telegrams WHERE id = ?)`, id).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return ciphergram.Errorf(ciphergram.ENOTFOUND, "no telegram %d", id)
	}
	return nil
}

// IncomingPage returns the unused page of an incoming pad of the link
// from->to with the indicator, with a copy of its digits and its failures.
// ENOTFOUND if no unused page has it.
func (s *Store) IncomingPage(ctx context.Context, from, to, indicator string) (ciphergram.PageRef, *otp.Page, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.wrapped_key, g.number, 0, g.failures, d.digits
		FROM pages g JOIN pads p ON p.seq = g.pad JOIN page_digits d ON d.pad = g.pad AND d.number = g.number
		WHERE g.from_office = ? AND g.to_office = ? AND g.direction = 'in' AND g.indicator = ? AND g.state = 'unused'`,
		from, to, indicator)
	if err != nil {
		return ciphergram.PageRef{}, nil, fault("IncomingPage", err)
	}
	var ref ciphergram.PageRef
	var wrapped []byte
	pages, err := scanPages(rows, func(r scanner, dest ...any) error {
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
// ENOTFOUND if no unused page has the indicator.
func (s *Store) RecordAuthFailure(ctx context.Context, from, to, indicator string, a ciphergram.Audit) (bool, error) {
	var burned bool
	err := s.write(ctx, "RecordAuthFailure", a, func(tx *wtx) error {
		var k pageKey
		var failures int
		err := tx.QueryRowContext(ctx, `UPDATE pages SET failures = failures + 1
			WHERE from_office = ? AND to_office = ? AND direction = 'in' AND indicator = ? AND state = 'unused'
			RETURNING pad, number, failures`, from, to, indicator).Scan(&k.pad, &k.number, &failures)
		if errors.Is(err, sql.ErrNoRows) {
			return ciphergram.Errorf(ciphergram.ENOTFOUND, "no unused page with indicator %s on %s->%s", indicator, from, to)
		}
		if err != nil || failures < otp.MaxFailures {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT id FROM pads WHERE seq = ?`, k.pad).Scan(&k.padID); err != nil {
			return err
		}
		burned = true
		return destroy(ctx, tx, k, "authentication failures", 0, a.Time)
	})
	return burned && err == nil, err
}

// DestroyPad destroys every unused page of the pad id, outgoing or
// incoming, as a use would (reason "destroyed by order", no telegram): the
// digits are deleted, the pages marked used and a destruction record kept
// for each, the pad's data key is erased (a cryptographic erase: no copy
// of the pages opens without it), and the WAL is scrubbed after the
// commit. The pad's record and its pages' records are kept. It says how
// many pages it destroyed, 0 for a pad used up. ENOTFOUND if the pad is
// unknown.
func (s *Store) DestroyPad(ctx context.Context, id string, a ciphergram.Audit) (int, error) {
	var n int
	err := s.write(ctx, "DestroyPad", a, func(tx *wtx) error {
		n = 0
		var seq int64
		err := tx.QueryRowContext(ctx, `SELECT seq FROM pads WHERE id = ?`, id).Scan(&seq)
		if err != nil {
			return notFound(err, "no pad %s in custody", id)
		}
		rows, err := tx.QueryContext(ctx, `SELECT number FROM pages WHERE pad = ? AND state = 'unused' ORDER BY number`, seq)
		if err != nil {
			return err
		}
		numbers, err := collect(rows, func(r scanner) (int, error) {
			var number int
			return number, r.Scan(&number)
		})
		if err != nil {
			return err
		}
		for _, number := range numbers {
			if err := destroy(ctx, tx, pageKey{pad: seq, padID: id, number: number}, "destroyed by order", 0, a.Time); err != nil {
				return err
			}
		}
		n = len(numbers)
		// The use of the last page erased the data key (trigger
		// pages_use_destroys); DestroyPad makes sure of it, whatever
		// the pad's state, as it promises.
		erased, err := affected(tx.ExecContext(ctx, `UPDATE pads SET wrapped_key = NULL WHERE seq = ? AND wrapped_key IS NOT NULL`, seq))
		if err != nil {
			return err
		}
		if erased > 0 {
			tx.destroyed = true
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Destructions lists the destruction records, oldest first.
func (s *Store) Destructions(ctx context.Context) ([]*ciphergram.Destruction, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, d.number, d.indicator, d.reason, coalesce(d.telegram_id, 0), d.time
		FROM destructions d JOIN pads p ON p.seq = d.pad ORDER BY d.seq`)
	if err != nil {
		return nil, fault("Destructions", err)
	}
	ds, err := collect(rows, func(r scanner) (*ciphergram.Destruction, error) {
		d := &ciphergram.Destruction{}
		return d, r.Scan(&d.PadID, &d.Number, &d.Indicator, &d.Reason, &d.TelegramID, intoTime(&d.Time))
	})
	return ds, fault("Destructions", err)
}
