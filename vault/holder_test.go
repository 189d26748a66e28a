package vault

import (
	"errors"
	"testing"
)

// TestHolder: a holder hands its key to uses until Close, destroys at Close
// and at a switch only the keys it made, and a switch after Close destroys
// the new key instead of keeping it.
func TestHolder(t *testing.T) {
	t.Run("OwnedKey", func(t *testing.T) {
		var h Holder
		k := newKey(t)
		h.Set(k, true, "office.key")
		if h.File() != "office.key" {
			t.Errorf("file %q", h.File())
		}
		if err := h.Use(func(o *Key) error { _ = o.bytes(); return nil }); err != nil {
			t.Fatal(err)
		}
		h.Close()
		if !k.s.destroyed {
			t.Error("Close did not destroy the key the holder made")
		}
		if err := h.Use(func(*Key) error { t.Error("a use after Close ran"); return nil }); !errors.Is(err, ErrKeyGone) {
			t.Errorf("use after Close: %v, want ErrKeyGone", err)
		}
		h.Close() // twice is harmless
	})
	t.Run("GivenKey", func(t *testing.T) {
		var h Holder
		k := newKey(t)
		h.Set(k, false, "")
		h.Close()
		if k.s.destroyed {
			t.Error("Close destroyed a key that stays its owner's")
		}
	})
	t.Run("Switch", func(t *testing.T) {
		var h Holder
		old, next := newKey(t), newKey(t)
		h.Set(old, true, "old.key")
		h.Switch(&Rotation{key: next, owned: true, file: "new.key"})
		if !old.s.destroyed || next.s.destroyed {
			t.Errorf("after the switch: old destroyed %v, new destroyed %v; want true, false", old.s.destroyed, next.s.destroyed)
		}
		if h.File() != "new.key" {
			t.Errorf("file %q, want new.key", h.File())
		}
		var got *Key
		h.Use(func(o *Key) error { got = o; return nil })
		if got != next {
			t.Error("uses after the switch do not get the new key")
		}
		h.Close()
		if !next.s.destroyed {
			t.Error("Close did not destroy the new key the rotation made")
		}
	})
	t.Run("SwitchAfterClose", func(t *testing.T) {
		var h Holder
		old, next := newKey(t), newKey(t)
		h.Set(old, false, "")
		h.Close()
		h.Switch(&Rotation{key: next, owned: true})
		if !next.s.destroyed || old.s.destroyed {
			t.Errorf("switch after Close: new destroyed %v, given old destroyed %v; want true, false", next.s.destroyed, old.s.destroyed)
		}
	})
	t.Run("Current", func(t *testing.T) {
		var h Holder
		k, other := newKey(t), newKey(t)
		h.Set(k, true, "")
		defer h.Close()
		if err := h.Current(&Stored{Check: Check(k)}); err != nil {
			t.Errorf("its own check: %v", err)
		}
		if err := h.Current(&Stored{Check: Check(other)}); !errors.Is(err, ErrKeyRotated) {
			t.Errorf("another key's check: %v, want ErrKeyRotated", err)
		}
		if err := h.Current(nil); err == nil {
			t.Error("no check: no error")
		}
	})
}
