// Command group runs its parts in an errgroup (golang.org/x/sync, not in
// the module cache here): a function handed to Go runs once per call of
// Go, so a part that Go is called with once, from a function that runs
// once, runs once.
package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"time"

	"golang.org/x/sync/errgroup"
)

type parts struct {
	eg *errgroup.Group
}

func main() {
	if err := run(); err != nil {
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var group *errgroup.Group
	group, ctx = errgroup.WithContext(ctx)
	srv := &http.Server{Addr: ":8080"}
	// ---- must stay quiet ----
	// The server's part runs once: the goroutine its shutdown strands
	// (ListenAndServe then returns ErrServerClosed, which it sends) is
	// one, as the process ends.
	group.Go(func() error {
		errChan := make(chan error)
		go func() {
			if err := srv.ListenAndServe(); err != nil {
				errChan <- err
			}
		}()
		select {
		case <-ctx.Done():
			return srv.Shutdown(context.Background())
		case err := <-errChan:
			return err
		}
	})
	p := &parts{eg: new(errgroup.Group)}
	p.eg.Go(func() error {
		return watch(ctx)
	})
	return errors.Join(group.Wait(), p.eg.Wait())
}

// watch runs once, as the part that calls it: the goroutine it strands
// when the context ends first is one.
func watch(ctx context.Context) error {
	done := make(chan error)
	go func() {
		done <- probe()
	}()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case err := <-done:
		return err
	}
}

// ---- must flag ----

// poll hands Go a function per round: each part runs once, but the
// rounds are unbounded, and each round whose context ends first strands
// a sender.
func poll(ctx context.Context, eg *errgroup.Group) {
	for range time.Tick(time.Second) {
		eg.Go(func() error {
			res := make(chan error)
			go func() {
				res <- probe() // want "LG103"
			}()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case err := <-res:
				return err
			}
		})
	}
}

func probe() error {
	resp, err := http.Get("http://localhost:8080/healthz")
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
