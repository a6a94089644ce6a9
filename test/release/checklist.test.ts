// Keeps the production checklist honest: every rule, config key, test, alert and CI job it names exists,
// and no item is enforced or verified without the kind of check that makes it so.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { SECRET_CONFIG_KEYS, stackConfigSchema } from "../../config/schema.js";
import type { ResolvedStack } from "../../config/resolve-stack-config.js";
import { RULE_IDS } from "../../policies/rules.js";
import {
  assessChecklist,
  CHECKLIST,
  describeEvidence,
  renderChecklistMarkdown,
  summarize,
  summaryLine,
  type AssessedItem,
  type ChecklistResults,
  type Evidence,
} from "../../release/checklist.js";
import { cronJobLastRun, recordsFromTags } from "../../release/checklist-results.js";
import { buildStackChart } from "../../synth/synthesize.js";
import { committedStack, PROJECT_DIR, productionBlock, resolveBlock } from "../support/stacks.js";

function alertsOf(resolved: ResolvedStack): string[] {
  return buildStackChart(resolved).prometheusRule.groups.flatMap((g) => g.rules.flatMap((r) => (r.kind === "alert" ? [r.alert] : [])));
}

/** Does the stack schema have this key path (or is it a secret config key)? */
function schemaHasKey(key: string): boolean {
  if ((SECRET_CONFIG_KEYS as readonly string[]).includes(key)) return true;
  let schema: unknown = stackConfigSchema;
  for (const part of key.split(".")) {
    // Unwrap optional/default wrappers to reach an object's shape.
    for (let i = 0; i < 5; i++) {
      const def = (schema as { _zod?: { def?: { innerType?: unknown; in?: unknown } } })._zod?.def;
      const inner = def?.innerType ?? def?.in;
      if (inner === undefined) break;
      schema = inner;
    }
    const shape = (schema as { shape?: Record<string, unknown> }).shape;
    if (shape === undefined || !(part in shape)) return false;
    schema = shape[part];
  }
  return true;
}

function workflowJobs(file: string): string[] {
  const workflow = parse(readFileSync(join(PROJECT_DIR, file), "utf8")) as { jobs?: Record<string, unknown> };
  return Object.keys(workflow.jobs ?? {});
}

/** Why a piece of evidence does not resolve, or undefined when it names a real check. */
function unresolved(evidence: Evidence, alerts: readonly string[]): string | undefined {
  switch (evidence.kind) {
    case "policy":
      return RULE_IDS.includes(evidence.rule) ? undefined : `no policy ${evidence.rule} in the registry (policies/rules.ts)`;
    case "config":
      return schemaHasKey(evidence.key) ? undefined : `no config key ${evidence.key} in the stack schema`;
    case "test": {
      const path = join(PROJECT_DIR, evidence.file);
      if (!existsSync(path)) return `no test file ${evidence.file}`;
      const text = readFileSync(path, "utf8");
      const found = evidence.file.endsWith(".go") ? text.includes(`func ${evidence.title}(`) : text.includes(`"${evidence.title}"`) || text.includes(`\`${evidence.title}\``);
      return found ? undefined : `no test titled ${JSON.stringify(evidence.title)} in ${evidence.file}`;
    }
    case "alert":
      return alerts.includes(evidence.name) ? undefined : `no alert ${evidence.name} in the stack's rules`;
    case "workflow":
      return workflowJobs(evidence.file).includes(evidence.job) ? undefined : `no job ${evidence.job} in ${evidence.file}`;
    case "result":
      return undefined;
    case "doc":
      return existsSync(join(PROJECT_DIR, evidence.file)) ? undefined : `no file ${evidence.file}`;
  }
}

