//go:build amd64 && !purego

package otp

// convertVec converts groups groups of ten bytes at src (two blocks each)
// to digits at dst, carrying the run of rejected chunks; it stops after a
// group in which the run reaches maxRejects (stuck 1). It writes up to
// vecSlack bytes past the digits it reports, zeros (digits_amd64.s).
//
//go:noescape
func convertVec(dst, src *byte, groups, run int) (digits, done, newRun, stuck int)

func cpuid1ECX() uint32

// haveVec: the processor has SSSE3 (CPUID leaf 1, ECX bit 9), for PSHUFB.
var haveVec = cpuid1ECX()&(1<<9) != 0

// convertGroups converts the whole groups of raw with the vector code, if
// the processor has it, into dig (which has vecSlack bytes to spare); it
// returns the digits made, the raw bytes used, the run of rejected chunks
// and whether that run reached maxRejects.
func convertGroups(dig, raw []byte, run int) (digits, used, newRun int, stuck bool) {
	groups := len(raw) / groupBytes
	if !haveVec || groups == 0 {
		return 0, 0, run, false
	}
	if len(dig) < groups*groupDigits+vecSlack {
		panic("otp: digit buffer too short")
	}
	n, done, run, s := convertVec(&dig[0], &raw[0], groups, run)
	return n, done * groupBytes, run, s != 0
}
