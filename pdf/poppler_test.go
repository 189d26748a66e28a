package pdf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"ciphergram/codebook"
	"ciphergram/otp"
	"ciphergram/telegram"
)

// The poppler tests read the PDFs back as a person would: pdftotext for
// the text, pdfinfo for the page count, pdftoppm for pictures of the pages
// (kept in the test's artifact directory: mkdir DIR; go test -artifacts
// -outputdir DIR).
// They are skipped when poppler-utils is missing, unless
// CIPHERGRAM_POPPLER_TESTS=1, when they fail instead.

func needPoppler(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdfinfo", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CIPHERGRAM_POPPLER_TESTS") == "1" {
				t.Fatalf("%s not found and CIPHERGRAM_POPPLER_TESTS=1 (apt-get install poppler-utils): %v", tool, err)
			}
			t.Skipf("%s not found (apt-get install poppler-utils, or set CIPHERGRAM_POPPLER_TESTS=1 to fail)", tool)
		}
	}
}

// poppler writes doc to the artifact directory as name.pdf, checks that
// pdfinfo counts wantPages and that pdftoppm renders each page to a PNG, and
// returns pdftotext -layout's text, one string per page.
func poppler(t *testing.T, name string, doc []byte, wantPages int) []string {
	t.Helper()
	dir := t.ArtifactDir()
	file := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	info := run(t, "pdfinfo", file)
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo gives no page count:\n%s", info)
	}
	if n, _ := strconv.Atoi(m[1]); n != wantPages {
		t.Errorf("pdfinfo: %d pages, want %d", n, wantPages)
	}

	run(t, "pdftoppm", "-r", "50", "-png", file, filepath.Join(dir, name))
	pngs, err := filepath.Glob(filepath.Join(dir, name+"-*.png"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pngs) != wantPages {
		t.Errorf("pdftoppm made %d PNGs, want %d", len(pngs), wantPages)
	}
	for _, p := range pngs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 1000 {
			t.Errorf("%s: %d bytes, not a rendered page", filepath.Base(p), len(b))
		}
	}

	text := run(t, "pdftotext", "-layout", file, "-")
	pages := strings.Split(text, "\f")
	if len(pages) > 0 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	if len(pages) != wantPages {
		t.Fatalf("pdftotext gives %d pages, want %d", len(pages), wantPages)
	}
	return pages
}

// run runs a poppler tool; stderr counts as a failure too, since poppler
// reports a damaged file there and still exits 0 for some damage.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var out, errs bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil || errs.Len() > 0 {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, errs.String())
	}
	return out.String()
}

// lines returns the page's lines that hold more than white space, trimmed.
func lines(page string) []string {
	var out []string
	for _, l := range strings.Split(page, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

var (
	fiveDigits = regexp.MustCompile(`\b\d{5}\b`)
	headRE     = regexp.MustCompile(`(?m)^\s*PAGE\s+INDICATOR\s*\n(?:\s*\n)*\s*(\d+)\s+(\d{5})\s*$`)
	sheetRE    = regexp.MustCompile(`SHEET (\d+) OF (\d+) OF PAGE (\d+)`)
)

func TestPopplerPadBook(t *testing.T) {
	needPoppler(t)
	cyr := testPad(t, "pdf-cyrillic", 2, 60)
	cyr.ID, cyr.From, cyr.To = "ЛОН-ЦЕН-7", "ЛОНДОН", "ЦЕНТР"
	ru, err := codebook.ParseCheckerboard(strings.NewReader(boardRU))
	if err != nil {
		t.Fatal(err)
	}
	wide, err := codebook.ParseCheckerboard(strings.NewReader(boardWide()))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		pad        *otp.Pad
		opts       PadBookOptions
		perPage    int // sheets for each page
		wantSheets int
	}{
		{"golden", smallPad(t), goldenPadOpts, 1, 1 + 3 + 1},
		{"a5-in-37", testPad(t, "pdf-37", 3, 37), PadBookOptions{Direction: In, Classification: "SECRET"}, 1, 1 + 3},
		{"a5-out-250", testPad(t, "pdf-250", 2, 250), PadBookOptions{Direction: Out, PageSize: A5}, 2, 1 + 2*2},
		{"a6-out-150", testPad(t, "pdf-150", 1, 150), PadBookOptions{Direction: Out, PageSize: A6}, 2, 1 + 2},
		{"cyrillic", cyr, PadBookOptions{Direction: Out, Checkerboard: ru}, 1, 1 + 2 + 1},
		{"wide-board", testPad(t, "pdf-wide", 1, 60), PadBookOptions{Direction: In, Checkerboard: wide}, 1, 1 + 1 + 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := c.opts
			class := o.Classification
			if class == "" {
				class = DefaultClassification
			}
			pages := poppler(t, "padbook-"+c.name, makePadBook(t, c.pad, o), c.wantSheets)
			for i, pg := range pages {
				l := lines(pg)
				if len(l) < 2 || l[0] != class || l[len(l)-1] != class {
					t.Errorf("sheet %d: first and last lines %q, want the classification %q", i+1, l[:min(1, len(l))], class)
				}
			}
			checkCover(t, pages[0], c.pad, o)
			sheet := 1
			for _, pg := range c.pad.Pages {
				if pg.Burned {
					continue
				}
				var got []string
				for k := range c.perPage {
					if sheet >= len(pages) {
						t.Fatalf("page %d: sheet %d missing", pg.Number, k+1)
					}
					gs := checkPadSheet(t, pages[sheet], pg, k, c.perPage)
					if k < c.perPage-1 && len(gs)%otp.GroupsPerLine != 0 {
						t.Errorf("page %d sheet %d ends in a short row (%d groups)", pg.Number, k+1, len(gs))
					}
					got = append(got, gs...)
					sheet++
				}
				var want []string
				for g := range c.pad.GroupsPerPage {
					want = append(want, string(pg.Group(g)))
				}
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("page %d: groups\n%s\nwant\n%s", pg.Number, strings.Join(got, " "), strings.Join(want, " "))
				}
			}
			if o.Checkerboard != nil {
				checkBoardCard(t, pages[sheet], o.Checkerboard)
				sheet++
			}
			if sheet != len(pages) {
				t.Errorf("%d sheets checked of %d", sheet, len(pages))
			}
		})
	}
}

