package lg201

import (
	"errors"
	"time"
)

type lease struct {
	done     chan struct{}
	validate func() error
	expire   func()
}

// The goroutine that stops the timer is started only after the early
// return: on that path nothing stops it.
func (l *lease) expireLater(d time.Duration) error {
	t := time.NewTimer(d) // want "LG201"
	if err := l.validate(); err != nil {
		return err
	}
	go func() {
		select {
		case <-t.C:
			l.expire()
		case <-l.done:
			t.Stop()
		}
	}()
	return nil
}

// ---- must stay quiet ----

// The goroutine is started before anything can return.
func (l *lease) expireLaterStarted(d time.Duration) error {
	t := time.NewTimer(d)
	go func() {
		select {
		case <-t.C:
			l.expire()
		case <-l.done:
			t.Stop()
		}
	}()
	if err := l.validate(); err != nil {
		return err
	}
	return nil
}

var errSlow = errors.New("slow")

// A timer's firing received in its case ends it.
func awaitOne(ch <-chan int, d time.Duration) (int, error) {
	t := time.NewTimer(d)
	for {
		select {
		case <-t.C:
			return 0, errSlow
		case v := <-ch:
			t.Stop()
			return v, nil
		}
	}
}

var _ = awaitOne
