// Package collect fetches items on worker goroutines and gathers their
// errors on a collector goroutine that ranges over an error channel.
package collect

import (
	"context"
	"errors"
)

// ---- must stay quiet ----

// Gather runs once per process (only the pull action calls it): the
// collector it strands when ctx ends first is stranded once, as the
// command ends. (Poll below is the same body, called per input line.)
func Gather(ctx context.Context, names []string) []error {
	errc := make(chan error)
	out := make(chan []error, 1)
	go func() {
		var errs []error
		for err := range errc {
			errs = append(errs, err)
		}
		out <- errs
	}()
	for _, name := range names {
		select {
		case errc <- fetch(name):
		case <-ctx.Done():
			return []error{ctx.Err()}
		}
	}
	close(errc)
	return <-out
}

// ---- must flag ----

// Poll is called once per input line by the mirror action: each call
// whose ctx ends first strands one more collector.
func Poll(ctx context.Context, names []string) []error {
	errc := make(chan error)
	out := make(chan []error, 1)
	go func() {
		var errs []error
		for err := range errc { // want "LG104"
			errs = append(errs, err)
		}
		out <- errs
	}()
	for _, name := range names {
		select {
		case errc <- fetch(name):
		case <-ctx.Done():
			return []error{ctx.Err()}
		}
	}
	close(errc)
	return <-out
}

func fetch(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	return nil
}
