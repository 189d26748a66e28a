package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/internal/pgtest"
	"ciphergram/postgres"
)

// childArgsEnv, when set in the environment of the test binary, makes it
// run "ciphergram" with the command line it holds (a JSON array of
// strings) instead of its tests, as the real command does: with SIGTERM and
// Ctrl-C ending the context, and the exit status of main. The multi-process
// test starts its servers so.
const childArgsEnv = "CIPHERGRAM_TEST_CHILD_ARGS"

// The hook is an init function rather than a branch of TestMain (which is
// script_test.go's, for testscript) so that it runs before anything of the
// test framework, and whatever TestMain does.
func init() {
	if v, ok := os.LookupEnv(childArgsEnv); ok {
		runChild(v)
	}
}

// runChild runs the command line encoded in v and exits with its status.
func runChild(v string) {
	var args []string
	if err := json.Unmarshal([]byte(v), &args); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", childArgsEnv, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain()
	err := m.Run(ctx, args)
	stop()
	os.Exit(m.report(err))
}

// child is one "ciphergram serve" process started from the test binary.
type child struct {
	name     string
	cmd      *exec.Cmd
	out, log *syncBuffer
	url      string
	done     chan struct{} // closed when the process has exited
	err      error         // what Wait returned; read after done
}

// startChild starts the test binary as "ciphergram args...". The process
// is killed when the test ends if it is still running then.
func startChild(t *testing.T, name string, args ...string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	c := &child{name: name, out: &syncBuffer{}, log: &syncBuffer{}, done: make(chan struct{})}
	// -test.run matches nothing: should the hook not fire, the child runs
	// no test (and no server) rather than this test again.
	c.cmd = exec.Command(exe, "-test.run=^$")
	c.cmd.Env = append(os.Environ(), childArgsEnv+"="+string(enc))
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.log
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			c.cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// waitServing reads the child's standard output until it says where it
// serves.
func (c *child) waitServing(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if mm := servingRE.FindStringSubmatch(c.out.String()); mm != nil {
			c.url = mm[1]
			return
		}
		select {
		case <-c.done:
			t.Fatalf("%s ended before serving: %v\nstdout:\n%s\nstderr:\n%s", c.name, c.err, c.out, c.log)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start serving:\nstdout:\n%s\nstderr:\n%s", c.name, c.out, c.log)
		}
	}
}

// stop sends SIGTERM and checks that the process shuts down gracefully:
// it exits with status 0, in good time.
func (c *child) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("%s: SIGTERM: %v", c.name, err)
	}
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not stop within 30s of SIGTERM:\n%s", c.name, c.log)
	}
	if c.err != nil {
		t.Errorf("%s: exit after SIGTERM: %v (status %d)\nstderr:\n%s", c.name, c.err, c.cmd.ProcessState.ExitCode(), c.log)
	}
}

// apiClient calls the API from many goroutines at once: it reports
// failures as errors instead of failing the test (t.Fatal belongs to the
// test's goroutine), and keeps enough idle connections for them all.
type apiClient struct{ http *http.Client }

func newAPIClient() *apiClient {
	return &apiClient{&http.Client{Timeout: time.Minute, Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 128, IdleConnTimeout: time.Minute}}}
}

// do makes one call; an answer other than 200 is an error that quotes it.
// A 200 answer is decoded into out when out is not nil.
func (c *apiClient) do(url, token, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s%s: %w", method, url, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s%s: reading the answer: %w", method, url, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s%s: %d %s", method, url, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s%s: %w in %s", method, url, path, err, b)
		}
	}
	return nil
}

// mpTelegram is the part of the API's telegram the test looks at.
type mpTelegram struct {
	ID    int64  `json:"id"`
	State string `json:"state"`
	Nr    int    `json:"nr"`
	Wire  string `json:"wire"`
}

