package ciphergram

import (
	"context"
	"time"

	"ciphergram/otp"
)

// Store keeps one office's state. Every method is one atomic, durable
// transaction: when it returns nil its effects, and the audit entries it was
// given, are committed; when it returns an error nothing of it happened. A
// store may commit the methods of concurrent callers in one database
// transaction (group commit); each is then still whole or not at all, and
// none returns before the commit is durable.
// Errors are *Error with the codes named, or EINTERNAL faults; an unknown
// ID or indicator is ENOTFOUND (UpdateTelegram may say ECONFLICT instead).
// Times round-trip at least to the microsecond, audit times to the
// nanosecond; times the store sets itself (Created, Imported, destruction
// times) are the time of the Audit given. Methods that
// record an act take the Audit that describes it and append it, hash-chained,
// in the same transaction. Implementations: sqlite, postgres; both must pass
// storetest.
type Store interface {
	// InitOffice creates the office and its first admin. ECONFLICT if the
	// store already holds an office.
	InitOffice(ctx context.Context, o Office, admin *User, a Audit) error
	// Office returns the office. ENOTFOUND before InitOffice.
	Office(ctx context.Context) (*Office, error)

	// CreateUser adds a user and sets its ID. ECONFLICT on a taken name.
	CreateUser(ctx context.Context, u *User, a Audit) error
	// User finds a user by name. ENOTFOUND if none.
	User(ctx context.Context, name string) (*User, error)
	// Users lists the users by name.
	Users(ctx context.Context) ([]*User, error)
	// SetPassword replaces a user's password hash. ENOTFOUND if no such user.
	SetPassword(ctx context.Context, name, hash string, a Audit) error
	// SetClearance changes a user's clearance (one of Classifications;
	// EINVALID otherwise). ENOTFOUND if no such user. CreateUser stores an
	// empty Clearance as TOP SECRET.
	SetClearance(ctx context.Context, name, clearance string, a Audit) error

	// CreateSession stores a new session. ECONFLICT if the ID is taken.
	CreateSession(ctx context.Context, s *Session) error
	// Session finds a session by ID. ENOTFOUND if none.
	Session(ctx context.Context, id string) (*Session, error)
	// TouchSession sets a session's Seen time. ENOTFOUND if none.
	TouchSession(ctx context.Context, id string, seen time.Time) error
	// DeleteSession ends a session; ending an unknown one is not an error.
	DeleteSession(ctx context.Context, id string) error
	// DeleteSessions ends every session last seen before the time given
	// (all of one user's when user is not empty) and says how many.
	DeleteSessions(ctx context.Context, user string, seenBefore time.Time) (int, error)

	// CreateLink adds a link to a peer and sets its ID. ECONFLICT if the
	// peer already has one.
	CreateLink(ctx context.Context, l *Link, a Audit) error
	// Link finds the link to a peer. ENOTFOUND if none.
	Link(ctx context.Context, peer string) (*Link, error)
	// Links lists the links by peer.
	Links(ctx context.Context) ([]*Link, error)
	// UpdateLink saves a link's PeerURL, Secret, Mode and Codebook.
	// ENOTFOUND if the peer has no link.
	UpdateLink(ctx context.Context, l *Link, a Audit) error

	// ImportPad takes a pad into custody in one direction, unused pages only
	// (burned pages of the file are recorded as used). ECONFLICT when the
	// pad ID is known, or when any of its indicators is already held for the
	// same link and direction (an office never issues or accepts two pages
	// with one indicator on a link).
	ImportPad(ctx context.Context, p *otp.Pad, dir PadDirection, a Audit) error
	// Pads lists the pads in custody, by ID.
	Pads(ctx context.Context) ([]*PadInfo, error)
	// ExportPad returns the full unused contents of a pad for transport to
	// the other end (burned pages as burned). ENOTFOUND if unknown.
	ExportPad(ctx context.Context, id string, a Audit) (*otp.Pad, error)

	// ClaimPages takes the n lowest-numbered unused pages of the outgoing
	// pads of the link from->to (oldest pad first by import, several pads if
	// need be) for telegram telegramID,
	// and in the same transaction destroys them: when ClaimPages returns the
	// claim is committed and synchronous, the digits exist only in the
	// returned pages (which the caller wipes after use), and a destruction
	// record with reason "sent" is kept for each. No page can ever be
	// returned twice, by any number of concurrent callers: a database
	// constraint forbids a second use. EEXHAUSTED when fewer than n pages
	// are left (or the link has no outgoing pad); then nothing is claimed.
	ClaimPages(ctx context.Context, from, to string, n int, telegramID int64, a Audit) ([]*otp.Page, error)
	// EncipherTelegram enciphers outgoing telegram t, stored in state
	// signed, in one transaction: it claims n pages for it as ClaimPages
	// does (the link t.From->t.To, telegram t.ID, destruction records with
	// reason "sent", audit entry claimed), calls seal with them, and saves
	// t (as UpdateTelegram does, without a counter) with the wire seal
	// returned in state enciphered, appending audit entry enciphered; it
	// sets t.Wire and t.State when it returns nil. When it returns nil the
	// claim and the wire are committed and synchronous together; when it
	// returns an error neither is: no page is used, the telegram is as it
	// was, and any wire seal made must not leave the process. So the wire
	// is released only once its pages' consumption is durable, and no page
	// is burned for a telegram that cannot be saved. ECONFLICT when the
	// telegram is not signed (checked before any page is claimed),
	// ENOTFOUND when unknown, EEXHAUSTED when fewer than n pages are left;
	// an error of seal is returned as it is. seal runs inside the
	// transaction: it must be quick, must not call the store, and may run
	// more than once (a store may retry the transaction), each time with
	// other pages; the pages are wiped after it returns.
	EncipherTelegram(ctx context.Context, t *Telegram, n int, seal func(pages []*otp.Page) (wire string, err error), claimed, enciphered Audit) error
	// IncomingPage returns where the unused page of an incoming pad of the
	// link from->to with the given indicator is, and a copy of it including
	// its failure count. ENOTFOUND if no unused page has it (unknown, or
	// already used).
	IncomingPage(ctx context.Context, from, to, indicator string) (PageRef, *otp.Page, error)
	// RecordAuthFailure counts a failed authentication against that page and
	// destroys the page at the otp.MaxFailures-th failure (reason
	// "authentication failures"). It reports whether the page was burned.
	RecordAuthFailure(ctx context.Context, from, to, indicator string, a Audit) (burned bool, err error)
	// DestroyPad destroys every unused page of a pad (reason "destroyed by
	// order"), keeping a destruction record for each, and says how many.
	// ENOTFOUND if the pad is unknown.
	DestroyPad(ctx context.Context, id string, a Audit) (int, error)
	// Destructions lists the destruction records, oldest first.
	Destructions(ctx context.Context) ([]*Destruction, error)

	// CreateTelegram stores a new telegram and sets its ID and Created.
	CreateTelegram(ctx context.Context, t *Telegram, a Audit) error
	// UpdateTelegram saves t if the stored telegram is still in state from
	// (compare and set); ECONFLICT otherwise. With counter != "" it first
	// gives t.Nr the next number of that yearly counter for t.Filed's year,
	// in the same transaction. A yearly counter gives 1, 2, 3, ... from the
	// first number of each year, or from the value SetCounter set.
	UpdateTelegram(ctx context.Context, t *Telegram, from State, counter string, a Audit) error
	// Telegram finds a telegram by ID. ENOTFOUND if none.
	Telegram(ctx context.Context, id int64) (*Telegram, error)
	// Telegrams lists telegrams, newest first, matching the filter.
	Telegrams(ctx context.Context, f TelegramFilter) ([]*Telegram, error)
	// RegisterIncoming completes the decipherment of incoming telegram t
	// (stored in state received): in one transaction it destroys the pages
	// used (reason "received"), gives t one registry number per page from
	// the yearly counter "registry" of t.Deciphered's year, and saves t in
	// state registered, setting t.State and t.Numbers. ECONFLICT if t is no longer in state received or a
	// page is already used.
	RegisterIncoming(ctx context.Context, t *Telegram, pages []PageRef, a Audit) error
	// SendTelegram moves outgoing telegram t from state enciphered to sent
	// (compare and set, ECONFLICT otherwise) and queues its deliveries, in
	// one transaction, setting their IDs. t.State is set by the caller.
	SendTelegram(ctx context.Context, t *Telegram, ds []*Delivery, a Audit) error
	// SetCounter sets a yearly counter so that the next number it gives is
	// next (the Centre's registry is seeded so at installation).
	SetCounter(ctx context.Context, counter string, year, next int, a Audit) error

	// IssueCopy gives the copy the next number for its telegram, sets ID,
	// Number and State issued, and stores it.
	IssueCopy(ctx context.Context, c *Copy, a Audit) error
	// Copies lists a telegram's copies by number (all telegrams if 0).
	Copies(ctx context.Context, telegramID int64) ([]*Copy, error)
	// CloseCopy recalls or destroys an issued copy. ECONFLICT if it is not
	// issued.
	CloseCopy(ctx context.Context, id int64, state CopyState, by string, at time.Time, a Audit) error

	// PutCryptonym adds or replaces a cover name.
	PutCryptonym(ctx context.Context, c *Cryptonym, a Audit) error
	// Cryptonyms lists the cover names by cover.
	Cryptonyms(ctx context.Context) ([]*Cryptonym, error)

	// QueueDeliveries adds deliveries to the outbox and sets their IDs.
	QueueDeliveries(ctx context.Context, ds []*Delivery, a Audit) error
	// DueDeliveries lists up to limit pending deliveries whose NextAttempt
	// is not after now, earliest NextAttempt first (then by ID).
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]*Delivery, error)
	// Deliveries lists the deliveries of a telegram (all if 0) by ID.
	Deliveries(ctx context.Context, telegramID int64) ([]*Delivery, error)
	// DeliveryDone records the peer's acknowledgement. ECONFLICT if it was
	// already acknowledged, ENOTFOUND if unknown.
	DeliveryDone(ctx context.Context, id int64, at time.Time, a Audit) error
	// DeliveryFailed counts a failed attempt, keeps its error and sets the
	// next attempt. ENOTFOUND if unknown.
	DeliveryFailed(ctx context.Context, id int64, next time.Time, msg string) error

	// AcceptPart keeps one received part, idempotently. Parts are the same
	// when Peer, Nr, Part and Indicator agree. A part not held is added (p.ID
	// set). A held part with the same Wire is a duplicate and nothing
	// changes; p is filled from the held one. A held part with another Wire
	// replaces it (Wire and Received) while its telegram is not assembled or
	// still in state received (a repeat after a garble or a failed
	// authentication); otherwise ECONFLICT.
	AcceptPart(ctx context.Context, p *InboxPart, a Audit) (AcceptResult, error)
	// InboxParts lists the open parts of the sender's telegram nr: those not
	// assembled yet or whose telegram is still in state received, by Part.
	InboxParts(ctx context.Context, peer string, nr int) ([]*InboxPart, error)
	// AssembleTelegram stores the incoming telegram t made of the parts
	// with the IDs given and attaches them to it, in one transaction; it sets
	// t.ID and t.Created. ECONFLICT if a part is already attached (another
	// request assembled it first), ENOTFOUND if one is unknown.
	AssembleTelegram(ctx context.Context, t *Telegram, parts []int64, a Audit) error

	// CreateRelease records a release for publication and sets its ID.
	// ENOTFOUND if the telegram is unknown.
	CreateRelease(ctx context.Context, r *Release, a Audit) error
	// Releases lists the releases of a telegram (all if 0), by ID.
	Releases(ctx context.Context, telegramID int64) ([]*Release, error)

	// Record appends an audit entry for an act that changes nothing else
	// (a telegram read, a cover name revealed).
	Record(ctx context.Context, a Audit) error
	// AuditLog returns the whole log in sequence order and the recorded head
	// hash.
	AuditLog(ctx context.Context) ([]*AuditEntry, []byte, error)

	Close() error
}

// Yearly counters of Store.UpdateTelegram, RegisterIncoming and SetCounter.
const (
	CounterOutgoing = "outgoing" // a station's outgoing telegram numbers
	CounterRegistry = "registry" // the Centre's incoming registry numbers
)

// TelegramFilter selects telegrams. Zero fields match everything.
type TelegramFilter struct {
	Direction TelegramDirection
	State     State
	IDs       []int64 // only these
	Peer      string  // sent to or received from this office
	// Search matches a telegram whose text contains it (case-insensitive),
	// or whose number or a registry number it is.
	Search string
	Limit  int
}
