/**
 * `npm run policy [-- options]`: runs the guardrails over the Kubernetes manifests of every stack.
 *
 *   (no option)         synthesize every `Pulumi.<stack>.yaml` in process, as `npm run synth` does
 *   --stack <name>      only these stacks (repeatable)
 *   --dist <dir>        instead, read every *.yaml under <dir> (e.g. dist/ after `npm run synth`)
 *   --environment <env> environment of objects without the app.kubernetes.io/environment label
 *                       (with --dist; when synthesizing, each stack's own environment is used)
 *
 * Prints every violation with its fix; exits 1 when a mandatory rule is broken, 2 on a usage or
 * config error. Advisory violations are printed as warnings and do not change the exit code.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseAllDocuments } from "yaml";
import { resolveStackFile } from "../config/resolve-stack-config.js";
import { listStackFiles, readProjectName } from "../config/stack-files.js";
import { buildStackObjects } from "../synth/synthesize.js";
import { checkKubernetesManifests, formatViolation, mandatoryViolations } from "../policies/run.js";
import type { KubernetesManifest, Violation } from "../policies/types.js";

/** One set of manifests checked together (relations such as PDBs are looked up within the set). */
export interface ManifestSet {
  readonly label: string;
  readonly manifests: readonly KubernetesManifest[];
  readonly environment?: string;
}

/** The manifests of every (or the named) stack of the project, synthesized in process. */
export function synthesizedStacks(projectDir: string, stacks?: readonly string[]): ManifestSet[] {
  const project = readProjectName(projectDir);
  const available = listStackFiles(projectDir);
  const unknown = (stacks ?? []).filter((stack) => !available.some((file) => file.stack === stack));
  if (unknown.length > 0) throw new Error(`no stack file for ${unknown.join(", ")} (stacks: ${available.map((f) => f.stack).join(", ")})`);
  return available
    .filter((file) => stacks === undefined || stacks.includes(file.stack))
    .map((file) => {
      const resolved = resolveStackFile(readFileSync(file.path, "utf8"), { project, stack: file.stack, file: file.file });
      return { label: `stack ${file.stack}`, manifests: buildStackObjects(resolved), environment: resolved.config.environment };
    });
}

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
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message ?? "YAML error"}`);
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
    const violations = checkKubernetesManifests(set.manifests, set.environment === undefined ? {} : { environment: set.environment });
    const mandatory = mandatoryViolations(violations).length;
    lines.push(`${set.label}: ${set.manifests.length} objects, ${mandatory} mandatory and ${violations.length - mandatory} advisory violation(s)`);
    lines.push(...violations.map((violation) => `  ${formatViolation(violation).replace(/\n/g, "\n  ")}`));
    all.push(...violations);
  }
  return { lines, violations: all, failed: mandatoryViolations(all).length > 0 };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", multiple: true },
      dist: { type: "string" },
      environment: { type: "string" },
      project: { type: "string" },
    },
  });
  let sets: ManifestSet[];
  try {
    const projectDir = resolve(values.project ?? ".");
    sets = values.dist !== undefined ? manifestsFromDist(resolve(values.dist), values.environment) : synthesizedStacks(projectDir, values.stack);
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  if (sets.length === 0) {
    console.error(values.dist !== undefined ? `no Kubernetes YAML under ${values.dist}; run npm run synth first` : "no stack files found");
    process.exitCode = 2;
    return;
  }
  const result = checkSets(sets);
  for (const line of result.lines) console.log(line);
  if (result.failed) {
    console.error("policy check failed: fix the mandatory violations above (rules: policies/README.md)");
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
