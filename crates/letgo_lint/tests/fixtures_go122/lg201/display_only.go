package lg201

import (
	"sync"
	"time"
)

// Every finding in this file must keep its fix display-only: the timer
// is meant to fire after the function returns (someone else receives
// from it), so `defer t.Stop()` would cancel it.

type conn struct {
	mu        sync.Mutex
	retry     *time.Timer
	redialled int
}

func (c *conn) scheduleRedial(d time.Duration, ok bool) {
	t := time.NewTimer(d) // want "LG201"
	if !ok {
		return
	}
	c.mu.Lock()
	c.retry = t
	c.mu.Unlock()
}

func (c *conn) redialLater(d time.Duration, ok bool) {
	t := time.NewTimer(d) // want "LG201"
	if !ok {
		return
	}
	go func() {
		<-t.C
		c.mu.Lock()
		c.redialled++
		c.mu.Unlock()
	}()
}

func deadline(d time.Duration, ok bool) <-chan time.Time {
	t := time.NewTimer(d) // want "LG201"
	if !ok {
		return nil
	}
	return t.C
}