func checkCover(t *testing.T, cover string, p *otp.Pad, o PadBookOptions) {
	t.Helper()
	flat := strings.Join(lines(cover), "\n")
	want := []string{"ONE-WAY PAD", string(o.Direction), "PAD " + p.ID, p.From + " -> " + p.To,
		fmt.Sprintf("%s OF %d GROUPS", plural(len(p.Pages), "PAGE"), p.GroupsPerPage)}
	for _, n := range p.Notes {
		want = append(want, "NOTE: "+n)
	}
	for _, w := range want {
		if !strings.Contains(flat, w) {
			t.Errorf("cover lacks %q:\n%s", w, cover)
		}
	}
	if o.Direction == Out && !strings.Contains(flat, "SENDER'S COPY") || o.Direction == In && !strings.Contains(flat, "RECEIVER'S COPY") {
		t.Errorf("cover does not say whose copy it is:\n%s", cover)
	}
	var burned []int
	for _, pg := range p.Pages {
		if pg.Burned {
			burned = append(burned, pg.Number)
		}
	}
	if len(burned) > 0 && !strings.Contains(flat, "DESTROYED BEFORE PRINTING: "+ranges(burned)) {
		t.Errorf("cover does not list the destroyed pages %v:\n%s", burned, cover)
	}
	if fiveDigits.MatchString(cover) {
		t.Errorf("cover holds a five-figure group:\n%s", cover)
	}
}

// checkPadSheet checks one sheet of a pad page: the page number and
// indicator at the top, DESTROY AFTER USE, the continuation line of a page
// on several sheets, and rows of ten groups but for the last. It returns
// the groups under the heading, in order.
func checkPadSheet(t *testing.T, text string, pg *otp.Page, sheet, sheets int) []string {
	t.Helper()
	m := headRE.FindStringSubmatchIndex(text)
	if m == nil {
		t.Fatalf("page %d sheet %d: no PAGE / INDICATOR heading:\n%s", pg.Number, sheet+1, text)
	}
	if n := text[m[2]:m[3]]; n != strconv.Itoa(pg.Number) {
		t.Errorf("sheet headed page %s, want %d", n, pg.Number)
	}
	if ind := text[m[4]:m[5]]; ind != pg.Indicator() {
		t.Errorf("page %d headed with indicator %s, want %s", pg.Number, ind, pg.Indicator())
	}
	var groups []string
	short := false
	for _, l := range lines(text[m[1]:]) {
		gs := fiveDigits.FindAllString(l, -1)
		if len(gs) == 0 {
			continue
		}
		if short || len(gs) > otp.GroupsPerLine {
			t.Errorf("page %d sheet %d: row %q after a short row, or over ten groups", pg.Number, sheet+1, l)
		}
		short = len(gs) < otp.GroupsPerLine
		groups = append(groups, gs...)
	}
	if !strings.Contains(text, "DESTROY AFTER USE") {
		t.Errorf("page %d sheet %d lacks DESTROY AFTER USE", pg.Number, sheet+1)
	}
	sm := sheetRE.FindStringSubmatch(text)
	switch {
	case sheets == 1 && sm != nil:
		t.Errorf("page %d is one sheet but says %q", pg.Number, sm[0])
	case sheets > 1 && (sm == nil || sm[0] != fmt.Sprintf("SHEET %d OF %d OF PAGE %d", sheet+1, sheets, pg.Number)):
		t.Errorf("page %d sheet %d of %d: continuation line %q", pg.Number, sheet+1, sheets, sm)
	}
	return groups
}

