// Command leaky is a small HTTP service with the memory leaks letgo looks
// for. Its memory climbs like a staircase under load; each leak is marked
// with a comment naming the rule that should find it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	_ "net/http/pprof"
	"time"

	"example.com/leaky/internal/cache"
	"example.com/leaky/internal/fetch"
	"example.com/leaky/internal/jobs"
)

var sessions = cache.New()

func main() {
	addr := flag.String("addr", "localhost:6060", "listen address")
	flag.Parse()

	http.HandleFunc("/fetch", handleFetch)
	http.HandleFunc("/session", handleSession)
	http.HandleFunc("/poll", handlePoll)
	http.HandleFunc("/sum", handleSum)
	log.Fatal(http.ListenAndServe(*addr, nil))
}

func handleFetch(w http.ResponseWriter, r *http.Request) {
	body, err := fetch.WithTimeout(r.Context(), r.URL.Query().Get("url"), 50*time.Millisecond)
	if err != nil {
		http.Error(w, err.Error(), http.StatusGatewayTimeout)
		return
	}
	io.WriteString(w, body)
}

func handleSum(w http.ResponseWriter, r *http.Request) {
	jobs.Refresh(r.Context(), time.Minute, func() {})
	io.WriteString(w, fmt.Sprint(jobs.Sum([]int{1, 2, 3})))
}

func handleSession(w http.ResponseWriter, r *http.Request) {
	// Every request adds an entry that is never evicted (LG302).
	sessions.Put(r.RemoteAddr+r.URL.RawQuery, make([]byte, 64<<10))
	w.WriteHeader(http.StatusNoContent)
}

func handlePoll(w http.ResponseWriter, r *http.Request) {
	// Detached from the request with an hour-long timer: every request
	// leaves one behind (LG106: cancel is never called).
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	_ = cancel
	ticker := time.NewTicker(10 * time.Millisecond) // LG202: never stopped
	for i := 0; i < 3; i++ {
		select {
		case <-ticker.C:
		case <-ctx.Done():
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}
