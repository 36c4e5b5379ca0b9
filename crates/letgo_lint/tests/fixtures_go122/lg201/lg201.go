// Package lg201 holds must-flag and must-stay-quiet cases for LG201
// timer-not-stopped in a `go 1.22` module, where unstopped timers are
// retained until they fire.
package lg201

import (
	"context"
	"errors"
	"time"
)

func waitOrCancel(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d) // want "LG201"
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func earlyReturn(d time.Duration, ok bool) error {
	timer := time.NewTimer(d) // want "LG201"
	if !ok {
		return errors.New("not ok")
	}
	<-timer.C
	return nil
}

func resetInLoop(ctx context.Context, work <-chan int) {
	var t = time.NewTimer(time.Minute) // want "LG201"
	for {
		select {
		case <-work:
			t.Reset(time.Minute)
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

func perItem(items []int, done <-chan struct{}) {
	for range items {
		t := time.NewTimer(time.Second) // want "LG201"
		select {
		case <-t.C:
		case <-done:
		}
	}
}

// ---- must stay quiet ----

func stoppedByDefer(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func stoppedOnEveryPath(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		if !t.Stop() {
			<-t.C
		}
		return false
	}
}

func alwaysReceived(d time.Duration) {
	t := time.NewTimer(d)
	<-t.C
}

func returned(d time.Duration) *time.Timer {
	t := time.NewTimer(d)
	return t
}

type session struct{ idle *time.Timer }

func (s *session) start(d time.Duration) {
	t := time.NewTimer(d)
	s.idle = t
}

func handedToGoroutine(d time.Duration, done chan<- struct{}) {
	t := time.NewTimer(d)
	go func() {
		<-t.C
		close(done)
	}()
}

func panics(d time.Duration, ok bool) {
	t := time.NewTimer(d)
	if !ok {
		panic("not ok")
	}
	t.Stop()
}

// Fires at once: nothing is retained for long (from GOROOT's synctest
// tests).
func firesAtOnce(seen func()) {
	tm := time.NewTimer(0)
	select {
	case <-tm.C:
		seen()
	default:
	}
}
