package main

import (
	"context"
	"log/slog"
	"net"
	"time"

	"ciphergram/office"
	"ciphergram/web"
)

// serve ends the demo by serving both offices on loopback, their links
// routed to each other with a fresh credential, every demo user signing in
// with one fresh password, until ctx ends (Ctrl-C).
func (d *demo) serve(ctx context.Context) error {
	d.stage(time.Now(), "LONDON and CENTRE", "both offices open for business on this machine")
	secret := office.NewPassword() + office.NewPassword()
	password := office.NewPassword()
	log := slog.New(slog.NewTextHandler(d.m.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	offices := []struct {
		name, peer string
		svc        *office.Service
		users      []string
	}{
		{"LONDON", "CENTRE", d.london, []string{"admin", "gorsky", "clerk"}},
		{"CENTRE", "LONDON", d.centre, []string{"admin", "clerk", "registrar", "reader1", "reader2"}},
	}
	lns := make([]net.Listener, len(offices))
	for i := range offices {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		lns[i] = ln
	}
	var servers []*running
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for i, o := range offices {
		o.svc.Now = time.Now // the story is told: back to the present
		admin := user(ctx, o.svc, "admin")
		for _, u := range o.users {
			if err := o.svc.SetPassword(ctx, admin, u, password); err != nil {
				return err
			}
		}
		peerURL := "http://" + lns[1-i].Addr().String()
		if err := o.svc.RouteLink(ctx, admin, o.peer, peerURL, secret); err != nil {
			return err
		}
		servers = append(servers, startServer(ctx, o.svc, lns[i], web.Config{Logger: log, Printer: printer{}}, "", ""))
	}
	d.say("LONDON  %s   sign in as gorsky (officer VADIM), clerk or admin", servers[0].url)
	d.say("CENTRE  %s   sign in as clerk, registrar (archivist), reader1, reader2 or admin", servers[1].url)
	d.say("Every demo user's password: %s", password)
	d.say("Write a telegram as gorsky in London, encipher and send it as clerk; the courier delivers it to the")
	d.say("Centre, where the clerk deciphers it and the registrar issues a copy to reader1. Ctrl-C stops both.")
	<-ctx.Done()
	return nil
}
