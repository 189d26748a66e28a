package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"ciphergram"
	"ciphergram/office"
)

// TestAccessTable tries every telegram endpoint of the API as every role,
// at two clearances, on telegrams of two classifications, as the holder of
// a copy and not: the office's access rules (docs/security.md) as one
// table. The expected answer of each case comes from accessRule, the rules
// written out plainly; each case's actual answer comes from the server.
func TestAccessTable(t *testing.T) {
	ctx := context.Background()
	london, centre := pair(t, 40, 150)
	admin := centre.actor("admin")
	// Users at both clearances for every role that may touch the registry,
	// named by their clearance: ts* (TOP SECRET, the default) and s*
	// (SECRET). "holder" holds a copy of every registered telegram;
	// "lowered" held one of each while cleared to TOP SECRET, and was then
	// lowered to SECRET.
	users := []*ciphergram.User{
		{Name: "analyst", Role: ciphergram.RoleAnalyst},
		{Name: "sadmin", Role: ciphergram.RoleAdmin, Clearance: ciphergram.Secret},
		{Name: "sclerk", Role: ciphergram.RoleClerk, Clearance: ciphergram.Secret},
		{Name: "sarchivist", Role: ciphergram.RoleArchivist, Clearance: ciphergram.Secret},
		{Name: "sofficer", Role: ciphergram.RoleOfficer, Cover: "SOKOL", Clearance: ciphergram.Secret},
		{Name: "sanalyst", Role: ciphergram.RoleAnalyst, Clearance: ciphergram.Secret},
		{Name: "holder", Role: ciphergram.RoleReader},
		{Name: "sholder", Role: ciphergram.RoleReader, Clearance: ciphergram.Secret},
		{Name: "lowered", Role: ciphergram.RoleReader},
		{Name: "bystander", Role: ciphergram.RoleReader}, // never given a copy
	}
	for _, u := range users {
		if err := centre.svc.AddUser(ctx, admin, u); err != nil {
			t.Fatal(err)
		}
		centre.setPassword(u.Name)
	}

	// wire composes, signs and enciphers a telegram at London and returns
	// what the cable carried.
	lonOfficer, lonClerk := london.actor("officer"), london.actor("clerk")
	wire := func(class string) string {
		tg, err := london.svc.Compose(ctx, lonOfficer, office.Draft{To: "CENTRE", Text: "THE PACT IS SIGNED.", Classification: class})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := london.svc.Sign(ctx, lonOfficer, tg.ID); err != nil {
			t.Fatal(err)
		}
		tg, err = london.svc.Encipher(ctx, lonClerk, tg.ID)
		if err != nil {
			t.Fatal(err)
		}
		return tg.Wire
	}
	clerk := centre.actor("clerk")
	receive := func(class string) int64 {
		a, err := centre.svc.Arrive(ctx, clerk, office.Receipt{Wire: wire(class), Classification: class})
		if err != nil || a.Telegram == nil {
			t.Fatalf("receiving a %s telegram: %v", class, err)
		}
		return a.Telegram.ID
	}
	archivist := centre.actor("archivist")
	registered := map[string]int64{} // by classification
	holderCopy := map[string]int64{} // the copy "holder" holds, by classification
	ownCopy := map[string]int64{}    // key: user + " " + classification
	for _, class := range []string{ciphergram.TopSecret, ciphergram.Secret} {
		id := receive(class)
		if _, err := centre.svc.Decipher(ctx, clerk, id); err != nil {
			t.Fatal(err)
		}
		registered[class] = id
		for _, reader := range []string{"holder", "sholder", "lowered"} {
			if reader == "sholder" && class == ciphergram.TopSecret {
				continue // refused: see the issue cases
			}
			c, err := centre.svc.IssueCopy(ctx, archivist, id, reader)
			if err != nil {
				t.Fatal(err)
			}
			ownCopy[reader+" "+class] = c.ID
			if reader == "holder" {
				holderCopy[class] = c.ID
			}
		}
	}
	if err := centre.svc.SetClearance(ctx, admin, "lowered", "secret"); err != nil {
		t.Fatal(err)
	}
	centre.serve("")

	names := []string{"admin", "sadmin", "officer", "sofficer", "clerk", "sclerk", "archivist", "sarchivist",
		"analyst", "sanalyst", "holder", "sholder", "lowered", "bystander"}
	clients := map[string]*client{}
	who := map[string]*ciphergram.User{}
	for _, n := range names {
		clients[n] = centre.login(n)
		who[n] = centre.actor(n)
	}

	// One case per user, endpoint and classification; decipher needs a
	// received telegram of its own for each success.
	endpoints := []string{"read", "render", "list", "copies", "issue", "holder's copy", "own copy", "release", "decipher"}
	cases := 0
	for _, class := range []string{ciphergram.TopSecret, ciphergram.Secret} {
		id := itoa(registered[class])
		for _, n := range names {
			u, c := who[n], clients[n]
			for _, ep := range endpoints {
				want := accessRule(u, class, ep)
				var got int
				switch ep {
				case "read":
					got = status(c, "GET", "/api/v1/telegrams/"+id, nil, nil)
				case "render":
					got = status(c, "GET", "/api/v1/telegrams/"+id+"/rendered", nil, nil)
				case "list":
					var ts []telegramJSON
					if got = status(c, "GET", "/api/v1/telegrams", nil, &ts); got == 200 &&
						!slices.ContainsFunc(ts, func(x telegramJSON) bool { return x.ID == registered[class] }) {
						got = 404
					}
				case "copies":
					var cs []struct {
						ID int64 `json:"id"`
					}
					if got = status(c, "GET", "/api/v1/telegrams/"+id+"/copies", nil, &cs); got == 200 &&
						!slices.ContainsFunc(cs, func(x struct {
							ID int64 `json:"id"`
						}) bool {
							return x.ID == holderCopy[class]
						}) {
						got = 404
					}
				case "issue":
					got = status(c, "POST", "/api/v1/telegrams/"+id+"/copies", map[string]string{"reader": "bystander"}, nil)
					if want == 200 {
						// and never to a reader not cleared for it
						if s := status(c, "POST", "/api/v1/telegrams/"+id+"/copies", map[string]string{"reader": "sholder"}, nil); class == ciphergram.TopSecret && s != 403 {
							t.Errorf("%s issuing a TOP SECRET copy to sholder (SECRET): %d, want 403", n, s)
						}
					}
				case "holder's copy":
					got = status(c, "GET", "/api/v1/copies/"+itoa(holderCopy[class]), nil, nil)
				case "own copy":
					cp, ok := ownCopy[n+" "+class]
					if !ok {
						continue
					}
					got = status(c, "GET", "/api/v1/copies/"+itoa(cp), nil, nil)
				case "release":
					got = status(c, "POST", "/api/v1/telegrams/"+id+"/releases", map[string]any{}, nil)
				case "decipher":
					rid := receive(class)
					got = status(c, "POST", "/api/v1/telegrams/"+itoa(rid)+"/decipher", nil, nil)
					if got != 200 {
						// Refused: the telegram waits, whole, for someone cleared.
						tg, err := centre.store.Telegram(ctx, rid)
						if err != nil || tg.State != ciphergram.StateReceived || tg.Text != "" {
							t.Errorf("%s refused to decipher telegram %d, which is now %v (%v)", n, rid, tg.State, err)
						}
					}
				}
				cases++
				if got != want {
					t.Errorf("%s (%s, cleared to %s) %s on a %s telegram: %d, want %d", n, u.Role, u.Clearance, ep, class, got, want)
				}
			}
		}
	}
	t.Logf("%d cases", cases)
}

