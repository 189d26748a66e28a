//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package padfile

import (
	"os"
	"syscall"
)

// lock takes an exclusive flock on f, waiting as long as it takes.
func lock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}

// tryLock takes an exclusive flock on f or fails at once.
func tryLock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
