package lg202

import "time"

// Every finding in this file must keep its fix display-only: the ticker
// keeps ticking for someone else after the function returns, so
// `defer t.Stop()` would stop it.

func heartbeat(beats int, out chan<- int) {
	t := time.NewTicker(time.Second) // want "LG202"
	if beats == 0 {
		return
	}
	go func() {
		for i := 1; i <= beats; i++ {
			<-t.C
			out <- i
		}
		close(out)
	}()
}

func ticks(ok bool) <-chan time.Time {
	t := time.NewTicker(time.Second) // want "LG202"
	if !ok {
		return nil
	}
	return t.C
}
