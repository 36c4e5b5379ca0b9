// Package lg119 holds LG119 cases for a module with a go line before
// 1.23: the drain is needed, but only when the value was not received.
package lg119

import "time"

func handle(int) {}

func idle(in <-chan int, d time.Duration) {
	t := time.NewTimer(d)
	for {
		select {
		case <-t.C:
		case m := <-in:
			handle(m)
		}
		if !t.Stop() {
			<-t.C // want "LG119"
		}
		t.Reset(d)
	}
}

// ---- must stay quiet ----

// The drain the old semantics need: nothing received before it.
func timeout(in <-chan int, d time.Duration) {
	t := time.NewTimer(d)
	m := <-in
	if !t.Stop() {
		<-t.C
	}
	handle(m)
}
