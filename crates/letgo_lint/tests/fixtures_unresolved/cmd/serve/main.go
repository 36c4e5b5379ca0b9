// Command serve is a cobra command whose action starts a server: the
// action runs once, the handlers it registers run per request.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{
		Use: "serve",
		// ---- must stay quiet ----
		// The action runs once: the body it leaves open when the
		// upstream is down is left once, as the command fails and exits.
		RunE: func(cmd *cobra.Command, args []string) error {
			resp, err := http.Get(args[1] + "/healthz")
			if err != nil {
				return err
			}
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("upstream: %s", resp.Status)
			}
			resp.Body.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			return serve(ctx, args[0])
		},
	}
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}

func serve(ctx context.Context, addr string) error {
	http.HandleFunc("/", proxy)
	srv := &http.Server{Addr: addr}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return srv.ListenAndServe()
}

// ---- must flag ----

// proxy runs per request: each early return loses a context.
func proxy(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(r.Context()) // want "LG106"
	if r.URL.Query().Get("u") == "" {
		http.Error(w, "no u", http.StatusBadRequest)
		return
	}
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL.Query().Get("u"), nil)
	if err != nil {
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
}
