// Package config reads the service's settings from the environment, the way the stack's ConfigMap
// (<name>-config, loaded with envFrom) and Secret (<name>-secrets, one env var per key) provide
// them, and refuses to start on anything invalid, listing every problem at once.
package config

import (
	"log/slog"
	"os"
	"time"

	"github.com/go-service-stack/examples/go-service/internal/version"
)

// Environment selects the defaults and whether the production-only rules apply.
type Environment string

// The environments the stack deploys to (infra's ENVIRONMENTS).
const (
	Development Environment = "development"
	Staging     Environment = "staging"
	Production  Environment = "production"
)

// Config is every setting of the service, validated.
type Config struct {
	Environment Environment
	// Version is APP_VERSION, else the version stamped at build time (-ldflags -X), else "dev".
	Version   string
	Server    ServerConfig
	Database  DatabaseConfig
	Redis     RedisConfig
	Logging   LoggingConfig
	Security  SecurityConfig
	Readiness ReadinessConfig
	// Faults are test-only switches (FAULT_*), zero in a real release.
	Faults FaultConfig
}

// ServerConfig is the HTTP side: the API listener, the metrics listener and their timeouts.
type ServerConfig struct {
	Host              string
	Port              int
	MetricsPort       int
	MetricsEnabled    bool
	ReadTimeout       time.Duration
	ReadHeaderTimeout time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	MaxHeaderBytes    int
}

// DatabaseConfig is the PostgreSQL connection and pool.
type DatabaseConfig struct {
	Host            string
	Port            int
	User            string
	Password        Secret
	Name            string
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	SSLMode         string
}

// RedisConfig is the optional Redis dependency; an empty Addr means there is none.
type RedisConfig struct {
	Addr     string
	Password Secret
	DB       int
	PoolSize int
}

// LoggingConfig selects the slog handler.
type LoggingConfig struct {
	Level  slog.Level
	Format string // "json" or "text"
	Output string // "stdout" or "stderr"
}

// SecurityConfig holds the secrets and the limits the Ingress enforces in front of the service.
type SecurityConfig struct {
	JWTSecret     Secret
	EncryptionKey Secret
	CSRFSecret    Secret
	// RateLimitRPM and CORSAllowedOrigins are enforced by ingress-nginx (limit-rpm, enable-cors);
	// the service validates them so that a typo is caught in the pod logs as well.
	RateLimitRPM       int
	CORSAllowedOrigins []string
}

// ReadinessConfig says which dependencies /ready requires. A dependency that is not required is
// still checked and reported in the /ready body, but does not make the pod unready.
type ReadinessConfig struct {
	RequireDB    bool
	RequireRedis bool
}

// FaultConfig is the test-only fault switch (FAULT_* variables), baked into "bad release" image
// variants by the end-to-end suites. All zero in a real release.
type FaultConfig struct {
	ErrorRatio   float64       // FAULT_ERROR_RATIO: share of API requests answered 500
	Latency      time.Duration // FAULT_LATENCY: added to every API request
	NeverReady   bool          // FAULT_NEVER_READY: /ready always 503
	CrashOnStart bool          // FAULT_CRASH_ON_START: exit 1 right after start
}

// Active reports whether any fault is switched on.
func (f FaultConfig) Active() bool {
	return f.ErrorRatio > 0 || f.Latency > 0 || f.NeverReady || f.CrashOnStart
}

// FromEnvironment reads the process environment.
func FromEnvironment() (*Config, error) { return Load(os.LookupEnv) }

