import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { closestName, EXIT_CODE, helpText, parseCommandLine, UsageError, usageLine, type CommandSpec } from "../../cli/command-line.js";
import { EXIT } from "../../release/stack-access.js";
import { PROJECT_DIR, productionBlock, stackFileText } from "../support/stacks.js";

/** A project of its own, so that the stacks the messages list do not depend on the committed ones. */
const project = mkdtempSync(join(tmpdir(), "cli-project-"));
copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(project, "Pulumi.yaml"));
writeFileSync(join(project, "Pulumi.production.yaml"), stackFileText(productionBlock()));
writeFileSync(join(project, "Pulumi.staging.yaml"), stackFileText({ ...productionBlock(), "go-service:environment": "staging" }));
const empty = mkdtempSync(join(tmpdir(), "cli-empty-"));
const out = mkdtempSync(join(tmpdir(), "cli-out-"));

type Command = "synth" | "policy" | "preview" | "deploy" | "drift" | "loadtest" | "checklist";

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: Command, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_DIR, `cli/${command}.ts`), ...args], { cwd: PROJECT_DIR });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** [command, arguments, the one stderr line, exit code]: a user's mistake is one line, never a stack trace. */
const MISTAKES: ReadonlyArray<readonly [Command, readonly string[], string, number]> = [
  ["synth", ["--stak", "production"], "synth: unknown option --stak; did you mean --stack? (see --help)", 64],
  ["synth", ["--project", project, "--stack"], "synth: option --stack needs a value: --stack <name> (see --help)", 64],
  ["synth", ["--project", project, "--stack", "--out", out], "synth: option --stack needs a value: --stack <name> (see --help)", 64],
  ["synth", ["--project", project, "--stack", "prod"], "synth: unknown stack prod; did you mean production? (stacks: production, staging)", 64],
  ["synth", ["--project", project, "--stack", "qa"], "synth: unknown stack qa (stacks: production, staging)", 64],
  ["synth", ["--project", project, "production"], "synth: unexpected argument production; did you mean --stack production? (see --help)", 64],
  ["synth", ["--project", empty], `synth: no Pulumi.yaml in ${empty} (--project must be the directory holding Pulumi.yaml)`, 64],
  ["synth", ["--out", out, "--out", out], "synth: option --out is given twice; give it once (see --help)", 64],
  ["synth", ["--frobnicate"], "synth: unknown option --frobnicate (see --help)", 64],
  ["policy", ["--sack", "production"], "policy: unknown option --sack; did you mean --stack? (see --help)", 64],
  ["policy", ["--dist"], "policy: option --dist needs a value: --dist <dir> (see --help)", 64],
  ["policy", ["--dist", join(empty, "dist")], `policy: no directory ${join(empty, "dist")} (run npm run synth first, or give --dist the directory it wrote)`, 64],
  ["policy", ["--project", project, "--stack", "staginng"], "policy: unknown stack staginng; did you mean staging? (stacks: production, staging)", 64],
  ["policy", ["--environment", "production"], "policy: --environment only applies with --dist: a synthesized stack uses its own environment (see --help)", 64],
  ["preview", [], "preview: option --stack is required: --stack <name> (see --help)", 64],
  ["preview", ["--stack", "stagin", "--cwd", project], "preview: unknown stack stagin; did you mean staging? (stacks: production, staging)", 64],
  ["preview", ["--stack", "staging", "--cwd", project, "--max-chars", "many"], "preview: option --max-chars must be a whole number above 0 (got many) (see --help)", 64],
  ["preview", ["--stack", "staging", "--cwd", empty], `preview: no Pulumi.yaml in ${empty} (--cwd must be the directory holding Pulumi.yaml)`, 64],
  ["deploy", ["-stack", "production"], "deploy: unknown option -stack; did you mean --stack? (see --help)", 64],
  ["deploy", ["--stack", "production", "--cwd", project, "--rollback=yes"], "deploy: option --rollback takes no value (got --rollback=yes) (see --help)", 64],
  ["deploy", ["--stack", "production", "--cwd", project, "--rollout-timeout", "10m"], "deploy: option --rollout-timeout must be a whole number of seconds (got 10m) (see --help)", 64],
  ["deploy", ["--stack", "production", "--cwd", project, "--smoke-timeout", "0"], "deploy: option --smoke-timeout must be a whole number of seconds (got 0) (see --help)", 64],
  ["deploy", ["--stack", "prod", "--cwd", project], "deploy: unknown stack prod; did you mean production? (stacks: production, staging)", 64],
  ["deploy", ["--stack", "production", "--cwd", project, "--plan"], "deploy: option --plan needs a value: --plan <file> (see --help)", 64],
  ["drift", [], "drift: option --stack is required: --stack <name> (see --help)", 64],
  ["drift", ["--stack", "stagin", "--cwd", project], "drift: unknown stack stagin; did you mean staging? (stacks: production, staging)", 64],
  ["drift", ["--stack", "staging", "--cwd", project, "--fix"], "drift: unknown option --fix (see --help)", 64],
  ["loadtest", [], "loadtest: option --stack is required: --stack <name> (see --help)", 64],
  ["loadtest", ["--stack", "stagin", "--cwd", project], "loadtest: unknown stack stagin; did you mean staging? (stacks: production, staging)", 64],
  ["loadtest", ["--stack", "staging", "--cwd", project, "--concurrency", "many"], "loadtest: option --concurrency must be a whole number of connections (got many) (see --help)", 64],
  ["loadtest", ["--stack", "staging", "--cwd", project, "--url", "ftp://example.com"], "loadtest: --url ftp://example.com is not an http(s) URL (e.g. --url https://staging.monapp.com)", 64],
  ["checklist", ["--stak", "production"], "checklist: unknown option --stak; did you mean --stack? (see --help)", 64],
  ["checklist", ["--stack", "production", "--cwd", project, "--load-test-stack", "qa"], "checklist: unknown stack qa (stacks: production, staging)", 64],
];

