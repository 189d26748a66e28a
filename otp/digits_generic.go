//go:build !amd64 || purego

package otp

// convertGroups leaves every block to the portable code where there is no
// vector code.
func convertGroups(dig, raw []byte, run int) (digits, used, newRun int, stuck bool) {
	return 0, 0, run, false
}
