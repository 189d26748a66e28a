package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ciphergram"
	"ciphergram/office"
	"ciphergram/postgres"
	"ciphergram/sqlite"
	"ciphergram/vault"
	"ciphergram/web"
)

func (m *Main) runServe(ctx context.Context, args []string) error {
	fs := m.newFlags("serve", "[--db URL] [--key-file FILE] [--addr HOST:PORT] [--name OFFICE [--centre]]", `  ciphergram serve --name LONDON                 # first start: creates ./ciphergram.db, its key file ./ciphergram.db.key and its admin
  ciphergram serve --db centre.db --addr 127.0.0.1:8081
  ciphergram serve --db postgres://ciphergram@db.example/centre --key-file /etc/ciphergram/centre.key --addr :8443 --tls-cert c.pem --tls-key k.pem`)
	db := fs.String("db", "ciphergram.db", "the office's database: a SQLite file, or a postgres:// URL")
	keys := addKeyFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "where to listen")
	name := fs.String("name", "", "on a fresh database: the office's name (e.g. LONDON, CENTRE)")
	centre := fs.Bool("centre", false, "on a fresh database: the office is the Centre")
	admin := fs.String("admin", "admin", "on a fresh database: the first admin's login name")
	pwFile := fs.String("admin-password-file", "", "the first admin's password, from this file (default $CIPHERGRAM_ADMIN_PASSWORD, or a random one printed once)")
	cert := fs.String("tls-cert", "", "serve HTTPS with this certificate (PEM)")
	key := fs.String("tls-key", "", "the certificate's private key (PEM)")
	insecure := fs.Bool("insecure-cookies", false, "session cookies without Secure, for plain HTTP off loopback (not recommended)")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("serve: --log-level: %v", err)
	}
	log := slog.New(slog.NewJSONHandler(m.Stderr, &slog.HandlerOptions{Level: lv}))
	st, err := openStore(ctx, *db, keys, m.Stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := office.New(st)
	svc.Now, svc.Rand = m.Now, m.Rand
	if err := m.firstStart(ctx, svc, *name, *centre, *admin, *pwFile); err != nil {
		return err
	}
	o, err := svc.Office(ctx)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	srv := startServer(ctx, svc, ln, web.Config{Logger: log, InsecureCookies: *insecure, Printer: printer{}}, *cert, *key)
	fmt.Fprintf(m.Stdout, "%s serving on %s (Ctrl-C stops)\n", o.Name, srv.url)
	log.Info("serving", "office", o.Name, "url", srv.url, "db", redactDSN(*db))
	<-ctx.Done()
	log.Info("shutting down")
	return srv.stop()
}

// openStore opens the store a --db value names, a postgres:// URL or a
// SQLite file, with the office key the key flags name: a key file (by
// default $CIPHERGRAM_KEY_FILE, or DB.key beside a SQLite file; none for
// PostgreSQL, which needs one named) or a passphrase from a file. A key
// file that opening the store created is announced on w, with what to do
// with it.
func openStore(ctx context.Context, dsn string, keys keyFlags, w io.Writer) (ciphergram.Store, error) {
	pg := strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
	path := strings.TrimPrefix(dsn, "sqlite:")
	keyFile, passFile := *keys.file, *keys.passFile
	switch {
	case keyFile != "" && passFile != "":
		return nil, &hintError{errors.New("give --key-file or --key-passphrase-file, not both"), "the office key is in a key file or derived from a passphrase"}
	case keyFile == "" && passFile == "":
		keyFile = os.Getenv("CIPHERGRAM_KEY_FILE")
	}
	if keyFile == "" && passFile == "" && !pg {
		keyFile = sqlite.KeyFile(path)
	}
	var sqliteOpt sqlite.Option
	var pgOpt postgres.Option
	switch {
	case passFile != "":
		b, err := os.ReadFile(passFile)
		if err != nil {
			return nil, fmt.Errorf("--key-passphrase-file: %w", err)
		}
		defer clear(b)
		pass := bytes.TrimRight(b, "\r\n")
		sqliteOpt, pgOpt = sqlite.WithPassphrase(pass), postgres.WithPassphrase(pass)
	case keyFile != "":
		sqliteOpt, pgOpt = sqlite.WithKeyFile(keyFile), postgres.WithKeyFile(keyFile)
	default:
		return nil, &hintError{errors.New("a PostgreSQL database needs an office key: it encrypts the pads at rest"),
			"give --key-file FILE (made with a new database; keep it apart from the database's backups) or --key-passphrase-file FILE, or set CIPHERGRAM_KEY_FILE"}
	}
	_, statErr := os.Stat(keyFile)
	var st ciphergram.Store
	var err error
	if pg {
		st, err = openPostgres(ctx, dsn, pgOpt)
	} else if st, err = sqlite.Open(ctx, path, sqliteOpt); err != nil {
		err = fmt.Errorf("opening %s: %w", dsn, err)
	}
	if errors.Is(err, vault.ErrWrongKey) {
		tried := "the passphrase in " + passFile
		if passFile == "" {
			tried = "the key file " + keyFile
		}
		return nil, &hintError{err, "it was tried with " + tried + "; give the database's own with --key-file FILE or " +
			"--key-passphrase-file FILE (after `ciphergram key rotate --new-key-file`, the new file)"}
	}
	if err != nil {
		return nil, err
	}
	if keyFile != "" && errors.Is(statErr, fs.ErrNotExist) {
		if _, err := os.Stat(keyFile); err == nil {
			fmt.Fprintf(w, "ciphergram: made the office key file %s, which encrypts the pads at rest: keep it secret, "+
				"and back it up apart from the database (without it no pad can be read)\n", keyFile)
		}
	}
	return st, nil
}

