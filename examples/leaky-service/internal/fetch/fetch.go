// Package fetch gets pages with a deadline.
package fetch

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// WithTimeout fetches url, giving up after d. When it gives up, the
// goroutine that is still fetching blocks forever on its send (LG103):
// nobody will ever receive from ch.
func WithTimeout(ctx context.Context, url string, d time.Duration) (string, error) {
	ch := make(chan string)
	go func() {
		resp, err := http.Get(url) // LG401: the body is never closed
		if err != nil {
			ch <- ""
			return
		}
		b, _ := io.ReadAll(resp.Body)
		ch <- string(b)
	}()
	select {
	case s := <-ch:
		return s, nil
	case <-time.After(d):
		return "", errors.New("fetch: timed out")
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
