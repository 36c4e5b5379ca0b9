package lg202

import (
	"context"
	tm "time"
)

// A project's wrapper that makes a ticker, under an import alias.
func every(d tm.Duration) *tm.Ticker {
	return tm.NewTicker(d)
}

func pollWrapped(ctx context.Context, check func() bool) bool {
	t := every(tm.Second) // want "LG202"
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

// A fake clock's ticker has a `Stop` method and a field of the same
// name: stopping it does not stop the real ticker of another type.
type fakeTicker struct{ stopped bool }

func (f *fakeTicker) Stop() { f.stopped = true }

type fakeClock struct{ tick *fakeTicker }

func (c *fakeClock) close() { c.tick.Stop() }

type pump struct{ tick *tm.Ticker }

func newPump() *pump {
	p := &pump{}
	p.tick = every(tm.Minute) // want "LG202"
	return p
}

// ---- must stay quiet ----

type sampler struct{ tick *tm.Ticker }

func (s *sampler) start() { s.tick = every(tm.Minute) }

func (s *sampler) close() { s.tick.Stop() }

// A getter's ticker is its owner's to stop.
func (s *sampler) ticker() *tm.Ticker { return s.tick }

func (s *sampler) waitTick(ctx context.Context) bool {
	t := s.ticker()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