/** The committed stacks, and variants that take the other branch of every config-dependent item. */
const STACKS: readonly (readonly [string, () => ResolvedStack])[] = [
  ["local", () => committedStack("local")],
  ["staging", () => committedStack("staging")],
  ["production", () => committedStack("production")],
  [
    "production, every option off",
    () =>
      resolveBlock(
        productionBlock({
          "go-service:logging": { format: "text" },
          "go-service:release": { strategy: "rolling" },
          "go-service:migrations": { enabled: false },
          "go-service:autoscaling": { enabled: false },
          "go-service:replicas": 2,
          "go-service:networkPolicy": { enabled: false },
        }),
      ),
  ],
  [
    "development, no ingress, no backups",
    () => resolveBlock({ "go-service:environment": "development", "go-service:image": "registry.example.com/myapp:v1.0.0", "go-service:ingress": { enabled: false } }, "dev"),
  ],
];

describe.each(STACKS)("the checklist of %s", (_name, stack) => {
  const resolved = stack();
  const alerts = alertsOf(resolved);
  const items = assessChecklist({ resolved, alerts, results: {} });

  it("names only checks that exist: policies, config keys, tests by file and title, alerts, CI jobs, files", () => {
    const problems = items.flatMap((item) => item.evidence.flatMap((e) => unresolved(e, alerts) ?? []).map((p) => `${item.text}: ${p}`));
    expect(problems).toEqual([]);
  });

  it("enforces an item only with a policy or a schema rule, and verifies it only with a test, an alert, a CI job or a job's result", () => {
    const problems = items.flatMap((item: AssessedItem) => {
      const kinds = new Set(item.evidence.map((e) => e.kind));
      if (item.status === "enforced" && !kinds.has("policy") && !kinds.has("config")) return [`${item.text}: enforced without a policy or config rule`];
      if (item.status === "verified" && !["test", "alert", "workflow", "result"].some((k) => kinds.has(k as Evidence["kind"]))) return [`${item.text}: verified without a test, alert, job or result`];
      return [];
    });
    expect(problems).toEqual([]);
  });

  it("says, for every item, what guarantees it or what a person must confirm", () => {
    expect(items.filter((i) => i.detail.trim().length < 10).map((i) => i.text)).toEqual([]);
  });
});

