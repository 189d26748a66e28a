package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"ciphergram"
)

// maxBody bounds every request body (a sealed 10,000-page pad is ~6 MiB).
const maxBody = 8 << 20

// decode reads a JSON request body into v, refusing unknown fields,
// trailing data and bodies over maxBody, with an error that says where.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		var big *http.MaxBytesError
		switch {
		case errors.As(err, &syn):
			return ciphergram.Errorf(ciphergram.EINVALID, "request body: malformed JSON at byte %d: %v", syn.Offset, err)
		case errors.As(err, &typ):
			return ciphergram.Errorf(ciphergram.EINVALID, "request body: field %q at byte %d: want %s", typ.Field, typ.Offset, typ.Type)
		case errors.As(err, &big):
			return ciphergram.Errorf(ciphergram.EINVALID, "request body: larger than %d bytes", big.Limit)
		case errors.Is(err, io.EOF):
			return ciphergram.Errorf(ciphergram.EINVALID, "request body: empty, want a JSON object")
		}
		return ciphergram.Errorf(ciphergram.EINVALID, "request body: %v", err)
	}
	if dec.More() {
		return ciphergram.Errorf(ciphergram.EINVALID, "request body: data after the JSON object")
	}
	return nil
}

// pathID reads a numeric path value.
func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, ciphergram.Errorf(ciphergram.EINVALID, "%s %q: want a positive number", name, v)
	}
	return id, nil
}

// ts is a time that is omitted when zero.
func ts(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

type userJSON struct {
	Name    string `json:"name"`
	Role    string `json:"role"`
	Cover   string `json:"cover,omitempty"`
	Cleared bool   `json:"cleared"`
	// Clearance is the highest classification the user may read.
	Clearance string    `json:"clearance"`
	Created   time.Time `json:"created"`
}

func userView(u *ciphergram.User) userJSON {
	return userJSON{Name: u.Name, Role: string(u.Role), Cover: u.Cover, Cleared: u.Cleared, Clearance: u.Clearance, Created: u.Created}
}

type linkJSON struct {
	Peer          string    `json:"peer"`
	Mode          string    `json:"mode"`
	Codebook      string    `json:"codebook"`
	URL           string    `json:"url,omitempty"`
	HasCredential bool      `json:"has_credential"`
	Created       time.Time `json:"created"`
}

func linkView(l *ciphergram.Link) linkJSON {
	return linkJSON{Peer: l.Peer, Mode: l.Mode.String(), Codebook: l.Codebook, URL: l.PeerURL, HasCredential: l.Secret != "", Created: l.Created}
}

type padJSON struct {
	ID            string    `json:"id"`
	From          string    `json:"from"`
	To            string    `json:"to"`
	Direction     string    `json:"direction"`
	GroupsPerPage int       `json:"groups_per_page"`
	Pages         int       `json:"pages"`
	Used          int       `json:"used"`
	Left          int       `json:"left"`
	Imported      time.Time `json:"imported"`
}

func padView(p *ciphergram.PadInfo) padJSON {
	return padJSON{ID: p.ID, From: p.From, To: p.To, Direction: string(p.Direction), GroupsPerPage: p.GroupsPerPage,
		Pages: p.Pages, Used: p.Used, Left: p.Left(), Imported: p.Imported}
}

type telegramJSON struct {
	ID             int64      `json:"id"`
	Direction      string     `json:"direction"`
	State          string     `json:"state"`
	From           string     `json:"from"`
	To             string     `json:"to"`
	Nr             int        `json:"nr,omitempty"`
	Filed          *time.Time `json:"filed,omitempty"`
	Precedence     string     `json:"precedence,omitempty"`
	Mode           string     `json:"mode"`
	Classification string     `json:"classification"`
	Caveat         string     `json:"caveat,omitempty"`
	Text           string     `json:"text,omitempty"`
	SignedBy       string     `json:"signed_by,omitempty"`
	Wire           string     `json:"wire,omitempty"`
	Numbers        []int      `json:"numbers,omitempty"`
	Received       *time.Time `json:"received,omitempty"`
	Deciphered     *time.Time `json:"deciphered,omitempty"`
	CreatedBy      string     `json:"created_by"`
	Created        time.Time  `json:"created"`
}

// telegramView shows a telegram; lists leave out the text and wire.
func telegramView(t *ciphergram.Telegram, full bool) telegramJSON {
	v := telegramJSON{ID: t.ID, Direction: string(t.Direction), State: string(t.State), From: t.From, To: t.To, Nr: t.Nr,
		Filed: ts(t.Filed), Mode: t.Mode.String(), Classification: t.Classification, Caveat: t.Caveat,
		SignedBy: t.SignedBy, Numbers: t.Numbers, Received: ts(t.Received), Deciphered: ts(t.Deciphered),
		CreatedBy: t.CreatedBy, Created: t.Created}
	if t.Prec != 0 {
		v.Precedence = t.Prec.String()
	}
	if full {
		v.Text, v.Wire = t.Text, t.Wire
	}
	return v
}

type copyJSON struct {
	ID         int64      `json:"id"`
	TelegramID int64      `json:"telegram_id"`
	Number     int        `json:"number"`
	Reader     string     `json:"reader"`
	IssuedBy   string     `json:"issued_by"`
	Issued     time.Time  `json:"issued"`
	State      string     `json:"state"`
	Closed     *time.Time `json:"closed,omitempty"`
	ClosedBy   string     `json:"closed_by,omitempty"`
}

func copyView(c *ciphergram.Copy) copyJSON {
	return copyJSON{ID: c.ID, TelegramID: c.TelegramID, Number: c.Number, Reader: c.Reader, IssuedBy: c.IssuedBy,
		Issued: c.Issued, State: string(c.State), Closed: ts(c.Closed), ClosedBy: c.ClosedBy}
}

type cryptonymJSON struct {
	Cover    string `json:"cover"`
	TrueName string `json:"true_name,omitempty"`
	Kind     string `json:"kind"`
	Released bool   `json:"released"`
}

type deliveryJSON struct {
	ID          int64      `json:"id"`
	Peer        string     `json:"peer"`
	Kind        string     `json:"kind"`
	TelegramID  int64      `json:"telegram_id,omitempty"`
	Part        int        `json:"part,omitempty"`
	Attempts    int        `json:"attempts"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	Delivered   *time.Time `json:"delivered,omitempty"`
}

func deliveryView(d *ciphergram.Delivery) deliveryJSON {
	v := deliveryJSON{ID: d.ID, Peer: d.Peer, Kind: string(d.Kind), TelegramID: d.TelegramID, Part: d.Part,
		Attempts: d.Attempts, LastError: d.LastError, Delivered: ts(d.Delivered)}
	if d.Pending() {
		v.NextAttempt = ts(d.NextAttempt)
	}
	return v
}

type auditJSON struct {
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Subject string    `json:"subject"`
	Detail  string    `json:"detail,omitempty"`
	Hash    string    `json:"hash"`
}

func auditView(e *ciphergram.AuditEntry) auditJSON {
	return auditJSON{Seq: e.Seq, Time: e.Time, Actor: e.Actor, Action: e.Action, Subject: e.Subject, Detail: e.Detail,
		Hash: fmt.Sprintf("%x", e.Hash)}
}

// each maps a view over a list.
func each[T, V any](xs []T, f func(T) V) []V {
	out := make([]V, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}
