// Package cli holds the subcommands of fetch. It sits under cmd/, so
// only the command imports it; ffcli runs the one subcommand asked for.
package cli

import (
	"context"
	"errors"
	"net/http"
	"time"

	"example.com/unresolved/client"
	"github.com/peterbourgon/ff/v3/ffcli"
)

// Main parses the arguments and runs the subcommand they name.
func Main(args []string) error {
	root := &ffcli.Command{
		Name: "fetch",
		Subcommands: []*ffcli.Command{
			{Name: "get", Exec: runGet},
			{Name: "watch", Exec: runWatch},
		},
	}
	return root.ParseAndRun(context.Background(), args)
}

// ---- must stay quiet ----

// runGet is a subcommand's action: it runs once per process, so the body
// it leaves open on a bad status is left once.
func runGet(ctx context.Context, args []string) error {
	resp, err := http.Get(args[0])
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	defer resp.Body.Close()
	return timed(ctx, args[0])
}

// timed runs once, called once by runGet: the sender it abandons on a
// timeout is abandoned once, as the command ends.
func timed(ctx context.Context, url string) error {
	errc := make(chan error)
	go func() {
		_, err := client.Fetch(url)
		errc <- err
	}()
	select {
	case err := <-errc:
		return err
	case <-time.After(time.Second):
		return errors.New("timed out")
	}
}

// ---- must flag ----

// runWatch polls for as long as the command runs: check leaks per poll.
func runWatch(ctx context.Context, args []string) error {
	for {
		if err := check(args[0]); err != nil {
			return err
		}
		time.Sleep(time.Second)
	}
}

func check(url string) error {
	resp, err := http.Get(url) // want "LG401"
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return resp.Body.Close()
}
