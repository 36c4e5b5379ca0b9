// Package client is importable by other modules: its exported functions
// may be called any number of times by code this module does not show.
package client

import (
	"errors"
	"io"
	"net/http"
)

// Fetch is called once in this module, but it is API.
func Fetch(url string) ([]byte, error) {
	resp, err := http.Get(url) // want "LG401"
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
