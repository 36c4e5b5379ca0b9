// Package testfake is a fake volume server for tests: only _test.go files
// import it, and each test makes its own, so what it records lives for
// one test (LG301 and LG302 must stay quiet).
package testfake

import (
	"net/http"
	"sync"
)

// Server records the requests it is sent.
type Server struct {
	mu       sync.Mutex
	deletes  []string
	readOnly map[string]bool
}

// New makes a fake server.
func New() *Server { return &Server{readOnly: map[string]bool{}} }

// ServeHTTP records a delete or a mark-readonly request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.URL.Query().Get("volume")
	switch r.URL.Path {
	case "/delete":
		s.deletes = append(s.deletes, id)
	case "/readonly":
		s.readOnly[id] = true
	}
}

// Deletes returns the volumes deleted so far.
func (s *Server) Deletes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.deletes...)
}
