// Command tracenames prints, for each function and closure it runs, the
// name Go's stack traces give it and the line it ran: letgo must name the
// function holding that line the same way, so that a static finding and
// a goroutine dump's frame join by name.
package main

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
)

var (
	mu   sync.Mutex
	seen []string
)

// here records its caller's trace name and line.
func here() {
	pc, _, line, _ := runtime.Caller(1)
	mu.Lock()
	defer mu.Unlock()
	seen = append(seen, fmt.Sprintf("%s\t%d", runtime.FuncForPC(pc).Name(), line))
}

var initClosure = func() int { here(); return 1 }

type value struct{ n int }

func (v value) get() int { here(); return v.n }

type store struct{ n int }

func (s *store) put(n int) {
	here()
	func() {
		here()
		s.n = n
	}()
}

type box[T any] struct{ v T }

func (b *box[T]) get() T {
	here()
	f := func() T { here(); return b.v }
	return f()
}

func first[T any](xs []T) T {
	here()
	pick := func() T { here(); return xs[0] }
	return pick()
}

func spawn() {
	here()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		here()
		inner := func() { here() }
		inner()
	}()
	wg.Wait()
	defer func() { here() }()
}

func main() {
	_ = initClosure()
	_ = value{1}.get()
	(&store{}).put(2)
	_ = (&box[int]{v: 3}).get()
	_ = first([]string{"a"})
	spawn()
	sort.Strings(seen)
	for _, s := range seen {
		fmt.Println(s)
	}
}
