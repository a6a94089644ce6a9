/**
 * The command-line contract every `npm run <command>` keeps, written once: `--help` (usage, each option
 * in one line, the exit codes), an unknown option refused in one line with a suggestion, and a user's
 * mistake (unknown option, missing or malformed value, unknown stack) answered in one line on stderr,
 * exit 64, never with a stack trace. Only unexpected internal errors may print details.
 *
 * A command declares its options (with their one-line descriptions) and its exit codes in a
 * {@link CommandSpec} and calls {@link readCommandLine}; README.md, "Commands", has the one table of
 * exit codes for every command.
 *
 * The commands that run the engine on a stack (`preview`, `deploy`, `drift`) also share: the stack's lock
 * (another operation holding it is answered at once, exit 3, never waited for), Ctrl-C or SIGTERM (the
 * running operation cancelled cleanly, exit 130; a third one quits at once), and output scrubbed of every
 * secret value of the stack.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { listStackFiles, readProjectName } from "../config/stack-files.js";

/**
 * Exit codes, the same for every command (README.md, "Commands"). They keep the deploy's historical
 * values (`release/stack-access.ts` `EXIT`); a command uses the subset that can happen to it.
 */
export const EXIT_CODE = {
  /** Done: what the command is for succeeded (`drift`: no drift). */
  ok: 0,
  /** Failed, in a known state: an invalid stack, a broken mandatory rule, a release rolled back, drift found. */
  failed: 1,
  /** Failed, state not verified: a preview that did not run, a release not back to a verified one, a drift check that could not check. */
  unverified: 2,
  /** Another operation holds the stack's lock. */
  locked: 3,
  /** Rejected before any change: the stack is as it was. */
  rejected: 4,
  /** Aborted by the canary analysis: the canary was removed, the stable track never changed. */
  aborted: 5,
  /** A user's mistake on the command line (sysexits' EX_USAGE): nothing was run. */
  usage: 64,
  /** Interrupted (Ctrl-C, SIGTERM): the running operation was cancelled cleanly. */
  interrupted: 130,
} as const;

/** One option of a command. */
export interface OptionSpec {
  /** `string` takes a value (`--stack production`), `boolean` is a flag (`--rollback`). */
  readonly type: "string" | "boolean";
  /** The option may be given more than once; its values are collected in order. */
  readonly multiple?: boolean;
  /** The command cannot run without it. */
  readonly required?: boolean;
  /** How the value is written in the help, e.g. `<name>`. */
  readonly value?: string;
  /** One line for `--help`. */
  readonly description: string;
}

/** A command's name, its options and what each of its exit codes means. */
export interface CommandSpec<O extends Readonly<Record<string, OptionSpec>> = Readonly<Record<string, OptionSpec>>> {
  /** As typed after `npm run`, e.g. `synth`; also the prefix of every error line. */
  readonly name: string;
  /** What the command does, a few lines for `--help`. */
  readonly summary: string;
  readonly options: O;
  /** Code → what it means for this command, one line each (codes from {@link EXIT_CODE}). */
  readonly exitCodes: Readonly<Partial<Record<(typeof EXIT_CODE)[keyof typeof EXIT_CODE], string>>>;
}

/** The parsed options: a string, a list for `multiple`, `true` for a flag given; absent ones are undefined unless required. */
export type OptionValues<O extends Readonly<Record<string, OptionSpec>>> = {
  -readonly [K in keyof O]: O[K] extends { readonly type: "boolean" }
    ? boolean | undefined
    : O[K] extends { readonly multiple: true }
      ? O[K] extends { readonly required: true }
        ? string[]
        : string[] | undefined
      : O[K] extends { readonly required: true }
        ? string
        : string | undefined;
};

/** A mistake on the command line, written for the person who made it. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** Shown in parentheses after the message; `see --help` unless a better pointer exists. */
    readonly hint = "see --help",
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** The one line a usage error prints: `synth: unknown option --stak; did you mean --stack? (see --help)`. */
export function usageLine(command: string, error: UsageError): string {
  return `${command}: ${error.message}${error.hint === "" ? "" : ` (${error.hint})`}`;
}

const HELP = new Set(["--help", "-h"]);

/**
 * Parses `argv` (the arguments after the script) against the command's options. Returns `"help"` when
 * `--help`/`-h` is among them; throws a {@link UsageError} for anything the command does not accept.
 */
