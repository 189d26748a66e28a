package vault

import "ciphergram/otp"

// SealedPad is a pad ready for a store: its data key wrapped under the
// office key (nil when no page is unused) and the sealed digits of its
// pages, by index in the pad's Pages (nil for burned pages). Check is the
// key check of the office key it was sealed under: a store that seals a
// pad before its transaction compares it, in the transaction, with the
// database's, so that a pad sealed under a key rotated meanwhile is never
// stored.
type SealedPad struct {
	Wrapped []byte
	Pages   [][]byte
	Check   []byte
}

// SealPad draws a data key for p, wraps it under the office key and seals
// the unused pages; the data key is destroyed before it returns. A pad
// with no unused page gets no key.
func SealPad(office *Key, p *otp.Pad) (*SealedPad, error) {
	sp := &SealedPad{Pages: make([][]byte, len(p.Pages)), Check: Check(office)}
	unused := false
	for _, pg := range p.Pages {
		unused = unused || !pg.Burned
	}
	if !unused {
		return sp, nil
	}
	dk, err := NewDataKey()
	if err != nil {
		return nil, err
	}
	defer dk.Destroy()
	if sp.Wrapped, err = Wrap(office, p.ID, dk); err != nil {
		return nil, err
	}
	for i, pg := range p.Pages {
		if !pg.Burned {
			sp.Pages[i] = SealPage(dk, p.ID, pg.Number, pg.Digits)
		}
	}
	return sp, nil
}

// PageRef says where a sealed page read from a store belongs: its pad's ID
// and wrapped data key.
type PageRef struct {
	PadID   string
	Wrapped []byte
}

// OpenPages replaces the sealed digits of each page read with its digits,
// page i under the data key refs[i] names; pages without digits (used)
// are left as they are. On an error it wipes every page and returns it: a
// page that does not open is an internal fault, and the read releases
// nothing.
func OpenPages(office *Key, refs []PageRef, pages []*otp.Page) error {
	o := NewOpener(office)
	defer o.Close()
	for i, pg := range pages {
		if pg.Digits == nil {
			continue
		}
		digits, err := o.Open(refs[i].PadID, refs[i].Wrapped, pg.Number, pg.Digits)
		if err != nil {
			for _, pg := range pages {
				pg.Wipe()
			}
			return err
		}
		pg.Digits = digits // the sealed bytes are no secret
	}
	return nil
}
