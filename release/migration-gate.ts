/**
 * The deploy's two migration steps: before anything changes, the expand-only guardrail over the
 * release's new migrations, judged against the last good release's code (policies/migrations); after a
 * failed update, what a failed migration Job means for the release, in words.
 */
import type { ConfigMap } from "@pulumi/pulumi/automation/index.js";
import { COMMON_DEFAULTS } from "../config/environment-defaults.js";
import type { MigrationSource } from "../policies/migrations/expand-only.js";
import { currentMigrationSources, type MigrationPaths, previousMigrationSources } from "../policies/migrations/sources.js";
import { checkMigrations, formatViolation, mandatoryViolations } from "../policies/run.js";
import type { RecordReading } from "./release-record.js";

/** The config key of the stack's migration settings. */
const MIGRATIONS_KEY = "go-service:migrations";

/** The stack's migration paths when it runs migrations (`migrations.enabled`), from its config as the engine reads it. */
export function migrationPaths(config: ConfigMap): MigrationPaths | undefined {
  const raw = config[MIGRATIONS_KEY]?.value;
  let settings: Record<string, unknown> = {};
  if (raw !== undefined) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed !== null && typeof parsed === "object") settings = parsed as Record<string, unknown>;
    } catch {
      return undefined; // Not an object: the preview reports the invalid config.
    }
  }
  const enabled = settings.enabled ?? COMMON_DEFAULTS.migrations.enabled;
  if (enabled !== true) return undefined;
  const text = (key: "directory" | "codeDirectory") => (typeof settings[key] === "string" ? (settings[key] as string) : COMMON_DEFAULTS.migrations[key]);
  return { directory: text("directory"), codeDirectory: text("codeDirectory") };
}

/** What the expand-only check found before the deploy changed anything. */
export interface MigrationCheck {
  /** One line for the deploy's log: what was checked against what. */
  readonly summary: string;
  /** Why the release is refused (the violations, each with its fix); undefined when it may go on. */
  readonly failure?: string;
}

/**
 * The expand-only guardrail over the release's migrations, against the code of the last good release
 * (its commit, read from git) or, for a stack with none, as a first release. A record that cannot be
 * read leaves the previous release unknown: the check then covers what it can (markers, this release's
 * code) and says so.
 */
export function checkReleaseMigrations(workDir: string, paths: MigrationPaths, lastGood: RecordReading): MigrationCheck {
  let sources: MigrationSource[];
  let against: string;
  try {
    sources = currentMigrationSources(workDir, paths);
    if (lastGood.kind === "record") {
      sources.push(...previousMigrationSources(workDir, paths, lastGood.record.sha, lastGood.record.id));
      against = `the last good release ${lastGood.record.id}`;
    } else if (lastGood.kind === "none") {
      sources.push({ kind: "previous-release", id: undefined });
      against = "no previous release (the stack's first)";
    } else {
      against = "an unknown previous release (its record cannot be read, so the old code was not searched)";
    }
  } catch (error) {
    return { summary: "migrations: not checked", failure: `the migrations could not be checked, so nothing was changed: ${(error as Error).message}` };
  }
  const count = sources.filter((s) => s.kind === "migration" && s.release === "current").length;
  const violations = mandatoryViolations(checkMigrations(sources));
  const summary = `migrations: ${count} in ${paths.directory}, expand-only checked against ${against}: ${violations.length === 0 ? "ok" : `${violations.length} violation(s)`}`;
  if (violations.length === 0) return { summary };
  return {
    summary,
    failure: `the release's migrations are not expand-only (rule migration-expand-only, policies/README.md), so nothing was changed:\n${violations.map(formatViolation).join("\n")}`,
  };
}

/** The name a migration Job has (charts/migration-job.ts `migrationJobName`). */
const MIGRATION_JOB = /\b([a-z0-9]([-a-z0-9]*[a-z0-9])?-migrate-[0-9a-f]{10})\b/;

/**
 * When an update failed on the migration Job, what that means for the release, to lead the failure:
 * the Deployments wait for the Job, so no pod changed and the previous release kept serving.
 */
export function migrationFailureNote(failure: string): string | undefined {
  const job = MIGRATION_JOB.exec(failure)?.[1];
  if (job === undefined || !/\bjob\b/i.test(failure)) return undefined;
  return `the schema migration (Job ${job}) failed: the Deployment waits for it, so no pod was changed and the previous release kept serving; a failing migration runs in a transaction and leaves the schema as it was (read the Job's logs: kubectl logs job/${job})`;
}
