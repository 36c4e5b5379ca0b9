// Package lg203 holds must-flag and must-stay-quiet cases for LG203
// time-tick-leak in a `go 1.22` module, where a ticker nobody stops is
// never collected.
package lg203

import (
	"context"
	"time"
)

func pollInPlace(ctx context.Context, check func()) {
	for {
		select {
		case <-time.Tick(time.Second): // want "LG203"
			check()
		case <-ctx.Done():
			return
		}
	}
}

func pollNamed(ctx context.Context, check func()) {
	tick := time.Tick(500 * time.Millisecond) // want "LG203"
	for {
		select {
		case <-tick:
			check()
		case <-ctx.Done():
			return
		}
	}
}

func rangeWithExit(check func() bool, every time.Duration) {
	for range time.Tick(every) { // want "LG203"
		if check() {
			return
		}
	}
}

func waitOnce(done <-chan struct{}) {
	select {
	case <-time.Tick(time.Minute): // want "LG203"
	case <-done:
	}
}

// ---- must stay quiet ----

func rangeForever(check func()) {
	for range time.Tick(time.Second) {
		check()
	}
}

func namedForever(check func()) {
	tick := time.Tick(time.Second)
	for {
		<-tick
		check()
	}
}

func init() {
	go func() {
		for range time.Tick(time.Hour) {
			println("heartbeat")
		}
	}()
}

func passedOn(run func(<-chan time.Time)) {
	run(time.Tick(time.Second))
}

func stopped(ctx context.Context) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
		case <-ctx.Done():
			return
		}
	}
}
