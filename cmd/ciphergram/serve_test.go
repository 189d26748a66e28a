package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a server goroutine and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server runs "ciphergram serve" in the background until stop is called,
// which returns what Run returned.
type server struct {
	out, log *syncBuffer
	url      string
	stop     func() error
}

var servingRE = regexp.MustCompile(`serving on (http://\S+)`)

func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	s := &server{out: &syncBuffer{}, log: &syncBuffer{}}
	m := &Main{Stdin: strings.NewReader(""), Stdout: s.out, Stderr: s.log, Rand: rand.Reader, Now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if mm := servingRE.FindStringSubmatch(s.out.String()); mm != nil {
			s.url = mm[1]
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended: %v\n%s%s", err, s.out, s.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s%s", s.out, s.log)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.stop = func() error {
		cancel()
		return <-done
	}
	return s
}

func signIn(t *testing.T, url, name, password string) int {
	t.Helper()
	code, _ := call(t, url, "", "POST", "/api/v1/session", map[string]string{"name": name, "password": password})
	return code
}

// call makes an API call and returns the status and the decoded answer.
func call(t *testing.T, url, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(method, url+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v
}

// token signs a user in and returns the API token.
func token(t *testing.T, url, name, password string) string {
	t.Helper()
	code, v := call(t, url, "", "POST", "/api/v1/session", map[string]string{"name": name, "password": password})
	if code != 200 {
		t.Fatalf("sign-in of %s at %s: %d %v", name, url, code, v)
	}
	return v["token"].(string)
}

// TestServe: the first start creates the office and an admin whose
// one-time password is printed once; the office answers /healthz, keeps
// its database across a restart and stops cleanly.
func TestServe(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ciphergram.db")
	if _, _, err := run(t, "", "serve", "--db", db, "--addr", "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "no office") {
		t.Fatalf("serve on a fresh database without --name: %v", err)
	}
	s := startServe(t, "--db", db, "--name", "london")
	pw := regexp.MustCompile(`one-time password\s+(\S+)`).FindStringSubmatch(s.out.String())
	if pw == nil {
		t.Fatalf("no one-time password printed:\n%s", s.out)
	}
	resp, err := http.Get(s.url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	if got := signIn(t, s.url, "admin", pw[1]); got != 200 {
		t.Fatalf("sign-in with the one-time password: %d", got)
	}
	if strings.Contains(s.log.String(), pw[1]) {
		t.Fatal("the password is in the log")
	}
	if err := s.stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	s = startServe(t, "--db", db)
	defer s.stop()
	if strings.Contains(s.out.String(), "password") || !strings.Contains(s.out.String(), "LONDON serving") {
		t.Fatalf("second start:\n%s", s.out)
	}
	if got := signIn(t, s.url, "admin", pw[1]); got != 200 {
		t.Fatalf("sign-in after a restart: %d", got)
	}
	if got := signIn(t, s.url, "admin", "not the password"); got != 401 {
		t.Fatalf("sign-in with a wrong password: %d", got)
	}
}

// TestDemoServes: without --no-serve the demo ends by serving both
// offices; the printed logins work at both and a telegram written in
// London reaches the Centre by the courier.
func TestDemoServes(t *testing.T) {
	out := &syncBuffer{}
	m := &Main{Stdin: strings.NewReader(""), Stdout: out, Stderr: &syncBuffer{}, Rand: rand.Reader, Now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"demo"}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo: %v", err)
		}
	}()
	re := regexp.MustCompile(`(?s)LONDON  (http://\S+).*CENTRE  (http://\S+).*password: (\S+)`)
	var mm []string
	for deadline := time.Now().Add(60 * time.Second); mm == nil; time.Sleep(20 * time.Millisecond) {
		if mm = re.FindStringSubmatch(out.String()); mm == nil && time.Now().After(deadline) {
			t.Fatalf("the demo did not serve:\n%s", out)
		}
	}
	london, centre, pw := mm[1], mm[2], mm[3]
	if signIn(t, london, "gorsky", pw) != 200 || signIn(t, centre, "reader1", pw) != 200 {
		t.Fatal("the demo logins do not work")
	}
	officer, clerk := token(t, london, "gorsky", pw), token(t, london, "clerk", pw)
	_, tg := call(t, london, officer, "POST", "/api/v1/telegrams", map[string]string{"to": "CENTRE", "text": "THE PACT IS SIGNED."})
	id := strconv.Itoa(int(tg["id"].(float64)))
	for _, step := range []struct{ who, act string }{{officer, "sign"}, {clerk, "encipher"}, {clerk, "send"}} {
		if code, v := call(t, london, step.who, "POST", "/api/v1/telegrams/"+id+"/"+step.act, nil); code != 200 {
			t.Fatalf("%s: %d %v", step.act, code, v)
		}
	}
	centreClerk := token(t, centre, "clerk", pw)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest("GET", centre+"/api/v1/telegrams?state=received", nil)
		req.Header.Set("Authorization", "Bearer "+centreClerk)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var list []map[string]any
		json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if len(list) == 1 && list[0]["from"] == "LONDON" && list[0]["created_by"] == "link:LONDON" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the telegram did not reach the Centre: %v", list)
		}
	}
}
