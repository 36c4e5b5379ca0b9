package lg202

import (
	"errors"
	"time"
)

// Receiving a tick does not stop a ticker: a return inside `for range
// t.C`, or inside the tick case of a select, leaves it ticking.

func waitReady(ready func() bool) {
	t := time.NewTicker(time.Second) // want "LG202"
	for range t.C {
		if ready() {
			return
		}
	}
}

type peer struct {
	closed chan struct{}
	ping   func() error
}

func (p *peer) heartbeat() error {
	t := time.NewTicker(5 * time.Second) // want "LG202"
	for {
		select {
		case <-t.C:
			if err := p.ping(); err != nil {
				return err
			}
		case <-p.closed:
			t.Stop()
			return nil
		}
	}
}

// ---- must stay quiet ----

func waitReadyStopped(ready func() bool) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for range t.C {
		if ready() {
			return
		}
	}
}

func (p *peer) heartbeatStopped() error {
	t := time.NewTicker(5 * time.Second)
	for {
		select {
		case <-t.C:
			if err := p.ping(); err != nil {
				t.Stop()
				return err
			}
		case <-p.closed:
			t.Stop()
			return nil
		}
	}
}

// The ticker goes back to the caller, who stops it.
func tickerOf(d time.Duration) (*time.Ticker, error) {
	if d <= 0 {
		return nil, errors.New("no period")
	}
	t := time.NewTicker(d)
	return t, nil
}

var _, _, _ = waitReady, waitReadyStopped, tickerOf
