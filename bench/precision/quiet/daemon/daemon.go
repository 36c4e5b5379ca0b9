// Package daemon: a service whose background loops are started once, by
// its constructor, which the program calls once (cmd/daemond): they are
// meant to live as long as the process (LG116 and LG202 must stay quiet).
package daemon

import (
	"sync"
	"time"
)

// Service keeps a table of entries fresh.
type Service struct {
	mu      sync.Mutex
	entries map[string]time.Time
	events  chan string
}

// New makes the service and starts its expiry loop.
func New() *Service {
	s := &Service{entries: map[string]time.Time{}, events: make(chan string, 16)}
	go s.expireLoop()
	return s
}

func (s *Service) expireLoop() {
	t := time.NewTicker(time.Minute)
	for range t.C {
		s.mu.Lock()
		for k, at := range s.entries {
			if time.Since(at) > time.Hour {
				delete(s.entries, k)
			}
		}
		s.mu.Unlock()
	}
}

// StartWatcher records every event sent to the service.
func (s *Service) StartWatcher() {
	go func() {
		for {
			e := <-s.events
			s.mu.Lock()
			s.entries[e] = time.Now()
			s.mu.Unlock()
		}
	}()
}

// Notify records an event.
func (s *Service) Notify(e string) { s.events <- e }
