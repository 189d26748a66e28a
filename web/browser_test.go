package web_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// browserStoryText is the telegram of the browser story: plain words the
// default codebook encodes.
const browserStoryText = "AGENT LIST REPORTS THAT THE GERMANS WILL ATTACK."

// browserPath finds a Chromium to drive, or skips the test; with
// CIPHERGRAM_BROWSER_TESTS=1 a missing browser fails it.
func browserPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CIPHERGRAM_BROWSER_TESTS") == "1" {
		t.Fatal("no chromium, chromium-browser or google-chrome on PATH, and CIPHERGRAM_BROWSER_TESTS=1")
	}
	t.Skip("no chromium, chromium-browser or google-chrome on PATH")
	return ""
}

// album writes numbered full-page screenshots to a directory.
type album struct {
	t   *testing.T
	dir string
	mu  sync.Mutex
	n   int
}

// shot saves a full-page screenshot of the tab as NN-label.png.
func (a *album) shot(ctx context.Context, label string) {
	a.t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		a.t.Fatalf("screenshot %s: %v", label, err)
	}
	a.mu.Lock()
	a.n++
	name := fmt.Sprintf("%02d-%s.png", a.n, label)
	a.mu.Unlock()
	if err := os.WriteFile(filepath.Join(a.dir, name), png, 0o644); err != nil {
		a.t.Fatal(err)
	}
}

// tab is one user's browser: its own browser context (cookie jar) with one
// tab, at one office.
type tab struct {
	t     *testing.T
	ctx   context.Context
	base  string // the office's URL
	who   string // office and user, for screenshot names and messages
	album *album
}

// newTab opens a tab in a fresh browser context of the browser of parent.
func newTab(t *testing.T, parent context.Context, a *album, o *testOffice, user string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		t.Fatalf("open a tab for %s: %v", user, err)
	}
	return &tab{t: t, ctx: ctx, base: o.URL, who: strings.ToLower(o.name) + "-" + user, album: a}
}

// step bounds one browser step, so that a missing element fails the test
// with a message rather than at the test's deadline.
func (b *tab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, 15*time.Second)
}

// shoot takes the screenshot of the page the tab shows now.
func (b *tab) shoot(label string) {
	b.t.Helper()
	b.album.shot(b.ctx, b.who+"-"+label)
}

// visit loads a path of the office, checks the status, and shoots the page.
func (b *tab) visit(path string, want int, label string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("%s: GET %s: %v", b.who, path, err)
	}
	if int(resp.Status) != want {
		b.t.Fatalf("%s: GET %s: status %d, want %d", b.who, path, resp.Status, want)
	}
	b.shoot(label)
}

// press clicks a button (or link) that loads a new page, waits for it,
// checks the status of the page it lands on, and shoots it.
func (b *tab) press(sel string, want int, label string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: click %s: %v", b.who, sel, err)
	}
	if int(resp.Status) != want {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		b.t.Fatalf("%s: click %s: status %d, want %d; page:\n%s", b.who, sel, resp.Status, want, body)
	}
	b.shoot(label)
}

// fill types into a field.
func (b *tab) fill(sel, text string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		b.t.Fatalf("%s: type into %s: %v", b.who, sel, err)
	}
}

// choose sets the value of a select.
func (b *tab) choose(sel, value string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(sel), value)); err != nil {
		b.t.Fatalf("%s: choose %q in %s: %v", b.who, value, sel, err)
	}
}

// text is the rendered text of the first element sel matches; it waits
// for the element.
func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: text of %s: %v", b.who, sel, err)
	}
	return s
}

// content is the trimmed text content of the first element sel matches,
// as written in the page: unlike text, not changed by CSS text-transform.
func (b *tab) content(sel string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: text content of %s: %v", b.who, sel, err)
	}
	return strings.TrimSpace(s)
}

// eval evaluates a JavaScript expression in the page (the test's own
// DevTools call, not page script, so CSP does not apply).
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: evaluate %s: %v", b.who, expr, err)
	}
	return v
}

// body is the rendered text of the whole page.
func (b *tab) body() string { return eval[string](b, `document.body.innerText`) }

