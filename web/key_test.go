package web_test

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"ciphergram/sqlite"
)

// TestRotateOfficeKey: an admin rotates the office key of a running server
// through the API and the Users page; nobody else may; the server goes on
// enciphering under the new key, which is in the key file.
func TestRotateOfficeKey(t *testing.T) {
	london, centre := pair(t, 5, 60)
	london.serve("")
	centre.serve("")
	london.route("CENTRE", centre.URL)
	centre.route("LONDON", london.URL)
	keyFile := sqlite.KeyFile(london.path)
	old, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"clerk", "officer", "reader"} {
		if code, b := london.login(name).send("POST", "/api/v1/office/key/rotate", nil); code != http.StatusForbidden {
			t.Errorf("%s rotated the office key: %d %s", name, code, b)
		}
	}
	if now, _ := os.ReadFile(keyFile); string(now) != string(old) {
		t.Fatal("a refused rotation changed the key file")
	}

	var ans struct {
		Rewrapped int    `json:"rewrapped"`
		KeyFile   string `json:"key_file"`
	}
	london.login("admin").do("POST", "/api/v1/office/key/rotate", nil, 200, &ans)
	if ans.Rewrapped != 1 || ans.KeyFile != keyFile {
		t.Errorf("rotation answered %+v, want 1 data key rewrapped into %s", ans, keyFile)
	}
	second, err := os.ReadFile(keyFile)
	if err != nil || string(second) == string(old) {
		t.Fatalf("the key file was not replaced (%v)", err)
	}
	tg := send(t, london, "THE SERVER ENCIPHERS UNDER THE NEW KEY.")
	if tg.Wire == "" {
		t.Fatalf("enciphered after the rotation: %+v", tg)
	}

	// The Users page offers it, and its form rotates again.
	admin := london.login("admin")
	page := labRequest(t, london, admin, "GET", "/users", nil, http.StatusOK)
	if !strings.Contains(page, `action="/office/key/rotate"`) {
		t.Error("the Users page has no rotation form")
	}
	labRequest(t, london, london.login("clerk"), "POST", "/office/key/rotate", url.Values{"confirm": {"on"}}, http.StatusForbidden)
	labRequest(t, london, admin, "POST", "/office/key/rotate", url.Values{"confirm": {"on"}}, http.StatusSeeOther)
	if third, _ := os.ReadFile(keyFile); string(third) == string(second) {
		t.Error("the form did not rotate the key")
	}
	send(t, london, "AND AGAIN.")
}
