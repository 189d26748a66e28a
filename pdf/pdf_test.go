package pdf

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"ciphergram/codebook"
	"ciphergram/otp"
	"ciphergram/telegram"

	"golang.org/x/image/font/gofont/gomono"
)

var update = flag.Bool("update", false, "rewrite the golden PDFs in testdata/")

// testPad generates a pad deterministically from seed.
func testPad(t testing.TB, seed string, pages, groups int) *otp.Pad {
	t.Helper()
	p, err := otp.Generate(codebook.SeededReader(seed), "LON-CEN-0001", "LONDON", "CENTRE", pages, groups)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// smallPad is the pad of the golden pad book: four pages of 60 groups, the
// second burned.
func smallPad(t testing.TB) *otp.Pad {
	p := testPad(t, "pdf-golden-pad", 4, otp.DefaultGroupsPerPage)
	p.Notes = []string{"TEST PAD, NOT FOR TRAFFIC"}
	p.Pages[1].Burn()
	return p
}

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// demoTelegram is SPEC 8's telegram, copy No. 3.
func demoTelegram() *telegram.Registered {
	return &telegram.Registered{
		Classification: "TOP SECRET",
		Caveat:         "Removal of copies prohibited",
		Numbers:        []int{2688},
		From:           "LONDON",
		Received:       at("1941-04-22 16:05"),
		Deciphered:     at("1941-04-22 22:50"),
		Text:           telegram.DemoText,
		Copy:           3,
	}
}

var (
	goldenPadOpts = PadBookOptions{
		Direction:    Out,
		PageSize:     A6,
		Checkerboard: codebook.CT46(),
		Date:         time.Date(1941, time.April, 1, 9, 0, 0, 0, time.UTC),
	}
	goldenCopyOpts = CopyOptions{
		Footer: "Issued to reader1 on 23 April 1941 at 09:10",
		Date:   time.Date(1941, time.April, 23, 9, 10, 0, 0, time.UTC),
	}
)

func makePadBook(t testing.TB, p *otp.Pad, o PadBookOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := PadBook(&b, p, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func makeCopy(t testing.TB, r *telegram.Registered, o CopyOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := TelegramCopy(&b, r, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// golden compares got with testdata/name byte for byte, or rewrites the
// file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pdf -run Golden -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s: output differs from the golden file at byte %d (got %d bytes, want %d); "+
			"if the change is meant, rerun with -update and look at the new file", path, i, len(got), len(want))
	}
}

func TestGoldenPadBook(t *testing.T) {
	golden(t, "padbook.pdf", makePadBook(t, smallPad(t), goldenPadOpts))
}

func TestGoldenTelegramCopy(t *testing.T) {
	golden(t, "telegram-copy.pdf", makeCopy(t, demoTelegram(), goldenCopyOpts))
}

// TestDeterministic makes each document twice, including one in Go Mono,
// whose embedded subset fpdf cuts afresh each time.
func TestDeterministic(t *testing.T) {
	cyr := testPad(t, "pdf-cyrillic", 2, 60)
	cyr.From, cyr.To = "ЛОНДОН", "ЦЕНТР"
	ru, err := codebook.ParseCheckerboard(strings.NewReader(boardRU))
	if err != nil {
		t.Fatal(err)
	}
	tg := demoTelegram()
	tg.Text = strings.Replace(tg.Text, "VADIM.", "ВАДИМ.", 1)
	for name, gen := range map[string]func() []byte{
		"pad":          func() []byte { return makePadBook(t, smallPad(t), goldenPadOpts) },
		"pad-cyrillic": func() []byte { return makePadBook(t, cyr, PadBookOptions{Direction: In, Checkerboard: ru}) },
		"copy":         func() []byte { return makeCopy(t, demoTelegram(), CopyOptions{}) },
		"copy-cyrillic": func() []byte {
			return makeCopy(t, tg, CopyOptions{PageSize: A5, Compress: true})
		},
	} {
		t.Run(name, func(t *testing.T) {
			a := gen()
			for range 3 {
				if b := gen(); !bytes.Equal(a, b) {
					t.Fatal("two runs gave different bytes")
				}
			}
			if !bytes.HasPrefix(a, []byte("%PDF-")) {
				t.Errorf("output starts %q, not %%PDF-", a[:min(10, len(a))])
			}
		})
	}
}

// TestGoMonoUntouched checks the guard against fpdf writing into the font
// it is given: a Go Mono document must leave gomono.TTF as it was.
func TestGoMonoUntouched(t *testing.T) {
	before := sha256.Sum256(gomono.TTF)
	p := testPad(t, "pdf-cyrillic", 1, 60)
	p.To = "ЦЕНТР"
	var b bytes.Buffer
	if err := PadBook(&b, p, PadBookOptions{Direction: Out}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("/FontFile2")) {
		t.Error("a Cyrillic pad book embeds no TrueType font")
	}
	if sha256.Sum256(gomono.TTF) != before {
		t.Error("gomono.TTF changed")
	}
}

func TestDatesFixed(t *testing.T) {
	p := smallPad(t)
	def := makePadBook(t, p, PadBookOptions{Direction: In})
	if !bytes.Contains(def, []byte("/CreationDate (D:20000101000000)")) {
		t.Error("a pad book without a date is not dated Epoch")
	}
	dated := makePadBook(t, p, PadBookOptions{Direction: In, Date: time.Date(1941, 4, 22, 16, 5, 0, 0, time.FixedZone("MSK", 3*3600))})
	for _, want := range []string{"/CreationDate (D:19410422130500)", "/ModDate (D:19410422130500)"} {
		if !bytes.Contains(dated, []byte(want)) {
			t.Errorf("dated pad book lacks %s", want)
		}
	}
	if bytes.Contains(def, []byte("/ID")) {
		t.Error("the document has an /ID")
	}
}

func TestCompress(t *testing.T) {
	p := testPad(t, "pdf-compress", 20, 60)
	plain := makePadBook(t, p, PadBookOptions{Direction: Out})
	packed := makePadBook(t, p, PadBookOptions{Direction: Out, Compress: true})
	if !bytes.Contains(plain, []byte(p.Pages[0].Indicator())) {
		t.Error("an uncompressed pad book does not hold the indicator in clear")
	}
	if len(packed) >= len(plain) {
		t.Errorf("compressed %d bytes, uncompressed %d", len(packed), len(plain))
	}
}

func TestPadBookErrors(t *testing.T) {
	wiped := testPad(t, "e", 2, 60)
	wiped.Pages[1].Wipe()
	short := testPad(t, "e", 2, 60)
	short.Pages[0].Digits = short.Pages[0].Digits[:100]
	letter := testPad(t, "e", 1, 60)
	letter.Pages[0].Digits[17] = 'x'
	burned := testPad(t, "e", 2, 60)
	burned.Pages[0].Burn()
	burned.Pages[1].Burn()
	for _, c := range []struct {
		name string
		pad  *otp.Pad
		opts PadBookOptions
		want string
	}{
		{"nil pad", nil, PadBookOptions{Direction: Out}, "no pad"},
		{"no direction", testPad(t, "e", 1, 60), PadBookOptions{}, "direction"},
		{"bad direction", testPad(t, "e", 1, 60), PadBookOptions{Direction: "BOTH"}, "direction"},
		{"page size", testPad(t, "e", 1, 60), PadBookOptions{Direction: In, PageSize: "B5"}, "page size"},
		{"wiped", wiped, PadBookOptions{Direction: In}, "page 2 has no digits"},
		{"short", short, PadBookOptions{Direction: In}, "page 1 has 100 digits, want 300"},
		{"letter", letter, PadBookOptions{Direction: In}, "not a digit"},
		{"all burned", burned, PadBookOptions{Direction: In}, "no unused page"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			err := PadBook(&b, c.pad, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", b.Len())
			}
		})
	}
}

// TestPadBookErrorsHoldNoKey checks that no error shows a page's digits.
func TestPadBookErrorsHoldNoKey(t *testing.T) {
	p := testPad(t, "e", 1, 60)
	p.Pages[0].Digits[299] = '-'
	err := PadBook(&bytes.Buffer{}, p, PadBookOptions{Direction: In})
	if err == nil {
		t.Fatal("no error")
	}
	for g := 1; g < 59; g++ {
		if strings.Contains(err.Error(), string(p.Pages[0].Group(g))) {
			t.Fatalf("error %q holds group %d", err, g)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	if err := PadBook(failWriter{}, smallPad(t), PadBookOptions{Direction: Out}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("PadBook: %v, want the writer's error", err)
	}
	if err := TelegramCopy(failWriter{}, demoTelegram(), CopyOptions{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("TelegramCopy: %v, want the writer's error", err)
	}
}

func TestTelegramCopyErrors(t *testing.T) {
	if err := TelegramCopy(&bytes.Buffer{}, nil, CopyOptions{}); err == nil {
		t.Error("nil telegram: no error")
	}
	r := demoTelegram()
	r.Copy = -1
	if err := TelegramCopy(&bytes.Buffer{}, r, CopyOptions{}); err == nil || !strings.Contains(err.Error(), "copy number -1") {
		t.Errorf("copy -1: %v", err)
	}
	if err := TelegramCopy(&bytes.Buffer{}, demoTelegram(), CopyOptions{PageSize: "letter"}); err == nil {
		t.Error("page size letter: no error")
	}
}

// boardRU is codebook/testdata/board.txt, the RU-36 board.
const boardRU = `# ciphergram checkerboard v1
# name: RU-36
1	О
2	Е
3	А
4	И
5	Н
6	Т
70	С
71	Р
72	В
73	Л
74	К
75	М
76	Д
77	П
78	У
79	Я
80	Ы
81	Ь
82	Г
83	З
84	Б
85	Ч
86	Й
87	Х
88	Ж
89	Ш
90	SPACE
91	Ю
92	Ц
93	Щ
94	Э
95	Ф
96	Ъ
97	Ё
98	.
99	,
00	0
01	1
02	2
03	3
04	4
05	5
06	6
07	7
08	8
09	9
`

// boardOdd has every kind of symbol, and codes of three and four digits.
const boardOdd = `# ciphergram checkerboard v1
# name: ODD
1	E
2	T
30	A
31	O
32	SPACE
33	PARAGRAPH
340	N
341	CODE
342	'
3430	-
3431	/
3432	Ж
4	I
5	S
6	H
7	R
8	D
9	L
0	U
`

// boardWide puts every symbol a board may have on three-figure codes, in
// nine rows of ten.
func boardWide() string {
	syms := []string{"SPACE", "PARAGRAPH", "CODE"}
	for _, r := range boardSymbols {
		syms = append(syms, string(r))
	}
	var b strings.Builder
	b.WriteString("# ciphergram checkerboard v1\n# name: WIDE-84\n")
	for i, sym := range syms {
		fmt.Fprintf(&b, "%d%d\t%s\n", 70+i/10, i%10, sym)
	}
	return b.String()
}

// TestBoardTable checks that the table read through the board's methods is
// the board file, for CT-46 and boards with every kind of symbol.
func TestBoardTable(t *testing.T) {
	ct46 := "A=1 E=2 I=3 N=4 O=5 R=6 " +
		"B=70 C=71 D=72 F=73 G=74 H=75 J=76 K=77 L=78 M=79 " +
		"P=80 Q=81 S=82 T=83 U=84 V=85 W=86 X=87 Y=88 Z=89 " +
		`.=91 ,=92 :=93 ?=94 /=95 (=96 )=97 "=98 CODE=99 SPC=90 ` +
		"1=01 2=02 3=03 4=04 5=05 6=06 7=07 8=08 9=09 0=00"
	tab := tableOf(codebook.CT46())
	if got := tab.listing(); !sameFields(got, ct46) {
		t.Errorf("CT-46 listing\n got %s\nwant %s", got, ct46)
	}
	if want := []string{"", "7", "8", "9", "0"}; !slices.Equal(tab.rows, want) {
		t.Errorf("CT-46 rows %q, want %q", tab.rows, want)
	}
	for _, file := range []string{boardRU, boardOdd, boardWide()} {
		b, err := codebook.ParseCheckerboard(strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, l := range strings.Split(file, "\n") {
			code, sym, ok := strings.Cut(l, "\t")
			if !ok {
				continue
			}
			sym = strings.NewReplacer("SPACE", labelSpace, "PARAGRAPH", labelParagraph).Replace(sym)
			want = append(want, sym+"="+code)
		}
		if got := tableOf(b).listing(); !sameFields(got, strings.Join(want, " ")) {
			t.Errorf("%s listing\n got %s\nwant %s", b.Name(), got, strings.Join(want, " "))
		}
	}
}

func sameFields(a, b string) bool {
	fa, fb := strings.Fields(a), strings.Fields(b)
	slices.Sort(fa)
	slices.Sort(fb)
	return slices.Equal(fa, fb)
}

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		line string
		cols int
		want []string
	}{
		{"", 10, []string{""}},
		{"short", 10, []string{"short"}},
		{"exactly 10", 10, []string{"exactly 10"}},
		{"one two three four", 9, []string{"one two", "three", "four"}},
		{"a  b      c", 20, []string{"a  b      c"}},
		{"Received x.      Deciphered y.", 14, []string{"Received x.", "Deciphered y."}},
		{"abcdefghijklmnop", 6, []string{"abcdef", "ghijkl", "mnop"}},
		{"ab abcdefghijkl", 6, []string{"ab", "abcdef", "ghijkl"}},
		{"      indented words", 8, []string{"      in", "dented", "words"}},
	} {
		if got := wrap(c.line, c.cols); !slices.Equal(got, c.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.line, c.cols, got, c.want)
		}
	}
}

func TestRanges(t *testing.T) {
	for _, c := range []struct {
		ns   []int
		want string
	}{
		{nil, "NONE"},
		{[]int{3}, "3"},
		{[]int{1, 2, 3, 5, 7, 8}, "1-3, 5, 7-8"},
	} {
		if got := ranges(c.ns); got != c.want {
			t.Errorf("ranges(%v) = %q, want %q", c.ns, got, c.want)
		}
	}
}

func TestPrintable(t *testing.T) {
	if got := printable("a\tb\x07c"); got != "a       b?c" {
		t.Errorf("printable = %q", got)
	}
}
