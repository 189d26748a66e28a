package postgres

import (
	"errors"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"ciphergram"
)

// Domain times are timestamptz: microseconds, from 4713 BC to 294276 AD;
// the zero time is stored as NULL. Audit times, and the times the store
// sets itself from them (Telegram.Created, PadInfo.Imported,
// Destruction.Time), are Unix nanoseconds (bigint), which keep every
// instant from 1678 to 2262 exactly and hash as ciphergram.ChainHash does.
// Times come back in UTC: the instant is kept, the zone it was given in is
// not.
var (
	minTime = time.Date(-4712, time.January, 1, 0, 0, 0, 0, time.UTC)  // 4713 BC
	maxTime = time.Date(294276, time.January, 1, 0, 0, 0, 0, time.UTC) // PostgreSQL's end of time
	minNano = time.Unix(0, math.MinInt64)
	maxNano = time.Unix(0, math.MaxInt64)
)

// checkTimes refuses a non-zero time that timestamptz cannot hold.
func checkTimes(ts ...time.Time) error {
	for _, t := range ts {
		if !t.IsZero() && (t.Before(minTime) || !t.Before(maxTime)) {
			return ciphergram.Errorf(ciphergram.EINVALID, "time %s is outside the years 4713 BC to 294275 AD the store keeps", t.Format(time.RFC3339))
		}
	}
	return nil
}

// checkAudit refuses an audit entry whose time cannot be hashed: ChainHash
// hashes the time in Unix nanoseconds, which the zero time and times before
// 1678 or after 2262 do not have.
func checkAudit(a ciphergram.Audit) error {
	if a.Time.IsZero() {
		return ciphergram.Errorf(ciphergram.EINVALID, "audit entry %s %q has no time", a.Action, a.Subject)
	}
	if a.Time.Before(minNano) || a.Time.After(maxNano) {
		return ciphergram.Errorf(ciphergram.EINVALID, "audit time %s is outside the years 1678 to 2262 the log keeps", a.Time.Format(time.RFC3339))
	}
	return nil
}

// ts is the stored form of t: NULL for the zero time.
func ts(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}

// timeDest scans a stored timestamptz into *t: the zero time for NULL.
type timeDest struct{ t *time.Time }

// intoTime returns a destination for Scan that reads a stored time.
func intoTime(t *time.Time) *timeDest { return &timeDest{t} }

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (d *timeDest) ScanTimestamptz(v pgtype.Timestamptz) error {
	switch {
	case !v.Valid:
		*d.t = time.Time{}
	case v.InfinityModifier != pgtype.Finite:
		return errors.New("a stored time is infinite")
	default:
		*d.t = v.Time.UTC()
	}
	return nil
}

// nanos is the stored form of a time the store sets: Unix nanoseconds, NULL
// for the zero time. The caller has checked the time (checkAudit).
func nanos(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	n := t.UnixNano()
	return &n
}

// nanosDest scans stored Unix nanoseconds into *t: the zero time for NULL.
type nanosDest struct{ t *time.Time }

// intoNanos returns a destination for Scan that reads Unix nanoseconds.
func intoNanos(t *time.Time) *nanosDest { return &nanosDest{t} }

// ScanInt64 implements pgtype.Int64Scanner.
func (d *nanosDest) ScanInt64(v pgtype.Int8) error {
	*d.t = time.Time{}
	if v.Valid {
		*d.t = time.Unix(0, v.Int64).UTC()
	}
	return nil
}
