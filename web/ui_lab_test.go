package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ciphergram"
	"ciphergram/codebook"
	"ciphergram/lab"
)

// labTraffic is a small simulated traffic with its truth: 40 telegrams on
// two links, a third of the pages printed twice, half the clerks beginning
// further down the page (depths at offsets other than 0).
type labTraffic struct {
	intercepts string
	parts      map[string]lab.TruthPart
	depths     []lab.TruthDepth
}

func simulateLab(t *testing.T) labTraffic {
	t.Helper()
	var ib, tb bytes.Buffer
	opts := lab.SimOptions{Seed: 3, Messages: 40, Links: 2, DuplicatedPages: 0.3, LateStart: 0.5, Year: 1944}
	if err := lab.Simulate(opts, &ib, &tb); err != nil {
		t.Fatal(err)
	}
	parts, depths, err := lab.ReadTruth(&tb)
	if err != nil {
		t.Fatal(err)
	}
	tr := labTraffic{intercepts: ib.String(), parts: map[string]lab.TruthPart{}, depths: depths}
	for _, p := range parts {
		tr.parts[p.ID] = p
	}
	return tr
}

// labOffice is an office with an analyst, served, and sessions of its
// users (started directly: a sign-in checks a password, which is slow).
func labOffice(t *testing.T) (*testOffice, map[string]*client) {
	t.Helper()
	ctx := context.Background()
	o := newOffice(t, t.TempDir(), "CENTRE", true, "LONDON")
	if err := o.svc.AddUser(ctx, o.actor("admin"), &ciphergram.User{Name: "analyst", Role: ciphergram.RoleAnalyst}); err != nil {
		t.Fatal(err)
	}
	o.serve("")
	cs := map[string]*client{}
	for _, name := range []string{"analyst", "admin", "clerk", "reader"} {
		token, err := o.svc.StartSession(ctx, o.actor(name))
		if err != nil {
			t.Fatal(err)
		}
		cs[name] = &client{t: t, base: o.URL, token: token}
	}
	return o, cs
}

// labRequest sends a UI request as c (nil: no one signed in) and returns
// the page, failing unless the status is want.
func labRequest(t *testing.T, o *testOffice, c *client, method, path string, form url.Values, want int) string {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, o.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c != nil {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %s, want %d:\n%s", method, path, resp.Status, want, errorOf(string(b)))
	}
	return string(b)
}

var errorRE = regexp.MustCompile(`(?s)<p class="error" role="alert">(.*?)</p>`)

// errorOf is the error a page shows, or the page if it shows none.
func errorOf(page string) string {
	if m := errorRE.FindStringSubmatch(page); m != nil {
		return html.UnescapeString(m[1])
	}
	return page
}

// auditCount is the number of entries in the office's audit log.
func auditCount(t *testing.T, o *testOffice) int {
	t.Helper()
	es, bad, err := o.svc.AuditLog(context.Background(), o.actor("admin"))
	if err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	return len(es)
}

// TestLabPageAccess: the lab is the analyst's (and the admin's); the
// others are refused it and do not see it in the navigation.
func TestLabPageAccess(t *testing.T) {
	o, cs := labOffice(t)
	for _, name := range []string{"analyst", "admin"} {
		page := labRequest(t, o, cs[name], "GET", "/lab", nil, 200)
		for _, want := range []string{`<a href="/lab">Lab</a>`, `name="intercepts"`, `id="find"`, `id="drag"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the lab page lacks %s", name, want)
			}
		}
	}
	form := url.Values{"intercepts": {simulateLab(t).intercepts}, "act": {"depths"}}
	for _, name := range []string{"clerk", "reader"} {
		page := labRequest(t, o, cs[name], "GET", "/lab", nil, 403)
		if !strings.Contains(errorOf(page), "not allowed to a") {
			t.Errorf("%s: refusal says %q", name, errorOf(page))
		}
		labRequest(t, o, cs[name], "POST", "/lab", form, 403)
		if strings.Contains(labRequest(t, o, cs[name], "GET", "/account", nil, 200), `href="/lab"`) {
			t.Errorf("%s sees the lab in the navigation", name)
		}
	}
	// Not signed in: to the sign-in page, and a post is refused.
	labRequest(t, o, nil, "GET", "/lab", nil, http.StatusSeeOther)
	labRequest(t, o, nil, "POST", "/lab", form, http.StatusUnauthorized)
	// A form from another site: see TestCrossOriginRefused.
}

var (
	foundRE   = regexp.MustCompile(`<input type="hidden" name="found" value="([^"]*)">`)
	impliedRE = regexp.MustCompile(`(?s)<td class="implied">(.*?)</td>`)
)

