// Fast checks of the backup jobs' scripts: shellcheck-clean, strict mode, and every variable of the
// env contract documented in charts/backup/README.md. Fails (never skips) when shellcheck is missing.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BACKUP_KEY_LAYOUT } from "../../../config/recovery-targets.js";

const CHART_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../charts/backup");
const SCRIPTS = ["backup.sh", "restore-check.sh"] as const;
/** Sourced by both scripts: the logging and S3 helpers. */
const LIBRARY = join(CHART_DIR, "lib.sh");

/** The env contract (issue #8): every name must be read by a script and documented with its default. */
const CONTRACT: Record<(typeof SCRIPTS)[number], string[]> = {
  "backup.sh": [
    "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSSLMODE",
    "BACKUP_BUCKET", "BACKUP_PREFIX", "AWS_REGION", "AWS_ENDPOINT_URL",
    "BACKUP_SSE", "BACKUP_KMS_KEY_ID", "BACKUP_ENCRYPTION_KEY",
  ],
  "restore-check.sh": [
    "BACKUP_BUCKET", "BACKUP_PREFIX", "AWS_REGION", "AWS_ENDPOINT_URL", "BACKUP_ENCRYPTION_KEY",
    "RESTORE_MAX_AGE_SECONDS", "RESTORE_MAX_AGE_HOURS", "RESTORE_FULL", "RESTORE_TARGET_DB", "RESTORE_RTO_SECONDS", "RESTORE_KEEP",
  ],
};

describe("charts/backup scripts", () => {
  it("shellcheck is installed (scripts/e2e/install-backup-deps.sh installs it)", () => {
    const res = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    expect(res.error?.message ?? "", "shellcheck not found: run `bash scripts/e2e/install-backup-deps.sh` or `apt-get install -y shellcheck`").toBe("");
    expect(res.status).toBe(0);
  });

  for (const script of SCRIPTS) {
    const file = join(CHART_DIR, script);
    const text = readFileSync(file, "utf8");
    const withLibrary = `${text}\n${readFileSync(LIBRARY, "utf8")}`;

    it(`${script} is clean under shellcheck`, () => {
      // -x follows `. lib.sh`, so the library is checked as the script uses it.
      const res = spawnSync("shellcheck", ["-x", "--shell=bash", "--severity=style", "--format=gcc", file], { encoding: "utf8" });
      expect(res.error, "shellcheck must be installed").toBeUndefined();
      expect(res.stdout + res.stderr).toBe("");
      expect(res.status).toBe(0);
    });

    it(`${script} starts with the bash shebang and strict mode, and is executable`, () => {
      const lines = text.split("\n");
      expect(lines[0]).toBe("#!/usr/bin/env bash");
      expect(lines).toContain("set -euo pipefail");
      expect(statSync(file).mode & 0o111).not.toBe(0);
      expect(text).not.toMatch(/^\s*set -x/m); // tracing would print secrets
    });

    it(`${script} reads every variable of its env contract`, () => {
      for (const name of CONTRACT[script]) {
        if (name.startsWith("PG") && name !== "PGDATABASE" && name !== "PGPORT") continue; // read by libpq itself
        expect(withLibrary, name).toMatch(new RegExp(`\\$\\{?${name}\\b`));
      }
    });
  }

  it("write and read the key layout the bucket's lifecycle rules expire (config/recovery-targets.ts)", () => {
    const backup = readFileSync(join(CHART_DIR, "backup.sh"), "utf8");
    const check = readFileSync(join(CHART_DIR, "restore-check.sh"), "utf8");
    expect(backup).toContain(`FINAL_KEY="\${BACKUP_PREFIX}/${BACKUP_KEY_LAYOUT.frequent}/\${DAY_PATH}/\${BASE}.dump"`);
    expect(backup).toContain(`DAILY_DIR="\${BACKUP_PREFIX}/${BACKUP_KEY_LAYOUT.daily}/\${DAY_PATH}/"`);
    expect(check).toContain(`^((${BACKUP_KEY_LAYOUT.frequent}|${BACKUP_KEY_LAYOUT.daily})/)?[0-9]{4}/[0-9]{2}/[0-9]{2}/db_backup_`);
  });

  it("README.md documents every variable with its default, and the image's tools", () => {
    const readme = readFileSync(join(CHART_DIR, "README.md"), "utf8");
    const names = new Set(Object.values(CONTRACT).flat());
    for (const name of names) {
      const row = readme.split("\n").find((l) => l.startsWith(`| \`${name}\``));
      expect(row, `no table row for ${name}`).toBeDefined();
      expect(row?.split("|").length, `row for ${name} needs name | default | used by | meaning`).toBeGreaterThanOrEqual(5);
    }
    for (const tool of ["bash", "pg_dump", "pg_restore", "psql", "aws", "openssl"]) expect(readme).toContain(`\`${tool}\``);
  });
});
