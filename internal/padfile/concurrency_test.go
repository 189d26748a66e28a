package padfile

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// takePages opens the pad rounds times, each time taking, burning and
// committing the next page, and returns the page numbers it took.
func takePages(path string, rounds int) ([]int, error) {
	var taken []int
	for range rounds {
		f, err := Open(path)
		if err != nil {
			return taken, err
		}
		pages, err := f.Pad.Next(1)
		if err != nil {
			f.Close()
			return taken, err
		}
		n := pages[0].Number
		pages[0].Burn()
		if err := f.Commit(); err != nil {
			f.Close()
			return taken, err
		}
		taken = append(taken, n)
		if err := f.Close(); err != nil {
			return taken, err
		}
	}
	return taken, nil
}

const childEnv = "PADFILE_TEST_CHILD" // "path rounds" in a child process

// TestChildProcess is the body of the child processes of
// TestConcurrentProcesses; run directly it does nothing.
func TestChildProcess(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		return
	}
	path, rounds, _ := strings.Cut(spec, " ")
	k, _ := strconv.Atoi(rounds)
	taken, err := takePages(path, k)
	for _, n := range taken {
		fmt.Printf("taken %d\n", n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// TestConcurrentProcesses runs child processes (re-executing the test
// binary) and goroutines against one pad file at once: no page may be taken
// twice, and every taken page must be burned on disk.
func TestConcurrentProcesses(t *testing.T) {
	const procs, goroutines, rounds = 4, 4, 5
	path := newPadFile(t, 50)
	var mu sync.Mutex
	var taken []int
	var wg sync.WaitGroup
	for i := range procs + goroutines {
		wg.Go(func() {
			var got []int
			var err error
			if i < procs {
				got, err = childTake(path, rounds)
			} else {
				got, err = takePages(path, rounds)
			}
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
			mu.Lock()
			taken = append(taken, got...)
			mu.Unlock()
		})
	}
	wg.Wait()
	checkTaken(t, path, taken, (procs+goroutines)*rounds)
}

func childTake(path string, rounds int) ([]int, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+path+" "+strconv.Itoa(rounds))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var taken []int
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if s, ok := strings.CutPrefix(sc.Text(), "taken "); ok {
			n, _ := strconv.Atoi(s)
			taken = append(taken, n)
		}
	}
	if err != nil {
		return taken, fmt.Errorf("child: %v: %s", err, stderr.Bytes())
	}
	return taken, nil
}

// checkTaken checks that want distinct pages were taken and that exactly
// those are burned on disk.
func checkTaken(t *testing.T, path string, taken []int, want int) {
	t.Helper()
	seen := map[int]bool{}
	for _, n := range taken {
		if seen[n] {
			t.Errorf("page %d handed out twice", n)
		}
		seen[n] = true
	}
	if len(taken) != want {
		t.Errorf("%d pages taken, want %d", len(taken), want)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, pg := range f.Pad.Pages {
		if pg.Burned != seen[pg.Number] {
			t.Errorf("page %d: burned %v, taken %v", pg.Number, pg.Burned, seen[pg.Number])
		}
	}
}

// TestLockFollowsCommit holds a pad across two Commits while another Open
// waits: the waiter must not get in between (its first lock is on the
// replaced inode) and must then see both burns.
func TestLockFollowsCommit(t *testing.T) {
	path := newPadFile(t, 4)
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *File)
	go func() {
		b, err := Open(path)
		if err != nil {
			t.Error(err)
		}
		got <- b
	}()
	for i := range 2 {
		time.Sleep(50 * time.Millisecond)
		select {
		case <-got:
			t.Fatalf("second Open returned while the first held the pad (after %d commits)", i)
		default:
		}
		a.Pad.Pages[i].Burn()
		if err := a.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	select {
	case <-got:
		t.Fatal("second Open returned before Close")
	default:
	}
	a.Close()
	b := <-got
	if b == nil {
		return
	}
	defer b.Close()
	if b.Pad.Remaining() != 2 || !b.Pad.Pages[0].Burned || !b.Pad.Pages[1].Burned {
		t.Errorf("second Open sees %v, want pages 1 and 2 burned", b.Pad)
	}
}
