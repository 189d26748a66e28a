package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"ciphergram"
)

// userColumns are the columns scanUser reads, in its order.
const userColumns = `id, name, role, cover, cleared, clearance, password_hash, created`

// CreateUser adds a user and sets its ID. ECONFLICT on a taken name.
func (s *Store) CreateUser(ctx context.Context, u *ciphergram.User, a ciphergram.Audit) error {
	if err := checkTimes(u.Created); err != nil {
		return err
	}
	var id int64
	err := s.write(ctx, "CreateUser", a, func(tx pgx.Tx) (err error) {
		id, err = insertUser(ctx, tx, u)
		return err
	})
	if err != nil {
		return err
	}
	u.ID = id
	return nil
}

// insertUser stores u and returns its new ID; ECONFLICT on a taken name.
// An empty clearance is set to TOP SECRET.
func insertUser(ctx context.Context, tx pgx.Tx, u *ciphergram.User) (int64, error) {
	u.Clearance = clearanceOf(u)
	if _, ok := ciphergram.ClassificationRank(u.Clearance); !ok {
		return 0, ciphergram.Errorf(ciphergram.EINVALID, "clearance %q is not a classification", u.Clearance)
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO users (name, role, cover, cleared, clearance, password_hash, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		u.Name, string(u.Role), u.Cover, u.Cleared, u.Clearance, u.PasswordHash, ts(u.Created)).Scan(&id)
	if err != nil {
		return 0, conflict(err, "user name %s is taken", u.Name)
	}
	return id, nil
}

// User finds a user by name. ENOTFOUND if none.
func (s *Store) User(ctx context.Context, name string) (*ciphergram.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "no user %s", name)
	}
	if err != nil {
		return nil, fault("User", err)
	}
	return u, nil
}

// Users lists the users by name.
func (s *Store) Users(ctx context.Context) ([]*ciphergram.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	us, err := collect(rows, err, scanUser)
	return us, fault("Users", err)
}

// SetPassword replaces a user's password hash. ENOTFOUND if no such user.
func (s *Store) SetPassword(ctx context.Context, name, hash string, a ciphergram.Audit) error {
	return s.write(ctx, "SetPassword", a, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE name = $2`, hash, name)
		if err == nil && tag.RowsAffected() == 0 {
			err = ciphergram.Errorf(ciphergram.ENOTFOUND, "no user %s", name)
		}
		return err
	})
}

// SetClearance changes a user's clearance. ENOTFOUND if no such user.
func (s *Store) SetClearance(ctx context.Context, name, clearance string, a ciphergram.Audit) error {
	if _, ok := ciphergram.ClassificationRank(clearance); !ok {
		return ciphergram.Errorf(ciphergram.EINVALID, "clearance %q is not a classification", clearance)
	}
	return s.write(ctx, "SetClearance", a, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET clearance = $1 WHERE name = $2`, clearance, name)
		if err == nil && tag.RowsAffected() == 0 {
			err = ciphergram.Errorf(ciphergram.ENOTFOUND, "no user %s", name)
		}
		return err
	})
}

// clearanceOf is the clearance stored for u: TOP SECRET when it has none.
func clearanceOf(u *ciphergram.User) string {
	if u.Clearance == "" {
		return ciphergram.TopSecret
	}
	return u.Clearance
}

// scanUser reads the userColumns of one row.
func scanUser(r pgx.Row) (*ciphergram.User, error) {
	u := &ciphergram.User{}
	err := r.Scan(&u.ID, &u.Name, &u.Role, &u.Cover, &u.Cleared, &u.Clearance, &u.PasswordHash, intoTime(&u.Created))
	if err != nil {
		return nil, err
	}
	return u, nil
}
