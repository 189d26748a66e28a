package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"ciphergram"
	"ciphergram/otp"
	"ciphergram/vault"
)

// ImportPad takes a pad into custody in one direction: its record with its
// data key wrapped by the office key, a page record for every page (burned
// pages as used, without digits and without a destruction record, since
// they were not destroyed here) and the sealed digits of the unused pages
// (vault.go). ECONFLICT when the pad ID is known, or when an unused
// page repeats the indicator of an unused page already held for the same
// link and direction, or of another page of the pad (the index
// pages_indicator); nothing is imported then. Used pages do not hold their
// indicators: their digits are gone. The pad's Imported time is the time of
// the act, a.Time.
// A pad sealed under an office key that was rotated before its
// transaction is refused (vault.go: sealedUnderCurrent).
func (s *Store) ImportPad(ctx context.Context, p *otp.Pad, dir ciphergram.PadDirection, a ciphergram.Audit) error {
	if err := checkPad(p, dir); err != nil {
		return err
	}
	notes := p.Notes
	if notes == nil {
		notes = []string{}
	}
	sp, err := s.keys.Seal(p)
	if err != nil {
		return fault("ImportPad", err)
	}
	return s.write(ctx, "ImportPad", a, func(tx pgx.Tx) error {
		if err := s.sealedUnderCurrent(ctx, tx, sp); err != nil {
			return err
		}
		var seq int64
		err := tx.QueryRow(ctx, `INSERT INTO pads (id, from_office, to_office, direction, groups_per_page, notes, imported_ns, wrapped_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`,
			p.ID, p.From, p.To, string(dir), p.GroupsPerPage, notes, nanos(a.Time), sp.Wrapped).Scan(&seq)
		if err != nil {
			return conflict(err, "pad %s is already in custody", p.ID)
		}
		if err := heldIndicators(ctx, tx, p, dir); err != nil {
			return err
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
		if pg.Number <= prev || pg.Failures < 0 || int(int32(pg.Number)) != pg.Number || int(int32(pg.Failures)) != pg.Failures {
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

// heldIndicators is the ECONFLICT for the first unused page of p whose
// indicator is held already, by an unused page of the same link and
// direction or by an earlier page of p. Indicators are public, so the
// message names it and its page. (A concurrent import of the same
// indicator is stopped by the index pages_indicator instead.)
func heldIndicators(ctx context.Context, tx pgx.Tx, p *otp.Pad, dir ciphergram.PadDirection) error {
	var indicators []string
	first := map[string]int{}
	for _, pg := range p.Pages {
		if pg.Burned {
			continue
		}
		ind := pg.Indicator()
		if n, ok := first[ind]; ok {
			return ciphergram.Errorf(ciphergram.ECONFLICT, "pad %s: page %d has indicator %s, which page %d of the pad already has",
				p.ID, pg.Number, ind, n)
		}
		first[ind] = pg.Number
		indicators = append(indicators, ind)
	}
	var padID, indicator string
	var number int
	err := tx.QueryRow(ctx, `SELECT p.id, g.number, g.indicator FROM pages g JOIN pads p ON p.seq = g.pad
		WHERE g.from_office = $1 AND g.to_office = $2 AND g.direction = $3 AND g.state = 'unused'
			AND g.indicator = ANY ($4)
		ORDER BY g.indicator LIMIT 1`,
		p.From, p.To, string(dir), indicators).Scan(&padID, &number, &indicator)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return ciphergram.Errorf(ciphergram.ECONFLICT, "pad %s: page %d has indicator %s, which page %d of pad %s already has on %s->%s (%s)",
		p.ID, first[indicator], indicator, number, padID, p.From, p.To, dir)
}

// insertPages stores the pages of p as pages of the pad numbered seq, all
// records in one statement and all the sealed digits of sp in another.
func insertPages(ctx context.Context, tx pgx.Tx, seq int64, p *otp.Pad, dir ciphergram.PadDirection, sp *vault.SealedPad) error {
	var numbers, failures, digitNumbers []int32
	var indicators []*string
	var states []string
	var digits [][]byte
	for i, pg := range p.Pages {
		numbers = append(numbers, int32(pg.Number))
		failures = append(failures, int32(pg.Failures))
		if pg.Burned {
			indicators, states = append(indicators, nil), append(states, "used")
			continue
		}
		ind := pg.Indicator()
		indicators, states = append(indicators, &ind), append(states, "unused")
		digitNumbers = append(digitNumbers, int32(pg.Number))
		digits = append(digits, sp.Pages[i])
	}
	_, err := tx.Exec(ctx, `INSERT INTO pages (pad, number, from_office, to_office, direction, indicator, state, failures)
		SELECT $1, number, $2, $3, $4, indicator, state, failures
		FROM unnest($5::integer[], $6::text[], $7::text[], $8::integer[]) AS g (number, indicator, state, failures)`,
		seq, p.From, p.To, string(dir), numbers, indicators, states, failures)
	if isUnique(err) {
		return ciphergram.Errorf(ciphergram.ECONFLICT, "pad %s repeats an indicator held on %s->%s (%s)", p.ID, p.From, p.To, dir)
	}
	if err != nil || len(digits) == 0 {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO page_digits (pad, number, digits)
		SELECT $1, number, digits FROM unnest($2::integer[], $3::bytea[]) AS d (number, digits)`,
		seq, digitNumbers, digits)
	return err
}

// Pads lists the pads in custody by ID, with their pages used.
func (s *Store) Pads(ctx context.Context) ([]*ciphergram.PadInfo, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.id, p.from_office, p.to_office, p.direction, p.groups_per_page,
			count(*), count(*) FILTER (WHERE g.state = 'used'), p.imported_ns
		FROM pads p JOIN pages g ON g.pad = p.seq GROUP BY p.seq ORDER BY p.id`)
	ps, err := collect(rows, err, func(r pgx.Row) (*ciphergram.PadInfo, error) {
		p := &ciphergram.PadInfo{}
		return p, r.Scan(&p.ID, &p.From, &p.To, &p.Direction, &p.GroupsPerPage, &p.Pages, &p.Used, intoNanos(&p.Imported))
	})
	return ps, fault("Pads", err)
}

// ExportPad returns the pad with the digits of its unused pages, its used
// pages as burned, and the failures counted against each page.
func (s *Store) ExportPad(ctx context.Context, id string, a ciphergram.Audit) (*otp.Pad, error) {
	var p *otp.Pad
	err := s.write(ctx, "ExportPad", a, func(tx pgx.Tx) (err error) {
		if p != nil { // an attempt before
			p.Wipe()
		}
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

// readPad reads the pad id with its pages, in one statement so that the
// pages agree with each other, and opens their digits with the pad's data
// key. ENOTFOUND if unknown.
func (s *Store) readPad(ctx context.Context, tx pgx.Tx, id string) (*otp.Pad, error) {
	p := &otp.Pad{ID: id}
	var seq int64
	var wrapped []byte
	err := tx.QueryRow(ctx, `SELECT seq, from_office, to_office, groups_per_page, notes, wrapped_key FROM pads WHERE id = $1`, id).
		Scan(&seq, &p.From, &p.To, &p.GroupsPerPage, &p.Notes, &wrapped)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "no pad %s in custody", id)
	}
	if err != nil {
		return nil, err
	}
	if len(p.Notes) == 0 {
		p.Notes = nil
	}
	rows, err := tx.Query(ctx, `SELECT g.number, g.state = 'used', g.failures, d.digits
		FROM pages g LEFT JOIN page_digits d ON d.pad = g.pad AND d.number = g.number
		WHERE g.pad = $1 ORDER BY g.number`, seq)
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
