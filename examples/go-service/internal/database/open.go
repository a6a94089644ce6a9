// Package database opens the PostgreSQL pool (database/sql over pgx) and serves the items the API
// lists.
package database

import (
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/go-service-stack/examples/go-service/internal/config"
)

// connectTimeout bounds a new connection, so a database that drops packets cannot hold a request
// (or the readiness probe) for the kernel's TCP timeout.
const connectTimeout = 5 * time.Second

// URL is the connection string. A URL with url.UserPassword escapes any character of the password,
// where the seed's fmt.Sprintf("... password=%s ...") breaks on a space or a quote.
func URL(cfg config.DatabaseConfig) string {
	u := url.URL{
		Scheme: "postgres",
		User:   url.UserPassword(cfg.User, cfg.Password.Reveal()),
		Host:   net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		Path:   "/" + cfg.Name,
	}
	q := url.Values{}
	q.Set("sslmode", cfg.SSLMode)
	q.Set("connect_timeout", strconv.Itoa(int(connectTimeout/time.Second)))
	q.Set("application_name", "go-service")
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns the pool without connecting: the service starts, and reports unready, while the
// database is down, instead of crash-looping as the seed's Ping-at-start does.
func Open(cfg config.DatabaseConfig) (*sql.DB, error) {
	connConfig, err := pgx.ParseConfig(URL(cfg))
	if err != nil {
		// Never wrap err: parse errors may quote the connection string.
		return nil, fmt.Errorf("database settings (DB_HOST, DB_PORT, DB_USER, DB_NAME, DB_SSL_MODE) do not form a valid connection string")
	}
	db := stdlib.OpenDB(*connConfig)
	db.SetMaxOpenConns(cfg.MaxOpenConns)
	db.SetMaxIdleConns(cfg.MaxIdleConns)
	db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	// Idle connections are closed after a while whatever the pool size (the seed did it only above
	// 10 connections), so that a quiet pod does not hold server connections it no longer needs.
	db.SetConnMaxIdleTime(10 * time.Minute)
	return db, nil
}
