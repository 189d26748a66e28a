package codebook

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDefaultReproducible regenerates the built-in codebook from the
// committed vocabulary and seed and checks it is byte for byte the embedded
// one, so that anyone can verify how its groups were assigned.
func TestDefaultReproducible(t *testing.T) {
	f, err := os.Open("vocabulary.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tokens, err := ReadWordList(f)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := Generate(tokens, SeededReader(DefaultSeed))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := cb.WriteTo(&got); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("default.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("default.txt is not what vocabulary.txt and seed %q give; regenerate it with\n"+
			"  go run ./cmd/ciphergram codebook generate --words codebook/vocabulary.txt --seed %s --out codebook/default.txt --force", DefaultSeed, DefaultSeed)
	}
	if d := Default(); d.ID() != cb.ID() || d.Len() < 4000 {
		t.Fatalf("Default() = %s with %d entries, want %s with at least 4000", d.ID(), d.Len(), cb.ID())
	}
}

// TestDefaultEfficiency measures the built-in codebook on the sample
// telegram prose of testdata/prose: the goal is at most 1.5 code groups per
// word, punctuation, numbers and spelled names included.
func TestDefaultEfficiency(t *testing.T) {
	paths, err := filepath.Glob("testdata/prose/*.txt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no sample prose: %v", err)
	}
	var total Stats
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		st, err := Default().Stats(string(b))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		total.Words += st.Words
		total.Groups += st.Groups
		total.Spelled = append(total.Spelled, st.Spelled...)
	}
	t.Logf("%d words, %d groups, %.3f groups a word, %d words spelled", total.Words, total.Groups, total.GroupsPerWord(), len(total.Spelled))
	if g := total.GroupsPerWord(); g > 1.5 {
		t.Errorf("default codebook: %.3f groups a word on sample prose, goal <= 1.5", g)
	}
}
