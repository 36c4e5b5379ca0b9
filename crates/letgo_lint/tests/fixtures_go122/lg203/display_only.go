package lg203

import "time"

// Every finding in this file must keep its fix display-only: a goroutine
// receives the ticks after the function returns, so a ticker stopped at
// the return would leave it waiting for good.

func background(work func()) {
	tick := time.Tick(time.Second) // want "LG203"
	go func() {
		for range tick {
			work()
		}
	}()
}
