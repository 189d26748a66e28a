package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"ciphergram"
)

// InitOffice creates the office and its first admin in one transaction.
// ECONFLICT if the store already holds an office.
func (s *Store) InitOffice(ctx context.Context, o ciphergram.Office, admin *ciphergram.User, a ciphergram.Audit) error {
	if err := checkTimes(o.Created, admin.Created); err != nil {
		return err
	}
	var id int64
	err := s.write(ctx, "InitOffice", a, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO office (id, name, is_centre, created) VALUES (1, $1, $2, $3)`,
			o.Name, o.IsCentre, ts(o.Created))
		if err != nil {
			return conflict(err, "the store already holds an office; refusing to make it %s", o.Name)
		}
		id, err = insertUser(ctx, tx, admin)
		return err
	})
	if err != nil {
		return err
	}
	admin.ID = id
	return nil
}

// Office returns the office. ENOTFOUND before InitOffice.
func (s *Store) Office(ctx context.Context) (*ciphergram.Office, error) {
	o := &ciphergram.Office{}
	err := s.pool.QueryRow(ctx, `SELECT name, is_centre, created FROM office WHERE id = 1`).
		Scan(&o.Name, &o.IsCentre, intoTime(&o.Created))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "the store holds no office yet")
	}
	if err != nil {
		return nil, fault("Office", err)
	}
	return o, nil
}
