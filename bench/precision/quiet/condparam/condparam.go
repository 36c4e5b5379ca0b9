// Package condparam: a queue whose condition variables are made from the
// mutex its owner holds, passed in as a parameter or kept both in a local
// and a field: Wait releases that mutex (LG114 must stay quiet).
package condparam

import "sync"

type ring struct {
	items    []int
	limit    int
	notFull  *sync.Cond
	isClosed bool
}

// Every method of ring must be called with the mutex given to newRing held.
func newRing(limit int, mu *sync.Mutex) *ring {
	return &ring{limit: limit, notFull: sync.NewCond(mu)}
}

func (r *ring) push(v int) bool {
	for len(r.items) >= r.limit && !r.isClosed {
		r.notFull.Wait()
	}
	if r.isClosed {
		return false
	}
	r.items = append(r.items, v)
	return true
}

func (r *ring) pop() int {
	v := r.items[0]
	r.items = r.items[1:]
	r.notFull.Signal()
	return v
}

// Stream buffers values between a producer and a consumer.
type Stream struct {
	mu       *sync.Mutex
	nonEmpty *sync.Cond
	buf      *ring
}

// NewStream makes a stream holding at most limit values.
func NewStream(limit int) *Stream {
	mu := &sync.Mutex{}
	return &Stream{mu: mu, nonEmpty: sync.NewCond(mu), buf: newRing(limit, mu)}
}

// Put adds v, waiting for room.
func (s *Stream) Put(v int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := s.buf.push(v)
	s.nonEmpty.Signal()
	return ok
}

// Take removes the oldest value, waiting for one.
func (s *Stream) Take() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.buf.items) == 0 {
		s.nonEmpty.Wait()
	}
	return s.buf.pop()
}
