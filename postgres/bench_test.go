package postgres

import (
	"ciphergram/internal/pgtest"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/otp"
)

// benchParallelism is the number of claimers per GOMAXPROCS in
// BenchmarkClaim: more than the CPUs, since claimers mostly wait for the
// server and for the commit's flush.
const benchParallelism = 4

// BenchmarkClaim has concurrent claimers (b.RunParallel) claim one page at
// a time on one link until b.N pages are claimed: each claim is the whole
// transaction of ClaimPages, with its SKIP LOCKED select, the destruction
// of the page, the audit append under the head's lock and the synchronous
// commit. It reports claims/s.
func BenchmarkClaim(b *testing.B) {
	ctx := b.Context()
	dsn, err := pgtest.WithParams(pgtest.NewDSN(b), map[string]string{"pool_max_conns": fmt.Sprint(defaultMaxConns)})
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open(ctx, dsn, testKey())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	a := ciphergram.Audit{Time: time.Date(1941, 4, 21, 9, 0, 0, 0, time.UTC), Actor: "bench", Action: "pages.claimed"}
	// Pads enough for every claim, with indicators unique on the link.
	const perPad = 1000
	if b.N > 100000 {
		b.Fatalf("%d claims: a link holds at most 100000 indicators", b.N)
	}
	for i := 0; i*perPad < b.N; i++ {
		p, err := otp.Generate(rand.NewChaCha8([32]byte{byte(i)}), fmt.Sprint("LON-CEN-", i), "LONDON", "CENTRE", perPad, otp.DefaultGroupsPerPage)
		if err != nil {
			b.Fatal(err)
		}
		for j, pg := range p.Pages {
			copy(pg.Digits, fmt.Sprintf("%05d", i*perPad+j))
		}
		if err := s.ImportPad(ctx, p, ciphergram.PadOut, a); err != nil {
			b.Fatal(err)
		}
	}
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			pages, err := s.ClaimPages(ctx, "LONDON", "CENTRE", 1, 0, a)
			if err != nil {
				b.Error(err)
				return
			}
			pages[0].Wipe()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "claims/s")
}
