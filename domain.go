package ciphergram

import (
	"strings"
	"time"

	"ciphergram/cipher"
)

// Role is what a user may do in an office.
type Role string

// The roles of an office.
const (
	RoleAdmin     Role = "admin"     // users, links, pads; everything an officer and clerk may do
	RoleOfficer   Role = "officer"   // composes and signs telegrams under a cover name
	RoleClerk     Role = "clerk"     // enciphers, sends, receives, deciphers, registers; keeps the pads
	RoleReader    Role = "reader"    // reads the copies issued to them, nothing else
	RoleArchivist Role = "archivist" // the registry: issues, recalls and destroys copies; releases for publication
	RoleAnalyst   Role = "analyst"   // the lab: intercepts and depths, no registry access
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleOfficer, RoleClerk, RoleReader, RoleArchivist, RoleAnalyst}

// User is a person working in the office.
type User struct {
	ID      int64
	Name    string // login name, unique
	Role    Role
	Cover   string // an officer's cover name, which closes the telegrams they sign
	Cleared bool   // may see the true identities behind cover names
	// Clearance is the highest classification the user may read (one of
	// Classifications): a telegram classified above it is closed to them
	// whatever their role. Empty means TopSecret when a user is added.
	Clearance string
	// PasswordHash is set by the server; the offline CLI leaves it empty.
	PasswordHash string
	Created      time.Time
}

// The classifications of telegrams, lowest first. A user's clearance is
// one of them.
const (
	Unclassified = "UNCLASSIFIED"
	Restricted   = "RESTRICTED"
	Confidential = "CONFIDENTIAL"
	Secret       = "SECRET"
	TopSecret    = "TOP SECRET"
)

// Classifications lists the classifications, lowest first.
var Classifications = []string{Unclassified, Restricted, Confidential, Secret, TopSecret}

// ClassificationRank returns the place of c among Classifications (0 for
// UNCLASSIFIED) and whether c is one of them; spelling must be exact
// (NormalizeClassification accepts other cases and spaces).
func ClassificationRank(c string) (int, bool) {
	for i, k := range Classifications {
		if c == k {
			return i, true
		}
	}
	return 0, false
}

// NormalizeClassification returns c upper-cased with its spaces collapsed,
// and an error naming the valid ones when that is not a classification.
func NormalizeClassification(c string) (string, error) {
	n := strings.ToUpper(strings.Join(strings.Fields(c), " "))
	if _, ok := ClassificationRank(n); !ok {
		return "", Errorf(EINVALID, "classification %q: want one of %s", c, strings.Join(Classifications, ", "))
	}
	return n, nil
}

// ClearedFor reports whether u may read what is classified c. A
// classification that is not one of Classifications (data written before
// they were checked) counts as TOP SECRET.
func (u *User) ClearedFor(c string) bool {
	have, ok := ClassificationRank(u.Clearance)
	if !ok {
		return false
	}
	need, ok := ClassificationRank(c)
	if !ok {
		need = len(Classifications) - 1
	}
	return have >= need
}

// Office is the one office a store holds: a station (residency) or the
// Centre.
type Office struct {
	Name     string // e.g. LONDON, CENTRE
	IsCentre bool
	Created  time.Time
}

// Link is the office's channel to one peer office.
type Link struct {
	ID       int64
	Peer     string      // the other office
	Mode     cipher.Mode // authenticated (default) or historical
	Codebook string      // codebook ID both ends use, or "default"
	PeerURL  string      // where the peer's server listens; empty for a link worked by hand
	// Secret is the credential both ends of the link present to each other
	// on transport. It is never shown, logged or exported.
	Secret  string
	Created time.Time
}

// PadDirection tells whether the office holds the sending or the receiving
// copy of a pad.
type PadDirection string

// An office holds the sending copy of its outgoing pads and the receiving
// copy of its incoming pads, never both copies of one pad.
const (
	PadOut PadDirection = "out"
	PadIn  PadDirection = "in"
)

// PadInfo describes a pad in custody without its key material.
type PadInfo struct {
	ID            string
	From, To      string
	Direction     PadDirection
	GroupsPerPage int
	Pages         int // pages printed
	Used          int // pages burned by use or by failures; their digits are destroyed
	Imported      time.Time
}

// Left is the number of pages still available.
func (p *PadInfo) Left() int { return p.Pages - p.Used }

// PageRef names one page of a pad.
type PageRef struct {
	PadID  string
	Number int
}

// Destruction is the record kept of a page's destruction after its digits
// are gone.
type Destruction struct {
	PageRef
	Indicator  string
	Reason     string // "sent", "received", "authentication failures", "claim interrupted"
	TelegramID int64  // 0 when none
	Time       time.Time
}

// TelegramDirection separates outgoing from incoming telegrams.
type TelegramDirection string

// The two directions.
const (
	Outgoing TelegramDirection = "out"
	Incoming TelegramDirection = "in"
)

// State is a telegram's place in its life.
type State string

// Outgoing: draft -> signed -> enciphered -> sent.
// Incoming: received -> deciphered -> registered.
const (
	StateDraft      State = "draft"
	StateSigned     State = "signed"
	StateEnciphered State = "enciphered"
	StateSent       State = "sent"
	StateReceived   State = "received"
	StateDeciphered State = "deciphered"
	StateRegistered State = "registered"
)