// TestLabDepthsAndCrib: the analyst pastes simulated traffic and finds
// its depths by indicator; picks one and places, at its true place, a
// crib that is the true plaintext of one part: the page shows the other
// part's true plaintext there. Nothing is written to the audit log.
func TestLabDepthsAndCrib(t *testing.T) {
	o, cs := labOffice(t)
	an := cs["analyst"]
	tr := simulateLab(t)
	before := auditCount(t, o)

	page := labRequest(t, o, an, "POST", "/lab", url.Values{"intercepts": {tr.intercepts}, "act": {"depths"}}, 200)
	if len(tr.depths) == 0 {
		t.Fatal("the simulation made no depth: choose another seed")
	}
	// Every true pair is listed, found by indicator (the offset of parts
	// that share only a few groups cannot always be told).
	right := 0
	for _, d := range tr.depths {
		a, b := regexp.QuoteMeta(d.A), regexp.QuoteMeta(d.B)
		m := regexp.MustCompile(`value="` + a + "," + b + `,(-?\d+)".*\n\s*<td>` + a + `</td><td>` + b +
			`</td><td>-?\d+</td><td>[-0-9.]+</td><td>(\w+)</td>`).FindStringSubmatch(page)
		switch {
		case m == nil:
			t.Errorf("the depth %s %s is not listed", d.A, d.B)
		case m[2] != "indicator":
			t.Errorf("the depth %s %s is listed as found by %s", d.A, d.B, m[2])
		case m[1] == strconv.Itoa(d.Offset):
			right++
		}
	}
	if right < len(tr.depths)*3/4 {
		t.Errorf("%d of %d depths listed at their true offset", right, len(tr.depths))
	}
	if !strings.Contains(page, "by indicator and end group") {
		t.Errorf("the page does not say how the depths were found")
	}
	m := foundRE.FindStringSubmatch(page)
	if m == nil || m[1] == "" {
		t.Fatalf("the page does not carry the depths found")
	}
	found := html.UnescapeString(m[1])

	// A depth, a crib from the truth of one part, and what it must imply
	// in the other.
	d, target, crib, at, want := labCribCase(t, tr)
	form := url.Values{"intercepts": {tr.intercepts}, "act": {"crib"}, "found": {found},
		"depth": {d.A + "," + d.B + "," + strconv.Itoa(d.Offset)}, "target": {target}, "crib": {crib}, "at": {strconv.Itoa(at)}}
	page = labRequest(t, o, an, "POST", "/lab", form, 200)
	var implied []string
	for _, m := range impliedRE.FindAllStringSubmatch(page, -1) {
		implied = append(implied, html.UnescapeString(m[1]))
	}
	if len(implied) != 1 || !strings.Contains(implied[0], want) {
		t.Errorf("crib %q at figure %d of %s: implied %q, want the true text %q", crib, at, target, implied, want)
	}
	if !strings.Contains(page, `<b id="crib-target">`+target+`</b>`) {
		t.Errorf("the page does not name the target %s", target)
	}
	// The depth table is still there, and the fields show the depth used.
	if !strings.Contains(page, `id="depths"`) {
		t.Errorf("the depths found are gone after the crib")
	}
	if !strings.Contains(page, `value="`+d.A+","+d.B+`"`) || !strings.Contains(page, `value="0,`+strconv.Itoa(-d.Offset)+`"`) {
		t.Errorf("the fields do not show the depth used")
	}

	// Everywhere: at most 20 placings, best first.
	delete(form, "at")
	page = labRequest(t, o, an, "POST", "/lab", form, 200)
	if n := strings.Count(page, `<td class="implied">`); n < 1 || n > 20 {
		t.Errorf("%d placings shown, want 1 to 20", n)
	}

	// The fields instead of the table, and a target outside the depth.
	form = url.Values{"intercepts": {tr.intercepts}, "act": {"crib"}, "messages": {d.A + "," + d.B},
		"offsets": {"0," + strconv.Itoa(-d.Offset)}, "target": {"NOWHERE/1/1"}, "crib": {crib}}
	page = labRequest(t, o, an, "POST", "/lab", form, 400)
	if msg := errorOf(page); !strings.Contains(msg, "NOWHERE/1/1 is not one of the parts") {
		t.Errorf("a target outside the depth: %q", msg)
	}
	if !strings.Contains(page, html.EscapeString(crib)) {
		t.Errorf("the form lost the crib on an error")
	}

	if after := auditCount(t, o); after != before {
		t.Errorf("the lab wrote %d audit entries", after-before)
	}
}