// count is how many elements sel matches now, without waiting.
func (b *tab) count(sel string) int {
	return eval[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

// location is the path of the page the tab shows.
func (b *tab) location() string { return eval[string](b, `location.pathname + location.search`) }

// contains fails unless got holds every one of wants.
func (b *tab) contains(what, got string, wants ...string) {
	b.t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			b.t.Errorf("%s: %s lacks %q:\n%s", b.who, what, w, got)
		}
	}
}

// signIn signs the user in through the sign-in form and checks the
// session took: the header names the user.
func (b *tab) signIn(user string) {
	b.t.Helper()
	b.visit("/login", 200, "login")
	b.fill("#name", user)
	b.fill("#password", password)
	b.press("#signin", 200, "signed-in")
	if loc := b.location(); strings.HasPrefix(loc, "/login") {
		b.t.Fatalf("%s: still at %s after signing in (did the browser refuse the session cookie?):\n%s", b.who, loc, b.body())
	}
	if got := b.content(".who a"); got != user {
		b.t.Fatalf("%s: the header names %q, want %q", b.who, got, user)
	}
}

// cookies are the cookies the tab's browser context holds for its office.
func (b *tab) cookies() []*network.Cookie {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/"}})
	if err != nil {
		b.t.Fatalf("%s: cookies: %v", b.who, err)
	}
	return res.Cookies
}

