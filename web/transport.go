package web

import (
	"net/http"
	"strings"

	"ciphergram"
	"ciphergram/office"
)

// The transport between offices: a peer pushes each part of a telegram to
// POST /transport/v1/parts and service messages to
// POST /transport/v1/service, naming itself in the Ciphergram-Office header
// and presenting the link's credential as "Authorization: Bearer". Both are
// idempotent: a part delivered twice is held once.
const (
	officeHeader = "Ciphergram-Office"
	partsPath    = "/transport/v1/parts"
	servicePath  = "/transport/v1/service"
	maxTransport = 1 << 20
)

// partDelivery is the body of a part pushed by a peer.
type partDelivery struct {
	Wire           string `json:"wire"`
	Classification string `json:"classification,omitempty"`
	Caveat         string `json:"caveat,omitempty"`
}

// partAck is the answer: what the receiver did with the part, and which
// parts it asks to be repeated (also sent as a service message).
type partAck struct {
	Result string `json:"result"`
	Held   int    `json:"held"`
	Count  int    `json:"count"`
	Repeat []int  `json:"repeat_asked,omitempty"`
}

type serviceMessage struct {
	Message string `json:"message"`
}

func (s *Server) transportRoutes() {
	s.mux.HandleFunc("POST "+partsPath, s.receivePart)
	s.mux.HandleFunc("POST "+servicePath, s.receiveService)
}

// peer authenticates the office delivering a request.
func (s *Server) peer(r *http.Request) (*ciphergram.Link, error) {
	return s.svc.AuthenticateLink(r.Context(), r.Header.Get(officeHeader), bearer(r))
}

// bearer is the credential of an "Authorization: Bearer" header, or "".
func bearer(r *http.Request) string {
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return t
	}
	return ""
}

func (s *Server) receivePart(w http.ResponseWriter, r *http.Request) {
	l, err := s.peer(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req partDelivery
	r.Body = http.MaxBytesReader(w, r.Body, maxTransport)
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.svc.Arrive(r.Context(), office.LinkActor(l.Peer), office.Receipt{Wire: req.Wire,
		Classification: req.Classification, Caveat: req.Caveat, Via: l.Peer})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ack := partAck{Result: string(ciphergram.PartDuplicate), Held: a.Held, Count: a.Count, Repeat: a.Repeat}
	for _, p := range a.Parts {
		if p.Result != ciphergram.PartDuplicate {
			ack.Result = string(p.Result)
		}
		s.metrics.arrivals.WithLabelValues(string(p.Result)).Inc()
	}
	writeJSON(w, http.StatusOK, ack)
}

func (s *Server) receiveService(w http.ResponseWriter, r *http.Request) {
	l, err := s.peer(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req serviceMessage
	r.Body = http.MaxBytesReader(w, r.Body, maxTransport)
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.svc.Repeat(r.Context(), office.LinkActor(l.Peer), l.Peer, req.Message); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"result": "queued"})
}
