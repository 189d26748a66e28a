package codebook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vectorCase is one file of ../testdata/cases (format in
// ../testdata/README.md): headers, a blank line, then "-- name --" sections.
type vectorCase struct {
	name     string
	headers  map[string]string
	sections map[string]string
}

// readCase parses one case file.
func readCase(t *testing.T, path string) *vectorCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := &vectorCase{
		name:     strings.TrimSuffix(filepath.Base(path), ".txt"),
		headers:  map[string]string{},
		sections: map[string]string{},
	}
	head, body, _ := strings.Cut(string(data), "\n\n")
	for line := range strings.Lines(head) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			t.Fatalf("%s: bad header line %q", path, line)
		}
		c.headers[k] = strings.TrimSpace(v)
	}
	section := ""
	for line := range strings.Lines(body) {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "-- "); ok && strings.HasSuffix(name, " --") {
			section = strings.TrimSuffix(name, " --")
			c.sections[section] = ""
			continue
		}
		if section == "" {
			t.Fatalf("%s: text before the first section: %q", path, line)
		}
		c.sections[section] += line
	}
	return c
}

// readCases returns the cases that have a codegroups section.
func readCases(t *testing.T) []*vectorCase {
	t.Helper()
	paths, err := filepath.Glob("../testdata/cases/*.txt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	var cases []*vectorCase
	for _, p := range paths {
		if c := readCase(t, p); c.sections["codegroups"] != "" {
			cases = append(cases, c)
		}
	}
	return cases
}

// testCodebook parses ../testdata/codebook.txt, the vectors' codebook.
func testCodebook(t testing.TB) *Codebook {
	t.Helper()
	f, err := os.Open("../testdata/codebook.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVectorsEncode(t *testing.T) {
	cb := testCodebook(t)
	cases := readCases(t)
	if len(cases) < 16 {
		t.Fatalf("found %d cases with code groups, want at least 16", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := cb.Encode(c.sections["plaintext"])
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Fields(c.sections["codegroups"])
			if g, w := strings.Join(got, " "), strings.Join(want, " "); g != w {
				t.Errorf("Encode:\n got %s\nwant %s", g, w)
			}
			// The canonical text is a fixed point.
			again, err := cb.Encode(cb.Decode(got))
			if err != nil {
				t.Fatal(err)
			}
			if g, w := strings.Join(again, " "), strings.Join(want, " "); g != w {
				t.Errorf("Encode(Decode(groups)):\n got %s\nwant %s", g, w)
			}
		})
	}
}

// TestVectorsDecode checks the canonical text of the vectors, worked out by
// hand from SPEC 3's decoding rules.
func TestVectorsDecode(t *testing.T) {
	cb := testCodebook(t)
	want := map[string]string{
		"historical-short":       "PILOT DELIVERED REPORT.",
		"historical-words":       "ACCORDING TO INFORMATION FROM AGENT LIST, THE JAPANESE FOREIGN MINISTER SIGNED THE NEUTRALITY PACT.",
		"historical-spell":       "CRIPPS SENT COPIES TO WASHINGTON AND CHONGQING.",
		"historical-numbers":     "TELEGRAM NO. 354 OF 14 APRIL 1941 AT 16:05 FOLLOWS.",
		"historical-paragraphs":  "NEGOTIATIONS CONTINUED.\n\nOUR NOTE: GUO TAIQI IS THE CHINESE AMBASSADOR IN LONDON.",
		"historical-punctuation": `THE RUSSIANS (IN THE EVENT OF A GERMAN ATTACK) HAVE SECURITY IN THE EAST; STALIN'S PRESTIGE-"NEUTRALITY"-IS HIGH?`,
		"historical-cyrillic":    "AGENT ЛИСТ REPORTS: THE PACT IS SIGNED!",
	}
	for _, c := range readCases(t) {
		w, ok := want[c.name]
		if !ok {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			if got := cb.Decode(strings.Fields(c.sections["codegroups"])); got != w {
				t.Errorf("Decode:\n got %q\nwant %q", got, w)
			}
		})
		delete(want, c.name)
	}
	for name := range want {
		t.Errorf("case %s not found", name)
	}
}
