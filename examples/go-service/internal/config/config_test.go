package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Distinctive secret values, all containing "s3cr3t": a test fails if that shows up in a message.
const (
	jwt32   = "jwt-s3cr3t-0123456789abcdefghijkl" // 33 bytes
	encKey  = "encKEY-0123456789abcdefs3cr3t!!!"  // 32 bytes
	csrf    = "csrf-s3cr3t-value"
	dbPass  = "db-s3cr3t-pass word'\"" // a space and quotes, which the seed's DSN broke on
	redisPw = "redis-s3cr3t-pw"
)

// validEnv is what the stack's ConfigMap and Secret give a production pod.
func validEnv() map[string]string {
	return map[string]string{
		"APP_ENV": "production", "SERVER_HOST": "0.0.0.0", "SERVER_PORT": "8080", "METRICS_PORT": "9090",
		"READ_TIMEOUT": "30s", "WRITE_TIMEOUT": "30s", "SHUTDOWN_TIMEOUT": "15s", "MAX_HEADER_BYTES": "1048576",
		"DB_HOST": "db.internal", "DB_PORT": "5432", "DB_USER": "app_user", "DB_NAME": "myapp_prod",
		"DB_MAX_OPEN_CONNS": "25", "DB_MAX_IDLE_CONNS": "5", "DB_CONN_MAX_LIFETIME": "1h", "DB_SSL_MODE": "require",
		"REDIS_ADDR": "redis.internal:6379", "REDIS_DB": "0", "REDIS_POOL_SIZE": "20",
		"LOG_LEVEL": "warn", "LOG_FORMAT": "json", "LOG_OUTPUT": "stdout",
		"RATE_LIMIT_RPM": "100", "CORS_ALLOWED_ORIGINS": "https://monapp.com,https://www.monapp.com",
		"PROMETHEUS_ENABLED": "true", "GOMAXPROCS": "1", "GOMEMLIMIT": "460MiB",
		"JWT_SECRET": jwt32, "ENCRYPTION_KEY": encKey, "CSRF_SECRET": csrf, "DB_PASSWORD": dbPass, "REDIS_PASSWORD": redisPw,
	}
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestLoadValidProductionEnvironment(t *testing.T) {
	c, err := Load(lookup(validEnv()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := ServerConfig{
		Host: "0.0.0.0", Port: 8080, MetricsPort: 9090, MetricsEnabled: true,
		ReadTimeout: 30 * time.Second, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		IdleTimeout: 90 * time.Second, ShutdownTimeout: 15 * time.Second, MaxHeaderBytes: 1 << 20,
	}
	if c.Server != want {
		t.Errorf("Server = %+v, want %+v", c.Server, want)
	}
	if c.Environment != Production || c.Database.MaxOpenConns != 25 || c.Database.Password.Reveal() != dbPass || c.Logging.Level != slog.LevelWarn {
		t.Errorf("unexpected config: %+v", c)
	}
	if got := c.Security.CORSAllowedOrigins; !reflect.DeepEqual(got, []string{"https://monapp.com", "https://www.monapp.com"}) {
		t.Errorf("CORS origins = %q", got)
	}
	if !c.Readiness.RequireDB || !c.Readiness.RequireRedis || c.Faults.Active() {
		t.Errorf("readiness/faults defaults wrong: %+v %+v", c.Readiness, c.Faults)
	}
	if c.Version != "dev" {
		t.Errorf("Version = %q, want dev (no APP_VERSION, no -ldflags)", c.Version)
	}
}

func TestDefaultsPerEnvironment(t *testing.T) {
	for _, tc := range []struct {
		env       string
		port      int
		level     slog.Level
		format    string
		sslMode   string
		maxOpen   int
		rateLimit int
	}{
		{"development", 3000, slog.LevelDebug, "text", "disable", 5, 1000},
		{"staging", 8080, slog.LevelInfo, "json", "require", 10, 200},
		{"production", 8080, slog.LevelWarn, "json", "require", 25, 100},
	} {
		t.Run(tc.env, func(t *testing.T) {
			env := map[string]string{"APP_ENV": tc.env, "JWT_SECRET": jwt32, "ENCRYPTION_KEY": encKey, "CSRF_SECRET": csrf, "DB_PASSWORD": dbPass}
			c, err := Load(lookup(env))
			if err != nil {
				t.Fatal(err)
			}
			if c.Server.Port != tc.port || c.Logging.Level != tc.level || c.Logging.Format != tc.format ||
				c.Database.SSLMode != tc.sslMode || c.Database.MaxOpenConns != tc.maxOpen || c.Security.RateLimitRPM != tc.rateLimit {
				t.Errorf("defaults for %s: %+v", tc.env, c)
			}
			if c.Redis.Addr != "" {
				t.Errorf("REDIS_ADDR defaults to %q, want none", c.Redis.Addr)
			}
		})
	}
}

func TestOverrides(t *testing.T) {
	env := validEnv()
	env["APP_VERSION"] = "v1.4.2"
	env["READY_REQUIRES_DB"] = "false"
	env["READY_REQUIRES_REDIS"] = "false"
	env["CORS_ALLOWED_ORIGINS"] = "" // set but empty: no origin (CORS off), not the defaults
	env["REDIS_ADDR"] = ""           // empty: no Redis
	env["IDLE_TIMEOUT"] = "2m"
	env["READ_HEADER_TIMEOUT"] = "5s"
	env["LOG_LEVEL"] = "DEBUG"
	env["FAULT_ERROR_RATIO"] = "0.1"
	env["FAULT_LATENCY"] = "250ms"
	env["FAULT_NEVER_READY"] = "true"
	env["FAULT_CRASH_ON_START"] = "1"
	c, err := Load(lookup(env))
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != "v1.4.2" || c.Readiness.RequireDB || c.Readiness.RequireRedis || len(c.Security.CORSAllowedOrigins) != 0 ||
		c.Redis.Addr != "" || c.Server.IdleTimeout != 2*time.Minute || c.Server.ReadHeaderTimeout != 5*time.Second || c.Logging.Level != slog.LevelDebug {
		t.Errorf("overrides not applied: %+v", c)
	}
	if want := (FaultConfig{ErrorRatio: 0.1, Latency: 250 * time.Millisecond, NeverReady: true, CrashOnStart: true}); c.Faults != want || !c.Faults.Active() {
		t.Errorf("Faults = %+v, want %+v", c.Faults, want)
	}
}

// Every refusal, one case each: the variables changed from a valid production environment and the
// exact message expected. Together the cases cover every message validate and the reader produce.
func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  map[string]string
		want string
	}{
		{"missing JWT secret", map[string]string{"JWT_SECRET": ""}, "JWT_SECRET: is required (the service's Secret provides it)"},
		{"missing encryption key", map[string]string{"ENCRYPTION_KEY": ""}, "ENCRYPTION_KEY: is required (the service's Secret provides it)"},
		{"missing CSRF secret", map[string]string{"CSRF_SECRET": ""}, "CSRF_SECRET: is required (the service's Secret provides it)"},
		{"missing DB password", map[string]string{"DB_PASSWORD": ""}, "DB_PASSWORD: is required (the service's Secret provides it)"},
		{"short JWT secret in production", map[string]string{"JWT_SECRET": "short-s3cr3t"}, "JWT_SECRET: must be at least 32 bytes in production (got 12)"},
		{"short encryption key", map[string]string{"ENCRYPTION_KEY": "encKEY-s3cr3t"}, "ENCRYPTION_KEY: must be exactly 32 bytes, an AES-256 key (got 13)"},
		{"long encryption key", map[string]string{"ENCRYPTION_KEY": encKey + "x"}, "ENCRYPTION_KEY: must be exactly 32 bytes, an AES-256 key (got 33)"},
		{"short encryption key in staging too", map[string]string{"APP_ENV": "staging", "ENCRYPTION_KEY": "encKEY-s3cr3t"}, "ENCRYPTION_KEY: must be exactly 32 bytes, an AES-256 key (got 13)"},
		{"unknown environment", map[string]string{"APP_ENV": "prod"}, `APP_ENV: "prod" must be one of development, staging, production`},
		{"SSL disabled in production", map[string]string{"DB_SSL_MODE": "disable"}, `DB_SSL_MODE: must be require, verify-ca or verify-full in production (got "disable"): disable, allow and prefer all permit unencrypted database traffic`},
		{"SSL prefer in production", map[string]string{"DB_SSL_MODE": "prefer"}, `DB_SSL_MODE: must be require, verify-ca or verify-full in production (got "prefer"): disable, allow and prefer all permit unencrypted database traffic`},
		{"unknown SSL mode", map[string]string{"DB_SSL_MODE": "on"}, `DB_SSL_MODE: "on" must be one of disable, allow, prefer, require, verify-ca, verify-full`},
		{"read timeout too short", map[string]string{"READ_TIMEOUT": "500ms"}, "READ_TIMEOUT: must be at least 1s (got 500ms): a shorter timeout cuts off ordinary requests"},
		{"write timeout too short", map[string]string{"WRITE_TIMEOUT": "999ms"}, "WRITE_TIMEOUT: must be at least 1s (got 999ms): a shorter timeout cuts off ordinary responses"},
		{"read timeout not a duration", map[string]string{"READ_TIMEOUT": "30"}, `READ_TIMEOUT: "30" is not a Go duration such as 30s, 1m30s or 500ms`},
		{"read header timeout above read timeout", map[string]string{"READ_HEADER_TIMEOUT": "1m"}, "READ_HEADER_TIMEOUT: must be more than 0 and at most READ_TIMEOUT (got 1m0s)"},
		{"idle timeout zero", map[string]string{"IDLE_TIMEOUT": "0s"}, "IDLE_TIMEOUT: must be more than 0 (got 0s): 0 would keep idle connections forever"},
		{"shutdown timeout zero", map[string]string{"SHUTDOWN_TIMEOUT": "0s"}, "SHUTDOWN_TIMEOUT: must be more than 0 and at most 5m (got 0s)"},
		{"shutdown timeout too long", map[string]string{"SHUTDOWN_TIMEOUT": "6m"}, "SHUTDOWN_TIMEOUT: must be more than 0 and at most 5m (got 6m0s)"},
		{"max header bytes zero", map[string]string{"MAX_HEADER_BYTES": "0"}, "MAX_HEADER_BYTES: must be more than 0 (got 0)"},
		{"port not a number", map[string]string{"SERVER_PORT": "http"}, `SERVER_PORT: "http" is not an integer`},
		{"port out of range", map[string]string{"SERVER_PORT": "70000"}, "SERVER_PORT: must be a TCP port between 1 and 65535 (got 70000)"},
		{"metrics port out of range", map[string]string{"METRICS_PORT": "0"}, "METRICS_PORT: must be a TCP port between 1 and 65535 (got 0)"},
		{"metrics port equals server port", map[string]string{"METRICS_PORT": "8080"}, "METRICS_PORT: must differ from SERVER_PORT (8080): metrics and probes for workers are served on a port of their own, off the Ingress"},
		{"DB port out of range", map[string]string{"DB_PORT": "-1"}, "DB_PORT: must be a TCP port between 1 and 65535 (got -1)"},
		{"unbounded pool", map[string]string{"DB_MAX_OPEN_CONNS": "0", "DB_MAX_IDLE_CONNS": "0"}, "DB_MAX_OPEN_CONNS: must be at least 1 (got 0): 0 means an unbounded pool, which can exhaust the server's max_connections"},
		{"more idle than open", map[string]string{"DB_MAX_IDLE_CONNS": "30"}, "DB_MAX_IDLE_CONNS: must be between 0 and DB_MAX_OPEN_CONNS (got 30)"},
		{"negative lifetime", map[string]string{"DB_CONN_MAX_LIFETIME": "-1m"}, "DB_CONN_MAX_LIFETIME: must not be negative (got -1m0s)"},
		{"Redis address without port", map[string]string{"REDIS_ADDR": "redis.internal"}, `REDIS_ADDR: "redis.internal" must be host:port, e.g. redis.internal:6379 (or empty for no Redis)`},
		{"Redis DB out of range", map[string]string{"REDIS_DB": "16"}, "REDIS_DB: must be between 0 and 15 (got 16)"},
		{"Redis pool empty", map[string]string{"REDIS_POOL_SIZE": "0"}, "REDIS_POOL_SIZE: must be at least 1 (got 0)"},
		{"unknown log level", map[string]string{"LOG_LEVEL": "verbose"}, `LOG_LEVEL: "verbose" must be one of debug, info, warn, error`},
		{"unknown log format", map[string]string{"LOG_FORMAT": "xml"}, `LOG_FORMAT: "xml" must be json or text`},
		{"log file on a read-only root", map[string]string{"LOG_OUTPUT": "/var/log/myapp/application.log"}, `LOG_OUTPUT: "/var/log/myapp/application.log" must be stdout or stderr: the root filesystem is read-only and the container runtime collects the output`},
		{"rate limit zero", map[string]string{"RATE_LIMIT_RPM": "0"}, "RATE_LIMIT_RPM: must be at least 1 (got 0)"},
		{"CORS origin with a path", map[string]string{"CORS_ALLOWED_ORIGINS": "https://monapp.com/app"}, `CORS_ALLOWED_ORIGINS: "https://monapp.com/app" must be an origin such as https://app.example.com (scheme and host, no path)`},
		{"CORS wildcard in production", map[string]string{"CORS_ALLOWED_ORIGINS": "*"}, `CORS_ALLOWED_ORIGINS: "*" is not allowed in production: list the origins`},
		{"metrics switch not a boolean", map[string]string{"PROMETHEUS_ENABLED": "yes"}, `PROMETHEUS_ENABLED: "yes" is not a boolean (true or false)`},
		{"readiness switch not a boolean", map[string]string{"READY_REQUIRES_DB": "no"}, `READY_REQUIRES_DB: "no" is not a boolean (true or false)`},
		{"error ratio above 1", map[string]string{"FAULT_ERROR_RATIO": "1.5"}, "FAULT_ERROR_RATIO: must be between 0 and 1 (got 1.5)"},
		{"error ratio not a number", map[string]string{"FAULT_ERROR_RATIO": "10%"}, `FAULT_ERROR_RATIO: "10%" is not a number`},
		{"negative latency", map[string]string{"FAULT_LATENCY": "-1s"}, "FAULT_LATENCY: must not be negative (got -1s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv()
			for k, v := range tc.set {
				env[k] = v
			}
			_, err := Load(lookup(env))
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Load accepted %v (err %v)", tc.set, err)
			}
			if len(verr.Problems) != 1 || verr.Problems[0] != tc.want {
				t.Errorf("problems = %q\nwant exactly %q", verr.Problems, tc.want)
			}
			assertNoSecret(t, err.Error(), env)
		})
	}
}

