package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/office"
	"ciphergram/sqlite"
	"ciphergram/web"
)

// password is every test user's password.
const password = "correct horse battery"

// passwordHash is password's hash, computed once: argon2id takes a
// sixth of a second, and every test office has six users.
var passwordHash = sync.OnceValue(func() string {
	h, err := office.HashPassword(password)
	if err != nil {
		panic(err)
	}
	return h
})

// linkSecret is the credential of the LONDON-CENTRE link in tests.
const linkSecret = "a link credential of at least 32 characters"

// testOffice is one office with its database, served on loopback.
type testOffice struct {
	t      *testing.T
	name   string
	path   string // the SQLite file
	store  ciphergram.Store
	svc    *office.Service
	srv    *http.Server
	addr   string
	URL    string
	stop   context.CancelFunc
	wg     sync.WaitGroup
	tokens map[string]string
	logs   *logBuffer // what the server logged, at debug level
	// printer, if set, is the server's PDF printer.
	printer web.Printer
}

// logBuffer collects a server's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// users of every test office: name, role, cover.
var testUsers = []struct {
	name, role, cover string
	cleared           bool
}{
	{"officer", "officer", "VADIM", true},
	{"clerk", "clerk", "", false},
	{"archivist", "archivist", "", true},
	{"reader", "reader", "", false},
	{"reader2", "reader", "", false},
}

// newOffice creates an office in dir with its users and a link to peer,
// without serving it.
func newOffice(t *testing.T, dir, name string, centre bool, peer string) *testOffice {
	t.Helper()
	o := &testOffice{t: t, name: name, path: filepath.Join(dir, strings.ToLower(name)+".db"), tokens: map[string]string{}, logs: &logBuffer{}}
	o.open()
	ctx := context.Background()
	if err := o.svc.Init(ctx, name, centre, "admin"); err != nil {
		t.Fatal(err)
	}
	admin := o.actor("admin")
	o.setPassword("admin")
	for _, u := range testUsers {
		nu := &ciphergram.User{Name: u.name, Role: ciphergram.Role(u.role), Cover: u.cover, Cleared: u.cleared}
		if err := o.svc.AddUser(ctx, admin, nu); err != nil {
			t.Fatal(err)
		}
		o.setPassword(u.name)
	}
	if err := o.svc.AddLink(ctx, admin, &ciphergram.Link{Peer: peer, Mode: cipher.Authenticated, Secret: linkSecret}); err != nil {
		t.Fatal(err)
	}
	return o
}

func (o *testOffice) setPassword(name string) {
	a := ciphergram.Audit{Time: time.Now(), Actor: "admin", Action: "user.password_set", Subject: "user " + name}
	if err := o.store.SetPassword(context.Background(), name, passwordHash(), a); err != nil {
		o.t.Fatal(err)
	}
}

// open opens the office's database (again, after a restart).
func (o *testOffice) open() {
	st, err := sqlite.Open(context.Background(), o.path)
	if err != nil {
		o.t.Fatal(err)
	}
	o.store = st
	o.svc = office.New(st)
	o.svc.Backoff = func(int) time.Duration { return 20 * time.Millisecond }
	o.t.Cleanup(func() { o.close() })
}

func (o *testOffice) actor(name string) *ciphergram.User {
	u, err := o.svc.Actor(context.Background(), name)
	if err != nil {
		o.t.Fatal(err)
	}
	return u
}

