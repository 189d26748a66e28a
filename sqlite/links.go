package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"ciphergram"
)

// linkColumns are the columns scanLink reads, in its order.
const linkColumns = `id, peer, mode, codebook, peer_url, secret, created`

// CreateLink adds a link to a peer and sets its ID. ECONFLICT if the peer
// already has one.
func (s *Store) CreateLink(ctx context.Context, l *ciphergram.Link, a ciphergram.Audit) error {
	if err := checkTimes(l.Created); err != nil {
		return err
	}
	var id int64
	err := s.write(ctx, "CreateLink", a, func(tx *wtx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO links (peer, mode, codebook, peer_url, secret, created)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			l.Peer, l.Mode, l.Codebook, l.PeerURL, l.Secret, nanos(l.Created)).Scan(&id)
		return conflict(err, "%s already has a link", l.Peer)
	})
	if err != nil {
		return err
	}
	l.ID = id
	return nil
}

// Link finds the link to a peer. ENOTFOUND if none.
func (s *Store) Link(ctx context.Context, peer string) (*ciphergram.Link, error) {
	l, err := scanLink(s.queryRow(ctx, `SELECT `+linkColumns+` FROM links WHERE peer = ?`, peer))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "no link to %s", peer)
	}
	if err != nil {
		return nil, fault("Link", err)
	}
	return l, nil
}

// Links lists the links by peer.
func (s *Store) Links(ctx context.Context) ([]*ciphergram.Link, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+linkColumns+` FROM links ORDER BY peer`)
	if err != nil {
		return nil, fault("Links", err)
	}
	ls, err := collect(rows, scanLink)
	return ls, fault("Links", err)
}

// UpdateLink saves the PeerURL, Secret, Mode and Codebook of the link to
// l.Peer, and sets l.ID and l.Created from the link stored. ENOTFOUND if
// the peer has no link.
func (s *Store) UpdateLink(ctx context.Context, l *ciphergram.Link, a ciphergram.Audit) error {
	var id int64
	var created time.Time
	err := s.write(ctx, "UpdateLink", a, func(tx *wtx) error {
		err := tx.QueryRowContext(ctx, `UPDATE links SET peer_url = ?, secret = ?, mode = ?, codebook = ?
			WHERE peer = ? RETURNING id, created`,
			l.PeerURL, l.Secret, l.Mode, l.Codebook, l.Peer).Scan(&id, intoTime(&created))
		return notFound(err, "no link to %s", l.Peer)
	})
	if err != nil {
		return err
	}
	l.ID, l.Created = id, created
	return nil
}

// scanLink reads the linkColumns of one row.
func scanLink(r scanner) (*ciphergram.Link, error) {
	l := &ciphergram.Link{}
	if err := r.Scan(&l.ID, &l.Peer, &l.Mode, &l.Codebook, &l.PeerURL, &l.Secret, intoTime(&l.Created)); err != nil {
		return nil, err
	}
	return l, nil
}
