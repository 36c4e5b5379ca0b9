package lg203

import (
	"context"
	tm "time"
)

func aliasInPlace(ctx context.Context, check func()) {
	for {
		select {
		case <-tm.Tick(tm.Second): // want "LG203"
			check()
		case <-ctx.Done():
			return
		}
	}
}

// A receive from a channel of the same name as the tick channel, in a
// closure that shadows it, is not a receive from the tick.
func shadowedReceive(ctx context.Context, check func(), events <-chan tm.Time) {
	tick := tm.Tick(tm.Second) // want "LG203"
	go func(tick <-chan tm.Time) {
		for range tick {
			check()
		}
	}(events)
	for {
		select {
		case <-tick:
			check()
		case <-ctx.Done():
			return
		}
	}
}

// ---- must stay quiet ----

// A function of the project called Tick is not time.Tick.
type clock struct{ c chan tm.Time }

func (k clock) Tick(d tm.Duration) <-chan tm.Time { return k.c }

func projectTick(ctx context.Context, k clock, check func()) {
	for {
		select {
		case <-k.Tick(tm.Second):
			check()
		case <-ctx.Done():
			return
		}
	}
}