// serve serves the office on addr ("" for any free loopback port), with
// its courier.
func (o *testOffice) serve(addr string) {
	o.t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		o.t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(o.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := web.New(o.svc, web.Config{Logger: log, Printer: o.printer})
	c := s.Courier()
	c.Poll = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	o.stop = cancel
	o.srv = &http.Server{Handler: s}
	o.addr = ln.Addr().String()
	o.URL = "http://" + o.addr
	o.wg.Add(2)
	go func() { defer o.wg.Done(); o.srv.Serve(ln) }()
	go func() { defer o.wg.Done(); c.Run(ctx) }()
}

// halt stops serving (the database stays open).
func (o *testOffice) halt() {
	if o.srv == nil {
		return
	}
	o.srv.Close()
	o.stop()
	o.wg.Wait()
	o.srv = nil
}

// close stops serving and closes the database.
func (o *testOffice) close() {
	o.halt()
	if o.store != nil {
		o.store.Close()
		o.store = nil
	}
}

// route points the office's link at its peer's URL.
func (o *testOffice) route(peer, url string) {
	o.t.Helper()
	if err := o.svc.RouteLink(context.Background(), o.actor("admin"), peer, url, linkSecret); err != nil {
		o.t.Fatal(err)
	}
}

// freeAddr reserves a loopback address nobody listens on yet.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// pair sets up LONDON and the CENTRE in dir with a LONDON to CENTRE pad
// of pages pages of gpp groups, issued at the Centre and imported in
// London. Neither is served yet.
func pair(t *testing.T, pages, gpp int) (london, centre *testOffice) {
	t.Helper()
	dir := t.TempDir()
	centre = newOffice(t, dir, "CENTRE", true, "LONDON")
	london = newOffice(t, dir, "LONDON", false, "CENTRE")
	ctx := context.Background()
	if _, err := centre.svc.IssuePad(ctx, centre.actor("clerk"), "LON-CEN-1", "LONDON", "CENTRE", pages, gpp); err != nil {
		t.Fatal(err)
	}
	var sealed bytes.Buffer
	const pass = "a long transport passphrase"
	if err := centre.svc.ExportPad(ctx, centre.actor("clerk"), "LON-CEN-1", pass, &sealed); err != nil {
		t.Fatal(err)
	}
	if _, err := london.svc.ImportPad(ctx, london.actor("clerk"), &sealed, pass); err != nil {
		t.Fatal(err)
	}
	return london, centre
}

// client calls an office's API.
type client struct {
	t     *testing.T
	base  string
	token string
	hdr   http.Header
}

// login signs a user in through the API.
func (o *testOffice) login(user string) *client {
	o.t.Helper()
	c := &client{t: o.t, base: o.URL}
	var ans struct {
		Token string `json:"token"`
	}
	c.do("POST", "/api/v1/session", map[string]string{"name": user, "password": password}, 200, &ans)
	c.token = ans.Token
	return c
}

// do sends a JSON request and checks the status; out, if not nil,
// receives the answer. It returns the raw answer.
func (c *client) do(method, path string, body any, want int, out any) []byte {
	c.t.Helper()
	code, b := c.send(method, path, body)
	if code != want {
		c.t.Fatalf("%s %s: %d %s, want %d: %s", method, path, code, http.StatusText(code), want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return b
}

// send sends a JSON request and returns the status and the answer.
func (c *client) send(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// telegramJSON is the part of the API's telegram the tests look at.
type telegramJSON struct {
	ID      int64  `json:"id"`
	State   string `json:"state"`
	Nr      int    `json:"nr"`
	From    string `json:"from"`
	Text    string `json:"text"`
	Wire    string `json:"wire"`
	Numbers []int  `json:"numbers"`
}

// send composes, signs, enciphers and sends a telegram from London
// through the API and returns it.
func send(t *testing.T, london *testOffice, text string) telegramJSON {
	t.Helper()
	officer, clerk := london.login("officer"), london.login("clerk")
	var tg telegramJSON
	officer.do("POST", "/api/v1/telegrams", map[string]string{"to": "CENTRE", "text": text, "caveat": "Removal of copies prohibited"}, 200, &tg)
	officer.do("POST", "/api/v1/telegrams/"+itoa(tg.ID)+"/sign", nil, 200, &tg)
	clerk.do("POST", "/api/v1/telegrams/"+itoa(tg.ID)+"/encipher", nil, 200, &tg)
	clerk.do("POST", "/api/v1/telegrams/"+itoa(tg.ID)+"/send", nil, 200, &tg)
	return tg
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// incoming lists the Centre's incoming telegrams from the store.
func incoming(t *testing.T, o *testOffice) []*ciphergram.Telegram {
	t.Helper()
	ts, err := o.store.Telegrams(context.Background(), ciphergram.TelegramFilter{Direction: ciphergram.Incoming})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}
