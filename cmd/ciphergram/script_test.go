package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ciphergram": func() {
			mm := NewMain()
			os.Exit(mm.report(mm.Run(context.Background(), os.Args[1:])))
		},
	})
}

// TestScripts runs the command-line scripts in testdata/script. Each script
// starts with the conformance vectors (codebook.txt, pad.txt, cases/) in its
// work folder.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			return copyVectors(filepath.Join("..", "..", "testdata"), env.WorkDir)
		},
	})
}

func copyVectors(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
}
