package config

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// reader parses environment variables and collects every problem instead of stopping at the
// first, so that one failed start shows everything to fix. An empty variable counts as unset
// (a ConfigMap key with an empty value), as in the seed's getEnv.
//
// Messages quote the offending value of ordinary settings, which helps find a typo, but never
// the value of a secret.
type reader struct {
	lookup   func(string) (string, bool)
	problems []string
}

func (r *reader) fail(key, format string, args ...any) {
	r.problems = append(r.problems, key+": "+fmt.Sprintf(format, args...))
}

func (r *reader) raw(key string) (string, bool) {
	v, ok := r.lookup(key)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (r *reader) str(key, def string) string {
	if v, ok := r.raw(key); ok {
		return v
	}
	return def
}

// secret reads a value from the Secret. It is not trimmed: whitespace may be part of a key.
func (r *reader) secret(key string, required bool) Secret {
	v, _ := r.lookup(key)
	if v == "" && required {
		r.fail(key, "is required (the service's Secret provides it)")
	}
	return Secret(v)
}

func (r *reader) integer(key string, def int) int {
	v, ok := r.raw(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.fail(key, "%q is not an integer", v)
		return def
	}
	return n
}

func (r *reader) float(key string, def float64) float64 {
	v, ok := r.raw(key)
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		r.fail(key, "%q is not a number", v)
		return def
	}
	return f
}

func (r *reader) duration(key string, def time.Duration) time.Duration {
	v, ok := r.raw(key)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.fail(key, "%q is not a Go duration such as 30s, 1m30s or 500ms", v)
		return def
	}
	return d
}

func (r *reader) boolean(key string, def bool) bool {
	v, ok := r.raw(key)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(key, "%q is not a boolean (true or false)", v)
		return def
	}
	return b
}

func (r *reader) logLevel(key string, def slog.Level) slog.Level {
	v, ok := r.raw(key)
	if !ok {
		return def
	}
	switch strings.ToLower(v) {
	case "debug":
		return slog.LevelDebug
	case "info":
		return slog.LevelInfo
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	r.fail(key, "%q must be one of debug, info, warn, error", v)
	return def
}

// list reads a comma-separated list, trimming each item. Unlike the other keys, a variable that
// is set but empty means an empty list: the stack writes CORS_ALLOWED_ORIGINS="" for "no origin".
func (r *reader) list(key string, def []string) []string {
	v, set := r.lookup(key)
	if !set {
		return def
	}
	var items []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}
