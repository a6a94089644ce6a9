package config

import "log/slog"

// envDefaults are the seed's getDefault* values, which the stack's ENVIRONMENT_DEFAULTS repeat.
// In a cluster the ConfigMap sets every key, so these matter for `go run` and tests.
type envDefaults struct {
	port        int
	logLevel    slog.Level
	logFormat   string
	dbMaxOpen   int
	dbMaxIdle   int
	sslMode     string
	redisPool   int
	rateLimit   int
	corsOrigins []string
}

func defaultsFor(env Environment) envDefaults {
	switch env {
	case Production:
		return envDefaults{8080, slog.LevelWarn, "json", 25, 5, "require", 20, 100, []string{"https://monapp.com", "https://www.monapp.com"}}
	case Staging:
		return envDefaults{8080, slog.LevelInfo, "json", 10, 3, "require", 10, 200, []string{"https://staging.monapp.com"}}
	default:
		return envDefaults{3000, slog.LevelDebug, "text", 5, 2, "disable", 5, 1000, []string{"http://localhost:3000", "http://localhost:8080"}}
	}
}
