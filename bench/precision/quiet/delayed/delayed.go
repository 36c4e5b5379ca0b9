// Package delayed: an idle tenant is removed a minute after it is marked,
// by a one-shot timer per tenant; the delay is the point and each timer
// fires once (LG205 must stay quiet).
package delayed

import (
	"sync"
	"time"
)

const gcDelay = time.Minute

// Registry holds tenants by name.
type Registry struct {
	mu      sync.Mutex
	tenants map[string]*tenant
}

type tenant struct {
	lastWrite time.Time
	readOnly  bool
}

// NewRegistry makes an empty registry.
func NewRegistry() *Registry { return &Registry{tenants: map[string]*tenant{}} }

// Prune marks idle tenants read-only and removes them after gcDelay.
func (r *Registry) Prune(idle time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, t := range r.tenants {
		if t.readOnly || time.Since(t.lastWrite) < idle {
			continue
		}
		t.readOnly = true
		time.AfterFunc(gcDelay, func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			if cur, ok := r.tenants[name]; ok && cur.readOnly {
				delete(r.tenants, name)
			}
		})
	}
}
