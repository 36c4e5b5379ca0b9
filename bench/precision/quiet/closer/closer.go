// Package closer: a deferred helper of another package drains the body and
// closes it through a second helper; every path closes it (LG401 must
// stay quiet).
package closer

import (
	"errors"
	"net/http"

	"quiet/closer/closeutil"
)

// Status posts to url and reports the status code.
func Status(c *http.Client, url string) (int, error) {
	resp, err := c.Post(url, "text/plain", nil)
	if err != nil {
		return 0, err
	}
	defer closeutil.DrainClose(resp.Body, "status body")
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, errors.New(resp.Status)
	}
	return resp.StatusCode, nil
}
