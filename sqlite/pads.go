package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"ciphergram"
	"ciphergram/otp"
	"ciphergram/vault"
)

// ImportPad takes a pad into custody in one direction: its record with its
// data key wrapped by the office key, a page record for every page (burned
// pages as used, without digits and without a destruction record, since
// they were not destroyed here) and the sealed digits of the unused pages
// (vault.go). ECONFLICT when the pad ID is known, or when an unused page
// repeats the indicator of an unused page already held for the same link
// and direction (the index pages_indicator); nothing is imported then.
// Used pages do not hold their indicators: their digits are gone. The pad's
// Imported time is the time of the act, a.Time.
// A pad sealed under an office key that was rotated before its
// transaction is refused (vault.go: sealedUnderCurrent).
func (s *Store) ImportPad(ctx context.Context, p *otp.Pad, dir ciphergram.PadDirection, a ciphergram.Audit) error {
	if err := checkPad(p, dir); err != nil {
		return err
	}
	notes, err := json.Marshal(p.Notes)
	if err != nil {
		return fault("ImportPad", err)
	}
	sp, err := s.keys.Seal(p)
	if err != nil {
		return fault("ImportPad", err)
	}
	return s.write(ctx, "ImportPad", a, func(tx *wtx) error {
		if err := s.sealedUnderCurrent(ctx, tx, sp); err != nil {
			return err
		}
		var seq int64
		err := tx.QueryRowContext(ctx, `INSERT INTO pads (id, from_office, to_office, direction, groups_per_page, notes, imported, wrapped_key)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			p.ID, p.From, p.To, dir, p.GroupsPerPage, string(notes), a.Time.UnixNano(), sp.Wrapped).Scan(&seq)
		if err != nil {
			return conflict(err, "pad %s is already in custody", p.ID)
		}
		return insertPages(ctx, tx, seq, p, dir, sp)
	})
}

// checkPad refuses a pad that cannot be taken into custody as it is. Its
// messages give counts and numbers, never digits.
func checkPad(p *otp.Pad, dir ciphergram.PadDirection) error {
	invalid := func(format string, args ...any) error {
		return ciphergram.Errorf(ciphergram.EINVALID, "pad %s: "+format, append([]any{p.ID}, args...)...)
	}
	switch {
	case dir != ciphergram.PadOut && dir != ciphergram.PadIn:
		return invalid("direction %q is neither %q nor %q", dir, ciphergram.PadOut, ciphergram.PadIn)
	case p.ID == "" || p.From == "" || p.To == "":
		return invalid("the pad needs an ID, a sender and a receiver")
	case p.GroupsPerPage < 1:
		return invalid("%d groups a page", p.GroupsPerPage)
	case len(p.Pages) == 0:
		return invalid("no pages")
	}
	prev := 0
	for _, pg := range p.Pages {
		if pg.Number <= prev || pg.Failures < 0 {
			return invalid("page %d after page %d, with %d failures: want ascending page numbers", pg.Number, prev, pg.Failures)
		}
		prev = pg.Number
		if pg.Burned {
			continue
		}
		if len(pg.Digits) != otp.GroupSize*p.GroupsPerPage {
			return invalid("page %d has %d digits, want %d", pg.Number, len(pg.Digits), otp.GroupSize*p.GroupsPerPage)
		}
		for _, c := range pg.Digits {
			if c < '0' || c > '9' {
				return invalid("page %d holds a byte that is not a digit", pg.Number)
			}
		}
	}
	return nil
}

// insertPages stores the pages of p as pages of the pad numbered seq, with
// the sealed digits of sp.
func insertPages(ctx context.Context, tx *wtx, seq int64, p *otp.Pad, dir ciphergram.PadDirection, sp *vault.SealedPad) error {
	const (
		page = `INSERT INTO pages (pad, number, from_office, to_office, direction, indicator, state, failures)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
		digits = `INSERT INTO page_digits (pad, number, digits) VALUES (?, ?, ?)`
	)
	for i, pg := range p.Pages {
		state, indicator := "unused", any(pg.Indicator())
		if pg.Burned {
			state, indicator = "used", nil
		}
		_, err := tx.ExecContext(ctx, page, seq, pg.Number, p.From, p.To, dir, indicator, state, pg.Failures)
		if isUnique(err) {
			return heldIndicator(ctx, tx, p, dir, pg)
		}
		if err != nil {
			return err
		}
		if !pg.Burned {
			if _, err := tx.ExecContext(ctx, digits, seq, pg.Number, sp.Pages[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// heldIndicator is the ECONFLICT for page pg of p, whose indicator is held
// already. Indicators are public, so the message names it and its page.
func heldIndicator(ctx context.Context, tx *wtx, p *otp.Pad, dir ciphergram.PadDirection, pg *otp.Page) error {
	var padID string
	var number int
	err := tx.QueryRowContext(ctx, `SELECT p.id, g.number FROM pages g JOIN pads p ON p.seq = g.pad
		WHERE g.from_office = ? AND g.to_office = ? AND g.direction = ? AND g.indicator = ? AND g.state = 'unused'`,
		p.From, p.To, dir, pg.Indicator()).Scan(&padID, &number)
	if err != nil {
		return fmt.Errorf("finding the page that holds a repeated indicator: %w", err)
	}
	return ciphergram.Errorf(ciphergram.ECONFLICT, "pad %s: page %d has indicator %s, which page %d of pad %s already has on %s->%s (%s)",
		p.ID, pg.Number, pg.Indicator(), number, padID, p.From, p.To, dir)
}

// Pads lists the pads in custody by ID, with their pages used.
func (s *Store) Pads(ctx context.Context) ([]*ciphergram.PadInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.from_office, p.to_office, p.direction, p.groups_per_page,
			count(*), count(*) FILTER (WHERE g.state = 'used'), p.imported
		FROM pads p JOIN pages g ON g.pad = p.seq GROUP BY p.seq ORDER BY p.id`)
	if err != nil {
		return nil, fault("Pads", err)
	}
	ps, err := collect(rows, func(r scanner) (*ciphergram.PadInfo, error) {
		p := &ciphergram.PadInfo{}
		return p, r.Scan(&p.ID, &p.From, &p.To, &p.Direction, &p.GroupsPerPage, &p.Pages, &p.Used, intoTime(&p.Imported))
	})
	return ps, fault("Pads", err)
}

// ExportPad returns the pad with the digits of its unused pages, its used
// pages as burned, and the failures counted against each page.
func (s *Store) ExportPad(ctx context.Context, id string, a ciphergram.Audit) (*otp.Pad, error) {
	var p *otp.Pad
	err := s.write(ctx, "ExportPad", a, func(tx *wtx) (err error) {
		p, err = s.readPad(ctx, tx, id)
		return err
	})
	if err != nil {
		if p != nil {
			p.Wipe()
		}
		return nil, err
	}
	return p, nil
}

// readPad reads the pad id with its pages, whose digits it opens with the
// pad's data key. ENOTFOUND if unknown.
func (s *Store) readPad(ctx context.Context, tx *wtx, id string) (*otp.Pad, error) {
	p := &otp.Pad{ID: id}
	var seq int64
	var notes string
	var wrapped []byte
	err := tx.QueryRowContext(ctx, `SELECT seq, from_office, to_office, groups_per_page, notes, wrapped_key FROM pads WHERE id = ?`, id).
		Scan(&seq, &p.From, &p.To, &p.GroupsPerPage, &notes, &wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "no pad %s in custody", id)
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(notes), &p.Notes); err != nil {
		return nil, fmt.Errorf("pad %s: notes: %w", id, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT g.number, g.state = 'used', g.failures, d.digits
		FROM pages g LEFT JOIN page_digits d ON d.pad = g.pad AND d.number = g.number
		WHERE g.pad = ? ORDER BY g.number`, seq)
	if err != nil {
		return nil, err
	}
	if p.Pages, err = scanPages(rows, nil); err != nil {
		return nil, err
	}
	refs := make([]vault.PageRef, len(p.Pages))
	for i := range refs {
		refs[i] = vault.PageRef{PadID: id, Wrapped: wrapped}
	}
	if err := s.openPages(refs, p.Pages); err != nil {
		return nil, err
	}
	return p, nil
}

// scanPages reads the pages of rows and closes rows. The last four columns
// of a row are a page's number, burned flag, failures and digits; scan, when
// not nil, scans a row into its own destinations followed by dest. On an
// error it wipes the pages read so far and returns none.
func scanPages(rows *sql.Rows, scan func(r scanner, dest ...any) error) ([]*otp.Page, error) {
	defer rows.Close()
	var pages []*otp.Page
	wipe := func(err error) ([]*otp.Page, error) {
		for _, pg := range pages {
			pg.Wipe()
		}
		return nil, err
	}
	for rows.Next() {
		pg, err := scanPage(rows, scan)
		if err != nil {
			return wipe(err)
		}
		pages = append(pages, pg)
	}
	if err := rows.Err(); err != nil {
		return wipe(err)
	}
	return pages, nil
}

// scanPage reads one page of scanPages. The digits are copied out of the
// driver's buffer, which is then zeroed.
func scanPage(r scanner, scan func(r scanner, dest ...any) error) (*otp.Page, error) {
	pg := &otp.Page{}
	var raw sql.RawBytes
	dest := []any{&pg.Number, &pg.Burned, &pg.Failures, &raw}
	var err error
	if scan != nil {
		err = scan(r, dest...)
	} else {
		err = r.Scan(dest...)
	}
	if err != nil {
		return nil, err
	}
	if raw != nil {
		pg.Digits = append(make([]byte, 0, len(raw)), raw...)
		clear(raw)
	}
	return pg, nil
}
