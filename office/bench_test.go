package office_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/internal/pgtest"
	"ciphergram/office"
	"ciphergram/postgres"
	"ciphergram/sqlite"
)

// BenchmarkEncipher measures telegrams enciphered per second by 1, 8 and
// 32 clerks at once on each store: each is one transaction that claims a
// page, seals the telegram with it and saves the wire, committed and
// synchronous before the wire is answered (Store.EncipherTelegram).
// ciphergram bench measures the same beside raw SQLite inserts.
func BenchmarkEncipher(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) ciphergram.Store
	}{
		{"sqlite", func(b *testing.B) ciphergram.Store {
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
		{"postgres", func(b *testing.B) ciphergram.Store {
			dsn, err := pgtest.WithParams(pgtest.NewDSN(b), map[string]string{"pool_max_conns": "40"})
			if err != nil {
				b.Fatal(err)
			}
			st, err := postgres.Open(context.Background(), dsn, postgres.WithKey(pgtest.Key()))
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
	}
	for _, s := range stores {
		for _, clerks := range []int{1, 8, 32} {
			b.Run(fmt.Sprintf("%s/clerks=%d", s.name, clerks), func(b *testing.B) {
				benchEncipher(b, s.open(b), clerks)
			})
		}
	}
}

func benchEncipher(b *testing.B, st ciphergram.Store, clerks int) {
	defer st.Close()
	ctx := context.Background()
	svc := office.New(st)
	if err := svc.Init(ctx, "LONDON", false, "admin"); err != nil {
		b.Fatal(err)
	}
	admin, _ := svc.Actor(ctx, "admin")
	for _, u := range []*ciphergram.User{{Name: "officer", Role: ciphergram.RoleOfficer, Cover: "VADIM"}, {Name: "clerk", Role: ciphergram.RoleClerk}} {
		if err := svc.AddUser(ctx, admin, u); err != nil {
			b.Fatal(err)
		}
	}
	if err := svc.AddLink(ctx, admin, &ciphergram.Link{Peer: "CENTRE", Mode: cipher.Authenticated}); err != nil {
		b.Fatal(err)
	}
	officer, _ := svc.Actor(ctx, "officer")
	clerk, _ := svc.Actor(ctx, "clerk")
	if _, err := svc.IssuePad(ctx, clerk, "LON-CEN-B", "LONDON", "CENTRE", b.N+1, 60); err != nil {
		b.Fatal(err)
	}
	ids := make(chan int64, b.N)
	for range b.N {
		t, err := svc.Compose(ctx, officer, office.Draft{To: "CENTRE", Text: "AGENT LIST REPORTS THAT THE PACT IS SIGNED."})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Sign(ctx, officer, t.ID); err != nil {
			b.Fatal(err)
		}
		ids <- t.ID
	}
	close(ids)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range clerks {
		wg.Go(func() {
			for id := range ids {
				if _, err := svc.Encipher(ctx, clerk, id); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "telegrams/s")
}
