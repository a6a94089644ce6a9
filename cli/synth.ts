/**
 * `npm run synth [-- --stack <name>] [--out <dir>]`: validates every `Pulumi.<stack>.yaml` and writes
 * `dist/<stack>/…`. A stack with an invalid config writes nothing and makes the command exit 1, after
 * every stack was checked and every problem printed. `--help` lists the options and exit codes.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { EXIT_CODE, exitOnUsageError, knownStacks, readCommandLine, type CommandSpec } from "./command-line.js";
import { StackConfigError } from "../config/config-error.js";
import { resolveStackFile } from "../config/resolve-stack-config.js";
import { listStackFiles, readProjectName } from "../config/stack-files.js";
import { synthesizeStack } from "../synth/synthesize.js";

export interface SynthOptions {
  readonly projectDir: string;
  readonly outDir: string;
  readonly stacks?: readonly string[];
}

export interface SynthResult {
  readonly written: readonly string[];
  readonly errors: readonly string[];
}

export function runSynth(options: SynthOptions): SynthResult {
  const project = readProjectName(options.projectDir);
  const available = listStackFiles(options.projectDir);
  const wanted = options.stacks ?? available.map((s) => s.stack);
  const errors: string[] = [];
  const written: string[] = [];
  for (const stack of wanted) {
    const file = available.find((s) => s.stack === stack);
    if (file === undefined) {
      errors.push(`No stack file Pulumi.${stack}.yaml in ${options.projectDir} (stacks: ${available.map((s) => s.stack).join(", ") || "none"})`);
      continue;
    }
    const stackDir = join(options.outDir, stack);
    try {
      const resolved = resolveStackFile(readFileSync(file.path, "utf8"), { project, stack, file: file.file });
      const synthesized = synthesizeStack(resolved);
      rmSync(stackDir, { recursive: true, force: true });
      mkdirSync(stackDir, { recursive: true });
      for (const [name, content] of Object.entries(synthesized.files)) {
        writeFileSync(join(stackDir, name), content);
        written.push(join(stackDir, name));
      }
    } catch (error) {
      // Nothing half-written survives: a stale directory would be mistaken for this run's output.
      rmSync(stackDir, { recursive: true, force: true });
      errors.push(error instanceof StackConfigError ? error.message : `${file.file}: ${(error as Error).message}`);
    }
  }
  return { written, errors };
}

export const SYNTH_COMMAND = {
  name: "synth",
  summary: `Validates every Pulumi.<stack>.yaml (or those named with --stack) and writes dist/<stack>/:
kubernetes.yaml, prometheus-rules.yaml and grafana-dashboard.json. A stack with an invalid
configuration writes nothing; every problem of every stack is printed. No cloud account, no cluster.`,
  options: {
    stack: { type: "string", multiple: true, value: "<name>", description: "only this stack (default: every Pulumi.<stack>.yaml)" },
    out: { type: "string", value: "<dir>", description: "write under <dir>/<stack>/ (default: <project>/dist)" },
    project: { type: "string", value: "<dir>", description: "the directory holding Pulumi.yaml (default: the current one)" },
  },
  exitCodes: {
    [EXIT_CODE.ok]: "every stack was written",
    [EXIT_CODE.failed]: "a stack's configuration is invalid (nothing is written for it; the others are)",
    [EXIT_CODE.usage]: "usage error: unknown option, missing value, unknown stack, no Pulumi.yaml (nothing run)",
  },
} as const satisfies CommandSpec;

function main(): void {
  const values = readCommandLine(SYNTH_COMMAND);
  const projectDir = resolve(values.project ?? ".");
  exitOnUsageError(SYNTH_COMMAND.name, () => knownStacks(projectDir, values.stack ?? []));
  const result = runSynth({
    projectDir,
    outDir: resolve(values.out ?? join(projectDir, "dist")),
    ...(values.stack === undefined ? {} : { stacks: values.stack }),
  });
  for (const path of result.written) console.log(`wrote ${path}`);
  for (const error of result.errors) console.error(error);
  if (result.errors.length > 0) process.exitCode = EXIT_CODE.failed;
}

if (import.meta.url === `file://${process.argv[1]}`) main();
