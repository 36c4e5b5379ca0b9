// Package protocol: per-request counters keyed by the request's API code,
// an int16 (a bounded domain, a few dozen codes in practice): the maps
// cannot grow past it (LG302 must stay quiet).
package protocol

import (
	"net/http"
	"strconv"
	"sync"
)

// Metrics counts requests and errors per API code.
type Metrics struct {
	mu       sync.Mutex
	requests map[int16]*int64
	errors   map[int16]*int64
}

var global = &Metrics{requests: map[int16]*int64{}, errors: map[int16]*int64{}}

func (m *Metrics) ensure(code int16) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.requests[code]; ok {
		return
	}
	m.requests[code] = new(int64)
	m.errors[code] = new(int64)
}

// ServeHTTP counts a request by the code in its query.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.ParseInt(r.URL.Query().Get("api"), 10, 16)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	m.ensure(int16(code))
	m.mu.Lock()
	*m.requests[int16(code)]++
	m.mu.Unlock()
}

// Handler serves the process's metrics.
func Handler() http.Handler { return global }
