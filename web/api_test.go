package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ciphergram"
	"ciphergram/otp"
	"ciphergram/telegram"
)

// TestCrossOriginRefused: a state-changing request from another site, a
// form post to /login included, is refused before it reaches a handler.
func TestCrossOriginRefused(t *testing.T) {
	_, centre := pair(t, 2, 60)
	centre.serve("")
	for _, path := range []string{"/login", "/compose", "/api/v1/session", "/logout", "/lab"} {
		req, _ := http.NewRequest("POST", centre.URL+path, strings.NewReader(url.Values{"name": {"admin"}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %s, want 403", path, resp.Status)
		}
		if len(resp.Cookies()) != 0 {
			t.Errorf("cross-site POST %s set a cookie", path)
		}
	}
	// The same form from the site itself signs in, with a cookie fit for it.
	req, _ := http.NewRequest("POST", centre.URL+"/login", strings.NewReader(url.Values{"name": {"admin"}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cs := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cs) != 1 {
		t.Fatalf("same-origin sign-in: %s, %d cookies", resp.Status, len(cs))
	}
	c := cs[0]
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || !strings.HasPrefix(c.Name, "__Host-") || c.Path != "/" {
		t.Fatalf("session cookie %+v: want HttpOnly, Secure, SameSite=Strict, __Host-, Path=/", c)
	}
}

// TestLoginRateLimited: after five wrong passwords for a name, even the
// right one is refused for a while, with Retry-After.
func TestLoginRateLimited(t *testing.T) {
	_, centre := pair(t, 2, 60)
	centre.serve("")
	c := &client{t: t, base: centre.URL}
	for range 5 {
		c.do("POST", "/api/v1/session", map[string]string{"name": "clerk", "password": "wrong password!"}, 401, nil)
	}
	c.do("POST", "/api/v1/session", map[string]string{"name": "clerk", "password": password}, 429, nil)
	// Another user from elsewhere is not locked out by the name's limit.
	centre.login("archivist")
}

// TestAccess: each role reaches what it may and nothing else; what a user
// may not see is "not found", never a hint that it exists.
func TestAccess(t *testing.T) {
	london, centre := pair(t, 5, 150)
	london.serve("")
	centre.serve("")
	london.route("CENTRE", centre.URL)
	centre.route("LONDON", london.URL)
	tg := send(t, london, "THE PACT IS SIGNED.")
	eventually(t, "the telegram arrives", func() bool { return len(incoming(t, centre)) == 1 })
	id := itoa(incoming(t, centre)[0].ID)
	centre.login("clerk").do("POST", "/api/v1/telegrams/"+id+"/decipher", nil, 200, nil)
	var cp struct {
		ID int64 `json:"id"`
	}
	centre.login("archivist").do("POST", "/api/v1/telegrams/"+id+"/copies", map[string]string{"reader": "reader"}, 200, &cp)
	copyPath := "/api/v1/copies/" + itoa(cp.ID)

	anon := &client{t: t, base: centre.URL}
	cases := []struct {
		user, method, path string
		body               any
		want               int
	}{
		{"", "GET", "/api/v1/telegrams", nil, 401},
		{"", "GET", copyPath, nil, 401},
		{"reader", "GET", copyPath, nil, 200},
		{"reader2", "GET", copyPath, nil, 404},
		{"reader", "GET", "/api/v1/telegrams/" + id, nil, 404},
		{"reader", "GET", "/api/v1/pads", nil, 403},
		{"reader", "POST", "/api/v1/telegrams/" + id + "/copies", map[string]string{"reader": "reader2"}, 403},
		{"officer", "GET", "/api/v1/telegrams/" + id, nil, 404}, // an officer sees outgoing only
		{"officer", "POST", "/api/v1/telegrams/" + id + "/decipher", nil, 403},
		{"clerk", "GET", "/api/v1/users", nil, 403},
		{"clerk", "GET", "/api/v1/audit", nil, 403},
		{"admin", "GET", "/api/v1/audit", nil, 200},
		{"archivist", "GET", "/api/v1/telegrams/" + id, nil, 200},
		{"clerk", "POST", "/api/v1/telegrams/" + id + "/decipher", nil, 409}, // already registered
		{"clerk", "POST", "/api/v1/telegrams/" + id + "/launch", nil, 404},
		{"clerk", "POST", "/api/v1/inbox", map[string]string{"wire": "not a transmission"}, 400},
		{"clerk", "POST", "/api/v1/inbox", map[string]any{"wire": 5}, 400},
		{"clerk", "POST", "/api/v1/inbox", map[string]string{"wire": tg.Wire}, 409}, // a replay
	}
	logins := map[string]*client{"": anon}
	for _, c := range cases {
		cl, ok := logins[c.user]
		if !ok {
			cl = centre.login(c.user)
			logins[c.user] = cl
		}
		t.Run(c.user+" "+c.method+" "+c.path, func(t *testing.T) {
			cl.t = t
			cl.do(c.method, c.path, c.body, c.want, nil)
		})
	}
}

// TestErrorsSayWhat: bad input gets a status from the error's code and a
// message that says what is wrong.
func TestErrorsSayWhat(t *testing.T) {
	london, _ := pair(t, 2, 60)
	london.serve("")
	officer := london.login("officer")
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	officer.do("POST", "/api/v1/telegrams", map[string]string{"to": "CENTRE", "text": "THE PACT IS SIGNED. §"}, 400, &e)
	if e.Code != "invalid" || !strings.Contains(e.Message, "text") {
		t.Errorf("unencodable text: %+v", e)
	}
	officer.do("POST", "/api/v1/telegrams", map[string]any{"to": "CENTRE", "txt": "x"}, 400, &e)
	if !strings.Contains(e.Message, `unknown field "txt"`) {
		t.Errorf("unknown field: %+v", e)
	}
	officer.do("POST", "/api/v1/telegrams", map[string]string{"to": "PARIS", "text": "THE PACT."}, 404, &e)
	officer.do("GET", "/api/v1/telegrams/x", nil, 400, &e)
	if !strings.Contains(e.Message, `id "x"`) {
		t.Errorf("bad id: %+v", e)
	}
	big := map[string]string{"to": "CENTRE", "text": strings.Repeat("A", 9<<20)}
	officer.do("POST", "/api/v1/telegrams", big, 400, &e)
	if !strings.Contains(e.Message, "larger than") {
		t.Errorf("oversized body: %+v", e)
	}
}

// TestHealthAndMetrics: /healthz answers, /metrics exposes the server's own
// metrics and the pages left, and the logs carry no key material.
func TestHealthAndMetrics(t *testing.T) {
	_, centre := pair(t, 7, 60)
	centre.serve("")
	for path, want := range map[string]string{
		"/healthz": "ok",
		"/metrics": `ciphergram_pad_pages_left{direction="in",from="LONDON",pad="LON-CEN-1",to="CENTRE"} 7`,
	} {
		resp, err := http.Get(centre.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %s\n%s\nwant %q", path, resp.Status, b, want)
		}
	}
}

// TestRelease: the archivist releases a registered telegram with one true
// name and a passage withheld; a reader gets the publication and nothing
// withheld; the rules refuse what is not in the text.
func TestRelease(t *testing.T) {
	london, centre := pair(t, 5, 150)
	london.serve("")
	centre.serve("")
	london.route("CENTRE", centre.URL)
	send(t, london, "AGENT LIST REPORTS THAT THE PACT IS SIGNED.")
	eventually(t, "the telegram arrives", func() bool { return len(incoming(t, centre)) == 1 })
	id := itoa(incoming(t, centre)[0].ID)
	centre.login("clerk").do("POST", "/api/v1/telegrams/"+id+"/decipher", nil, 200, nil)
	arch := centre.login("archivist")
	arch.do("POST", "/api/v1/cryptonyms", map[string]any{"cover": "VADIM", "true_name": "Anatoly Gorsky", "kind": "officer"}, 200, nil)
	arch.do("POST", "/api/v1/telegrams/"+id+"/releases", map[string]any{"reveal": []string{"VADIM"}, "redact": []string{"THE PARK"}}, 400, nil)
	centre.login("reader").do("POST", "/api/v1/telegrams/"+id+"/releases", map[string]any{"reveal": []string{"VADIM"}}, 403, nil)
	var rel struct {
		ID int64 `json:"id"`
	}
	arch.do("POST", "/api/v1/telegrams/"+id+"/releases", map[string]any{"reveal": []string{"vadim"}, "redact": []string{"THE PACT"},
		"notes": []string{"LIST: not identified."}}, 200, &rel)
	text := string(centre.login("reader").do("GET", "/releases/"+itoa(rel.ID)+"/text", nil, 200, nil))
	for _, want := range []string{"DECLASSIFIED\n", "by archivist.", "AGENT LIST REPORTS THAT [REDACTED] IS SIGNED.", "VADIM [Anatoly Gorsky].", "[1] LIST: not identified."} {
		if !strings.Contains(text, want) {
			t.Errorf("publication lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "THE PACT") {
		t.Errorf("the withheld passage is published:\n%s", text)
	}
	md := string(arch.do("GET", "/releases/"+itoa(rel.ID)+"/md", nil, 200, nil))
	if !strings.HasPrefix(md, "# CIPHER TELEGRAM No. ") {
		t.Errorf("markdown:\n%s", md)
	}
}

// fakePrinter records what the server asked it to print.
type fakePrinter struct{ pads, copies, pubs []string }

func (f *fakePrinter) PadBook(w io.Writer, p *otp.Pad, dir ciphergram.PadDirection) error {
	f.pads = append(f.pads, p.ID+" "+string(dir))
	_, err := io.WriteString(w, "%PDF pad "+p.ID)
	return err
}

func (f *fakePrinter) TelegramCopy(w io.Writer, r *telegram.Registered, footer string) error {
	f.copies = append(f.copies, r.Render()+footer)
	_, err := io.WriteString(w, "%PDF copy")
	return err
}

func (f *fakePrinter) Publication(w io.Writer, p *telegram.Publication) error {
	f.pubs = append(f.pubs, p.PlainText())
	_, err := io.WriteString(w, "%PDF publication")
	return err
}

// TestPrint: a printed copy is an issued copy with its number; a pad book
// is printed only for a clerk, and both acts are in the audit log.
func TestPrint(t *testing.T) {
	london, centre := pair(t, 5, 150)
	fp := &fakePrinter{}
	centre.printer = fp
	london.serve("")
	centre.serve("")
	london.route("CENTRE", centre.URL)
	send(t, london, "THE PACT IS SIGNED.")
	eventually(t, "the telegram arrives", func() bool { return len(incoming(t, centre)) == 1 })
	id := itoa(incoming(t, centre)[0].ID)
	centre.login("clerk").do("POST", "/api/v1/telegrams/"+id+"/decipher", nil, 200, nil)

	post := func(c *client, path string, form url.Values, want int) string {
		req, _ := http.NewRequest("POST", centre.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("POST %s: %s, want %d", path, resp.Status, want)
		}
		return resp.Header.Get("Content-Type") + " " + string(b)
	}
	arch := centre.login("archivist")
	got := post(arch, "/telegrams/"+id+"/print", url.Values{"reader": {"reader"}}, 200)
	if !strings.HasPrefix(got, "application/pdf %PDF copy") || len(fp.copies) != 1 ||
		!strings.Contains(fp.copies[0], "Copy No. 1\n") || !strings.Contains(fp.copies[0], "Issued to reader by archivist") {
		t.Fatalf("printed copy: %q, %q", got, fp.copies)
	}
	var copies []struct {
		Number int    `json:"number"`
		Reader string `json:"reader"`
	}
	arch.do("GET", "/api/v1/telegrams/"+id+"/copies", nil, 200, &copies)
	if len(copies) != 1 || copies[0].Number != 1 || copies[0].Reader != "reader" {
		t.Fatalf("the printed copy is not an issued copy: %+v", copies)
	}
	post(centre.login("reader"), "/telegrams/"+id+"/print", url.Values{"reader": {"reader"}}, 403)

	post(arch, "/pads/LON-CEN-1/print", nil, 403)
	if got := post(centre.login("clerk"), "/pads/LON-CEN-1/print", nil, 200); got != "application/pdf %PDF pad LON-CEN-1" || fp.pads[0] != "LON-CEN-1 in" {
		t.Fatalf("pad book: %q %v", got, fp.pads)
	}
	var log struct {
		Entries []struct{ Action string } `json:"entries"`
	}
	centre.login("admin").do("GET", "/api/v1/audit", nil, 200, &log)
	acts := map[string]int{}
	for _, e := range log.Entries {
		acts[e.Action]++
	}
	if acts["copy.printed"] != 1 || acts["pad.printed"] != 1 {
		t.Fatalf("audit: %v", acts)
	}
}
