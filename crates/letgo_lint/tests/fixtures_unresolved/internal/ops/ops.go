// Package ops holds the commands of the ops tool, each made by a
// hashicorp/cli command factory. The framework runs the one command
// invoked, once per process: what its Run strands is stranded once, as
// the command ends. The same body in a method a server calls per
// request strands one more goroutine each time.
package ops

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os"

	"github.com/hashicorp/cli"
)

// Commands maps each command's name to its factory.
func Commands() map[string]cli.CommandFactory {
	return map[string]cli.CommandFactory{
		"snapshot inspect": func() (cli.Command, error) {
			return &InspectCommand{}, nil
		},
		"snapshot count": CountFactory(),
	}
}

// CountFactory makes the count command: a factory of a name of its own.
func CountFactory() cli.CommandFactory {
	return func() (cli.Command, error) {
		return CountCommand{}, nil
	}
}

// ---- must stay quiet ----

// InspectCommand prints a snapshot's size.
type InspectCommand struct{}

// Help says how to use the command.
func (c *InspectCommand) Help() string { return "ops snapshot inspect FILE" }

// Synopsis says what the command does.
func (c *InspectCommand) Synopsis() string { return "Prints a snapshot's size" }

// Run runs once per process, when this is the command invoked.
func (c *InspectCommand) Run(args []string) int {
	if len(args) != 1 {
		return 1
	}
	f, err := os.Open(args[0])
	if err != nil {
		return 1
	}
	defer f.Close()
	if _, err := inspect(f); err != nil {
		return 1
	}
	return 0
}

// CountCommand counts a snapshot's lines.
type CountCommand struct{}

// Help says how to use the command.
func (CountCommand) Help() string { return "ops snapshot count" }

// Synopsis says what the command does.
func (CountCommand) Synopsis() string { return "Counts a snapshot's lines" }

// Run runs once per process, when this is the command invoked.
func (CountCommand) Run(args []string) int {
	if _, err := inspect(os.Stdin); err != nil {
		return 1
	}
	return 0
}

// inspect copies the snapshot on a goroutine while it checks the header;
// when the header is bad it returns without receiving, and the copier is
// stranded on its send.
func inspect(r io.Reader) (int64, error) {
	pr, pw := io.Pipe()
	errCh := make(chan error)
	sizeCh := make(chan int64)
	go func() {
		n, err := io.Copy(pw, r)
		pw.Close()
		if err != nil {
			errCh <- err
		} else {
			sizeCh <- n
		}
	}()
	header, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || header != "SNAP\n" {
		return 0, errors.New("not a snapshot")
	}
	select {
	case err := <-errCh:
		return 0, err
	case n := <-sizeCh:
		return n, nil
	}
}

// ---- must flag ----

// Server serves snapshots' sizes over HTTP.
type Server struct{}

// ServeHTTP runs once per request: each bad upload strands one more
// copier.
func (Server) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if _, err := check(req.Body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

// check is inspect's body, called per request.
func check(r io.Reader) (int64, error) {
	pr, pw := io.Pipe()
	errCh := make(chan error)
	sizeCh := make(chan int64)
	go func() {
		n, err := io.Copy(pw, r)
		pw.Close()
		if err != nil {
			errCh <- err // want "LG103"
		} else {
			sizeCh <- n // want "LG103"
		}
	}()
	header, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || header != "SNAP\n" {
		return 0, errors.New("not a snapshot")
	}
	select {
	case err := <-errCh:
		return 0, err
	case n := <-sizeCh:
		return n, nil
	}
}
