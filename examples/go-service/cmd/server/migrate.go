package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/go-service-stack/examples/go-service/internal/config"
	"github.com/go-service-stack/examples/go-service/internal/database"
	"github.com/go-service-stack/examples/go-service/internal/logging"
	"github.com/go-service-stack/examples/go-service/internal/migrate"
	"github.com/go-service-stack/examples/go-service/migrations"
)

// runMigrate is `server migrate [up|status]`: exit 0 when the schema is up to date (or listed),
// 1 when a migration failed (it was rolled back) or the database cannot be reached, 2 on a usage
// error. It reads the service's whole configuration, as the pods will: a release whose settings
// the service would refuse stops here, before any pod changes.
func runMigrate(args []string) int {
	command := "up"
	switch {
	case len(args) == 1:
		command = args[0]
	case len(args) > 1:
		fmt.Fprintf(os.Stderr, "go-service migrate: one command at most (got %d arguments); usage: server migrate [%s]\n", len(args), "up|status")
		return 2
	}
	if !slices.Contains(migrate.Commands, command) {
		fmt.Fprintf(os.Stderr, "go-service migrate: unknown command %q; usage: server migrate [up|status]\n", command)
		return 2
	}
	cfg, err := config.FromEnvironment()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-service migrate: refusing to run:", err)
		return 1
	}
	log := logging.New(cfg.Logging).With("component", "migrate")
	slog.SetDefault(log)
	db, err := database.Open(cfg.Database)
	if err != nil {
		log.Error("refusing to run", "error", err.Error())
		return 1
	}
	defer db.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := migrate.Run(ctx, db, migrate.Options{Command: command, Migrations: migrations.FS, Out: os.Stderr, Log: log}); err != nil {
		fmt.Fprintln(os.Stderr, "go-service migrate:", err)
		return 1
	}
	return 0
}