// together runs f(0), ..., f(n-1) in goroutines released at once, so that
// the requests they make are in flight together as far as the machine
// allows, and returns the wall time from the release until the last ends
// and the errors.
func together(n int, f func(i int) error) (time.Duration, []error) {
	errs := make([]error, n)
	var ready, wg sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	for i := range n {
		wg.Go(func() {
			ready.Done()
			<-start
			errs[i] = f(i)
		})
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	wg.Wait()
	return time.Since(t0), errs
}

// failOn fails the test with every error of errs, naming what was done.
func failOn(t *testing.T, what string, errs []error) {
	t.Helper()
	n := 0
	for i, err := range errs {
		if err != nil {
			n++
			t.Errorf("%s %d: %v", what, i, err)
		}
	}
	if n > 0 {
		t.Fatalf("%d of %d %s requests failed", n, len(errs), what)
	}
}

// TestMultiProcessServe is the proof that several "ciphergram serve"
// processes of one office against one PostgreSQL database never claim a
// pad page twice nor give an outgoing number twice: two real server
// processes sign 64 telegrams at once and encipher them at once, half on
// each, and the database then holds numbers 1..64 once each and 64
// distinct pages burned, each for one telegram, whose indicators are the
// ones on the wire.
func TestMultiProcessServe(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two server processes against PostgreSQL")
	}
	if os.Getenv(pgtest.Env) == "" {
		t.Skipf("%s is not set: no PostgreSQL server to test with", pgtest.Env)
	}
	if runtime.GOOS == "windows" {
		t.Skip("stops its servers with SIGTERM")
	}
	const (
		telegrams = 64
		pages     = 100
		servers   = 2
		padID     = "LON-CEN-1"
	)
	dsn := pgtest.NewDSN(t) // a fresh schema, dropped when the test ends

	// The office, set up from the command line as an operator would.
	dir := t.TempDir()
	passwords := map[string]string{"chief": "chief's password 1941", "gorsky": "gorsky's password 1941", "clerk": "the clerk's password 1941"}
	pwFile := func(name string) string {
		f := filepath.Join(dir, name+".pw")
		if err := os.WriteFile(f, []byte(passwords[name]+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	// The office key file is made by the first command, as the database
	// has no key yet, and named by every command after.
	keyFile := filepath.Join(dir, "office.key")
	t0 := time.Now()
	for _, args := range [][]string{
		{"office", "init", "--db", dsn, "--key-file", keyFile, "--name", "LONDON", "--admin", "chief"},
		{"user", "add", "--db", dsn, "--key-file", keyFile, "--as", "chief", "--name", "gorsky", "--role", "officer", "--cover", "VADIM"},
		{"user", "add", "--db", dsn, "--key-file", keyFile, "--as", "chief", "--name", "clerk", "--role", "clerk"},
		{"user", "password", "--db", dsn, "--key-file", keyFile, "--as", "chief", "--name", "chief", "--password-file", pwFile("chief")},
		{"user", "password", "--db", dsn, "--key-file", keyFile, "--as", "chief", "--name", "gorsky", "--password-file", pwFile("gorsky")},
		{"user", "password", "--db", dsn, "--key-file", keyFile, "--as", "chief", "--name", "clerk", "--password-file", pwFile("clerk")},
		{"link", "add", "--db", dsn, "--key-file", keyFile, "--as", "chief", "--peer", "CENTRE"},
		{"pad", "issue", "--db", dsn, "--key-file", keyFile, "--as", "chief", "--id", padID, "--from", "LONDON", "--to", "CENTRE", "--pages", strconv.Itoa(pages)},
	} {
		if out, stderr, err := run(t, "", args...); err != nil {
			t.Fatalf("ciphergram %s: %v\n%s%s", strings.Join(args[:2], " "), err, out, stderr)
		}
	}
	// Without a key, a PostgreSQL office does not open.
	if _, stderr, err := run(t, "", "pad", "inventory", "--db", dsn, "--as", "clerk"); err == nil || !strings.Contains(stderr+err.Error(), "needs an office key") {
		t.Errorf("pad inventory without --key-file: %v %s", err, stderr)
	}
	t.Logf("office set up in %v", time.Since(t0).Round(time.Millisecond))

	// Two server processes of the office.
	t0 = time.Now()
	var srv [servers]*child
	for i := range srv {
		srv[i] = startChild(t, fmt.Sprintf("server %d", i+1), "serve", "--db", dsn, "--key-file", keyFile, "--addr", "127.0.0.1:0")
	}
	for _, s := range srv {
		s.waitServing(t)
	}
	if srv[0].url == srv[1].url {
		t.Fatalf("both servers at %s", srv[0].url)
	}
	t.Logf("servers at %s and %s, started in %v", srv[0].url, srv[1].url, time.Since(t0).Round(time.Millisecond))

	// The officer and the clerk sign in at each server.
	api := newAPIClient()
	var officer, clerk [servers]string
	_, errs := together(2*servers, func(i int) error {
		name, tok := "gorsky", &officer[i/2]
		if i%2 == 1 {
			name, tok = "clerk", &clerk[i/2]
		}
		var v struct{ Token string }
		err := api.do(srv[i/2].url, "", "POST", "/api/v1/session", map[string]string{"name": name, "password": passwords[name]}, &v)
		*tok = v.Token
		if err == nil && v.Token == "" {
			err = fmt.Errorf("sign-in of %s: no token", name)
		}
		return err
	})
	failOn(t, "sign-in", errs)

	// 64 drafts, then 64 signatures at once, alternating between the
	// servers.
	ids := make([]int64, telegrams)
	_, errs = together(telegrams, func(i int) error {
		var tg mpTelegram
		err := api.do(srv[i%servers].url, officer[i%servers], "POST", "/api/v1/telegrams",
			map[string]string{"to": "CENTRE", "text": fmt.Sprintf("Report %d from LIST: the pact is signed.", i+1)}, &tg)
		if err == nil && (tg.ID == 0 || tg.State != "draft") {
			err = fmt.Errorf("composed: %+v", tg)
		}
		ids[i] = tg.ID
		return err
	})
	failOn(t, "compose", errs)
	signed := make([]mpTelegram, telegrams)
	d, errs := together(telegrams, func(i int) error {
		return api.do(srv[i%servers].url, officer[i%servers], "POST", fmt.Sprintf("/api/v1/telegrams/%d/sign", ids[i]), nil, &signed[i])
	})
	failOn(t, "sign", errs)
	t.Logf("%d concurrent signatures on %d servers: %v", telegrams, servers, d.Round(time.Millisecond))

	// 64 encipherments at once, 32 on each server.
	enciphered := make([]mpTelegram, telegrams)
	d, errs = together(telegrams, func(i int) error {
		return api.do(srv[i%servers].url, clerk[i%servers], "POST", fmt.Sprintf("/api/v1/telegrams/%d/encipher", ids[i]), nil, &enciphered[i])
	})
	failOn(t, "encipher", errs)
	t.Logf("%d concurrent encipherments, %d on each of %d servers: %v, %.0f telegrams/s",
		telegrams, telegrams/servers, servers, d.Round(time.Millisecond), float64(telegrams)/d.Seconds())

	// What the API answered: every telegram signed with a number of its
	// own, then enciphered.
	nrs := map[int]int64{}
	for i := range telegrams {
		s, e := signed[i], enciphered[i]
		if s.ID != ids[i] || s.State != "signed" || e.ID != ids[i] || e.State != "enciphered" || e.Nr != s.Nr || e.Wire == "" {
			t.Errorf("telegram %d: signed %+v, enciphered %+v", ids[i], s, e)
		}
		if prev, ok := nrs[s.Nr]; ok {
			t.Errorf("NR %d given to telegrams %d and %d", s.Nr, prev, s.ID)
		}
		nrs[s.Nr] = s.ID
	}

	// Both servers shut down gracefully on SIGTERM.
	for _, s := range srv {
		s.stop(t)
		if strings.Contains(s.log.String(), `"level":"ERROR"`) {
			t.Errorf("%s logged an error:\n%s", s.name, s.log)
		}
	}

	checkOneUsePerPage(t, dsn, keyFile, ids, enciphered, padID, pages)

	// The office's own view from the command line: the pad inventory and
	// the audit log, whose chain the two processes appended to at once.
	out, stderr, err := run(t, "", "pad", "inventory", "--db", dsn, "--key-file", keyFile, "--as", "clerk")
	if err != nil {
		t.Fatal(err, stderr)
	}
	if want := fmt.Sprintf(`(?m)^%s +LONDON +CENTRE +out +%d +%d +%d$`, padID, pages, telegrams, pages-telegrams); !regexp.MustCompile(want).MatchString(out) {
		t.Errorf("pad inventory, want %s:\n%s", want, out)
	}
	out, stderr, err = run(t, "", "audit", "verify", "--db", dsn, "--key-file", keyFile, "--as", "chief")
	if err != nil || !strings.Contains(out, "chain intact") {
		t.Errorf("audit verify: %v\n%s%s", err, out, stderr)
	}
}

// checkOneUsePerPage reads the office's database and checks that the
// telegrams ids were enciphered as the API said, numbered 1..n once each,
// with n distinct pages of the pad, each burned for one of them with
// reason "sent", whose indicators are the first groups of their wires.
func checkOneUsePerPage(t *testing.T, dsn, keyFile string, ids []int64, api []mpTelegram, padID string, pages int) {
	t.Helper()
	ctx := context.Background()
	st, err := postgres.Open(ctx, dsn, postgres.WithKeyFile(keyFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n := len(ids)

	ts, err := st.Telegrams(ctx, ciphergram.TelegramFilter{Direction: ciphergram.Outgoing})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != n {
		t.Fatalf("%d outgoing telegrams in the database, want %d", len(ts), n)
	}
	wireOf := map[int64]string{}
	for i, id := range ids {
		wireOf[id] = api[i].Wire
	}
	var nrs []int
	byIndicator := map[string]int64{} // indicator on the wire -> telegram
	for _, tg := range ts {
		if tg.State != ciphergram.StateEnciphered {
			t.Errorf("telegram %d is %s, want enciphered", tg.ID, tg.State)
		}
		if w, ok := wireOf[tg.ID]; !ok || w != tg.Wire {
			t.Errorf("telegram %d: the wire stored is not the one the API answered (known: %v)", tg.ID, ok)
		}
		nrs = append(nrs, tg.Nr)
		trs, err := cipher.ParseTransmissions(tg.Wire)
		if err != nil || len(trs) == 0 {
			t.Errorf("telegram %d: wire %q: %v", tg.ID, tg.Wire, err)
			continue
		}
		for _, tr := range trs {
			if tr.Nr != tg.Nr {
				t.Errorf("telegram %d (NR %d): a part on the wire says NR %d", tg.ID, tg.Nr, tr.Nr)
			}
			ind := tr.Groups[0]
			if prev, ok := byIndicator[ind]; ok {
				t.Errorf("indicator %s on the wire of telegrams %d and %d", ind, prev, tg.ID)
			}
			byIndicator[ind] = tg.ID
		}
	}
	slices.Sort(nrs)
	for i, nr := range nrs {
		if nr != i+1 {
			t.Fatalf("the numbers given are not 1..%d once each: %v", n, nrs)
		}
	}

	ds, err := st.Destructions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != len(byIndicator) || len(ds) < n {
		t.Errorf("%d destruction records, %d parts enciphered by %d telegrams", len(ds), len(byIndicator), n)
	}
	pagesSeen := map[ciphergram.PageRef]int64{}
	pagesOf := map[int64]int{}
	for _, d := range ds {
		if d.Reason != "sent" || d.PadID != padID {
			t.Errorf("destruction record %+v: want reason sent, pad %s", d, padID)
		}
		if prev, ok := pagesSeen[d.PageRef]; ok {
			t.Errorf("page %s/%d burned twice: for telegrams %d and %d", d.PadID, d.Number, prev, d.TelegramID)
		}
		pagesSeen[d.PageRef] = d.TelegramID
		pagesOf[d.TelegramID]++
		if tg, ok := byIndicator[d.Indicator]; !ok || tg != d.TelegramID {
			t.Errorf("page %s/%d (indicator %s) burned for telegram %d; the indicator is on the wire of telegram %d (%v)",
				d.PadID, d.Number, d.Indicator, d.TelegramID, tg, ok)
		}
	}
	for _, id := range ids {
		if pagesOf[id] != 1 {
			t.Errorf("telegram %d: %d pages burned for it, want 1", id, pagesOf[id])
		}
	}

	ps, err := st.Pads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].ID != padID || ps[0].Direction != ciphergram.PadOut || ps[0].Pages != pages || ps[0].Used != n {
		for _, p := range ps {
			t.Logf("pad %+v", *p)
		}
		t.Errorf("pads in custody: want %s out, %d pages, %d used", padID, pages, n)
	}
}