// TestBrowserStory follows one telegram through the web UI in headless
// Chromium: composed and signed by the London officer, enciphered and sent
// by the London clerk, delivered by the courier, deciphered and registered
// at the Centre, a copy issued to one reader who reads it, and refused to
// another. Every page visited is kept as a numbered screenshot.
func TestBrowserStory(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	execPath := browserPath(t)
	t0 := time.Now()

	london, centre := pair(t, 10, 150)
	london.serve("")
	centre.serve("")
	london.route("CENTRE", centre.URL)
	centre.route("LONDON", london.URL)

	a := &album{t: t, dir: t.ArtifactDir()}
	t.Logf("screenshots in %s", a.dir)

	browserCtx := startBrowser(t, execPath, 90*time.Second)

	t.Logf("offices set up and browser started in %.2fs", time.Since(t0).Seconds())
	start := time.Now()
	phase := func(what string) { t.Logf("%6.2fs %s", time.Since(start).Seconds(), what) }

	// 1. The London officer composes and signs.
	officer := newTab(t, browserCtx, a, london, "officer")
	officer.signIn("officer")
	for _, c := range officer.cookies() {
		t.Logf("cookie over plain http://%s: %s Secure=%v HttpOnly=%v SameSite=%s Path=%s", london.addr, c.Name, c.Secure, c.HTTPOnly, c.SameSite, c.Path)
	}
	officer.visit("/compose", 200, "compose")
	officer.choose("#to", "CENTRE")
	officer.fill("#text", browserStoryText)
	officer.press("#save", 200, "draft")
	draftPath := officer.location()
	if !strings.HasPrefix(draftPath, "/telegrams/") {
		t.Fatalf("after saving the draft the officer is at %s", draftPath)
	}
	officer.contains("the draft", officer.text("#text"), browserStoryText)
	if got := officer.content("#state"); got != "draft" {
		t.Errorf("draft state %q", got)
	}
	officer.press("#act-sign", 200, "signed")
	if got := officer.content("#state"); got != "signed" {
		t.Fatalf("after signing the state is %q", got)
	}
	officer.contains("the signed telegram", officer.text("#text"), browserStoryText, "VADIM")
	phase("officer composed and signed")

	// 2. The London clerk enciphers and sends.
	clerk := newTab(t, browserCtx, a, london, "clerk")
	clerk.signIn("clerk")
	clerk.visit(draftPath, 200, "telegram")
	clerk.press("#act-encipher", 200, "enciphered")
	if got := clerk.content("#state"); got != "enciphered" {
		t.Fatalf("after enciphering the state is %q", got)
	}
	wire := clerk.text("#wire")
	if strings.TrimSpace(wire) == "" || strings.Contains(wire, "GERMANS") {
		t.Fatalf("the wire is %q", wire)
	}
	clerk.press("#act-send", 200, "sent")
	if got := clerk.content("#state"); got != "sent" {
		t.Fatalf("after sending the state is %q", got)
	}
	phase("clerk enciphered and sent")

	// 3. The Centre's admin sees it arrive, deciphers and issues a copy.
	admin := newTab(t, browserCtx, a, centre, "admin")
	admin.signIn("admin")
	// The courier delivers within a second or so: poll the inbox.
	const arrived = `table.telegrams a[href^="/telegrams/"]`
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := admin.step()
		err := chromedp.Do(ctx, chromedp.Navigate(centre.URL+"/inbox?state=received"))
		cancel()
		if err != nil {
			t.Fatalf("admin: inbox: %v", err)
		}
		if admin.count(arrived) > 0 {
			break
		}
		if time.Now().After(deadline) {
			admin.shoot("inbox-nothing-arrived")
			t.Fatalf("no telegram arrived at the Centre:\n%s", admin.body())
		}
		time.Sleep(100 * time.Millisecond)
	}
	phase("telegram arrived")
	admin.shoot("inbox-arrived")
	admin.press(arrived, 200, "received")
	if got := admin.content("#state"); got != "received" {
		t.Fatalf("the arrived telegram is %q", got)
	}
	admin.press("#act-decipher", 200, "registered")
	if got := admin.content("#state"); got != "registered" {
		t.Fatalf("after deciphering the state is %q", got)
	}
	admin.contains("the registered telegram", admin.text("#text"),
		"TOP SECRET", "Removal of copies prohibited", "CIPHER TELEGRAM No.", "From LONDON", browserStoryText, "VADIM")
	admin.choose("#reader", "reader")
	admin.press("#issue", 200, "copy-issued")
	admin.contains("the page after issuing", admin.body(), "Copy No. 1 issued to reader.")
	phase("admin deciphered and issued a copy")

	// 4. The reader reads the copy.
	reader := newTab(t, browserCtx, a, centre, "reader")
	reader.signIn("reader")
	reader.visit("/copies", 200, "copies")
	reader.press(`a[id^="copy-"]`, 200, "copy")
	copyPath := reader.location()
	if !strings.HasPrefix(copyPath, "/copies/") {
		t.Fatalf("the copy link led to %s", copyPath)
	}
	reader.contains("the copy", reader.text("#copy"),
		"Copy No. 1", "TOP SECRET", "Removal of copies prohibited", "CIPHER TELEGRAM No.", "From LONDON", browserStoryText)
	if n := reader.count(".banner"); n == 0 {
		t.Errorf("the copy page has no classification banner")
	} else if got := reader.content(".banner"); got != "TOP SECRET" {
		t.Errorf("the copy page's banner says %q", got)
	}
	phase("reader read the copy")

	// 5. The other reader may not.
	reader2 := newTab(t, browserCtx, a, centre, "reader2")
	reader2.signIn("reader2")
	reader2.visit("/copies", 200, "copies")
	if n := reader2.count(`a[id^="copy-"]`); n != 0 {
		t.Errorf("reader2 sees %d copies", n)
	}
	reader2.contains("reader2's copies", reader2.body(), "No copies for you.")
	reader2.visit(copyPath, 404, "copy-refused")
	body := reader2.body()
	reader2.contains("the refusal", body, "Not Found")
	for _, secret := range []string{"GERMANS", "AGENT LIST", "CIPHER TELEGRAM"} {
		if strings.Contains(body, secret) {
			t.Errorf("reader2 sees %q on %s:\n%s", secret, copyPath, body)
		}
	}
	if n := reader2.count("#copy"); n != 0 {
		t.Errorf("reader2's page has a #copy element")
	}
	phase("reader2 refused")
	t.Cleanup(func() { t.Logf("%.2fs in all, the browser closed", time.Since(t0).Seconds()) })
}

// lockedWriter serialises writes to a buffer.
type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// startBrowser starts a headless Chromium for one test, for at most
// timeout, and returns its context; it is stopped when the test ends, and
// what it printed is logged if the test failed.
func startBrowser(t *testing.T, execPath string, timeout time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	var chromeOut bytes.Buffer
	var outMu sync.Mutex
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(lockedWriter{&outMu, &chromeOut}),
	)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancel()
		if t.Failed() {
			outMu.Lock()
			defer outMu.Unlock()
			var out []string
			for l := range strings.Lines(chromeOut.String()) {
				if !strings.Contains(l, "dbus") { // a container has no D-Bus
					out = append(out, l)
				}
			}
			t.Logf("browser output:\n%s", strings.Join(out, ""))
		}
	})
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v", execPath, err)
	}
	return browserCtx
}
