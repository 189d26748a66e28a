//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package padfile

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// Pad files are locked with flock(2); on other systems Open refuses rather
// than risk two processes taking the same page.

func lock(*os.File) error {
	return fmt.Errorf("no flock on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

func tryLock(f *os.File) error { return lock(f) }