func checkBoardCard(t *testing.T, text string, b *codebook.Checkerboard) {
	t.Helper()
	for _, w := range []string{"STRADDLING CHECKERBOARD", b.Name(), "BOARD ID " + b.ID()} {
		if !strings.Contains(text, w) {
			t.Errorf("checkerboard card lacks %q", w)
		}
	}
	fields := strings.Fields(text)
	for _, c := range tableOf(b).cells {
		if !containsField(fields, c.label+"="+c.code) {
			t.Errorf("checkerboard card lacks %s=%s", c.label, c.code)
		}
	}
}

func containsField(fields []string, f string) bool {
	for _, x := range fields {
		if x == f {
			return true
		}
	}
	return false
}

func TestPopplerTelegramCopy(t *testing.T) {
	needPoppler(t)
	long := demoTelegram()
	long.Numbers = []int{2688, 2689, 2690}
	long.Copy = 12
	body, closing := telegram.SplitClosing(long.Text)
	long.Text = strings.Repeat(body+"\n\n", 9) +
		"A word longer than a line: " + strings.Repeat("LONDONCENTRE", 12) + "\n\n" + closing.String()
	cyr := demoTelegram()
	cyr.From = "ЛОНДОН"
	cyr.Text = strings.Replace(cyr.Text, "VADIM.", "ВАДИМ.", 1)
	cyr.Classification, cyr.Caveat = "", ""
	registry := demoTelegram()
	registry.Copy = 0

	for _, c := range []struct {
		name      string
		r         *telegram.Registered
		opts      CopyOptions
		wantPages int
	}{
		{"golden", demoTelegram(), goldenCopyOpts, 1},
		{"long-a4", long, CopyOptions{Footer: "Issued to reader2"}, 4},
		{"long-a5", long, CopyOptions{PageSize: A5}, 4},
		{"cyrillic", cyr, CopyOptions{PageSize: A5}, 1},
		{"registry", registry, CopyOptions{}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			pages := poppler(t, "copy-"+c.name, makeCopy(t, c.r, c.opts), c.wantPages)
			class, caveat := orDefault(c.r.Classification, DefaultClassification), orDefault(c.r.Caveat, DefaultCaveat)
			copyNo := fmt.Sprintf("Copy No. %d", c.r.Copy)
			if c.r.Copy == 0 {
				copyNo = "REGISTRY RECORD"
			}
			var body []string
			for i, pg := range pages {
				l := lines(pg)
				if len(l) < 5 {
					t.Fatalf("page %d: %d lines:\n%s", i+1, len(l), pg)
				}
				top, foot := l[0]+"\n"+l[1], l[len(l)-2]+"\n"+l[len(l)-1]
				for _, w := range []string{"Reg. No. " + joinInts(c.r.Numbers), class, copyNo, caveat} {
					if !strings.Contains(top, w) {
						t.Errorf("page %d: top %q lacks %q", i+1, top, w)
					}
				}
				for _, w := range []string{c.opts.Footer, fmt.Sprintf("Page %d of %d", i+1, len(pages))} {
					if !strings.Contains(foot, w) {
						t.Errorf("page %d: foot %q lacks %q", i+1, foot, w)
					}
				}
				if l[len(l)-1] != class {
					t.Errorf("page %d ends %q, want the classification", i+1, l[len(l)-1])
				}
				body = append(body, l[2:len(l)-2]...)
			}
			checkRendered(t, c.r.Render(), body)
		})
	}
}

// checkRendered checks that every line of the rendered telegram is in the
// body, in order: wrapped lines are rejoined, so white space is left out
// of the comparison; lines that fit are also found whole, their spacing
// folded.
func checkRendered(t *testing.T, rendered string, body []string) {
	t.Helper()
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	fold := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	all := squash(strings.Join(body, "\n"))
	pos := 0
	for _, l := range strings.Split(rendered, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		i := strings.Index(all[pos:], squash(l))
		if i < 0 {
			t.Errorf("rendered line missing or out of order: %q", l)
			continue
		}
		pos += i + len(squash(l))
		if len([]rune(l)) <= 60 && !containsLine(body, fold(l), fold) {
			t.Errorf("short line %q not found whole", l)
		}
	}
}

func containsLine(body []string, want string, fold func(string) string) bool {
	for _, b := range body {
		if fold(b) == want {
			return true
		}
	}
	return false
}
