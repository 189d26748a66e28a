package web_test

import (
	"context"
	"strings"
	"testing"

	"ciphergram"
)

// peerClient calls an office's transport endpoints as the peer office
// from, with the credential given.
func peerClient(t *testing.T, o *testOffice, from, secret string) *client {
	return &client{t: t, base: o.URL, hdr: map[string][]string{
		"Ciphergram-Office": {from}, "Authorization": {"Bearer " + secret}}}
}

type ack struct {
	Result string `json:"result"`
	Held   int    `json:"held"`
	Count  int    `json:"count"`
	Repeat []int  `json:"repeat_asked"`
}

// pending counts the deliveries of a telegram not yet acknowledged, and
// the most attempts any of them took.
func pending(t *testing.T, o *testOffice, id int64) (n, attempts int) {
	ds, err := o.store.Deliveries(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Pending() {
			n++
		}
		attempts = max(attempts, d.Attempts)
	}
	return n, attempts
}

// TestStoreAndForward: London sends while the Centre is down, London
// restarts, the Centre comes up, and the telegram arrives exactly once; a
// part delivered again changes nothing.
func TestStoreAndForward(t *testing.T) {
	london, centre := pair(t, 10, 60)
	centreAddr := freeAddr(t)
	london.route("CENTRE", "http://"+centreAddr)
	london.serve("")
	tg := send(t, london, "AGENT LIST REPORTS: THE PACT IS SIGNED.")
	eventually(t, "London has tried to deliver twice", func() bool {
		n, attempts := pending(t, london, tg.ID)
		return n == 1 && attempts >= 2
	})

	// London restarts: the outbox is in its database.
	london.close()
	london.open()
	london.serve("")
	centre.route("LONDON", london.URL)
	centre.serve(centreAddr)
	eventually(t, "the part is acknowledged", func() bool {
		n, _ := pending(t, london, tg.ID)
		return n == 0
	})
	in := incoming(t, centre)
	if len(in) != 1 || in[0].State != ciphergram.StateReceived || in[0].Nr != tg.Nr || in[0].Received.IsZero() {
		t.Fatalf("the Centre holds %v, want one telegram received", in)
	}

	// The same part again, before and after decipherment: held once.
	peer := peerClient(t, centre, "LONDON", linkSecret)
	var a ack
	peer.do("POST", "/transport/v1/parts", map[string]string{"wire": tg.Wire}, 200, &a)
	if a.Result != "duplicate" || a.Held != 1 || a.Count != 1 {
		t.Fatalf("redelivery: %+v, want a duplicate", a)
	}
	var reg telegramJSON
	centre.login("clerk").do("POST", "/api/v1/telegrams/"+itoa(in[0].ID)+"/decipher", nil, 200, &reg)
	if reg.State != "registered" || !strings.Contains(reg.Text, "AGENT LIST REPORTS: THE PACT IS SIGNED.") {
		t.Fatalf("deciphered: %+v", reg)
	}
	peer.do("POST", "/transport/v1/parts", map[string]string{"wire": tg.Wire}, 200, &a)
	if in := incoming(t, centre); len(in) != 1 || a.Result != "duplicate" {
		t.Fatalf("after a redelivery of a registered telegram: %d telegrams, %+v", len(in), a)
	}

	// The logs say what happened and nothing secret.
	for _, o := range []*testOffice{london, centre} {
		logs := o.logs.String()
		if !strings.Contains(logs, `"msg":"request"`) {
			t.Fatalf("%s logged no requests:\n%s", o.name, logs)
		}
		secrets := []string{linkSecret, password, "PACT IS SIGNED", strings.Fields(strings.Split(tg.Wire, "\n")[1])[1]}
		secrets = append(secrets, london.login("admin").token)
		for _, secret := range secrets {
			if strings.Contains(logs, secret) {
				t.Errorf("%s's log holds %q", o.name, secret)
			}
		}
	}
}

// parts splits a wire text into its transmissions.
func parts(wire string) []string {
	var out []string
	for _, p := range strings.Split(strings.TrimSpace(wire), "\n\n") {
		out = append(out, p+"\n")
	}
	return out
}

