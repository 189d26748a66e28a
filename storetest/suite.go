// Package storetest is the conformance suite of ciphergram.Store: every
// implementation (sqlite, postgres) runs it from its own tests and must pass
// it unchanged. It checks what the Store documentation promises: numbering,
// single use of pad pages under concurrency and across a crash, the error
// codes, compare-and-set states, atomicity of failed calls, the audit
// chain, and key material sealed at rest and erased with a pad's last
// unused page. The access rules of the office live in package office; here only
// the store's part of them is tested.
//
// A store package wires it up in two places:
//
//	func TestMain(m *testing.M) { storetest.Main(m, harness) }
//	func TestStore(t *testing.T) { storetest.Run(t, harness) }
//
// Main is needed because the crash test starts the test binary itself as a
// child process that claims pages until it is killed.
package storetest

import (
	"context"
	"os"
	"testing"

	"ciphergram"
	"ciphergram/vault"
)

// Harness tells the suite how to get at one Store implementation.
type Harness struct {
	// NewDSN returns the data source name of a fresh, empty database for
	// one test. The database must outlive Close: the suite opens the same
	// DSN again (Reopen), also from a child process (CrashDuringClaim).
	NewDSN func(t *testing.T) string
	// Open opens the store at dsn, creating its schema if needed, with the
	// harness's office key (the same every time, in every process).
	Open func(ctx context.Context, dsn string) (ciphergram.Store, error)
	// OpenWithKey opens the store at dsn with the office key given instead
	// (KeyAtRest opens with a wrong one).
	OpenWithKey func(ctx context.Context, dsn string, key *vault.Key) (ciphergram.Store, error)
	// Stored reads the key material of pad id as the database at dsn
	// stores it: its wrapped data key (nil once erased) and the stored
	// digits of its pages that have some, by page number.
	Stored func(ctx context.Context, dsn, id string) (wrapped []byte, digits map[int][]byte, err error)
}

// subtest is one conformance test. Each gets its own database, so all run in
// parallel.
type subtest struct {
	name string
	fn   func(t *testing.T, h Harness)
}

var subtests = []subtest{
	{"Office", testOffice},
	{"Users", testUsers},
	{"Links", testLinks},
	{"Cryptonyms", testCryptonyms},
	{"Copies", testCopies},
	{"ImportPad", testImportPad},
	{"ImportPadIndicators", testImportPadIndicators},
	{"ImportPadBurnedPages", testImportPadBurnedPages},
	{"ClaimPages", testClaimPages},
	{"ClaimPagesOldestPadFirst", testClaimPagesOldestPadFirst},
	{"ClaimPagesConcurrent", testClaimPagesConcurrent},
	{"EncipherTelegram", testEncipherTelegram},
	{"EncipherTelegramConcurrent", testEncipherTelegramConcurrent},
	{"IncomingPage", testIncomingPage},
	{"RecordAuthFailure", testRecordAuthFailure},
	{"Telegram", testTelegram},
	{"UpdateTelegram", testUpdateTelegram},
	{"Numbering", testNumbering},
	{"NumberingConcurrent", testNumberingConcurrent},
	{"RegisterIncoming", testRegisterIncoming},
	{"RegisterIncomingConflict", testRegisterIncomingConflict},
	{"Telegrams", testTelegrams},
	{"TelegramsPeerSearch", testTelegramsPeerSearch},
	{"SetPassword", testSetPassword},
	{"SetClearance", testSetClearance},
	{"Sessions", testSessions},
	{"DeleteSessions", testDeleteSessions},
	{"UpdateLink", testUpdateLink},
	{"DestroyPad", testDestroyPad},
	{"KeyAtRest", testKeyAtRest},
	{"CryptographicErase", testCryptographicErase},
	{"KeyRotation", testKeyRotation},
	{"SendTelegram", testSendTelegram},
	{"Deliveries", testDeliveries},
	{"AcceptPart", testAcceptPart},
	{"InboxParts", testInboxParts},
	{"AssembleTelegram", testAssembleTelegram},
	{"AssembleTelegramConcurrent", testAssembleTelegramConcurrent},
	{"Releases", testReleases},
	{"Audit", testAudit},
	{"AuditEmpty", testAuditEmpty},
	{"Reopen", testReopen},
	{"CrashDuringClaim", testCrashDuringClaim},
}

// Run runs every conformance test against the store h opens, each as a
// parallel subtest on its own database.
func Run(t *testing.T, h Harness) {
	if h.NewDSN == nil || h.Open == nil || h.OpenWithKey == nil || h.Stored == nil {
		t.Fatal("storetest: Harness needs NewDSN, Open, OpenWithKey and Stored")
	}
	for _, st := range subtests {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			st.fn(t, h)
		})
	}
}

// Main is the TestMain of a store package. In the child process of the
// crash test (see CrashDuringClaim) it claims pages until it is killed;
// otherwise it runs the tests.
func Main(m *testing.M, h Harness) {
	if os.Getenv(envCrashDSN) != "" {
		os.Exit(crashChild(h))
	}
	os.Exit(m.Run())
}
