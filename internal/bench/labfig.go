package bench

import "context"

// measureLab measures the lab's figures that c.Lab can measure; the others
// stay nil (null in JSON, "not measured" in the table).
func measureLab(ctx context.Context, c Config, r *Result) error {
	for _, f := range []struct {
		name string
		fn   func(context.Context) (float64, error)
		dst  **float64
	}{
		{"depths by indicator", c.Lab.DepthIndex, &r.DepthIndexS100k},
		{"depths by statistic", c.Lab.DepthStat, &r.DepthStatS10k},
		{"solving a depth", c.Lab.Solve, &r.SolveMsPerGroup},
	} {
		if f.fn == nil {
			continue
		}
		logf(c, "  %s", f.name)
		v, err := f.fn(ctx)
		if err != nil {
			return err
		}
		*f.dst = &v
	}
	if r.DepthStatS10k != nil {
		r.DepthStatSearched = c.Lab.StatIntercepts
	}
	return nil
}
