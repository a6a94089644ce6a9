// Package logging builds the service's slog logger from LOG_LEVEL, LOG_FORMAT and LOG_OUTPUT.
package logging

import (
	"io"
	"log/slog"
	"os"

	"github.com/go-service-stack/examples/go-service/internal/config"
)

// New returns a logger writing to the configured stream (never a file: the root filesystem is
// read-only and the container runtime collects stdout/stderr).
func New(cfg config.LoggingConfig) *slog.Logger {
	var out io.Writer = os.Stdout
	if cfg.Output == "stderr" {
		out = os.Stderr
	}
	return NewTo(out, cfg)
}

// NewTo is New with an explicit writer, for tests.
func NewTo(out io.Writer, cfg config.LoggingConfig) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Level}
	if cfg.Format == "text" {
		return slog.New(slog.NewTextHandler(out, opts))
	}
	return slog.New(slog.NewJSONHandler(out, opts))
}
