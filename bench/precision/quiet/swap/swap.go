// Package swap: a double-buffered queue; producers fill one slice while
// the consumer drains the other, and the two swap, so each truncated
// slice is refilled by the next batch (LG303 must stay quiet).
package swap

import "sync"

// Queue collects ids for a consumer that takes them in batches.
type Queue struct {
	inMu, outMu sync.Mutex
	inbound     []string
	outbound    []string
}

// Shared is the process's queue.
var Shared = &Queue{}

// Add queues one id.
func (q *Queue) Add(id string) {
	q.inMu.Lock()
	q.inbound = append(q.inbound, id)
	q.inMu.Unlock()
}

// Consume hands the queued ids to fn, a batch at a time.
func (q *Queue) Consume(fn func([]string)) {
	q.outMu.Lock()
	defer q.outMu.Unlock()
	if len(q.outbound) == 0 {
		q.inMu.Lock()
		q.outbound, q.inbound = q.inbound, q.outbound
		q.inMu.Unlock()
	}
	if len(q.outbound) > 0 {
		fn(q.outbound)
		q.outbound = q.outbound[:0]
	}
}