// redactDSN hides a password in a database URL.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if j := strings.Index(dsn[i+3:], "@"); j >= 0 {
			userinfo := dsn[i+3 : i+3+j]
			if u, _, ok := strings.Cut(userinfo, ":"); ok {
				return dsn[:i+3] + u + ":xxxxx" + dsn[i+3+j:]
			}
		}
	}
	return dsn
}

// firstStart makes a fresh database an office with an admin who can sign
// in: the password comes from a file or $CIPHERGRAM_ADMIN_PASSWORD, or is
// drawn at random and printed once. An office whose admins all have
// passwords is left alone.
func (m *Main) firstStart(ctx context.Context, svc *office.Service, name string, centre bool, admin, pwFile string) error {
	_, err := svc.Office(ctx)
	switch {
	case ciphergram.ErrorCode(err) == ciphergram.ENOTFOUND:
		if name == "" {
			return &hintError{errors.New("serve: the database holds no office yet"), "give --name OFFICE (and --centre for the Centre) to create it"}
		}
		if err := svc.Init(ctx, strings.ToUpper(name), centre, admin); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	u, err := svc.Store().User(ctx, admin)
	if ciphergram.ErrorCode(err) == ciphergram.ENOTFOUND {
		return nil // an office set up under other names
	}
	if err != nil || u.Role != ciphergram.RoleAdmin || u.PasswordHash != "" {
		return err
	}
	pw, shown := os.Getenv("CIPHERGRAM_ADMIN_PASSWORD"), false
	if pwFile != "" {
		b, err := os.ReadFile(pwFile)
		if err != nil {
			return fmt.Errorf("serve: --admin-password-file: %w", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
	}
	if pw == "" {
		pw, shown = office.NewPassword(), true
	}
	if err := svc.SetPassword(ctx, u, u.Name, pw); err != nil {
		return fmt.Errorf("serve: the first admin's password: %w", err)
	}
	if shown {
		fmt.Fprintf(m.Stdout, "First start: sign in as %q with the one-time password\n\n    %s\n\nIt is shown only now; change it under Account.\n", u.Name, pw)
	}
	return nil
}

// running is one office's HTTP server and courier.
type running struct {
	url    string
	srv    *http.Server
	ready  atomic.Bool
	cancel context.CancelFunc
	wg     sync.WaitGroup
	errc   chan error
}

// startServer serves svc on ln and starts its courier and housekeeping.
func startServer(ctx context.Context, svc *office.Service, ln net.Listener, cfg web.Config, cert, key string) *running {
	r := &running{errc: make(chan error, 1)}
	cfg.Ready = r.ready.Load
	s := web.New(svc, cfg)
	courier := s.Courier()
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel = cancel
	r.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)}
	scheme := "http"
	if cert != "" {
		scheme = "https"
	}
	r.url = scheme + "://" + ln.Addr().String()
	r.wg.Add(2)
	go func() {
		defer r.wg.Done()
		courier.Run(bg)
	}()
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(5 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-bg.Done():
				return
			case <-t.C:
				svc.ExpireSessions(bg)
			}
		}
	}()
	go func() {
		var err error
		if cert != "" {
			err = r.srv.ServeTLS(ln, cert, key)
		} else {
			err = r.srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			r.errc <- err
		}
		close(r.errc)
	}()
	r.ready.Store(true)
	return r
}

// stop shuts down gracefully: /healthz turns 503, requests in flight
// finish (every change they make is one committed transaction or none),
// then the courier stops; what it has not delivered stays in the outbox.
func (r *running) stop() error {
	r.ready.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := r.srv.Shutdown(ctx)
	r.cancel()
	r.wg.Wait()
	if serr := <-r.errc; serr != nil && err == nil {
		err = serr
	}
	return err
}