export function parseCommandLine<O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>, argv: readonly string[]): OptionValues<O> | "help" {
  const terminator = argv.indexOf("--");
  if ((terminator < 0 ? argv : argv.slice(0, terminator)).some((arg) => HELP.has(arg))) return "help";
  const declared = Object.fromEntries(Object.entries(spec.options).map(([name, option]) => [name, { type: option.type, multiple: option.multiple === true }]));
  const { tokens } = parseArgs({ args: [...argv], options: declared, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | string[] | boolean> = {};
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue;
    if (token.kind === "positional") {
      const hint = "stack" in spec.options && !token.value.startsWith("-") ? `; did you mean --stack ${token.value}?` : "; options start with --";
      throw new UsageError(`unexpected argument ${token.value}${hint}`);
    }
    const raw = argv[token.index] ?? token.rawName;
    const written = raw.split("=")[0] ?? raw;
    const option = token.rawName.startsWith("--") ? spec.options[token.name] : undefined;
    if (option === undefined) {
      // `-stack` is read by Node as the short options -s -t -a...: report the argument as typed.
      const name = written.replace(/^-+/, "");
      throw new UsageError(`unknown option ${written}${suggestOption(name, Object.keys(spec.options))}`);
    }
    if (option.type === "boolean") {
      if (token.inlineValue === true) throw new UsageError(`option --${token.name} takes no value (got ${raw})`);
      values[token.name] = true;
      continue;
    }
    const value = token.value;
    if (value === undefined || value === "" || (token.inlineValue !== true && value.startsWith("-"))) {
      throw new UsageError(`option --${token.name} needs a value: --${token.name} ${option.value ?? "<value>"}`);
    }
    if (option.multiple === true) {
      const previous = values[token.name];
      values[token.name] = [...(Array.isArray(previous) ? previous : []), value];
    } else {
      if (token.name in values) throw new UsageError(`option --${token.name} is given twice; give it once`);
      values[token.name] = value;
    }
  }
  for (const [name, option] of Object.entries(spec.options)) {
    if (option.required === true && !(name in values)) throw new UsageError(`option --${name} is required: --${name} ${option.value ?? "<value>"}`);
  }
  return values as OptionValues<O>;
}

/**
 * {@link parseCommandLine} for a command's `main`: prints the help to stdout and exits 0 on `--help`,
 * prints one line to stderr and exits 64 on a usage error.
 */
export function readCommandLine<O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>, argv: readonly string[] = process.argv.slice(2)): OptionValues<O> {
  try {
    const parsed = parseCommandLine(spec, argv);
    if (parsed !== "help") return parsed;
    process.stdout.write(helpText(spec));
    process.exit(EXIT_CODE.ok);
  } catch (error) {
    if (error instanceof UsageError) exitWithUsageError(spec.name, error);
    throw error;
  }
}

/** Prints the usage error's one line and exits 64. */
export function exitWithUsageError(command: string, error: UsageError): never {
  console.error(usageLine(command, error));
  process.exit(EXIT_CODE.usage);
}

/** Runs `check`; a {@link UsageError} from it prints its one line and exits 64 (for checks after parsing, such as the stack name). */
export function exitOnUsageError<T>(command: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof UsageError) exitWithUsageError(command, error);
    throw error;
  }
}

/** The `--help` text: usage, summary, one line per option, the command's exit codes. */
export function helpText(spec: CommandSpec): string {
  const entries = Object.entries(spec.options);
  const required = entries.filter(([, option]) => option.required === true).map(([name, option]) => `--${name} ${option.value ?? "<value>"}`);
  const usage = ["npm run", spec.name, "--", ...required, entries.length > required.length ? "[options]" : ""].filter((part) => part !== "").join(" ");
  const rows: [string, string][] = entries.map(([name, option]) => [
    `--${name}${option.type === "string" ? ` ${option.value ?? "<value>"}` : ""}`,
    `${option.description}${option.multiple === true ? " (repeatable)" : ""}${option.required === true ? " (required)" : ""}`,
  ]);
  rows.push(["-h, --help", "print this help and exit"]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const codes = Object.entries(spec.exitCodes).map(([code, meaning]) => `  ${code.padEnd(5)}${meaning}`);
  return [
    `usage: ${usage}`,
    "",
    ...spec.summary.split("\n").map((line) => line.trimEnd()),
    "",
    "options:",
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    "",
    'exit codes (every command\'s: README.md, "Commands"):',
    ...codes,
    "",
  ].join("\n");
}

/**
 * The stacks of the project in `projectDir` (its `Pulumi.<stack>.yaml` files); a usage error when the
 * directory holds no `Pulumi.yaml`, or when one of `wanted` has no stack file (naming the closest).
 */
export function knownStacks(projectDir: string, wanted: readonly string[] = [], directoryOption = "--project"): string[] {
  if (!existsSync(join(projectDir, "Pulumi.yaml"))) {
    throw new UsageError(`no Pulumi.yaml in ${projectDir}`, `${directoryOption} must be the directory holding Pulumi.yaml`);
  }
  try {
    readProjectName(projectDir);
  } catch (error) {
    throw new UsageError(`${join(projectDir, "Pulumi.yaml")}: ${((error as Error).message.split("\n")[0] ?? "").replace(`${join(projectDir, "Pulumi.yaml")}: `, "")}`, `fix it, or give ${directoryOption} another project`);
  }
  const stacks = listStackFiles(projectDir).map((file) => file.stack);
  for (const stack of wanted) {
    if (!stacks.includes(stack)) {
      const closest = closestName(stack, stacks);
      throw new UsageError(
        `unknown stack ${stack}${closest === undefined ? "" : `; did you mean ${closest}?`}`,
        stacks.length === 0 ? `no Pulumi.<stack>.yaml in ${projectDir}` : `stacks: ${stacks.join(", ")}`,
      );
    }
  }
  return stacks;
}

/** A positive whole number given to `--<option>`; a usage error otherwise. `unit` words the message ("seconds"). */
export function positiveInteger(option: string, text: string | undefined, unit?: string): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(`option --${option} must be a whole number${unit === undefined ? " above 0" : ` of ${unit}`} (got ${text})`);
  }
  return n;
}

function suggestOption(name: string, options: readonly string[]): string {
  const closest = closestName(name, options);
  return closest === undefined ? "" : `; did you mean --${closest}?`;
}

/**
 * The candidate closest to `text` (edit distance, case-insensitive) when it is close enough to be a
 * typo, or the one candidate `text` is a prefix of; undefined otherwise.
 */
export function closestName(text: string, candidates: readonly string[]): string | undefined {
  const lower = text.toLowerCase();
  const ranked = candidates
    .map((candidate) => ({ candidate, distance: editDistance(lower, candidate.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate));
  const best = ranked[0];
  if (best !== undefined && best.distance <= Math.max(2, Math.floor(text.length / 3)) && ranked[1]?.distance !== best.distance) return best.candidate;
  const prefixed = candidates.filter((candidate) => lower !== "" && candidate.toLowerCase().startsWith(lower));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}
