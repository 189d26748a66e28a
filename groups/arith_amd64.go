//go:build amd64 && !purego

package groups

// addVec and subVec are Add and Sub over n digits, n a positive multiple
// of 64 (arith_amd64.s).
//
//go:noescape
func addVec(dst, a, b *byte, n int)

//go:noescape
func subVec(dst, a, b *byte, n int)

// vecBlock is the granularity of the vector kernels.
const vecBlock = 64

// addBulk adds the leading multiple of 64 digits with SSE2 and says how
// many it did; Add does the rest.
func addBulk(dst, a, b []byte) int {
	n := len(a) &^ (vecBlock - 1)
	if n > 0 {
		addVec(&dst[0], &a[0], &b[0], n)
	}
	return n
}

// subBulk is addBulk for Sub.
func subBulk(dst, a, b []byte) int {
	n := len(a) &^ (vecBlock - 1)
	if n > 0 {
		subVec(&dst[0], &a[0], &b[0], n)
	}
	return n
}
