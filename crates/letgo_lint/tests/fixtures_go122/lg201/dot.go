package lg201

import (
	"context"
	. "time"
)

func dotImport(ctx context.Context, d Duration) error {
	t := NewTimer(d) // want "LG201"
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
