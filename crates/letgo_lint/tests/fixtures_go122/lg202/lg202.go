// Package lg202 holds must-flag and must-stay-quiet cases for LG202
// ticker-not-stopped in a `go 1.22` module, where an unstopped ticker is
// never collected.
package lg202

import (
	"context"
	"time"
)

func poll(ctx context.Context, check func() bool) bool {
	t := time.NewTicker(time.Second) // want "LG202"
	for {
		select {
		case <-t.C:
			if check() {
				return true
			}
		case <-ctx.Done():
			return false
		}
	}
}

type flusher struct {
	tick *time.Ticker
	stop chan struct{}
}

func newFlusher() *flusher {
	f := &flusher{stop: make(chan struct{})}
	f.tick = time.NewTicker(time.Second) // want "LG202"
	return f
}

// ---- must stay quiet ----

func pollStopped(ctx context.Context, check func() bool) bool {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if check() {
				return true
			}
		case <-ctx.Done():
			return false
		}
	}
}

type reporter struct {
	ticker *time.Ticker
}

func (r *reporter) start() {
	r.ticker = time.NewTicker(time.Minute)
}

func (r *reporter) close() {
	r.ticker.Stop()
}

func handedOn(d time.Duration) *time.Ticker {
	t := time.NewTicker(d)
	return t
}