// TestPartsOutOfOrder: a three-part telegram whose parts arrive last
// first is assembled when the last is in, and deciphers.
func TestPartsOutOfOrder(t *testing.T) {
	london, centre := pair(t, 10, 60)
	centre.serve("")
	london.serve("") // by hand: London's link has no URL
	text := strings.Repeat("THE GERMANS WILL ATTACK IN THE WEST AT DAWN. ", 14)
	tg := send(t, london, text)
	ps := parts(tg.Wire)
	if len(ps) != 3 {
		t.Fatalf("%d parts, want 3", len(ps))
	}
	peer := peerClient(t, centre, "LONDON", linkSecret)
	for i, n := range []int{2, 0, 1} {
		var a ack
		peer.do("POST", "/transport/v1/parts", map[string]string{"wire": ps[n]}, 200, &a)
		if a.Result != "added" || a.Held != i+1 || a.Count != 3 {
			t.Fatalf("part %d: %+v", n+1, a)
		}
		if got := len(incoming(t, centre)); got != i/2 {
			t.Fatalf("after %d parts: %d telegrams", i+1, got)
		}
	}
	in := incoming(t, centre)
	var reg telegramJSON
	centre.login("clerk").do("POST", "/api/v1/telegrams/"+itoa(in[0].ID)+"/decipher", nil, 200, &reg)
	if reg.State != "registered" || len(reg.Numbers) != 3 || !strings.Contains(reg.Text, "ATTACK IN THE WEST AT DAWN") {
		t.Fatalf("deciphered: %+v", reg)
	}
}

// TestRepeatAfterFailedAuthentication: a part altered on the way fails
// authentication at the Centre, which asks London for a repeat; London
// sends the part again and the telegram deciphers.
func TestRepeatAfterFailedAuthentication(t *testing.T) {
	london, centre := pair(t, 10, 60)
	london.serve("")
	centre.serve("")
	centre.route("LONDON", london.URL)
	tg := send(t, london, "THE PACT IS SIGNED.") // London's link is by hand: nothing delivered
	london.route("CENTRE", centre.URL)

	lines := strings.Split(tg.Wire, "\n")
	g := []byte(lines[1])
	const cable = "OIUZTREWAP"
	g[7] = cable[(strings.IndexByte(cable, g[7])+1)%10] // one figure changed on the wire
	lines[1] = string(g)
	var a ack
	peerClient(t, centre, "LONDON", linkSecret).do("POST", "/transport/v1/parts", map[string]string{"wire": strings.Join(lines, "\n")}, 200, &a)
	id := incoming(t, centre)[0].ID
	clerk := centre.login("clerk")
	var e struct{ Code, Message string }
	clerk.do("POST", "/api/v1/telegrams/"+itoa(id)+"/decipher", nil, 400, &e)
	if !strings.Contains(e.Message, "authentication") {
		t.Fatalf("decipher of an altered part: %+v", e)
	}
	eventually(t, "London repeats the part and the Centre holds it", func() bool {
		got, err := centre.store.Telegram(context.Background(), id)
		return err == nil && strings.TrimSpace(got.Wire) == strings.TrimSpace(tg.Wire)
	})
	var reg telegramJSON
	clerk.do("POST", "/api/v1/telegrams/"+itoa(id)+"/decipher", nil, 200, &reg)
	if reg.State != "registered" || !strings.Contains(reg.Text, "THE PACT IS SIGNED.") {
		t.Fatalf("after the repeat: %+v", reg)
	}
	if in := incoming(t, centre); len(in) != 1 {
		t.Fatalf("%d incoming telegrams, want 1", len(in))
	}
}

// TestGarbledPartAsksRepeat: a part typed in by the cable clerk with an
// unreadable group is kept, a repeat is asked of London over the link, and
// the repeated part replaces it.
func TestGarbledPartAsksRepeat(t *testing.T) {
	london, centre := pair(t, 10, 60)
	london.serve("")
	centre.serve("")
	centre.route("LONDON", london.URL)
	tg := send(t, london, "THE PACT IS SIGNED.") // by hand: nothing delivered
	london.route("CENTRE", centre.URL)

	lines := strings.Split(tg.Wire, "\n")
	f := strings.Fields(lines[1])
	f[2] = "W?ZT" + f[2][4:] // a group the clerk could not read
	lines[1] = strings.Join(f, " ")
	clerk := centre.login("clerk")
	var a struct {
		Held   int   `json:"held"`
		Count  int   `json:"count"`
		Repeat []int `json:"repeat_asked"`
		Parts  []struct {
			Garbled int `json:"garbled_groups"`
		} `json:"parts"`
	}
	clerk.do("POST", "/api/v1/inbox", map[string]string{"wire": strings.Join(lines, "\n")}, 200, &a)
	if a.Held != 1 || len(a.Repeat) != 1 || a.Repeat[0] != 1 || a.Parts[0].Garbled != 1 {
		t.Fatalf("garbled part: %+v", a)
	}
	id := incoming(t, centre)[0].ID
	eventually(t, "London repeats the part", func() bool {
		got, err := centre.store.Telegram(context.Background(), id)
		return err == nil && strings.TrimSpace(got.Wire) == strings.TrimSpace(tg.Wire)
	})
	var reg telegramJSON
	clerk.do("POST", "/api/v1/telegrams/"+itoa(id)+"/decipher", nil, 200, &reg)
	if reg.State != "registered" || !strings.Contains(reg.Text, "THE PACT IS SIGNED.") {
		t.Fatalf("after the repeat: %+v", reg)
	}
}
