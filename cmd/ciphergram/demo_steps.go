package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/codebook"
	"ciphergram/groups"
	"ciphergram/office"
	"ciphergram/telegram"
)

// setUp creates the two offices, their users and the link between them.
func (d *demo) setUp(ctx context.Context) error {
	d.stage(demoSetUp, "LONDON and CENTRE", "two offices, each with its own database, users and audit log")
	var err error
	if d.centre, err = d.open(ctx, "centre"); err != nil {
		return err
	}
	if d.london, err = d.open(ctx, "london"); err != nil {
		return err
	}
	offices := []struct {
		svc         *office.Service
		name        string
		centre      bool
		counter     string
		next        int
		users       []ciphergram.User
		description string
	}{
		{d.centre, "CENTRE", true, ciphergram.CounterRegistry, demoRegistry, []ciphergram.User{
			{Name: "clerk", Role: ciphergram.RoleClerk},
			{Name: "registrar", Role: ciphergram.RoleArchivist, Cleared: true},
			{Name: "reader1", Role: ciphergram.RoleReader},
			{Name: "reader2", Role: ciphergram.RoleReader},
		}, "the registry continues from No. 2688 this year"},
		{d.london, "LONDON", false, ciphergram.CounterOutgoing, demoNr, []ciphergram.User{
			{Name: "gorsky", Role: ciphergram.RoleOfficer, Cover: "VADIM", Cleared: true},
			{Name: "clerk", Role: ciphergram.RoleClerk},
		}, "the residency's outgoing numbers continue from No. 278"},
	}
	for _, o := range offices {
		if err := o.svc.Init(ctx, o.name, o.centre, "admin"); err != nil {
			return err
		}
		admin := user(ctx, o.svc, "admin")
		for _, u := range o.users {
			if err := o.svc.AddUser(ctx, admin, &u); err != nil {
				return err
			}
		}
		peer := map[bool]string{true: "LONDON", false: "CENTRE"}[o.centre]
		if err := o.svc.AddLink(ctx, admin, &ciphergram.Link{Peer: peer, Mode: cipher.Authenticated, Codebook: "default"}); err != nil {
			return err
		}
		if err := o.svc.SeedCounter(ctx, admin, o.counter, o.next); err != nil {
			return err
		}
		d.say("%-7s users: admin, %s; link to %s (authenticated, codebook %s); %s.", o.name, names(o.users), peer, codebook.Default().ID(), o.description)
	}
	registrar := user(ctx, d.centre, "registrar")
	for _, c := range []ciphergram.Cryptonym{
		{Cover: "VADIM", TrueName: "Anatoly Gorsky, the London resident", Kind: ciphergram.KindOfficer},
		{Cover: "LIST", TrueName: "a source of the London residency", Kind: ciphergram.KindAgent},
	} {
		if err := d.centre.AddCryptonym(ctx, registrar, &c); err != nil {
			return err
		}
	}
	d.say("The Centre's registry of cover names: VADIM (officer), LIST (agent); true names for cleared users only.")
	return nil
}

func names(us []ciphergram.User) string {
	s := make([]string, len(us))
	for i, u := range us {
		s[i] = fmt.Sprintf("%s (%s)", u.Name, u.Role)
	}
	return strings.Join(s, ", ")
}

// issuePad prints the link's pad at the Centre and carries the residency's
// copy to London, encrypted for transport.
func (d *demo) issuePad(ctx context.Context) error {
	d.stage(demoSetUp.Add(time.Hour), "CENTRE", "the pad for LONDON to CENTRE is printed; LONDON's copy travels sealed")
	admin := user(ctx, d.centre, "admin")
	p, err := d.centre.IssuePad(ctx, admin, "LON-CEN-1941", "LONDON", "CENTRE", 20, demoPageGroups)
	if err != nil {
		return err
	}
	var sealed bytes.Buffer
	if err := d.centre.ExportPad(ctx, admin, p.ID, demoPassphrase, &sealed); err != nil {
		return err
	}
	d.say("Pad %s: %d pages of %d groups from crypto/rand. The Centre keeps the receiving copy.", p.ID, p.Pages, p.GroupsPerPage)
	d.say("The sending copy leaves as an age-encrypted file (%d bytes; passphrase sent separately):", sealed.Len())
	d.say("  %s ...", strings.SplitN(sealed.String(), "\n", 2)[0])
	d.stage(demoSetUp.AddDate(0, 0, 12), "LONDON", "the residency imports its copy")
	in, err := d.london.ImportPad(ctx, user(ctx, d.london, "admin"), &sealed, demoPassphrase)
	if err != nil {
		return err
	}
	d.say("Pad %s imported: %s to %s, %d pages, the %s (sending) copy.", in.ID, in.From, in.To, in.Left(), in.Direction)
	return nil
}

// write has VADIM compose and sign telegram No. 278.
func (d *demo) write(ctx context.Context) error {
	d.stage(demoFiled, "LONDON", "the resident VADIM writes and signs his telegram")
	gorsky := user(ctx, d.london, "gorsky")
	body, _ := telegram.SplitClosing(telegram.DemoText)
	t, err := d.london.Compose(ctx, gorsky, office.Draft{To: "CENTRE", Text: body,
		Caveat: "Removal of copies prohibited", Prec: cipher.Priority})
	if err != nil {
		return err
	}
	if t, err = d.london.Sign(ctx, gorsky, t.ID); err != nil {
		return err
	}
	d.say("Telegram No. %d, TOP SECRET, signed by %s; its closing line is part of the text:\n", t.Nr, t.SignedBy)
	d.say("%s", office.SignedText(t))
	return nil
}

