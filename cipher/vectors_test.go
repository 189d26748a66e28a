package cipher

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ciphergram/codebook"
	"ciphergram/otp"
)

// vectorCase is one file of testdata/cases (format in testdata/README.md).
type vectorCase struct {
	name     string
	header   map[string]string
	sections map[string]string
}

func (c *vectorCase) int(t *testing.T, key string) int {
	t.Helper()
	n, err := strconv.Atoi(c.header[key])
	if err != nil {
		t.Fatalf("%s: header %s: %v", c.name, key, err)
	}
	return n
}

func (c *vectorCase) transmissions(t *testing.T) string {
	var parts []string
	for i := 1; ; i++ {
		s, ok := c.sections["transmission "+strconv.Itoa(i)]
		if !ok {
			break
		}
		parts = append(parts, strings.TrimRight(s, "\n")+"\n")
	}
	if len(parts) == 0 {
		t.Fatalf("%s: no transmission sections", c.name)
	}
	return strings.Join(parts, "\n")
}

func readCase(t *testing.T, path string) *vectorCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := &vectorCase{name: filepath.Base(path), header: map[string]string{}, sections: map[string]string{}}
	sc := bufio.NewScanner(f)
	inHeader, section := true, ""
	for sc.Scan() {
		line := sc.Text()
		if inHeader {
			if line == "" {
				inHeader = false
				continue
			}
			k, v, _ := strings.Cut(line, ":")
			c.header[k] = strings.TrimSpace(v)
			continue
		}
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") {
			section = strings.TrimSuffix(strings.TrimPrefix(line, "-- "), " --")
			continue
		}
		if section != "" {
			c.sections[section] += line + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return c
}

func loadVectors(t testing.TB) (*codebook.Codebook, *otp.Pad) {
	t.Helper()
	cf, err := os.Open("../testdata/codebook.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer cf.Close()
	cb, err := codebook.Parse(cf)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := os.Open("../testdata/pad.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	pad, err := otp.Parse(pf)
	if err != nil {
		t.Fatal(err)
	}
	return cb, pad
}

// TestVectors runs every conformance case both ways: the sender must produce
// exactly its code groups and transmissions, the receiver must recover the
// text (or fail as the case expects).
func TestVectors(t *testing.T) {
	paths, err := filepath.Glob("../testdata/cases/*.txt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no vector cases: %v", err)
	}
	for _, path := range paths {
		c := readCase(t, path)
		t.Run(strings.TrimSuffix(c.name, ".txt"), func(t *testing.T) {
			t.Parallel()
			cb, pad := loadVectors(t)
			mode, err := ParseMode(c.header["mode"])
			if err != nil {
				t.Fatal(err)
			}
			if c.header["expect"] == "success" {
				testSend(t, c, cb, pad, mode)
			}
			testReceive(t, c, cb, pad, mode)
		})
	}
}

func testSend(t *testing.T, c *vectorCase, cb *codebook.Codebook, pad *otp.Pad, mode Mode) {
	plaintext := strings.TrimSuffix(c.sections["plaintext"], "\n")
	gs, err := cb.Encode(plaintext)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(gs, " "), strings.TrimSpace(c.sections["codegroups"]); got != want {
		t.Fatalf("code groups:\n got %s\nwant %s", got, want)
	}
	p, err := Prepare(cb, plaintext, mode, pad.GroupsPerPage)
	if err != nil {
		t.Fatal(err)
	}
	if p.Parts() != c.int(t, "parts") {
		t.Fatalf("parts = %d, want %s", p.Parts(), c.header["parts"])
	}
	first := c.int(t, "first-page")
	date, err := time.Parse(time.DateOnly, c.header["date"])
	if err != nil {
		t.Fatal(err)
	}
	msg := Message{From: c.header["from"], To: c.header["to"], Nr: c.int(t, "nr"), Day: date.Day(), Prec: Routine}
	ts, err := p.Seal(msg, pad.Pages[first-1:first-1+p.Parts()])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := FormatAll(ts, c.header["letters"] == "yes"), c.transmissions(t); got != want {
		t.Fatalf("transmissions:\n got:\n%s\nwant:\n%s", got, want)
	}
}

func testReceive(t *testing.T, c *vectorCase, cb *codebook.Codebook, pad *otp.Pad, mode Mode) {
	ts, err := ParseTransmissions(c.transmissions(t))
	if err != nil {
		t.Fatal(err)
	}
	o, err := Open(mode, ts, PadKeys(pad))
	switch want := c.header["expect"]; want {
	case "success":
		if err != nil {
			t.Fatal(err)
		}
		gs := strings.Fields(c.sections["codegroups"])
		if got, want := o.Text(cb), cb.Decode(gs); got != want {
			t.Fatalf("deciphered text:\n got %q\nwant %q", got, want)
		}
		if len(o.Warnings) > 0 {
			t.Errorf("warnings on a clean telegram: %q", o.Warnings)
		}
	case "authentication failure":
		if !errors.Is(err, ErrAuthentication) || o != nil {
			t.Fatalf("Open = %v, %v; want an authentication failure and nothing released", o, err)
		}
	default:
		t.Fatalf("unknown expectation %q", want)
	}
}
