package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func migrateCommand(t *testing.T, args []string, env ...string) (*exec.Cmd, func() string) {
	t.Helper()
	cmd, stdout, stderr := service(t, env...)
	cmd.Args = append([]string{os.Args[0], "migrate"}, args...)
	return cmd, func() string { return stdout.String() + stderr.String() }
}

func TestMigrateUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{{"sideways"}, {"up", "now"}} {
		cmd, output := migrateCommand(t, args)
		if code := exitCode(cmd.Run()); code != 2 {
			t.Errorf("migrate %v: exit code %d, want 2", args, code)
		}
		if !strings.Contains(output(), "usage: server migrate [up|status]") {
			t.Errorf("migrate %v: no usage line:\n%s", args, output())
		}
	}
}

// No database on port 1: the run fails with exit 1, names the problem, and prints no secret.
func TestMigrateWithoutDatabaseExits1(t *testing.T) {
	cmd, output := migrateCommand(t, []string{"up"})
	if code := exitCode(cmd.Run()); code != 1 {
		t.Fatalf("exit code %d, want 1:\n%s", code, output())
	}
	if !strings.Contains(output(), "go-service migrate:") {
		t.Errorf("no error line:\n%s", output())
	}
	if strings.Contains(output(), "s3cr3t") {
		t.Errorf("a secret was printed:\n%s", output())
	}
}

func TestMigrateRefusesAnInvalidConfiguration(t *testing.T) {
	cmd, output := migrateCommand(t, nil, "APP_ENV=prod")
	if code := exitCode(cmd.Run()); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if !strings.Contains(output(), "refusing to run") {
		t.Errorf("no refusal:\n%s", output())
	}
}
