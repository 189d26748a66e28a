package pdf

import (
	"io"
	"testing"
)

// BenchmarkPadBook prints a 100-page pad of 60 groups a page (A5, with the
// CT-46 card) and reports pages per second.
func BenchmarkPadBook(b *testing.B) {
	const pages = 100
	p := testPad(b, "pdf-bench", pages, 60)
	for _, c := range []struct {
		name string
		opts PadBookOptions
	}{
		{"A5", PadBookOptions{Direction: Out}},
		{"A5-compressed", PadBookOptions{Direction: Out, Compress: true}},
		{"A6", PadBookOptions{Direction: Out, PageSize: A6}},
	} {
		b.Run(c.name, func(b *testing.B) {
			n := 0
			cw := &countWriter{}
			for b.Loop() {
				cw.n = 0
				if err := PadBook(cw, p, c.opts); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n*pages)/b.Elapsed().Seconds(), "pages/s")
			b.ReportMetric(float64(cw.n)/1024, "KiB/book")
		})
	}
}

type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
