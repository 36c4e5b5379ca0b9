// Command pull downloads the items named on its command line, with one
// urfave/cli command per mode, declared in a package-level table: an
// action runs once per process, as one declared in a function does.
package main

import (
	"context"
	"fmt"
	"os"

	"example.com/unresolved/internal/collect"
	"github.com/urfave/cli/v3"
)

var pullCommand = &cli.Command{
	Name: "pull",
	Action: func(ctx context.Context, c *cli.Command) error {
		errs := collect.Gather(ctx, c.Args().Slice())
		if len(errs) > 0 {
			return fmt.Errorf("pull: %d failed", len(errs))
		}
		return nil
	},
}

var mirrorCommand = &cli.Command{
	Name: "mirror",
	Action: func(ctx context.Context, c *cli.Command) error {
		// Once per line of standard input: what Poll strands piles up
		// for as long as the input goes on.
		for {
			var name string
			if _, err := fmt.Fscanln(os.Stdin, &name); err != nil {
				return nil
			}
			collect.Poll(ctx, []string{name})
		}
	},
}

func main() {
	root := &cli.Command{Name: "pull", Commands: []*cli.Command{pullCommand, mirrorCommand}}
	if err := root.Run(context.Background(), os.Args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
