// Package lg201 holds LG201 cases in a module whose go.mod has no `go`
// line: the go command takes it as go 1.16, so Go 1.23–1.26 keep the old
// timer behaviour (an unstopped timer lives until it fires).
package lg201

import (
	"context"
	"time"
)

func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d) // want "LG201"
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ---- must stay quiet ----

func waitStopped(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