// Telegram is one telegram, outgoing or incoming, with all parts.
type Telegram struct {
	ID             int64
	Direction      TelegramDirection
	State          State
	From, To       string
	Nr             int       // the sender's number (its yearly counter); 0 until signed
	Filed          time.Time // filing date (signature)
	Prec           cipher.Precedence
	Mode           cipher.Mode
	Classification string // e.g. TOP SECRET
	Caveat         string // e.g. Removal of copies prohibited
	Text           string // plaintext: the draft, or the deciphered text (closing line included)
	SignedBy       string // the signing officer's cover name
	Wire           string // the transmissions as sent or received
	Numbers        []int  // the Centre's registry numbers, one per part (incoming)
	Received       time.Time
	Deciphered     time.Time
	CreatedBy      string
	Created        time.Time
}

// CopyState is where a numbered copy is.
type CopyState string

// A copy is issued, then recalled to the registry or destroyed.
const (
	CopyIssued    CopyState = "issued"
	CopyRecalled  CopyState = "recalled"
	CopyDestroyed CopyState = "destroyed"
)

// Copy is a numbered, registry-issued copy of a registered telegram.
type Copy struct {
	ID         int64
	TelegramID int64
	Number     int // 1, 2, ... per telegram
	Reader     string
	IssuedBy   string
	Issued     time.Time
	State      CopyState
	Closed     time.Time // when recalled or destroyed
	ClosedBy   string
}

// CryptonymKind is what a cover name stands for.
type CryptonymKind string

// The kinds of cover names.
const (
	KindOfficer      CryptonymKind = "officer"
	KindAgent        CryptonymKind = "agent"
	KindPlace        CryptonymKind = "place"
	KindOrganisation CryptonymKind = "organisation"
)

// Cryptonym is a cover name and the identity behind it.
type Cryptonym struct {
	Cover    string // in capitals, unique
	TrueName string // visible only to cleared users
	Kind     CryptonymKind
	Released bool // the archivist released the true name for publication
}

// Audit is a security-relevant act to record, in the same transaction as the
// act itself.
type Audit struct {
	Time    time.Time
	Actor   string // user name, or "system"
	Action  string // e.g. "page.claimed", "telegram.read", "copy.issued"
	Subject string // what it was done to, e.g. "pad LON-CEN-1 page 3", "telegram 12"
	Detail  string // never key material
}

// AuditEntry is an Audit as the append-only log keeps it, chained by hash.
type AuditEntry struct {
	Seq int64
	Audit
	Prev []byte // hash of the previous entry (32 zero bytes for the first)
	Hash []byte // ChainHash(Prev, entry)
}

// Session is a signed-in user's session. The store keeps only the SHA-256
// of the session token, so a copy of the database cannot sign anyone in.
type Session struct {
	ID      string // hex SHA-256 of the token the browser holds
	User    string
	Created time.Time
	Seen    time.Time // last request; the idle timeout runs from here
}

// DeliveryKind is what an outbox entry carries to a peer office.
type DeliveryKind string

// The kinds of deliveries.
const (
	DeliverPart   DeliveryKind = "part"   // one part (transmission) of an outgoing telegram
	DeliverRepeat DeliveryKind = "repeat" // a service message asking the peer to repeat parts
)

// Delivery is one entry of the outbox: something to push to a peer office,
// retried with backoff until the peer acknowledges it. The outbox is kept
// in the store, so it survives restarts.
type Delivery struct {
	ID          int64
	Peer        string
	Kind        DeliveryKind
	TelegramID  int64  // the telegram the part belongs to, or that a repeat concerns
	Part        int    // the part number (a part delivery)
	Body        string // the transmission text, or the service message
	Queued      time.Time
	Attempts    int
	NextAttempt time.Time
	LastError   string
	Delivered   time.Time // zero until the peer acknowledged
}

// Pending reports whether the delivery still waits for acknowledgement.
func (d *Delivery) Pending() bool { return d.Delivered.IsZero() }

// InboxPart is one part (transmission) of an incoming telegram as it
// arrived, over a link or typed in by a cable clerk. Parts are kept until
// all parts of their telegram are in; then they are assembled into one
// incoming telegram.
type InboxPart struct {
	ID         int64
	Peer       string
	Nr         int // the sender's telegram number
	Part       int
	Parts      int
	Indicator  string
	Wire       string // the transmission as received
	Received   time.Time
	TelegramID int64 // 0 until assembled
}

// AcceptResult says what Store.AcceptPart did with a part.
type AcceptResult string

// The results of AcceptPart.
const (
	PartAdded     AcceptResult = "added"     // a part not held before
	PartDuplicate AcceptResult = "duplicate" // the same part, already held: nothing changed
	PartReplaced  AcceptResult = "replaced"  // a repeat replaced a part whose telegram is not yet deciphered
)

// Release is an archivist's release of a registered telegram for
// publication (a declassified translation): which cover names have their
// true names published, which passages are withheld, the translator's
// notes, and who released it when.
type Release struct {
	ID         int64
	TelegramID int64
	Reveal     []string // cover names whose true names are published
	Redact     []string // passages withheld, as they appear in the text
	Notes      []string // translator's notes
	ReleasedBy string
	Released   time.Time
}