describe("the checklist", () => {
  it("is the seed's section 10, item by item, in its order", () => {
    const seedFile = join(PROJECT_DIR, "..", "shared", "seed-production-practices.md");
    if (!existsSync(seedFile)) return; // The seed lives beside the repository; CI checkouts do not have it.
    const seed = readFileSync(seedFile, "utf8");
    const section = seed.slice(seed.indexOf("## 10. Checklist finale de production"));
    const items = [...section.slice(0, section.indexOf("\n## Exercices")).matchAll(/^- \[ \] (.+)$/gm)].map((m) => (m[1] ?? "").trim());
    expect(CHECKLIST.map((item) => item.text)).toEqual(items);
  });

  it("adds an item's status to its section's summary: N enforced, N verified, N manual", () => {
    const resolved = committedStack("production");
    const items = assessChecklist({ resolved, alerts: alertsOf(resolved), results: {} });
    const summary = summarize(items, {});
    expect(summary.enforced + summary.verified + summary.manual).toBe(CHECKLIST.length);
    expect(summary.enforced).toBeGreaterThan(5);
    expect(summaryLine(summary)).toMatch(/^\d+ enforced, \d+ verified, \d+ manual$/);
    const markdown = renderChecklistMarkdown("production", items, {});
    expect(markdown).toContain(`**${summaryLine(summary)}**`);
    expect(markdown).toContain("| Migrations de DB testées | ✅ verified |");
    expect(markdown).toContain("policy `migration-expand-only`");
  });

  it("shows the last results the stack knows, and counts a failed one", () => {
    const resolved = committedStack("production");
    const results: ChecklistResults = {
      lastLoadTest: { stack: "staging", source: "stack tag of staging", record: { format: 1, at: "2026-11-30T07:00:00Z", ok: false, p95Ms: 611, errorRatio: 0, throughput: 16, failed: ["P95 latency"] } },
      lastBackup: { at: "2026-11-30T02:00:05Z", ok: true, detail: "succeeded at 2026-11-30T02:00:05Z (CronJob db-backup)" },
    };
    const items = assessChecklist({ resolved, alerts: alertsOf(resolved), results });
    const markdown = renderChecklistMarkdown("production", items, results);
    expect(markdown).toContain("last load test (staging, 2026-11-30T07:00:00Z, from stack tag of staging): ❌ failed (P95 latency), P95 611 ms, 0.00 % errors, 16 req/s");
    expect(markdown).toContain("last backup: ✅ succeeded at 2026-11-30T02:00:05Z (CronJob db-backup)");
    expect(markdown).toContain("last restore drill: not known here");
    expect(summarize(items, results).failing).toBeGreaterThan(0);
    expect(describeEvidence({ kind: "result", what: "lastGoodRelease" }, { lastGoodRelease: { id: "r1", verifiedAt: "2026-11-30T00:00:00Z" } })).toBe("last good release: r1, verified 2026-11-30T00:00:00Z");
  });

  it("reads a CronJob's last run from its status", () => {
    expect(cronJobLastRun("db-backup", { status: { lastScheduleTime: "2026-11-30T02:00:00Z", lastSuccessfulTime: "2026-11-30T02:00:09Z" } })).toMatchObject({ ok: true, at: "2026-11-30T02:00:09Z" });
    expect(cronJobLastRun("db-backup", { status: { lastScheduleTime: "2026-11-30T02:00:00Z", lastSuccessfulTime: "2026-11-29T02:00:09Z" } })).toMatchObject({ ok: false, detail: expect.stringMatching(/did not succeed; last success 2026-11-29/) });
    expect(cronJobLastRun("db-backup", { status: { lastScheduleTime: "2026-11-30T02:00:00Z", active: [{}] } })).toMatchObject({ ok: true, detail: expect.stringMatching(/^running/) });
    expect(cronJobLastRun("db-backup", {})).toMatchObject({ ok: false, detail: "CronJob db-backup has never run" });
  });

  it("reads the stack's records from its tags", () => {
    const tags = {
      "go-service:last-good": JSON.stringify({ format: 1, id: "20261130T000000Z-0123456789ab", sha: "0123456789ab".padEnd(40, "0"), image: "x/y:v1", verifiedAt: "2026-11-30T00:01:00Z" }),
      "go-service:last-load-test": JSON.stringify({ format: 1, at: "2026-11-30T00:05:00Z", ok: true, p95Ms: 3, errorRatio: 0, throughput: 900, failed: [] }),
    };
    expect(recordsFromTags(tags)).toEqual({
      lastGoodRelease: { id: "20261130T000000Z-0123456789ab", verifiedAt: "2026-11-30T00:01:00Z" },
      lastLoadTest: { format: 1, at: "2026-11-30T00:05:00Z", ok: true, p95Ms: 3, errorRatio: 0, throughput: 900, failed: [] },
    });
    expect(recordsFromTags({})).toEqual({});
  });
});

/** Source files of the stack and the service, for the "no TODO or FIXME" item. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    if (["node_modules", "build", "dist", "reports", ".git", ".cluster", ".tools", ".pulumi-state", "etc"].includes(entry) || entry.startsWith(".")) return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mts|mjs|go|sh|sql|ya?ml)$/.test(entry) ? [path] : [];
  });
}

describe("the sources", () => {
  it("no TODO or FIXME in the sources", () => {
    const marker = ["TO", "DO"].join("") + "|" + ["FIX", "ME"].join("");
    // A marker opening a comment (`// TO-DO: …`, `# FIX-ME`, `-- …`, ` * …`); the words in strings (this title, the seed's item) are not markers.
    const pattern = new RegExp(`(//|#|--|/\\*|^\\s*\\*)\\s*(${marker})\\b`, "m");
    const found = sources(PROJECT_DIR).filter((file) => pattern.test(readFileSync(file, "utf8")));
    expect(found).toEqual([]);
  });
});
