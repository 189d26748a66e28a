package sqlite

import (
	"fmt"
	"math"
	"time"

	"ciphergram"
)

// Times are stored as Unix nanoseconds, which keep every instant from 1678
// to 2262 exactly and hash (audit) as ciphergram.ChainHash does; the zero
// time is stored as NULL. Times come back in UTC: the instant is kept, the
// zone it was given in is not.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// checkTimes refuses a non-zero time that Unix nanoseconds cannot hold.
func checkTimes(ts ...time.Time) error {
	for _, t := range ts {
		if !t.IsZero() && (t.Before(minTime) || t.After(maxTime)) {
			return ciphergram.Errorf(ciphergram.EINVALID, "time %s is outside the years 1678 to 2262 the store keeps", t.Format(time.RFC3339))
		}
	}
	return nil
}

// nanos is the stored form of t: NULL for the zero time.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// timeDest scans a stored time into *t.
type timeDest struct{ t *time.Time }

// intoTime returns a destination for Rows.Scan that reads a stored time.
func intoTime(t *time.Time) timeDest { return timeDest{t} }

// Scan implements sql.Scanner.
func (d timeDest) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*d.t = time.Time{}
	case int64:
		*d.t = time.Unix(0, v).UTC()
	default:
		return fmt.Errorf("a stored time is %T, not Unix nanoseconds", v)
	}
	return nil
}
