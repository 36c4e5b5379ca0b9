module example.com/unresolved

go 1.27

// None is in the module cache of the machine that checks this module
// (as on a fresh clone before `go mod download`): their packages are out
// of view, and letgo knows them by their import paths alone.
require (
	github.com/hashicorp/cli v1.1.7
	github.com/peterbourgon/ff/v3 v3.4.0
	github.com/spf13/cobra v1.8.1
	github.com/urfave/cli/v3 v3.4.1
	golang.org/x/sync v0.10.0
)
