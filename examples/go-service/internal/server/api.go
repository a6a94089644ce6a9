package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime"

	"github.com/go-service-stack/examples/go-service/internal/config"
	"github.com/go-service-stack/examples/go-service/internal/database"
)

// ItemSource is what GET /api/items reads (database.Store, or a fake in tests).
type ItemSource interface {
	Items(ctx context.Context) ([]database.Item, string, error)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func rootHandler(cfg *config.Config) http.HandlerFunc {
	body := map[string]string{"service": "go-service", "version": cfg.Version, "environment": string(cfg.Environment)}
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, body) }
}

func versionHandler(cfg *config.Config) http.HandlerFunc {
	body := map[string]string{"version": cfg.Version, "go": runtime.Version()}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, body)
	}
}

func itemsHandler(log *slog.Logger, items ItemSource) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		list, source, err := items.Items(r.Context())
		if err != nil {
			// The details go to the log; the client learns nothing about the database.
			log.ErrorContext(r.Context(), "listing items failed", "error", err.Error())
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": list, "source": source})
	}
}
