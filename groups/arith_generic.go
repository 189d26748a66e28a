//go:build !amd64 || purego

package groups

// addBulk and subBulk leave everything to the word-at-a-time code where
// there is no vector kernel.
func addBulk(dst, a, b []byte) int { return 0 }

func subBulk(dst, a, b []byte) int { return 0 }
