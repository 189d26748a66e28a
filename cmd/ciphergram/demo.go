package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ciphergram"
	"ciphergram/office"
	"ciphergram/sqlite"
)

// The scenario clock of the reference telegram.
var (
	demoSetUp      = time.Date(1941, time.March, 3, 10, 0, 0, 0, time.UTC)
	demoFiled      = time.Date(1941, time.April, 21, 19, 30, 0, 0, time.UTC)
	demoReceived   = time.Date(1941, time.April, 22, 16, 5, 0, 0, time.UTC)
	demoDeciphered = time.Date(1941, time.April, 22, 22, 50, 0, 0, time.UTC)
)

const (
	demoNr       = 278  // VADIM's outgoing number
	demoRegistry = 2688 // the Centre's incoming number
	// demoPageGroups: pages long enough that the telegram goes in one part,
	// so that it is registered under the one number of the reference.
	demoPageGroups = 150
	demoPassphrase = "demo only: Kuznetsky Most 1941"
)

func (m *Main) runDemo(ctx context.Context, args []string) error {
	fs := m.newFlags("demo", "[--no-serve] [--dir DIR]", `  ciphergram demo --no-serve
  ciphergram demo --dir /tmp/offices   # keep the two offices' databases`)
	noServe := fs.Bool("no-serve", false, "exit when the story is told, instead of serving both offices until Ctrl-C")
	dir := fs.String("dir", "", "keep the two offices' databases in DIR (default: a temporary folder, removed at the end)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	root := *dir
	if root == "" {
		tmp, err := os.MkdirTemp("", "ciphergram-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		root = tmp
	} else if err := os.MkdirAll(root, 0o700); err != nil {
		return err
	}
	d := &demo{m: m, w: m.Stdout, root: root, clock: demoSetUp, keep: *dir != "", serving: !*noServe}
	defer d.close()
	return d.run(ctx)
}

type demo struct {
	m              *Main
	w              io.Writer
	root           string
	clock          time.Time
	london, centre *office.Service
	stores         []ciphergram.Store
	step           int
	keep           bool   // the databases stay in root after the demo
	serving        bool   // the demo ends by serving both offices
	wire           string // the cable between the offices
	incoming       int64  // the Centre's ID of the received telegram
}

func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.w, format+"\n", args...) }

func (d *demo) stage(when time.Time, place, what string) {
	d.clock = when
	d.step++
	d.say("\n== %d. %s, %s: %s", d.step, place, when.Format("2 January 2006 15:04"), what)
}

func (d *demo) close() {
	for _, s := range d.stores {
		s.Close()
	}
}

// open creates one office's database and service on the scenario clock.
func (d *demo) open(ctx context.Context, name string) (*office.Service, error) {
	path := filepath.Join(d.root, strings.ToLower(name)+".db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	d.stores = append(d.stores, st)
	svc := office.New(st)
	svc.Now, svc.Rand = func() time.Time { return d.clock }, d.m.Rand
	return svc, nil
}

func (d *demo) run(ctx context.Context) error {
	steps := []func(context.Context) error{d.setUp, d.issuePad, d.write, d.encipher, d.receive, d.registry, d.replay, d.verify}
	if d.serving {
		steps = append(steps, d.serve)
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// user is a shortcut for the demo's actors, who all exist.
func user(ctx context.Context, svc *office.Service, name string) *ciphergram.User {
	u, err := svc.Actor(ctx, name)
	if err != nil {
		panic(err)
	}
	return u
}
