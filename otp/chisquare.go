package otp

// ChiSquareCritical9 is the critical value of the chi-square distribution
// with 9 degrees of freedom (ten digit categories) at significance 0.001:
// a uniform source exceeds it once in a thousand tests. Source: NIST/SEMATECH
// e-Handbook of Statistical Methods, section 1.3.6.7.4, "Critical Values of
// the Chi-Square Distribution" (upper tail, nu = 9, alpha = 0.001).
const ChiSquareCritical9 = 27.877

// ChiSquare returns Pearson's statistic, sum (observed - expected)^2 /
// expected, of counts against the uniform distribution over len(counts)
// categories. With k categories it has k-1 degrees of freedom; compare it
// with ChiSquareCritical9 for the ten digits. It returns 0 for no counts.
func ChiSquare(counts []int) float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	want := float64(total) / float64(len(counts))
	x := 0.0
	for _, c := range counts {
		d := float64(c) - want
		x += d * d / want
	}
	return x
}

// DigitCounts counts the ASCII digits '0'..'9' in b; other bytes are not
// counted.
func DigitCounts(b []byte) []int {
	counts := make([]int, 10)
	for _, c := range b {
		if c >= '0' && c <= '9' {
			counts[c-'0']++
		}
	}
	return counts
}