// labCribCase finds in the truth a depth (one at an offset other than 0
// if it can) and a crib: four whole code groups of one part's plaintext,
// words that the default codebook encodes back to the same groups, placed where the other part holds at least two whole
// code groups of other text under the same key. It returns the depth, the
// target part, the crib, its figure in the target and the other part's
// true text there.
func labCribCase(t *testing.T, tr labTraffic) (lab.TruthDepth, string, string, int, string) {
	t.Helper()
	cb := codebook.Default()
	const n = 4
	depths := slices.Clone(tr.depths)
	slices.SortStableFunc(depths, func(x, y lab.TruthDepth) int { // offsets other than 0 first
		return min(abs(y.Offset), 1) - min(abs(x.Offset), 1)
	})
	for _, d := range depths {
		for _, side := range []struct {
			target, other string
			shift         int // other's figure = target's figure + shift
		}{{d.A, d.B, 5 * d.Offset}, {d.B, d.A, -5 * d.Offset}} {
			a, b := tr.parts[side.target], tr.parts[side.other]
			for i := 1; i+n <= len(a.CodeGroups); i++ {
				at := 4*i - a.CodePhase
				if at < 0 || at+4*n > len(a.Digits) {
					continue
				}
				gs := a.CodeGroups[i : i+n]
				crib := cb.Decode(gs)
				if crib[0] < 'A' || crib[0] > 'Z' || strings.ContainsAny(crib, "<[") {
					continue // words, not punctuation or spelling
				}
				if enc, err := cb.Encode(crib); err != nil || !slices.Equal(enc, gs) {
					continue
				}
				// The other part's whole code groups under the crib's key.
				lo, hi := at+side.shift, at+side.shift+4*n
				var under []string
				for k, g := range b.CodeGroups {
					start := 4*k - b.CodePhase
					if start >= max(lo, 0) && start+4 <= min(hi, len(b.Digits)) {
						under = append(under, g)
					}
				}
				if len(under) < 2 {
					continue
				}
				want := cb.Decode(under)
				if want == crib || strings.Contains(want, "[") {
					continue
				}
				return d, side.target, crib, at, want
			}
		}
	}
	t.Fatal("no depth of the simulation fits a crib: choose another seed")
	return lab.TruthDepth{}, "", "", 0, ""
}

func abs(n int) int { return max(n, -n) }

// TestLabPageErrors: what is wrong with the input is said on the page,
// with the form kept: a malformed intercept names its line and group.
func TestLabPageErrors(t *testing.T) {
	o, cs := labOffice(t)
	an := cs["analyst"]
	tr := simulateLab(t)
	lines := strings.Split(tr.intercepts, "\n")
	// Line 2 is the first body line of the first part: garble a group.
	f := strings.Fields(lines[1])
	f[2] = "12T45" // T is a cable letter: a group mixing figures and letters
	lines[1] = strings.Join(f, " ")
	bad := strings.Join(lines, "\n")
	for _, c := range []struct {
		form url.Values
		want []string
	}{
		{url.Values{"intercepts": {bad}, "act": {"depths"}}, []string{"Intercepts: line 2", "group 3"}},
		{url.Values{"intercepts": {"CIPHERGRAM FROM LONDON TO MOSCOW NR 1 PART 1/1 GR 3 PREC R\n12345 11111 00101\n"}, "act": {"depths"}},
			[]string{"line 1", "at least 4"}},
		{url.Values{"intercepts": {"  "}, "act": {"depths"}}, []string{"paste the intercepts"}},
		{url.Values{"intercepts": {strings.Repeat("12345 ", 200000)}, "act": {"depths"}}, []string{"at most 1 MiB"}},
		{url.Values{"intercepts": {tr.intercepts}, "act": {"crib"}, "crib": {"TO VIKTOR"}}, []string{"pick a depth"}},
		{url.Values{"intercepts": {tr.intercepts}, "act": {"crib"}, "messages": {"LONDON/999/1,MOSCOW/1/1"}, "crib": {"TO VIKTOR"}},
			[]string{`no part "LONDON/999/1"`}},
		{url.Values{"intercepts": {tr.intercepts}, "act": {"crib"}, "messages": {tr.depths[0].A + "," + tr.depths[0].B},
			"offsets": {"0,x"}, "crib": {"TO VIKTOR"}}, []string{`offset "x"`}},
	} {
		page := labRequest(t, o, an, "POST", "/lab", c.form, 400)
		msg := errorOf(page)
		for _, w := range c.want {
			if !strings.Contains(strings.ToLower(msg), strings.ToLower(w)) {
				t.Errorf("%.60q: error %q lacks %q", c.form.Get("intercepts"), msg, w)
			}
		}
	}
}

// TestLabPageBigTraffic: traffic of more intercepts than the page
// searches statistically is searched by indicator only, and the page says
// so.
func TestLabPageBigTraffic(t *testing.T) {
	o, cs := labOffice(t)
	var b strings.Builder
	const n = 2001
	for i := range n {
		ind := i
		if i == n-1 {
			ind = 7 // the same page as part 7
		}
		fmt.Fprintf(&b, "CIPHERGRAM FROM LONDON TO MOSCOW NR %d PART 1/1 GR 5 PREC R\n%05d %05d %05d %05d 00101\n\n", i+1, ind, i*37%100000, i*91%100000, ind+1)
	}
	page := labRequest(t, o, cs["analyst"], "POST", "/lab", url.Values{"intercepts": {b.String()}, "act": {"depths"}}, 200)
	for _, want := range []string{"2001 intercepts are more than the 2000", "by indicator and end group only",
		"1 pair(s) in depth, 1 by indicator and end group, 0 statistically", `value="LONDON/8/1,LONDON/2001/1,0"`} {
		if !strings.Contains(html.UnescapeString(page), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