// Load reads the configuration through lookup (os.LookupEnv in production, a map in tests).
// On any problem it returns a *ValidationError listing all of them; no message contains a secret.
func Load(lookup func(string) (string, bool)) (*Config, error) {
	r := &reader{lookup: lookup}
	env := Environment(r.str("APP_ENV", string(Development)))
	d := defaultsFor(env)

	c := &Config{Environment: env, Version: r.str("APP_VERSION", version.Build())}
	readTimeout := r.duration("READ_TIMEOUT", 30*time.Second)
	c.Server = ServerConfig{
		Host:              r.str("SERVER_HOST", "0.0.0.0"),
		Port:              r.integer("SERVER_PORT", d.port),
		MetricsPort:       r.integer("METRICS_PORT", 9090),
		MetricsEnabled:    r.boolean("PROMETHEUS_ENABLED", true),
		ReadTimeout:       readTimeout,
		ReadHeaderTimeout: r.duration("READ_HEADER_TIMEOUT", min(10*time.Second, readTimeout)),
		WriteTimeout:      r.duration("WRITE_TIMEOUT", 30*time.Second),
		IdleTimeout:       r.duration("IDLE_TIMEOUT", 90*time.Second),
		ShutdownTimeout:   r.duration("SHUTDOWN_TIMEOUT", 15*time.Second),
		MaxHeaderBytes:    r.integer("MAX_HEADER_BYTES", 1<<20),
	}
	c.Database = DatabaseConfig{
		Host:            r.str("DB_HOST", "localhost"),
		Port:            r.integer("DB_PORT", 5432),
		User:            r.str("DB_USER", "postgres"),
		Password:        r.secret("DB_PASSWORD", true),
		Name:            r.str("DB_NAME", "myapp"),
		MaxOpenConns:    r.integer("DB_MAX_OPEN_CONNS", d.dbMaxOpen),
		MaxIdleConns:    r.integer("DB_MAX_IDLE_CONNS", d.dbMaxIdle),
		ConnMaxLifetime: r.duration("DB_CONN_MAX_LIFETIME", time.Hour),
		SSLMode:         r.str("DB_SSL_MODE", d.sslMode),
	}
	c.Redis = RedisConfig{
		Addr:     r.str("REDIS_ADDR", ""),
		Password: r.secret("REDIS_PASSWORD", false),
		DB:       r.integer("REDIS_DB", 0),
		PoolSize: r.integer("REDIS_POOL_SIZE", d.redisPool),
	}
	c.Logging = LoggingConfig{
		Level:  r.logLevel("LOG_LEVEL", d.logLevel),
		Format: r.str("LOG_FORMAT", d.logFormat),
		Output: r.str("LOG_OUTPUT", "stdout"),
	}
	c.Security = SecurityConfig{
		JWTSecret:          r.secret("JWT_SECRET", true),
		EncryptionKey:      r.secret("ENCRYPTION_KEY", true),
		CSRFSecret:         r.secret("CSRF_SECRET", true),
		RateLimitRPM:       r.integer("RATE_LIMIT_RPM", d.rateLimit),
		CORSAllowedOrigins: r.list("CORS_ALLOWED_ORIGINS", d.corsOrigins),
	}
	c.Readiness = ReadinessConfig{
		RequireDB:    r.boolean("READY_REQUIRES_DB", true),
		RequireRedis: r.boolean("READY_REQUIRES_REDIS", true),
	}
	c.Faults = FaultConfig{
		ErrorRatio:   r.float("FAULT_ERROR_RATIO", 0),
		Latency:      r.duration("FAULT_LATENCY", 0),
		NeverReady:   r.boolean("FAULT_NEVER_READY", false),
		CrashOnStart: r.boolean("FAULT_CRASH_ON_START", false),
	}

	problems := append(r.problems, validate(c)...)
	if len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	return c, nil
}

// LogValue implements slog.LogValuer: the settings worth seeing at start-up, secrets only as set/unset.
func (c *Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("environment", string(c.Environment)),
		slog.String("version", c.Version),
		slog.String("listen", c.Server.Host),
		slog.Int("port", c.Server.Port),
		slog.Int("metrics_port", c.Server.MetricsPort),
		slog.Bool("metrics_enabled", c.Server.MetricsEnabled),
		slog.String("shutdown_timeout", c.Server.ShutdownTimeout.String()),
		slog.String("db_host", c.Database.Host),
		slog.String("db_name", c.Database.Name),
		slog.String("db_ssl_mode", c.Database.SSLMode),
		slog.Int("db_max_open_conns", c.Database.MaxOpenConns),
		slog.String("redis_addr", c.Redis.Addr),
		slog.Bool("ready_requires_db", c.Readiness.RequireDB),
		slog.Bool("ready_requires_redis", c.Readiness.RequireRedis),
		slog.String("log_level", c.Logging.Level.String()),
	)
}
