package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"ciphergram"
)

// Courier delivers the office's outbox to its peers: each pending
// delivery is pushed to the peer's transport endpoint until the peer
// acknowledges it, with backoff between failed attempts. The outbox is in
// the store, so what is not yet acknowledged survives a restart; a
// delivery acknowledged but not yet recorded when the process stops is
// pushed again and the peer, which holds parts idempotently, ignores it.
type Courier struct {
	s      *Server
	client *http.Client
	wake   chan struct{}
	// Poll is how often the outbox is looked at without a wake-up.
	Poll time.Duration
}

// Courier returns the courier of this server's office and makes the office
// wake it whenever something is queued.
func (s *Server) Courier() *Courier {
	c := &Courier{s: s, client: &http.Client{Timeout: 20 * time.Second}, wake: make(chan struct{}, 1), Poll: time.Second}
	s.svc.Notify = c.Wake
	return c
}

// Wake makes the courier look at the outbox now.
func (c *Courier) Wake() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends.
func (c *Courier) Run(ctx context.Context) {
	t := time.NewTicker(c.Poll)
	defer t.Stop()
	for {
		c.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-t.C:
		}
	}
}

// round tries every delivery that is due, once.
func (c *Courier) round(ctx context.Context) {
	for ctx.Err() == nil {
		ds, err := c.s.svc.DueDeliveries(ctx, 32)
		if err != nil {
			c.s.log.Error("outbox", "err", err)
			return
		}
		for _, d := range ds {
			if ctx.Err() != nil {
				return
			}
			c.deliver(ctx, d)
		}
		if len(ds) < 32 {
			return
		}
	}
}

func (c *Courier) deliver(ctx context.Context, d *ciphergram.Delivery) {
	answer, err := c.push(ctx, d)
	result := "ok"
	if err == nil {
		err = c.s.svc.Delivered(ctx, d, answer)
	}
	if err != nil {
		result = "failed"
		c.s.log.Warn("delivery failed", "peer", d.Peer, "kind", d.Kind, "telegram", d.TelegramID, "part", d.Part, "attempt", d.Attempts+1, "err", err)
		if ctx.Err() == nil {
			if ferr := c.s.svc.DeliveryFailed(ctx, d, err); ferr != nil {
				c.s.log.Error("outbox", "err", ferr)
			}
		}
	} else {
		c.s.log.Info("delivered", "peer", d.Peer, "kind", d.Kind, "telegram", d.TelegramID, "part", d.Part)
	}
	c.s.metrics.deliveries.WithLabelValues(string(d.Kind), result).Inc()
}

// push sends one delivery and returns the peer's answer.
func (c *Courier) push(ctx context.Context, d *ciphergram.Delivery) (string, error) {
	l, err := c.s.svc.Link(ctx, d.Peer)
	if err != nil {
		return "", err
	}
	if l.PeerURL == "" {
		return "", fmt.Errorf("the link to %s has no URL", d.Peer)
	}
	o, err := c.s.svc.Office(ctx)
	if err != nil {
		return "", err
	}
	path, body := partsPath, any(nil)
	switch d.Kind {
	case ciphergram.DeliverPart:
		body = c.partBody(ctx, d)
	case ciphergram.DeliverRepeat:
		path, body = servicePath, serviceMessage{Message: d.Body}
	default:
		return "", fmt.Errorf("unknown delivery kind %q", d.Kind)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.PeerURL+path, bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(officeHeader, o.Name)
	req.Header.Set("Authorization", "Bearer "+l.Secret)
	resp, err := c.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		var e apiError
		if json.Unmarshal(answer, &e) == nil && e.Message != "" {
			return "", fmt.Errorf("%s answered %s: %s", d.Peer, resp.Status, e.Message)
		}
		return "", fmt.Errorf("%s answered %s", d.Peer, resp.Status)
	}
	return string(bytes.TrimSpace(answer)), nil
}

// partBody is a part with the classification of its telegram.
func (c *Courier) partBody(ctx context.Context, d *ciphergram.Delivery) partDelivery {
	p := partDelivery{Wire: d.Body}
	if t, err := c.s.svc.Store().Telegram(ctx, d.TelegramID); err == nil {
		p.Classification, p.Caveat = t.Classification, t.Caveat
	}
	return p
}
