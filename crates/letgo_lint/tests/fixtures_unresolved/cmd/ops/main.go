// Command ops runs one of the commands of package ops, chosen by its
// command line: hashicorp/cli makes that command with its factory and
// calls its Run method once.
package main

import (
	"fmt"
	"os"

	"example.com/unresolved/internal/ops"
	"github.com/hashicorp/cli"
)

func main() {
	c := cli.NewCLI("ops", "1.0.0")
	c.Args = os.Args[1:]
	c.Commands = ops.Commands()
	status, err := c.Run()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(status)
}
