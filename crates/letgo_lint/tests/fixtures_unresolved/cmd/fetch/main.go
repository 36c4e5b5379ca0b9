// Command fetch runs one subcommand and exits: what a subcommand leaves
// open is left once, until the process ends moments later.
package main

import (
	"fmt"
	"os"

	"example.com/unresolved/cmd/fetch/cli"
)

func main() {
	if err := cli.Main(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
