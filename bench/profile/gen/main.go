// Command profilegen writes the inputs of letgo's profile benchmark, made
// by the real Go runtime: a goroutine profile and a debug=2 dump of many
// goroutines (default 1,000,000) blocked at a few thousand distinct stacks,
// and a heap profile with many samples (default 100,000) at distinct
// allocation stacks.
//
//	profilegen -out DIR [-goroutines N] [-heapsites N]
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
)

// sink keeps every allocation alive, so that the heap profile shows it
// in use.
var sink [][]byte

func main() {
	out := flag.String("out", ".", "directory for the profiles")
	goroutines := flag.Int("goroutines", 1_000_000, "goroutines to leave blocked")
	stacks := flag.Int("stacks", 12, "log2 of the number of distinct goroutine stacks")
	heapSites := flag.Int("heapsites", 17, "log2 of the number of distinct allocation stacks")
	flag.Parse()
	runtime.MemProfileRate = 1
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	allocate(*heapSites)
	block(*goroutines, *stacks)
	write(filepath.Join(*out, "heap.pb.gz"), "heap", 0)
	write(filepath.Join(*out, "goroutine.pb.gz"), "goroutine", 0)
	dumpAll(filepath.Join(*out, "goroutine.debug2.txt"))
}

// dumpAll writes every goroutine's traceback, as `?debug=2` prints them.
// pprof's own debug=2 writer stops at 64 MiB (about 100,000 goroutines),
// so the dump is taken with runtime.Stack and a buffer that grows.
func dumpAll(path string) {
	buf := make([]byte, 64<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		log.Fatal(err)
	}
}

// allocate makes one allocation at each of 2^bits distinct stacks.
func allocate(bits int) {
	for i := 0; i < 1<<bits; i++ {
		branch(i, bits)
	}
}

// branch recurses through left or right by the bits of path, so every
// path has its own stack, and allocates at the bottom.
func branch(path, bits int) {
	if bits == 0 {
		sink = append(sink, make([]byte, 64))
		return
	}
	if path&1 == 0 {
		left(path>>1, bits-1)
	} else {
		right(path>>1, bits-1)
	}
}

//go:noinline
func left(path, bits int) { branch(path, bits) }

//go:noinline
func right(path, bits int) { branch(path, bits) }

// block leaves n goroutines blocked on a channel receive, spread over
// 2^bits distinct stacks.
func block(n, bits int) {
	never := make(chan struct{})
	var started sync.WaitGroup
	started.Add(n)
	for i := 0; i < n; i++ {
		go func(path int) {
			wait(path, bits, never, &started)
		}(i % (1 << bits))
	}
	started.Wait()
}

func wait(path, bits int, never chan struct{}, started *sync.WaitGroup) {
	if bits == 0 {
		started.Done()
		<-never
		return
	}
	if path&1 == 0 {
		waitLeft(path>>1, bits-1, never, started)
	} else {
		waitRight(path>>1, bits-1, never, started)
	}
}

//go:noinline
func waitLeft(path, bits int, never chan struct{}, started *sync.WaitGroup) {
	wait(path, bits, never, started)
}

//go:noinline
func waitRight(path, bits int, never chan struct{}, started *sync.WaitGroup) {
	wait(path, bits, never, started)
}

func write(path, profile string, debug int) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.Lookup(profile).WriteTo(f, debug); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