const COMMANDS: readonly Command[] = ["synth", "policy", "preview", "deploy", "drift", "loadtest", "checklist"];

/** Spawns every case up front, a few at a time: each command takes seconds to load. */
async function runAll<T>(jobs: readonly (() => Promise<T>)[], parallel = 4): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await (jobs[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

let mistakes: Run[] = [];
let helps: Run[] = [];

beforeAll(async () => {
  const runs = await runAll([...MISTAKES.map(([command, args]) => () => run(command, args)), ...COMMANDS.map((command) => () => run(command, ["--help"]))]);
  mistakes = runs.slice(0, MISTAKES.length);
  helps = runs.slice(MISTAKES.length);
}, 240_000);

describe("a mistake on the command line", () => {
  it.each(MISTAKES.map((row, index) => [...row, index] as const))("%s %j → %s (exit %i)", (_command, _args, line, code, index) => {
    const result = mistakes[index] as Run;
    expect(result.stderr).toBe(`${line}\n`);
    expect(result.status).toBe(code);
    expect(result.stdout).toBe("");
  });

  it("writes nothing", () => {
    expect(readFileSync(join(project, "Pulumi.production.yaml"), "utf8")).toBe(stackFileText(productionBlock()));
    expect(() => readFileSync(join(project, "dist", "production", "kubernetes.yaml"))).toThrow();
  });
});

/** The README's exit-code table: code → the commands it names (a cell other than "—"). */
function readmeExitCodes(): Map<Command, number[]> {
  const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Commands\n"));
  const rows = section
    .slice(0, section.indexOf("\n## ", 1))
    .split("\n")
    .filter((line) => /^\| \d+ \|/.test(line))
    .map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
  const byCommand = new Map<Command, number[]>();
  COMMANDS.forEach((command, column) => {
    byCommand.set(
      command,
      rows.filter((cells) => cells[column + 2] !== "—").map((cells) => Number(cells[0])),
    );
  });
  return byCommand;
}

describe("--help", () => {
  it.each(COMMANDS.map((command, index) => [command, index] as const))("%s --help: usage, options, exit codes; exit 0", (command, index) => {
    const result = helps[index] as Run;
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(new RegExp(`^usage: npm run ${command} -- `));
    expect(result.stdout).toContain("\noptions:\n");
    expect(result.stdout).toContain("  -h, --help ");
    expect(result.stdout).toContain('\nexit codes (every command\'s: README.md, "Commands"):\n');
  });

  it.each(COMMANDS.map((command, index) => [command, index] as const))("%s --help lists the exit codes of the README's one table", (command, index) => {
    const result = helps[index] as Run;
    const codes = (result.stdout.split("exit codes")[1] ?? "")
      .split("\n")
      .filter((line) => /^ {2}\d+ /.test(line))
      .map((line) => Number(line.trim().split(" ")[0]));
    expect(codes).toEqual(readmeExitCodes().get(command));
    expect(codes).toContain(EXIT_CODE.usage);
  });
});

describe("exit codes", () => {
  it("are the deploy's codes (release/stack-access.ts EXIT)", () => {
    expect(EXIT).toEqual({
      ok: EXIT_CODE.ok,
      rolledBack: EXIT_CODE.failed,
      failed: EXIT_CODE.unverified,
      locked: EXIT_CODE.locked,
      notApplied: EXIT_CODE.rejected,
      aborted: EXIT_CODE.aborted,
      usage: EXIT_CODE.usage,
      cancelled: EXIT_CODE.interrupted,
    });
  });

  it("the README's table has one row per code", () => {
    const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
    const rows = [...readme.matchAll(/^\| (\d+) \| /gm)].map((match) => Number(match[1]));
    expect(rows).toEqual(Object.values(EXIT_CODE));
  });
});

const SPEC = {
  name: "tool",
  summary: "Does things.",
  options: {
    stack: { type: "string", multiple: true, value: "<name>", description: "a stack" },
    "rollout-timeout": { type: "string", value: "<s>", description: "seconds" },
    "smoke-url": { type: "string", value: "<url>", description: "a URL" },
    "smoke-timeout": { type: "string", value: "<s>", description: "seconds" },
    rollback: { type: "boolean", description: "roll back" },
  },
  exitCodes: { 0: "done", 64: "usage" },
} as const satisfies CommandSpec;

function usageOf(args: readonly string[]): string {
  try {
    parseCommandLine(SPEC, args);
  } catch (error) {
    if (error instanceof UsageError) return usageLine(SPEC.name, error);
    throw error;
  }
  throw new Error(`accepted: ${args.join(" ")}`);
}

describe("parseCommandLine", () => {
  it.each([
    [["--stack", "a", "--stack=b", "--rollback"], { stack: ["a", "b"], rollback: true }],
    [["--rollout-timeout", "90"], { "rollout-timeout": "90" }],
    [[], {}],
    [["--"], {}],
  ] as const)("%j → %j", (args, values) => {
    expect(parseCommandLine(SPEC, args)).toEqual(values);
  });

  it.each([[["--help"]], [["-h"]], [["--stack", "a", "--help"]], [["--bogus", "-h"]]] as const)("%j asks for the help", (args) => {
    expect(parseCommandLine(SPEC, args)).toBe("help");
  });

  it.each([
    [["--rollbak"], "tool: unknown option --rollbak; did you mean --rollback? (see --help)"],
    [["--smoke"], "tool: unknown option --smoke (see --help)"],
    [["--smoke-tmeout", "3"], "tool: unknown option --smoke-tmeout; did you mean --smoke-timeout? (see --help)"],
    [["--roll"], "tool: unknown option --roll (see --help)"],
    [["--rollo"], "tool: unknown option --rollo; did you mean --rollout-timeout? (see --help)"],
    [["-x"], "tool: unknown option -x (see --help)"],
    [["--rollout-timeout="], "tool: option --rollout-timeout needs a value: --rollout-timeout <s> (see --help)"],
    [["--rollout-timeout", "1", "--rollout-timeout", "2"], "tool: option --rollout-timeout is given twice; give it once (see --help)"],
    [["--", "--stack"], "tool: unexpected argument --stack; options start with -- (see --help)"],
  ] as const)("%j → %s", (args, line) => {
    expect(usageOf(args)).toBe(line);
  });

  it("help lists every option once, with its value and description", () => {
    const help = helpText(SPEC);
    expect(help).toContain("usage: npm run tool -- [options]\n");
    expect(help).toMatch(/^ {2}--stack <name> +a stack \(repeatable\)$/m);
    expect(help).toMatch(/^ {2}--rollback +roll back$/m);
    expect(help).toMatch(/^ {2}64 {3}usage$/m);
  });
});

describe("closestName", () => {
  it.each([
    ["stak", ["stack", "out", "project"], "stack"],
    ["prod", ["local", "production", "staging"], "production"],
    ["Production", ["local", "production", "staging"], "production"],
    ["qa", ["local", "production", "staging"], undefined],
    ["", ["stack"], undefined],
  ] as const)("%s among %j → %s", (text, candidates, expected) => {
    expect(closestName(text, candidates)).toBe(expected);
  });
});
