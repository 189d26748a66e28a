package storetest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/otp"
)

// The child process of the crash test is the test binary itself, started
// with these variables: the database, and "FROM TO TELEGRAM-ID" of the
// claims to make.
const (
	envCrashDSN   = "CIPHERGRAM_STORETEST_CRASH_DSN"
	envCrashClaim = "CIPHERGRAM_STORETEST_CRASH_CLAIM"
)

const (
	crashPages   = 2000             // pages of the pad the child claims from
	crashCycles  = 5                // children killed (2 with -short)
	crashTimeout = 30 * time.Second // a child that runs longer is stuck
)

// crashChild is the child's role: it claims one page at a time until it is
// killed, and writes each claimed page's indicator on a line of its own as
// soon as ClaimPages returns. It returns the exit status.
func crashChild(h Harness) int {
	var from, to string
	var telegramID int64
	if _, err := fmt.Sscan(os.Getenv(envCrashClaim), &from, &to, &telegramID); err != nil {
		fmt.Fprintf(os.Stderr, "storetest child: %s: %v\n", envCrashClaim, err)
		return 2
	}
	ctx := context.Background()
	st, err := h.Open(ctx, os.Getenv(envCrashDSN))
	if err != nil {
		fmt.Fprintf(os.Stderr, "storetest child: Open: %v\n", err)
		return 2
	}
	defer st.Close()
	for i := 1; ; i++ {
		a := ciphergram.Audit{Time: time.Now(), Actor: "child", Action: "pages.claimed",
			Subject: fmt.Sprintf("claim %d of process %d", i, os.Getpid())}
		pages, err := st.ClaimPages(ctx, from, to, 1, telegramID, a)
		if ciphergram.ErrorCode(err) == ciphergram.EEXHAUSTED {
			return 0
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "storetest child: ClaimPages: %v\n", err)
			return 2
		}
		// One unbuffered write a line: the parent sees each as it happens.
		if _, err := fmt.Fprintln(os.Stdout, pages[0].Indicator()); err != nil {
			return 2
		}
		pages[0].Wipe()
	}
}

// testCrashDuringClaim kills a child process that claims pages, at a random
// moment, several times, and checks after each that the database is
// consistent: every page the child reported is burned, no page is both
// available and recorded as used, the audit chain verifies, and claims go on
// from the next page.
func testCrashDuringClaim(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	p := genPad(t, 1, "LON-CEN-1", home, centre, crashPages, 10)
	e.importPad(p, ciphergram.PadOut)
	tg := e.draft("claimed by a child", day(10, 0))
	e.close()

	pageOf := make(map[string]int, len(p.Pages))
	for _, pg := range p.Pages {
		pageOf[pg.Indicator()] = pg.Number
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	cycles := crashCycles
	if testing.Short() {
		cycles = 2
	}
	used := map[int]bool{} // pages reported by a child, claimed here, or seen burned
	for c := range cycles {
		after := 1 + rng.IntN(10)
		delay := time.Duration(rng.Int64N(int64(3 * time.Millisecond)))
		reported := runCrashChild(t, e.dsn, fmt.Sprintf("%s %s %d", home, centre, tg.ID), after, delay)
		t.Logf("child %d: killed %v after its claim %d; it reported %d claims", c+1, delay, after, len(reported))
		for _, ind := range reported {
			n, ok := pageOf[ind]
			switch {
			case !ok:
				t.Fatalf("the child reported indicator %q, which is on no page", ind)
			case used[n]:
				t.Fatalf("the child reported page %d, which was used before", n)
			}
			used[n] = true
		}
		e.open()
		checkAfterCrash(t, e, p, used, tg.ID)
		e.close()
	}
}

// runCrashChild starts a child that claims pages, kills it with SIGKILL a
// delay after it reported after claims, and returns the indicators it
// reported, including those it wrote before it died.
func runCrashChild(t *testing.T, dsn, claim string, after int, delay time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envCrashDSN+"="+dsn, envCrashClaim+"="+claim)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	must(t, "StdoutPipe", err)
	must(t, "starting the child", cmd.Start())
	stuck := time.AfterFunc(crashTimeout, func() { cmd.Process.Kill() })

	var reported []string
	killed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		reported = append(reported, sc.Text())
		if len(reported) == after && !killed {
			time.Sleep(delay)
			killed = cmd.Process.Kill() == nil
		}
	}
	err = cmd.Wait()
	if !stuck.Stop() {
		t.Fatalf("the child was stuck after %d claims and was killed after %v; it wrote:\n%s", len(reported), crashTimeout, stderr.Bytes())
	}
	if !killed {
		hint := ""
		if len(reported) == 0 && err == nil {
			hint = " (does the store package's TestMain call storetest.Main?)"
		}
		t.Fatalf("the child made %d claims and ended before it was killed%s: %v; it wrote:\n%s", len(reported), hint, err, stderr.Bytes())
	}
	return reported
}

// checkAfterCrash checks the reopened database after a child was killed,
// then claims the next page itself.
func checkAfterCrash(t *testing.T, e *env, p *otp.Pad, used map[int]bool, telegramID int64) {
	t.Helper()
	exp, err := e.st.ExportPad(e.ctx, p.ID, e.audit("pad.exported"))
	must(t, "ExportPad after the crash", err)
	if len(exp.Pages) != len(p.Pages) {
		t.Fatalf("ExportPad gave %d pages, want %d", len(exp.Pages), len(p.Pages))
	}
	burnt := 0
	for i, pg := range exp.Pages {
		switch {
		case pg.Number != i+1:
			t.Fatalf("ExportPad: page %d is numbered %d", i+1, pg.Number)
		case pg.Burned && len(pg.Digits) > 0:
			t.Errorf("page %d is burned but keeps its digits", pg.Number)
		case pg.Burned:
			burnt++
		case used[pg.Number]:
			t.Errorf("page %d was claimed and reported, but is available again", pg.Number)
		case !bytes.Equal(pg.Digits, p.Pages[i].Digits):
			t.Errorf("page %d is available with other digits", pg.Number)
		}
	}
	for n := 1; n <= burnt; n++ {
		if !exp.Pages[n-1].Burned {
			t.Fatalf("%d pages are burned, but not pages 1 to %d: page %d is not", burnt, burnt, n)
		}
	}
	checkDestructions(t, e, destroyed(p, "sent", telegramID, pageRange(1, burnt)...))
	pads, err := e.st.Pads(e.ctx)
	must(t, "Pads", err)
	if len(pads) != 1 {
		t.Fatalf("Pads gives %d pads, want 1", len(pads))
	}
	if pads[0].Used != burnt {
		t.Errorf("Pads gives %d pages used, but %d are burned", pads[0].Used, burnt)
	}
	if n := burnt - len(used); n > 0 {
		t.Logf("%d pages burned, of which %d were claimed but not reported", burnt, n)
	}
	for n := 1; n <= burnt; n++ {
		used[n] = true // must stay burned
	}
	claims := 0
	for _, a := range checkChain(t, e) {
		if a.Action == "pages.claimed" {
			claims++
		}
	}
	if claims != burnt {
		t.Errorf("the audit log records %d claims of one page, but %d pages are burned", claims, burnt)
	}

	got, err := e.st.ClaimPages(e.ctx, home, centre, 1, telegramID, e.audit("pages.claimed"))
	must(t, "ClaimPages after the crash", err)
	checkClaimed(t, got, p.Pages[burnt])
	used[burnt+1] = true
}

// pageRange lists the numbers from to to.
func pageRange(from, to int) []int {
	var ns []int
	for n := from; n <= to; n++ {
		ns = append(ns, n)
	}
	return ns
}
