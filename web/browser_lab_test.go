package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"ciphergram"
)

// TestBrowserLab: an analyst signs in, finds the lab in the navigation,
// pastes simulated traffic, finds its depths, picks one in the table and
// drags a crib from the truth through it at its true place, and reads the
// other part's true text; a clerk is refused the page. Screenshots as in
// TestBrowserStory.
func TestBrowserLab(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	execPath := browserPath(t)
	o := newOffice(t, t.TempDir(), "CENTRE", true, "LONDON")
	if err := o.svc.AddUser(context.Background(), o.actor("admin"), &ciphergram.User{Name: "analyst", Role: ciphergram.RoleAnalyst}); err != nil {
		t.Fatal(err)
	}
	o.setPassword("analyst")
	o.serve("")
	tr := simulateLab(t)
	d, target, crib, at, want := labCribCase(t, tr)

	a := &album{t: t, dir: t.ArtifactDir()}
	t.Logf("screenshots in %s", a.dir)
	browserCtx := startBrowser(t, execPath, 90*time.Second)

	an := newTab(t, browserCtx, a, o, "analyst")
	an.signIn("analyst")
	an.press(`nav a[href="/lab"]`, 200, "lab")
	// The intercepts are set, not typed: tens of kilobytes.
	an.choose("#intercepts", tr.intercepts)
	an.press("#find", 200, "depths")
	an.contains("the depths found", an.text("#depth-summary"), "intercept(s) read", "by indicator and end group")
	if n := an.count(`#depths input[name="depth"]`); n < len(tr.depths) {
		t.Errorf("%d depths listed, the simulation made %d", n, len(tr.depths))
	}

	// Pick the depth, write the crib and its figure, drag.
	pick := `#depths input[value="` + d.A + "," + d.B + "," + strconv.Itoa(d.Offset) + `"]`
	if an.count(pick) == 0 {
		// Listed at another offset (a short overlap): name it by hand.
		an.choose("#messages", d.A+","+d.B)
		an.choose("#offsets", "0,"+strconv.Itoa(-d.Offset))
	} else {
		ctx, cancel := an.step()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(pick))); err != nil {
			t.Fatalf("pick %s: %v", pick, err)
		}
		cancel()
	}
	an.fill("#target", target)
	an.fill("#crib", crib)
	an.fill("#at", strconv.Itoa(at))
	an.press("#drag", 200, "crib")
	if got := an.content("#crib-target"); got != target {
		t.Errorf("the crib is placed in %q, want %s", got, target)
	}
	an.contains("the implied text", an.text("#hits"), want)
	if an.count("#depths") == 0 {
		t.Errorf("the depths found are gone after the crib")
	}
	// Enter in a field drags the crib too (the form's default button).
	ctx2, cancel2 := an.step()
	resp, err := chromedp.RunResponse(ctx2, chromedp.SendKeys(chromedp.CSS("#crib"), kb.Enter))
	cancel2()
	if err != nil || resp.Status != 200 {
		t.Fatalf("Enter in the crib field: %v, %v", resp, err)
	}
	an.shoot("crib-enter")
	an.contains("the implied text after Enter", an.text("#hits"), want)

	clerk := newTab(t, browserCtx, a, o, "clerk")
	clerk.signIn("clerk")
	if clerk.count(`nav a[href="/lab"]`) != 0 {
		t.Errorf("the clerk sees the lab in the navigation")
	}
	clerk.visit("/lab", 403, "lab-refused")
	clerk.contains("the refusal", clerk.body(), "Forbidden")
	if strings.Contains(clerk.body(), "Intercepts") {
		t.Errorf("the clerk sees the lab's form")
	}
}