// encipher has the London clerk encode and encipher it and shows the cable.
func (d *demo) encipher(ctx context.Context) error {
	d.stage(demoFiled.Add(40*time.Minute), "LONDON", "the cipher clerk enciphers it")
	clerk := user(ctx, d.london, "clerk")
	ts, err := d.london.Telegrams(ctx, clerk, ciphergram.TelegramFilter{Direction: ciphergram.Outgoing, State: ciphergram.StateSigned})
	if err != nil || len(ts) != 1 {
		return fmt.Errorf("the signed telegram: %v", err)
	}
	st, err := codebook.Default().Stats(office.SignedText(ts[0]))
	if err != nil {
		return err
	}
	gs, _ := codebook.Default().Encode(office.SignedText(ts[0]))
	d.say("Codebook %s: %d words become %d four-figure groups (%.2f a word); spelled: %s. The first ten:",
		codebook.Default().ID(), st.Words, st.Groups, st.GroupsPerWord(), strings.Join(st.Spelled, ", "))
	d.say("  %s", groups.Join(gs[:10], 10))
	t, err := d.london.Encipher(ctx, clerk, ts[0].ID)
	if err != nil {
		return err
	}
	d.say("Regrouped into fives, the pad page added without carrying, a one-time MAC appended. The page")
	d.say("was claimed and destroyed in LONDON's database before this text existed. On the wire:\n")
	d.say("%s", strings.TrimRight(t.Wire, "\n"))
	if _, err := d.london.MarkSent(ctx, clerk, t.ID); err != nil {
		return err
	}
	d.wire = t.Wire
	return nil
}

// receive has the Centre take the cable in and decipher it.
func (d *demo) receive(ctx context.Context) error {
	d.stage(demoReceived, "CENTRE", "the cable is received")
	clerk := user(ctx, d.centre, "clerk")
	t, err := d.centre.Receive(ctx, clerk, office.Receipt{Wire: d.wire, Caveat: "Removal of copies prohibited"})
	if err != nil {
		return err
	}
	d.say("Recorded as incoming telegram %d from %s, NR %d, received %s.", t.ID, t.From, t.Nr, t.Received.Format("15:04"))
	d.stage(demoDeciphered, "CENTRE", "deciphered: the tag verifies, the page is destroyed, the telegram registered")
	if t, err = d.centre.Decipher(ctx, clerk, t.ID); err != nil {
		return err
	}
	d.incoming = t.ID
	d.say("Registered as CIPHER TELEGRAM No. %s.", joinNumbers(t.Numbers))
	return nil
}

// registry shows the registered telegram and a numbered copy.
func (d *demo) registry(ctx context.Context) error {
	d.stage(demoDeciphered.Add(5*time.Minute), "CENTRE", "the registry's record (the registrar is cleared for true names)")
	registrar := user(ctx, d.centre, "registrar")
	t, err := d.centre.Telegram(ctx, registrar, d.incoming)
	if err != nil {
		return err
	}
	out, err := d.centre.Render(ctx, registrar, t, 0)
	if err != nil {
		return err
	}
	d.say("%s", out)
	c, err := d.centre.IssueCopy(ctx, registrar, d.incoming, "reader1")
	if err != nil {
		return err
	}
	d.stage(demoDeciphered.Add(10*time.Minute), "CENTRE", fmt.Sprintf("copy No. %d is issued to reader1, who is not cleared for true names", c.Number))
	out, err = d.centre.ReadCopy(ctx, user(ctx, d.centre, "reader1"), c.ID)
	if err != nil {
		return err
	}
	d.say("%s", out)
	return nil
}

// replay feeds the same cable in again.
func (d *demo) replay(ctx context.Context) error {
	d.stage(demoDeciphered.Add(15*time.Minute), "CENTRE", "someone feeds the same cable in again")
	_, err := d.centre.Receive(ctx, user(ctx, d.centre, "clerk"), office.Receipt{Wire: d.wire})
	if err == nil {
		return fmt.Errorf("the replay was accepted")
	}
	d.say("Refused: %v", err)
	return nil
}

// verify checks both audit chains and shows the pads.
func (d *demo) verify(ctx context.Context) error {
	d.stage(demoDeciphered.Add(20*time.Minute), "LONDON and CENTRE", "the audit logs verify; the page is gone at both ends")
	for _, o := range []struct {
		name string
		svc  *office.Service
	}{{"LONDON", d.london}, {"CENTRE", d.centre}} {
		admin := user(ctx, o.svc, "admin")
		n, err := o.svc.VerifyAudit(ctx, admin)
		if err != nil {
			return fmt.Errorf("%s audit: %w", o.name, err)
		}
		ps, err := o.svc.Pads(ctx, admin)
		if err != nil {
			return err
		}
		for _, p := range ps {
			d.say("%-7s audit chain intact (%d entries); pad %s (%s copy): %d pages used, %d left.", o.name, n, p.ID, p.Direction, p.Used, p.Left())
		}
	}
	if d.keep {
		d.say("\nThe offices' databases: %s (try: ciphergram telegram list --db %s/centre.db --as clerk)", d.root, d.root)
	}
	return nil
}
