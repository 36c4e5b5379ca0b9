// Package closeutil closes readers and logs what fails.
package closeutil

import (
	"io"
	"log"
)

// CloseLogged closes c and logs an error.
func CloseLogged(c io.Closer, what string) {
	if err := c.Close(); err != nil {
		log.Printf("close %s: %v", what, err)
	}
}

// DrainClose reads r to its end, then closes it.
func DrainClose(r io.ReadCloser, what string) {
	if _, err := io.Copy(io.Discard, r); err != nil {
		log.Printf("drain %s: %v", what, err)
	}
	CloseLogged(r, what)
}
