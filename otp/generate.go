package otp

import (
	"fmt"
	"io"
)

// Generate makes a new pad of pages pages of groupsPerPage groups, numbered
// from 1, with digits drawn from rand through a DigitReader. SPEC 5 requires
// rand to be crypto/rand.Reader for real pads; tests pass a deterministic
// source. When a page's indicator repeats an earlier page's, Generate draws
// a fresh indicator group for it, so indicators are unique within the pad
// (the other groups of the page are not redrawn: they stay independent of
// the indicator).
//
// id, from and to must be non-empty and free of white space; pages runs
// from 1 to MaxPages, groupsPerPage from MinGroupsPerPage to
// MaxGroupsPerPage.
func Generate(rand io.Reader, id, from, to string, pages, groupsPerPage int) (*Pad, error) {
	if err := checkGenerate(id, from, to, pages, groupsPerPage); err != nil {
		return nil, fmt.Errorf("generate pad: %w", err)
	}
	dr := NewDigitReader(rand)
	defer dr.Wipe()
	pad := &Pad{ID: id, From: from, To: to, GroupsPerPage: groupsPerPage, Pages: make([]*Page, 0, pages)}
	var seen indicatorSet
	size := GroupSize * groupsPerPage
	slab := make([]byte, pages*size) // one allocation; each page gets its own capped slice
	pgs := make([]Page, pages)
	for n := 1; n <= pages; n++ {
		pg := &pgs[n-1]
		pg.Number, pg.Digits = n, slab[(n-1)*size:n*size:n*size]
		pad.Pages = append(pad.Pages, pg)
		if _, err := io.ReadFull(dr, pg.Digits); err != nil {
			pad.Wipe()
			return nil, fmt.Errorf("generate pad %s: page %d: reading random digits: %w", id, n, err)
		}
		if err := redrawIndicator(dr, pg, &seen); err != nil {
			pad.Wipe()
			return nil, fmt.Errorf("generate pad %s: page %d indicator: %w", id, n, err)
		}
		seen.add(pg.Digits[:GroupSize])
	}
	return pad, nil
}

// maxRedraws bounds the indicator draws for one page. With at most MaxPages
// of the 10^5 indicators taken, each draw repeats with chance <= 0.1, so
// reaching the bound means the source is broken.
const maxRedraws = 1000

// indicatorSet is a set of indicator groups, one bit for each of the 10^5.
type indicatorSet [(100000 + 63) / 64]uint64

// index is the five digits of g as a number.
func (s *indicatorSet) index(g []byte) int {
	n := 0
	for _, c := range g[:GroupSize] {
		n = 10*n + int(c-'0')
	}
	return n
}

func (s *indicatorSet) has(g []byte) bool {
	i := s.index(g)
	return s[i/64]&(1<<(i%64)) != 0
}

func (s *indicatorSet) add(g []byte) {
	i := s.index(g)
	s[i/64] |= 1 << (i % 64)
}

// redrawIndicator draws new indicator groups for pg until it differs from
// every indicator in seen.
func redrawIndicator(dr *DigitReader, pg *Page, seen *indicatorSet) error {
	for i := 0; seen.has(pg.Digits); i++ {
		if i == maxRedraws {
			return fmt.Errorf("random source repeated indicators %d times in a row", maxRedraws)
		}
		if _, err := io.ReadFull(dr, pg.Digits[:GroupSize]); err != nil {
			return fmt.Errorf("reading random digits: %w", err)
		}
	}
	return nil
}

func checkGenerate(id, from, to string, pages, groupsPerPage int) error {
	for _, f := range [][2]string{{"pad id", id}, {"from", from}, {"to", to}} {
		if err := checkName(f[0], f[1]); err != nil {
			return err
		}
	}
	if pages < 1 || pages > MaxPages {
		return fmt.Errorf("%d pages: want 1 to %d", pages, MaxPages)
	}
	return checkGroupsPerPage(groupsPerPage)
}
