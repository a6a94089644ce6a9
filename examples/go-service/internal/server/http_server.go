package server

import (
	"log/slog"
	"net/http"

	"github.com/go-service-stack/examples/go-service/internal/config"
)

// NewHTTPServer returns a server with every timeout set: without them a slow or idle client holds
// a goroutine and a connection forever (Slowloris). Both listeners use the same settings.
func NewHTTPServer(cfg config.ServerConfig, handler http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		// Longer than ingress-nginx's upstream keepalive (60 s), so that nginx, not the service,
		// closes idle connections: otherwise nginx can reuse a connection the service is closing
		// and answer 502.
		IdleTimeout:    cfg.IdleTimeout,
		MaxHeaderBytes: cfg.MaxHeaderBytes,
		// net/http's own errors (TLS handshakes, header parsing, panics) as structured warnings.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
