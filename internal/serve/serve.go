package serve

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Options tune Run.
type Options struct {
	// Grace is how long in-flight requests get to finish once ctx ends;
	// 0 means 5 seconds.
	Grace time.Duration
	// Every and Tick: while serving, Tick is called every Every (both
	// must be set), for housekeeping such as expiring sessions.
	Every time.Duration
	Tick  func()
}

// Run serves srv on ln until ctx ends, then shuts srv down and waits for
// Serve to return. It returns nil after a clean shutdown, and otherwise
// the error that ended serving or shutting down.
func Run(ctx context.Context, srv *http.Server, ln net.Listener, o Options) error {
	if o.Grace <= 0 {
		o.Grace = 5 * time.Second
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var tick <-chan time.Time
	if o.Every > 0 && o.Tick != nil {
		t := time.NewTicker(o.Every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case err := <-errc:
			return err
		case <-tick:
			o.Tick()
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.Grace)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return err
			}
			if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}
	}
}
