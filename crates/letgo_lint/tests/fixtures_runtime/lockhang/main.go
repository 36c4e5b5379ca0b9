// Command lockhang runs one lock bug of letgo's lock rules, or its fixed
// twin, and reports whether it finished: the runtime proof that what
// LG110, LG111 and LG114 flag really hangs.
//
//	lockhang -case lg110|lg111|lg114 [-fixed] [-leak FILE]
//
// It exits 0 when the work finishes within two seconds; otherwise it
// prints every goroutine's stack (debug=2) and exits 3, after writing
// Go's goroutineleak profile to FILE when -leak is given (and the
// runtime has one).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
	"time"
)

type store struct {
	mu      sync.Mutex
	items   map[string]int
	updates chan int
	total   int
}

func newStore() *store {
	return &store{items: map[string]int{}, updates: make(chan int)}
}

// put returns early on a bad key and leaves s.mu held (LG110).
func (s *store) put(k string, v int) error {
	s.mu.Lock()
	if k == "" {
		return errors.New("empty key")
	}
	s.items[k] = v
	s.mu.Unlock()
	return nil
}

func (s *store) putFixed(k string, v int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k == "" {
		return errors.New("empty key")
	}
	s.items[k] = v
	return nil
}

// size locks again through a same-package call (LG111).
func (s *store) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count()
}

func (s *store) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}

func (s *store) sizeFixed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.countLocked()
}

func (s *store) countLocked() int { return len(s.items) }

// publish sends while holding the lock the consumer needs (LG114).
func (s *store) publish(v int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates <- v
}

func (s *store) consume(n int) {
	for i := 0; i < n; i++ {
		s.mu.Lock()
		v := <-s.updates
		s.total += v
		s.mu.Unlock()
	}
}

// pipe is store's LG114 part done right: nobody holds the lock across a
// channel operation. (A type of its own: a channel is judged by all its
// operations.)
type pipe struct {
	mu    sync.Mutex
	feed  chan int
	total int
}

func (p *pipe) publish(v int) {
	p.mu.Lock()
	p.total -= v
	p.mu.Unlock()
	p.feed <- v
}

func (p *pipe) consume(n int) {
	for i := 0; i < n; i++ {
		v := <-p.feed
		p.mu.Lock()
		p.total += v
		p.mu.Unlock()
	}
}

func run(which string, fixed bool) {
	s := newStore()
	switch which {
	case "lg110":
		put := s.put
		if fixed {
			put = s.putFixed
		}
		_ = put("", 1)
		_ = put("a", 1)
	case "lg111":
		if fixed {
			_ = s.sizeFixed()
		} else {
			_ = s.size()
		}
	case "lg114":
		publish, consume := s.publish, s.consume
		if fixed {
			p := &pipe{feed: make(chan int)}
			publish, consume = p.publish, p.consume
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); consume(3) }()
		go func() {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				publish(i)
			}
		}()
		wg.Wait()
	default:
		fmt.Fprintln(os.Stderr, "unknown case", which)
		os.Exit(2)
	}
}

func main() {
	which := flag.String("case", "", "lg110, lg111 or lg114")
	fixed := flag.Bool("fixed", false, "run the fixed twin")
	leak := flag.String("leak", "", "write the goroutineleak profile here when hung")
	flag.Parse()
	done := make(chan struct{})
	go func() {
		run(*which, *fixed)
		close(done)
	}()
	select {
	case <-done:
		fmt.Println("finished")
	case <-time.After(2 * time.Second):
		if *leak != "" {
			writeLeakProfile(*leak)
		}
		if err := pprof.Lookup("goroutine").WriteTo(os.Stdout, 2); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(3)
	}
}

// writeLeakProfile writes Go's own proof of the leaked goroutines, where
// the runtime has the profile.
func writeLeakProfile(path string) {
	p := pprof.Lookup("goroutineleak")
	if p == nil {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer f.Close()
	if err := p.WriteTo(f, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
