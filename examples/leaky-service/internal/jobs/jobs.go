// Package jobs runs background work for the service. Each leak is marked
// with a comment naming the rule that should find it.
package jobs

import (
	"context"
	"time"
)

// Runner runs jobs until it is stopped.
type Runner struct {
	queue  chan func()
	stopCh chan struct{}
	events chan string
}

// NewRunner returns a runner with its channels made.
func NewRunner() *Runner {
	return &Runner{
		queue:  make(chan func()),
		stopCh: make(chan struct{}),
		events: make(chan string),
	}
}

// Start runs the queue in a goroutine.
func (r *Runner) Start() {
	go r.loop()
}

func (r *Runner) loop() {
	for {
		select { // LG102: nothing sends on queue, nothing closes stopCh
		case job := <-r.queue:
			job()
		case <-r.stopCh:
			return
		}
	}
}

// Wait blocks until the runner is stopped, which never happens (LG101).
func (r *Runner) Wait() {
	<-r.stopCh
}

// Report announces an event; nobody listens (LG107).
func (r *Runner) Report(e string) {
	r.events <- e
}

// Sum adds numbers in a goroutine; the range never ends (LG104).
func Sum(xs []int) int {
	ch := make(chan int)
	go func() {
		for _, x := range xs {
			ch <- x
		}
	}()
	total := 0
	for v := range ch {
		total += v
	}
	return total
}

// Refresh polls every interval for as long as the process lives, even
// after the request that started it is gone (LG105).
func Refresh(ctx context.Context, every time.Duration, poll func()) {
	go func() {
		for {
			select {
			case <-time.After(every):
				poll()
			}
		}
	}()
}
