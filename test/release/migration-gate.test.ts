import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkReleaseMigrations, migrationFailureNote, migrationPaths } from "../../release/migration-gate.js";

describe("the deploy's migration gate", () => {
  it("reads the stack's migration settings as the engine passes them (JSON values), with the defaults", () => {
    expect(migrationPaths({})).toBeUndefined();
    expect(migrationPaths({ "go-service:migrations": { value: '{"enabled":false}' } })).toBeUndefined();
    expect(migrationPaths({ "go-service:migrations": { value: '{"enabled":true}' } })).toEqual({ directory: "examples/go-service/migrations", codeDirectory: "examples/go-service" });
    expect(migrationPaths({ "go-service:migrations": { value: '{"enabled":true,"directory":"db/migrations","codeDirectory":"svc"}' } })).toEqual({ directory: "db/migrations", codeDirectory: "svc" });
    expect(migrationPaths({ "go-service:migrations": { value: "not json" } })).toBeUndefined();
  });

  it("leads a failure on the migration Job with what it means for the release", () => {
    const failure = "kubernetes:batch/v1:Job (myapp-local/myapp-migrate-0123456789): error: Job has reached the specified backoff limit";
    expect(migrationFailureNote(failure)).toMatch(/^the schema migration \(Job myapp-migrate-0123456789\) failed: the Deployment waits for it, so no pod was changed/);
    expect(migrationFailureNote("kubernetes:apps/v1:Deployment (myapp/myapp): error: rollout timed out")).toBeUndefined();
  });

  describe("against the last good release's code, from git", () => {
    const dir = mkdtempSync(join(tmpdir(), "migration-gate-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const git = (...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();
    const paths = { directory: "svc/migrations", codeDirectory: "svc" };
    const goose = (up: string) => `-- +goose Up\n${up}\n-- +goose Down\nSELECT 1;\n`;

    it("refuses a contract the last good release's code still needs, and a contract in a first release; accepts an expand", () => {
      git("init", "-q");
      git("config", "user.email", "t@example.com");
      git("config", "user.name", "t");
      mkdirSync(join(dir, "svc/migrations"), { recursive: true });
      writeFileSync(join(dir, "svc/migrations/00001_items.sql"), goose("CREATE TABLE items (id int, legacy text);"));
      writeFileSync(join(dir, "svc/items.go"), "package svc\n\nconst q = `SELECT id, legacy FROM items`\n");
      git("add", ".");
      git("commit", "-qm", "r1");
      const sha = git("rev-parse", "HEAD");
      const record = { kind: "record", record: { id: `20261130T000000Z-${sha.slice(0, 12)}`, sha, image: "x/y:v1", verifiedAt: "2026-11-30T00:00:00Z" } } as const;

      expect(checkReleaseMigrations(dir, paths, record)).toEqual({ summary: expect.stringMatching(/1 in svc\/migrations, expand-only checked against the last good release .*: ok/) });

      writeFileSync(join(dir, "svc/items.go"), "package svc\n\nconst q = `SELECT id FROM items`\n");
      writeFileSync(join(dir, "svc/migrations/00002_drop_legacy.sql"), `-- contract: items.legacy\n${goose("ALTER TABLE items DROP COLUMN legacy;")}`);
      const refused = checkReleaseMigrations(dir, paths, record);
      expect(refused.failure).toMatch(/not expand-only \(rule migration-expand-only.*nothing was changed:\nERROR \[migration-expand-only\] Migration\/00002_drop_legacy.sql: drops column items.legacy, but the code of the previous release/s);
      expect(checkReleaseMigrations(dir, paths, { kind: "none" }).failure).toMatch(/first release/);
      expect(checkReleaseMigrations(dir, paths, { kind: "unreadable", problem: "x" })).toEqual({ summary: expect.stringMatching(/unknown previous release.*: ok$/) });
    });

    it("refuses to go on when the migrations cannot be read", () => {
      expect(checkReleaseMigrations(dir, { directory: "nowhere", codeDirectory: "svc" }, { kind: "none" }).failure).toMatch(/could not be checked, so nothing was changed: migrations.directory nowhere does not exist/);
    });
  });
});
