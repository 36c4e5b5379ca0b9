// Command daemond runs one daemon.Service for the life of the process.
package main

import (
	"bufio"
	"os"

	"quiet/daemon"
)

func main() {
	s := daemon.New()
	s.StartWatcher()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		s.Notify(in.Text())
	}
}
