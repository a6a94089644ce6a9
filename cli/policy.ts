/**
 * `npm run policy [-- options]`: runs the guardrails over the Kubernetes manifests of every stack.
 *
 *   (no option)         synthesize every `Pulumi.<stack>.yaml` in process, as `npm run synth` does
 *   --stack <name>      only these stacks (repeatable)
 *   --dist <dir>        instead, read every *.yaml under <dir> (e.g. dist/ after `npm run synth`)
 *   --environment <env> environment of objects without the app.kubernetes.io/environment label
 *                       (with --dist; when synthesizing, each stack's own environment is used)
 *
 * Prints every violation with its fix; exits 1 when a mandatory rule is broken or a stack's config is
 * invalid, 64 on a usage error (`--help` lists the options and exit codes). Advisory violations are
 * printed as warnings and do not change the exit code.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { StackConfigError } from "../config/config-error.js";
import { resolveStackFile } from "../config/resolve-stack-config.js";
import { listStackFiles, readProjectName } from "../config/stack-files.js";
import { buildStackObjects } from "../synth/synthesize.js";
import { checkKubernetesManifests, checkMigrations, formatViolation, mandatoryViolations } from "../policies/run.js";
import type { KubernetesManifest, Violation } from "../policies/types.js";
import type { MigrationSource } from "../policies/migrations/expand-only.js";
import { currentMigrationSources, previousMigrationSources } from "../policies/migrations/sources.js";
import { EXIT_CODE, exitWithUsageError, knownStacks, readCommandLine, UsageError, type CommandSpec, type OptionValues } from "./command-line.js";

/** One set of manifests checked together (relations such as PDBs are looked up within the set). */
export interface ManifestSet {
  readonly label: string;
  readonly manifests: readonly KubernetesManifest[];
  readonly environment?: string;
  /** The stack's schema migrations and the service's code (and the previous release's), when the stack runs migrations. */
  readonly migrations?: readonly MigrationSource[];
}

/**
 * The manifests of every (or the named) stack of the project, synthesized in process; with the migrations
 * of the stacks that run them, judged against `previous` (a git revision) when given.
 */
export function synthesizedStacks(projectDir: string, stacks?: readonly string[], previous?: string): ManifestSet[] {
  const project = readProjectName(projectDir);
  const available = listStackFiles(projectDir);
  const unknown = (stacks ?? []).filter((stack) => !available.some((file) => file.stack === stack));
  if (unknown.length > 0) throw new Error(`no stack file for ${unknown.join(", ")} (stacks: ${available.map((f) => f.stack).join(", ")})`);
  return available
    .filter((file) => stacks === undefined || stacks.includes(file.stack))
    .map((file) => {
      const resolved = resolveStackFile(readFileSync(file.path, "utf8"), { project, stack: file.stack, file: file.file });
      const { migrations } = resolved.config;
      const sources = migrations.enabled
        ? [...currentMigrationSources(projectDir, migrations), ...(previous === undefined ? [] : previousMigrationSources(projectDir, migrations, previous))]
        : undefined;
      return { label: `stack ${file.stack}`, manifests: buildStackObjects(resolved), environment: resolved.config.environment, ...(sources === undefined ? {} : { migrations: sources }) };
    });
}

/** A file under --dist that is not readable YAML: the input's fault, reported in one line. */
export class ManifestFileError extends Error {}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(entry) ? [path] : [];
    });
}

/** Every Kubernetes object in the YAML files under `dir`, one set per directory (per stack). */
export function manifestsFromDist(dir: string, environment?: string): ManifestSet[] {
  const byDirectory = new Map<string, KubernetesManifest[]>();
  for (const file of yamlFiles(dir)) {
    const documents = parseAllDocuments(readFileSync(file, "utf8"));
    for (const document of Array.isArray(documents) ? documents : [documents]) {
      if (document.errors.length > 0) throw new ManifestFileError(`${file}: ${document.errors[0]?.message.split("\n")[0] ?? "YAML error"}`);
      const object: unknown = document.toJS();
      if (object === null || typeof object !== "object" || typeof (object as { kind?: unknown }).kind !== "string") continue;
      const key = relative(dir, resolve(file, "..")) || ".";
      byDirectory.set(key, [...(byDirectory.get(key) ?? []), object as KubernetesManifest]);
    }
  }
  return [...byDirectory].map(([label, manifests]) => ({ label: `${dir}/${label}`, manifests, ...(environment === undefined ? {} : { environment }) }));
}