// accessRule is the answer an endpoint owes user u about a registered
// incoming telegram classified class (or a received one, for decipher):
//   - the registry (read, render, list) is open to admins, clerks and
//     archivists, and shows nothing above their clearance (404: as if it
//     did not exist); officers see outgoing telegrams only, readers and
//     analysts nothing;
//   - copies are issued by admins and archivists cleared for the
//     telegram, to readers cleared for it (403 otherwise);
//   - a copy is read by its holder, or the registry, if cleared for it
//     (403 when not: its holder knows it exists); by anyone else never
//     (404);
//   - releases are made by admins and archivists cleared for the telegram;
//   - deciphering is done by clerks and admins cleared for the telegram.
func accessRule(u *ciphergram.User, class, endpoint string) int {
	registry := u.Role == ciphergram.RoleAdmin || u.Role == ciphergram.RoleArchivist
	office := registry || u.Role == ciphergram.RoleClerk
	cleared := u.ClearedFor(class)
	switch endpoint {
	case "read", "render", "list":
		if office && cleared {
			return 200
		}
		return 404
	case "copies":
		if registry && cleared || u.Name == "holder" {
			return 200
		}
		return 404
	case "issue", "release":
		if registry && cleared {
			return 200
		}
		return 403
	case "holder's copy", "own copy":
		holds := endpoint == "own copy" || u.Name == "holder"
		if !holds && !registry {
			return 404
		}
		if cleared {
			return 200
		}
		return 403
	case "decipher":
		if (u.Role == ciphergram.RoleAdmin || u.Role == ciphergram.RoleClerk) && cleared {
			return 200
		}
		return 403
	}
	panic(fmt.Sprintf("no rule for %s", endpoint))
}

// status sends a request as c and returns the status; out, if not nil,
// receives a 200 answer.
func status(c *client, method, path string, body any, out any) int {
	c.t.Helper()
	code, raw := c.send(method, path, body)
	if code == 200 && out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return code
}
