package web

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"ciphergram"
)

// FuzzDecode: any request body either decodes into the request type or is
// refused as invalid input with a message; it never panics.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"to":"CENTRE","text":"THE PACT."}`, `{"to":5}`, `{"to":"A"} {}`, `{"txt":"x"}`, ``, `[`, `{"to":"\u0000"}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/telegrams", bytes.NewReader(body))
		var req draftRequest
		err := decode(httptest.NewRecorder(), r, &req)
		if err != nil && (ciphergram.ErrorCode(err) != ciphergram.EINVALID || ciphergram.ErrorMessage(err) == "") {
			t.Fatalf("decode(%q) = %v: want an invalid-input error with a message", body, err)
		}
	})
}