/** Checks every set; returns the report lines and whether a mandatory rule was broken. */
export function checkSets(sets: readonly ManifestSet[]): { lines: string[]; violations: Violation[]; failed: boolean } {
  const lines: string[] = [];
  const all: Violation[] = [];
  for (const set of sets) {
    const violations = [
      ...checkKubernetesManifests(set.manifests, set.environment === undefined ? {} : { environment: set.environment }),
      ...(set.migrations === undefined ? [] : checkMigrations(set.migrations)),
    ];
    const mandatory = mandatoryViolations(violations).length;
    const migrations = set.migrations === undefined ? "" : ` and ${set.migrations.filter((m) => m.kind === "migration" && m.release === "current").length} migration(s)`;
    lines.push(`${set.label}: ${set.manifests.length} objects${migrations}, ${mandatory} mandatory and ${violations.length - mandatory} advisory violation(s)`);
    lines.push(...violations.map((violation) => `  ${formatViolation(violation).replace(/\n/g, "\n  ")}`));
    all.push(...violations);
  }
  return { lines, violations: all, failed: mandatoryViolations(all).length > 0 };
}

export const POLICY_COMMAND = {
  name: "policy",
  summary: `Runs the guardrails (policies/README.md) over the Kubernetes objects of every stack, synthesized
in process as npm run synth does (and over the schema migrations of the stacks that run them), or
over the YAML files under --dist. Prints every violation with
its fix; advisory violations are warnings and do not change the exit code.`,
  options: {
    stack: { type: "string", multiple: true, value: "<name>", description: "only this stack (default: every Pulumi.<stack>.yaml)" },
    dist: { type: "string", value: "<dir>", description: "check the *.yaml under <dir> instead (e.g. dist/ after npm run synth)" },
    environment: { type: "string", value: "<env>", description: "with --dist: environment of objects without the app.kubernetes.io/environment label" },
    project: { type: "string", value: "<dir>", description: "the directory holding Pulumi.yaml (default: the current one)" },
    previous: { type: "string", value: "<git-ref>", description: "judge the stacks' migrations against this release's revision (a deploy uses the last good release)" },
  },
  exitCodes: {
    [EXIT_CODE.ok]: "no mandatory rule is broken",
    [EXIT_CODE.failed]: "a mandatory rule is broken, or a stack's configuration is invalid",
    [EXIT_CODE.usage]: "usage error: unknown option, missing value, unknown stack, nothing to check (nothing run)",
  },
} as const satisfies CommandSpec;

function manifestSets(values: OptionValues<typeof POLICY_COMMAND.options>): ManifestSet[] {
  if (values.dist !== undefined) {
    if (values.stack !== undefined) throw new UsageError("--stack and --dist exclude each other: --dist checks every stack written under it");
    if (values.previous !== undefined) throw new UsageError("--previous needs the stacks' migrations: it does not apply with --dist");
    const dist = resolve(values.dist);
    if (!existsSync(dist) || !statSync(dist).isDirectory()) throw new UsageError(`no directory ${values.dist}`, "run npm run synth first, or give --dist the directory it wrote");
    const sets = manifestsFromDist(dist, values.environment);
    if (sets.length === 0) throw new UsageError(`no Kubernetes YAML under ${values.dist}`, "run npm run synth first");
    return sets;
  }
  if (values.environment !== undefined) throw new UsageError("--environment only applies with --dist: a synthesized stack uses its own environment");
  const projectDir = resolve(values.project ?? ".");
  if (knownStacks(projectDir, values.stack ?? []).length === 0) throw new UsageError(`no Pulumi.<stack>.yaml in ${projectDir}`, "--project must be the directory holding the stack files");
  if (values.previous !== undefined) {
    try {
      execFileSync("git", ["-C", projectDir, "rev-parse", "--verify", "--quiet", `${values.previous}^{commit}`], { stdio: "ignore" });
    } catch {
      throw new UsageError(`--previous ${values.previous} is not a commit of ${projectDir}`, "give a branch, tag or commit; CI needs fetch-depth: 0");
    }
  }
  return synthesizedStacks(projectDir, values.stack, values.previous);
}

function main(): void {
  const values = readCommandLine(POLICY_COMMAND);
  let sets: ManifestSet[];
  try {
    sets = manifestSets(values);
  } catch (error) {
    if (error instanceof UsageError) exitWithUsageError(POLICY_COMMAND.name, error);
    if (error instanceof ManifestFileError) console.error(`${POLICY_COMMAND.name}: ${error.message}`);
    else if (error instanceof StackConfigError) console.error(error.message);
    else throw error;
    process.exitCode = EXIT_CODE.failed;
    return;
  }
  const result = checkSets(sets);
  for (const line of result.lines) console.log(line);
  if (result.failed) {
    console.error("policy check failed: fix the mandatory violations above (rules: policies/README.md)");
    process.exitCode = EXIT_CODE.failed;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
