package lg201

import (
	"context"
	tm "time"
)

// Timers are found by the callee's object, whatever the import is called.

func aliasImport(ctx context.Context, d tm.Duration) error {
	t := tm.NewTimer(d) // want "LG201"
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A project's wrapper that makes a timer makes one too.
func newDeadline(d tm.Duration) *tm.Timer {
	return tm.NewTimer(d)
}

func wrapped(ctx context.Context, d tm.Duration) error {
	t := newDeadline(d) // want "LG201"
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A Stop method of another type does not stop the timer, even on a
// variable of the same name.
type gate struct{ open bool }

func (g *gate) Stop() { g.open = false }

func shadowedStop(ctx context.Context, d tm.Duration, g *gate) error {
	t := tm.NewTimer(d) // want "LG201"
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		t := g
		t.Stop()
		return ctx.Err()
	}
}

// ---- must stay quiet ----

// A getter hands out a timer that someone else made and stops.
type idler struct{ idle *tm.Timer }

func (i *idler) timer() *tm.Timer { return i.idle }

func (i *idler) wait(ctx context.Context) error {
	t := i.timer()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func aliasStopped(ctx context.Context, d tm.Duration) error {
	t := tm.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A constant of the project under a second: the timer is gone at once.
const settle = 50 * tm.Millisecond

func settled(ctx context.Context) error {
	t := tm.NewTimer(settle)
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A closure that stores the timer in its enclosing function's variable
// hands it to that function, which stops it.
func delayed(ctx context.Context, d tm.Duration, flush func()) {
	var t *tm.Timer
	arm := func() {
		if t == nil {
			t = tm.NewTimer(d)
			return
		}
		t.Reset(d)
	}
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	arm()
	select {
	case <-t.C:
		flush()
	case <-ctx.Done():
	}
}
