package config

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ValidationError lists every configuration problem; the service prints it and exits 1.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid configuration (%d problem(s)):\n  - %s", len(e.Problems), strings.Join(e.Problems, "\n  - "))
}

// Key lengths are measured in bytes (Go's len), which is what a cipher or an HMAC consumes.
const (
	minProductionJWTSecretBytes = 32
	encryptionKeyBytes          = 32 // AES-256
	maxShutdownTimeout          = 5 * time.Minute
)

var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// validate applies the seed's validateConfig rules, plus the ones its getEnv* helpers skipped by
// silently falling back to defaults. Parse errors were already collected by the reader.
func validate(c *Config) []string {
	var p problems
	prod := c.Environment == Production

	switch c.Environment {
	case Development, Staging, Production:
	default:
		p.add("APP_ENV", "%q must be one of development, staging, production", c.Environment)
	}

	// Server.
	p.port("SERVER_PORT", c.Server.Port)
	p.port("METRICS_PORT", c.Server.MetricsPort)
	if c.Server.Port == c.Server.MetricsPort {
		p.add("METRICS_PORT", "must differ from SERVER_PORT (%d): metrics and probes for workers are served on a port of their own, off the Ingress", c.Server.Port)
	}
	if c.Server.ReadTimeout < time.Second {
		p.add("READ_TIMEOUT", "must be at least 1s (got %s): a shorter timeout cuts off ordinary requests", c.Server.ReadTimeout)
	}
	if c.Server.WriteTimeout < time.Second {
		p.add("WRITE_TIMEOUT", "must be at least 1s (got %s): a shorter timeout cuts off ordinary responses", c.Server.WriteTimeout)
	}
	if c.Server.ReadHeaderTimeout <= 0 || c.Server.ReadHeaderTimeout > c.Server.ReadTimeout {
		p.add("READ_HEADER_TIMEOUT", "must be more than 0 and at most READ_TIMEOUT (got %s)", c.Server.ReadHeaderTimeout)
	}
	if c.Server.IdleTimeout <= 0 {
		p.add("IDLE_TIMEOUT", "must be more than 0 (got %s): 0 would keep idle connections forever", c.Server.IdleTimeout)
	}
	if c.Server.ShutdownTimeout <= 0 || c.Server.ShutdownTimeout > maxShutdownTimeout {
		p.add("SHUTDOWN_TIMEOUT", "must be more than 0 and at most 5m (got %s)", c.Server.ShutdownTimeout)
	}
	if c.Server.MaxHeaderBytes <= 0 {
		p.add("MAX_HEADER_BYTES", "must be more than 0 (got %d)", c.Server.MaxHeaderBytes)
	}

	// Database.
	p.port("DB_PORT", c.Database.Port)
	if c.Database.MaxOpenConns < 1 {
		p.add("DB_MAX_OPEN_CONNS", "must be at least 1 (got %d): 0 means an unbounded pool, which can exhaust the server's max_connections", c.Database.MaxOpenConns)
	}
	if c.Database.MaxIdleConns < 0 || c.Database.MaxIdleConns > c.Database.MaxOpenConns {
		p.add("DB_MAX_IDLE_CONNS", "must be between 0 and DB_MAX_OPEN_CONNS (got %d)", c.Database.MaxIdleConns)
	}
	if c.Database.ConnMaxLifetime < 0 {
		p.add("DB_CONN_MAX_LIFETIME", "must not be negative (got %s)", c.Database.ConnMaxLifetime)
	}
	if !slices.Contains(sslModes, c.Database.SSLMode) {
		p.add("DB_SSL_MODE", "%q must be one of %s", c.Database.SSLMode, strings.Join(sslModes, ", "))
	} else if prod && (c.Database.SSLMode == "disable" || c.Database.SSLMode == "allow" || c.Database.SSLMode == "prefer") {
		p.add("DB_SSL_MODE", "must be require, verify-ca or verify-full in production (got %q): disable, allow and prefer all permit unencrypted database traffic", c.Database.SSLMode)
	}

	// Redis (optional).
	if c.Redis.Addr != "" {
		if host, port, err := net.SplitHostPort(c.Redis.Addr); err != nil || host == "" || !validPort(port) {
			p.add("REDIS_ADDR", "%q must be host:port, e.g. redis.internal:6379 (or empty for no Redis)", c.Redis.Addr)
		}
	}
	if c.Redis.DB < 0 || c.Redis.DB > 15 {
		p.add("REDIS_DB", "must be between 0 and 15 (got %d)", c.Redis.DB)
	}
	if c.Redis.PoolSize < 1 {
		p.add("REDIS_POOL_SIZE", "must be at least 1 (got %d)", c.Redis.PoolSize)
	}

	// Logging.
	if c.Logging.Format != "json" && c.Logging.Format != "text" {
		p.add("LOG_FORMAT", "%q must be json or text", c.Logging.Format)
	}
	if c.Logging.Output != "stdout" && c.Logging.Output != "stderr" {
		p.add("LOG_OUTPUT", "%q must be stdout or stderr: the root filesystem is read-only and the container runtime collects the output", c.Logging.Output)
	}

	// Security. Secrets' presence was checked by the reader; only their lengths are reported here.
	if prod && c.Security.JWTSecret.IsSet() && len(c.Security.JWTSecret) < minProductionJWTSecretBytes {
		p.add("JWT_SECRET", "must be at least %d bytes in production (got %d)", minProductionJWTSecretBytes, len(c.Security.JWTSecret))
	}
	if c.Security.EncryptionKey.IsSet() && len(c.Security.EncryptionKey) != encryptionKeyBytes {
		p.add("ENCRYPTION_KEY", "must be exactly %d bytes, an AES-256 key (got %d)", encryptionKeyBytes, len(c.Security.EncryptionKey))
	}
	if c.Security.RateLimitRPM < 1 {
		p.add("RATE_LIMIT_RPM", "must be at least 1 (got %d)", c.Security.RateLimitRPM)
	}
	for _, origin := range c.Security.CORSAllowedOrigins {
		if origin == "*" {
			if prod {
				p.add("CORS_ALLOWED_ORIGINS", `"*" is not allowed in production: list the origins`)
			}
			continue
		}
		if u, err := url.Parse(origin); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			p.add("CORS_ALLOWED_ORIGINS", "%q must be an origin such as https://app.example.com (scheme and host, no path)", origin)
		}
	}

	// Test-only faults.
	if c.Faults.ErrorRatio < 0 || c.Faults.ErrorRatio > 1 {
		p.add("FAULT_ERROR_RATIO", "must be between 0 and 1 (got %g)", c.Faults.ErrorRatio)
	}
	if c.Faults.Latency < 0 {
		p.add("FAULT_LATENCY", "must not be negative (got %s)", c.Faults.Latency)
	}
	return p
}

type problems []string

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, key+": "+fmt.Sprintf(format, args...))
}

func (p *problems) port(key string, port int) {
	if port < 1 || port > 65535 {
		p.add(key, "must be a TCP port between 1 and 65535 (got %d)", port)
	}
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535
}
