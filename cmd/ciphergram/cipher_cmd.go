package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"ciphergram/cipher"
	"ciphergram/internal/padfile"
	"ciphergram/otp"
)

type codecFlags struct{ codebook, board *string }

func addCodecFlags(fs *flag.FlagSet) codecFlags {
	return codecFlags{
		codebook: fs.String("codebook", "", "codebook file, or \"default\" for the built-in one"),
		board:    fs.String("checkerboard", "", "straddling checkerboard instead of a codebook: CT-46 or a board file"),
	}
}

func (c codecFlags) load() (cipher.Codec, error) {
	if *c.codebook == "" && *c.board == "" {
		return nil, &hintError{errors.New("give --codebook FILE|default or --checkerboard CT-46|FILE"), "--codebook default uses the built-in codebook"}
	}
	return loadCodec(*c.codebook, *c.board)
}

func (m *Main) runEncipher(ctx context.Context, args []string) error {
	fs := m.newFlags("encipher", "(--codebook FILE|default | --checkerboard CT-46|FILE) --pad FILE --from A --to B --nr N [--date YYYY-MM-DD] [--mode authenticated|historical] [--letters] [--prec R|P|O|Z] < text",
		`  echo "Agent LIST reports: the pact is signed." |
    ciphergram encipher --codebook default --pad lon-cen.pad --from LONDON --to CENTRE --nr 278 --letters`)
	codec := addCodecFlags(fs)
	padPath := fs.String("pad", "", "the sender's copy of the link's pad (its next pages are burned)")
	from := fs.String("from", "", "sending office")
	to := fs.String("to", "", "receiving office")
	nr := fs.Int("nr", -1, "the sender's telegram number")
	date := fs.String("date", "", "filing date YYYY-MM-DD (default today)")
	mode := fs.String("mode", "authenticated", "authenticated or historical")
	letters := fs.Bool("letters", false, "cable the groups as letters instead of figures")
	prec := fs.String("prec", "R", "precedence: R routine, P priority, O immediate, Z flash")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required(fs, "pad", "from", "to", "nr"); err != nil {
		return err
	}
	md, err := cipher.ParseMode(*mode)
	if err != nil {
		return err
	}
	msg := cipher.Message{From: *from, To: *to, Nr: *nr, Day: m.Now().Day()}
	if msg.Prec, err = cipher.ParsePrecedence(*prec); err != nil {
		return err
	}
	if *date != "" {
		d, err := time.Parse(time.DateOnly, *date)
		if err != nil {
			return fmt.Errorf("--date %q: want YYYY-MM-DD", *date)
		}
		msg.Day = d.Day()
	}
	c, text, err := m.codecAndStdin(codec)
	if err != nil {
		return err
	}
	ts, err := sealWithPad(*padPath, c, text, md, msg)
	if err != nil {
		return err
	}
	// The pages are burned on disk: only now may the ciphertext leave.
	_, err = fmt.Fprint(m.Stdout, cipher.FormatAll(ts, *letters))
	return err
}

// sealWithPad enciphers under the pad file's lock and burns the pages used,
// durably, before returning the transmissions. Any failure leaves the pad
// file as it was.
func sealWithPad(path string, c cipher.Codec, text string, md cipher.Mode, msg cipher.Message) ([]*cipher.Transmission, error) {
	f, err := padfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pad := f.Pad
	if pad.From != msg.From || pad.To != msg.To {
		return nil, fmt.Errorf("pad %s serves %s to %s, not %s to %s", pad.ID, pad.From, pad.To, msg.From, msg.To)
	}
	prep, err := cipher.Prepare(c, text, md, pad.GroupsPerPage)
	if err != nil {
		return nil, err
	}
	pages, err := pad.Next(prep.Parts())
	if err != nil {
		return nil, err
	}
	ts, err := prep.Seal(msg, pages)
	if err != nil {
		return nil, err
	}
	for _, pg := range pages {
		pg.Burn()
	}
	if err := f.Commit(); err != nil {
		return nil, fmt.Errorf("burning pages in %s: %w (nothing was enciphered)", path, err)
	}
	return ts, nil
}

func (m *Main) runDecipher(ctx context.Context, args []string) error {
	fs := m.newFlags("decipher", "(--codebook FILE|default | --checkerboard CT-46|FILE) --pad FILE [--mode authenticated|historical] < transmissions",
		`  ciphergram decipher --codebook default --pad centre/lon-cen.pad < telegram.txt`)
	codec := addCodecFlags(fs)
	padPath := fs.String("pad", "", "the receiver's copy of the link's pad (the pages used are burned)")
	mode := fs.String("mode", "authenticated", "authenticated or historical")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required(fs, "pad"); err != nil {
		return err
	}
	md, err := cipher.ParseMode(*mode)
	if err != nil {
		return err
	}
	c, text, err := m.codecAndStdin(codec)
	if err != nil {
		return err
	}
	ts, err := cipher.ParseTransmissions(text)
	if err != nil {
		return err
	}
	o, err := openWithPad(*padPath, md, ts)
	if err != nil {
		return err
	}
	for _, w := range o.Warnings {
		fmt.Fprintf(m.Stderr, "ciphergram: warning: %s\n", w)
	}
	_, err = fmt.Fprintln(m.Stdout, o.Text(c))
	return err
}

// openWithPad deciphers under the pad file's lock. On success the pages used
// are burned durably before the plaintext is returned; a bad tag is counted
// against its page, which burns at the third failure.
func openWithPad(path string, md cipher.Mode, ts []*cipher.Transmission) (*cipher.Opened, error) {
	f, err := padfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	o, err := cipher.Open(md, ts, cipher.PadKeys(f.Pad))
	var ae *cipher.AuthError
	if errors.As(err, &ae) {
		return nil, countFailure(f, ae)
	}
	if err != nil {
		return nil, err
	}
	for _, pg := range o.Pages {
		pg.Burn()
	}
	if err := f.Commit(); err != nil {
		return nil, fmt.Errorf("burning pages in %s: %w (the plaintext was not released)", path, err)
	}
	return o, nil
}

func countFailure(f *padfile.File, ae *cipher.AuthError) error {
	pg, err := f.Pad.Lookup(ae.Indicator)
	if err != nil {
		return ae
	}
	note := fmt.Sprintf("failure %d of %d on page %d", pg.Failures+1, otp.MaxFailures, pg.Number)
	if pg.RecordFailure() {
		note = fmt.Sprintf("page %d burned after %d failures", pg.Number, pg.Failures)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("%w; recording the failure: %v", ae, err)
	}
	return &hintError{ae, note + "; ask the sender for a repeat"}
}

// codecAndStdin loads the codebook or checkerboard named by the flags, then
// reads standard input: nothing is read when the codec cannot be had.
func (m *Main) codecAndStdin(c codecFlags) (cipher.Codec, string, error) {
	codec, err := c.load()
	if err != nil {
		return nil, "", err
	}
	text, err := m.readStdin()
	if err != nil {
		return nil, "", err
	}
	return codec, text, nil
}