// The wildcard origin and a short JWT secret are only refused in production.
func TestProductionOnlyRules(t *testing.T) {
	env := validEnv()
	env["APP_ENV"] = "staging"
	env["JWT_SECRET"] = "short-s3cr3t"
	env["CORS_ALLOWED_ORIGINS"] = "*"
	env["DB_SSL_MODE"] = "disable"
	if _, err := Load(lookup(env)); err != nil {
		t.Fatalf("staging refused: %v", err)
	}
}

// One start shows every problem, not only the first; and no secret value, however it is
// formatted, appears in the message.
func TestAllProblemsAtOnceWithoutSecrets(t *testing.T) {
	env := validEnv()
	env["JWT_SECRET"] = "jwt-s3cr3t-short"
	env["ENCRYPTION_KEY"] = "encKEY-s3cr3t-31-bytes-long-abc"
	env["CSRF_SECRET"] = ""
	env["DB_SSL_MODE"] = "disable"
	env["READ_TIMEOUT"] = "100ms"
	env["LOG_LEVEL"] = "loud"
	_, err := Load(lookup(env))
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Load accepted an invalid environment")
	}
	if len(verr.Problems) != 6 {
		t.Errorf("got %d problems, want 6:\n%v", len(verr.Problems), err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "invalid configuration (6 problem(s)):\n  - ") {
		t.Errorf("message starts %q", msg)
	}
	for _, key := range []string{"JWT_SECRET", "ENCRYPTION_KEY", "CSRF_SECRET", "DB_SSL_MODE", "READ_TIMEOUT", "LOG_LEVEL"} {
		if !strings.Contains(msg, "\n  - "+key+": ") {
			t.Errorf("no problem listed for %s in:\n%s", key, msg)
		}
	}
	assertNoSecret(t, msg, env)
}

func TestConfigLogValueHidesSecrets(t *testing.T) {
	env := validEnv()
	c, err := Load(lookup(env))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	slog.New(slog.NewJSONHandler(&b, nil)).Info("start", "config", c, "security", c.Security, "db", c.Database)
	assertNoSecret(t, b.String(), env)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		assertNoSecret(t, fmt.Sprintf(verb, c.Security), env)
		assertNoSecret(t, fmt.Sprintf(verb, *c), env)
	}
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, string(j), env)
	if !strings.Contains(b.String(), redacted) {
		t.Errorf("secrets not shown as %s: %s", redacted, b.String())
	}
}

func assertNoSecret(t *testing.T, text string, env map[string]string) {
	t.Helper()
	for _, k := range []string{"JWT_SECRET", "ENCRYPTION_KEY", "CSRF_SECRET", "DB_PASSWORD", "REDIS_PASSWORD"} {
		if v := env[k]; v != "" && strings.Contains(text, v) {
			t.Errorf("%s value leaked in: %s", k, text)
		}
	}
	if strings.Contains(text, "s3cr3t") {
		t.Errorf("a secret value leaked in: %s", text)
	}
}
