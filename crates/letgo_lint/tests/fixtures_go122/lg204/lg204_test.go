package lg204

import (
	"testing"
	"time"
)

// Tests are short-lived processes: left alone (from etcd's and
// prometheus's tests).
func TestCollect(t *testing.T) {
	events := make(chan string)
	close(events)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-time.After(time.Second):
			t.Fatal("timed out")
		}
	}
}
