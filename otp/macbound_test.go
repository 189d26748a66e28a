package otp

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
)

// refTag is the SPEC 6 MAC computed with big integers modulo any q: the
// reference for Tag (q = MACPrime) and the counterexample (q = 10^15).
func refTag(q *big.Int, r, s uint64, msg string) *big.Int {
	h, R := new(big.Int), new(big.Int).Mod(new(big.Int).SetUint64(r), q)
	for len(msg) > 0 {
		l := min(chunkDigits, len(msg))
		m, _ := new(big.Int).SetString("1"+msg[:l], 10) // 10^l + chunk
		h.Add(h, m).Mul(h, R).Mod(h, q)
		msg = msg[l:]
	}
	return h.Add(h, new(big.Int).SetUint64(s)).Mod(h, q)
}

// TestMACBound: a forger who changes the third of four chunks by
// delta = 5*10^13 and keeps the tag wins only if delta*r^2 = 0. Modulo the
// prime 10^15-11 that needs r = 0, a chance of 1 in 10^15 (and Tag agrees
// with the big-integer reference for every key tried). Modulo 10^15, which
// is not a field, delta = 2^13*5^14 needs only 10 | r: one key in 10, which
// is what mod-10^k arithmetic would give away.
func TestMACBound(t *testing.T) {
	const keys = 4000
	prime, pow := new(big.Int).SetUint64(MACPrime), new(big.Int).Exp(big.NewInt(10), big.NewInt(15), nil)
	msg := "12345" + "67890" + "11111" + "22222" + "33333" + "44444" + "00000" + "0000000000001" // 43 digits: 3 chunks + 1
	forged := []byte(msg)
	// The third chunk is digits 28..41, multiplied by r^2 in h; adding
	// 5*10^13 sets its first digit to 5.
	forged[28] = '5'
	rng := rand.New(rand.NewPCG(1941, 2688))
	winsPrime, winsPow := 0, 0
	for range keys {
		d := make([]byte, MACKeyDigits)
		for i := range d {
			d[i] = byte('0' + rng.IntN(10))
		}
		key, err := MACKeyFromDigits(d)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := Tag(key, []byte(msg)), fmt.Sprintf("%015d", refTag(prime, key.r, key.s, msg)); got != want {
			t.Fatalf("Tag = %s, the reference gives %s", got, want)
		}
		if Verify(key, forged, Tag(key, []byte(msg))) {
			winsPrime++
		}
		r, s := decimal(d[:15]), decimal(d[15:])
		if refTag(pow, r, s, string(forged)).Cmp(refTag(pow, r, s, msg)) == 0 {
			winsPow++
		}
	}
	if winsPrime != 0 {
		t.Errorf("modulo the prime: %d forgeries in %d keys, want 0", winsPrime, keys)
	}
	// One key in 10: expect 400 of 4000 (the seed is fixed; the bounds are
	// 4 standard deviations).
	if winsPow < 320 || winsPow > 480 {
		t.Errorf("modulo 10^15: %d forgeries in %d keys, want about %d", winsPow, keys, keys/10)
	}
	t.Logf("forgeries by one changed chunk: %d of %d keys modulo the prime, %d of %d modulo 10^15", winsPrime, keys, winsPow, keys)
}
