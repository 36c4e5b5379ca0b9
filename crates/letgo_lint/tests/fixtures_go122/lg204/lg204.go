// Package lg204 holds must-flag and must-stay-quiet cases for LG204
// time-after-in-loop in a `go 1.22` module, where abandoned timers stay
// until they fire.
package lg204

import (
	"errors"
	"time"
)

var errIdle = errors.New("idle")

func consume(msgs <-chan string, handle func(string)) error {
	for {
		select {
		case m := <-msgs:
			handle(m)
		case <-time.After(time.Minute): // want "LG204"
			return errIdle
		}
	}
}

func forward(items <-chan int, out chan<- int) {
	for it := range items {
		select {
		case out <- it:
		case t := <-time.After(time.Second): // want "LG204"
			_ = t
		}
	}
}

// ---- must stay quiet ----

func onlyCase(n int) {
	for i := 0; i < n; i++ {
		select {
		case <-time.After(time.Millisecond):
		}
	}
}

func notInLoop(msgs <-chan string) string {
	select {
	case m := <-msgs:
		return m
	case <-time.After(time.Second):
		return ""
	}
}

func reused(msgs <-chan string, handle func(string)) error {
	idle := time.NewTimer(time.Minute)
	defer idle.Stop()
	for {
		idle.Reset(time.Minute)
		select {
		case m := <-msgs:
			handle(m)
		case <-idle.C:
			return errIdle
		}
	}
}

// Every other case leaves the loop: at most one timer is left behind
// (from etcd's monitor loops).
func monitor(stopping <-chan struct{}, check func()) {
	for {
		select {
		case <-time.After(time.Second):
			check()
		case <-stopping:
			return
		}
	}
}

// A counted loop: at most len(tests) timers (from etcd's tests).
func counted(tests []string, out chan<- string) bool {
	for i, tt := range tests {
		select {
		case out <- tt:
		case <-time.After(time.Second):
			return i > 0
		}
	}
	return true
}
