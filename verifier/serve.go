package verifier

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/loopbrug/paspoort/internal/serve"
)

// ServerConfig is how Serve runs the verifier's HTTP server. Every zero
// field takes the default written next to it; the timeouts bound slow
// clients (SECURITY.md F.46: slowloris).
type ServerConfig struct {
	// TLS, when set, makes the server speak https itself (with at least
	// TLS 1.2); nil serves plain HTTP, for a TLS-terminating proxy.
	TLS *tls.Config
	// ReadHeaderTimeout bounds reading a request's headers; default 5 s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request; default 30 s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing the answer, counted from the end of the
	// headers; default 90 s (a result may be waited for 55 s).
	WriteTimeout time.Duration
	// IdleTimeout bounds an idle keep-alive connection; default 120 s.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request headers; default 64 KiB.
	MaxHeaderBytes int
	// ShutdownTimeout is how long in-flight requests may finish once the
	// context of Serve ends; default 15 s.
	ShutdownTimeout time.Duration
}

// withDefaults returns sc with every zero field set to its default.
func (sc ServerConfig) withDefaults() ServerConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&sc.ReadHeaderTimeout, 5*time.Second)
	def(&sc.ReadTimeout, 30*time.Second)
	def(&sc.WriteTimeout, 90*time.Second)
	def(&sc.IdleTimeout, 120*time.Second)
	def(&sc.ShutdownTimeout, 15*time.Second)
	if sc.MaxHeaderBytes <= 0 {
		sc.MaxHeaderBytes = 64 << 10
	}
	return sc
}

// NewServer returns the http.Server Serve runs: Handler with the
// timeouts and header limit of sc (defaults for zero fields) and, when
// sc.TLS is set, its TLS configuration (MinVersion raised to TLS 1.2).
// The server's own error log goes to the verifier's logger at warning
// level.
func (v *Verifier) NewServer(sc ServerConfig) *http.Server {
	sc = sc.withDefaults()
	srv := &http.Server{
		Handler:           v.Handler(),
		ReadHeaderTimeout: sc.ReadHeaderTimeout,
		ReadTimeout:       sc.ReadTimeout,
		WriteTimeout:      sc.WriteTimeout,
		IdleTimeout:       sc.IdleTimeout,
		MaxHeaderBytes:    sc.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(v.log.Handler(), slog.LevelWarn),
	}
	if sc.TLS != nil {
		srv.TLSConfig = sc.TLS.Clone()
		srv.TLSConfig.MinVersion = max(srv.TLSConfig.MinVersion, tls.VersionTLS12)
	}
	return srv
}

// Serve serves the verifier on ln until ctx ends, then shuts down
// gracefully: in-flight requests get sc.ShutdownTimeout to finish. With
// sc.TLS it speaks https. It returns nil after a clean shutdown.
func (v *Verifier) Serve(ctx context.Context, ln net.Listener, sc ServerConfig) error {
	sc = sc.withDefaults()
	srv := v.NewServer(sc)
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	if srv.TLSConfig != nil {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	return serve.Run(ctx, srv, ln, serve.Options{Grace: sc.ShutdownTimeout})
}
