import {
  CommandError,
  ConcurrentUpdateError,
  type ConfigMap,
  LocalWorkspace,
  type PulumiCommand,
  type Stack,
  StackNotFoundError,
} from "@pulumi/pulumi/automation/index.js";

/** Where a stack's program lives and how to reach its backend. */
export interface StackTarget {
  readonly stackName: string;
  /** The directory holding Pulumi.yaml: the repository root, or a worktree of an older release. */
  readonly workDir: string;
  /** Extra environment for the CLI (backend URL, passphrase...); the process environment otherwise. */
  readonly envVars?: Readonly<Record<string, string>>;
  /** A specific CLI; `pulumi` on PATH otherwise. */
  readonly pulumiCommand?: PulumiCommand;
}

/** An error whose message is written for the person running the deploy; `exitCode` is the CLI's. */
export class ReleaseError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = "ReleaseError";
  }
}

/** Exit codes of `npm run preview` and `npm run deploy`. */
export const EXIT = {
  ok: 0,
  /** The release failed; the last good release was re-applied and verified. */
  rolledBack: 1,
  /** The release failed and the stack is not back to a verified release (no last good one, or its re-apply failed). */
  failed: 2,
  /** Another operation holds the stack's lock. */
  locked: 3,
  /** The release was rejected before changing anything (its preview failed): the stack is as it was. */
  notApplied: 4,
  /** The canary analysis aborted the release: the canary was removed, the stable track never changed. */
  aborted: 5,
  usage: 64,
  /** Interrupted (Ctrl-C): the running operation was cancelled cleanly. */
  cancelled: 130,
} as const;

export async function openStack(target: StackTarget): Promise<Stack> {
  try {
    return await LocalWorkspace.selectStack(
      { stackName: target.stackName, workDir: target.workDir },
      {
        ...(target.envVars === undefined ? {} : { envVars: { ...target.envVars } }),
        ...(target.pulumiCommand === undefined ? {} : { pulumiCommand: target.pulumiCommand }),
      },
    );
  } catch (error) {
    throw rephrase(error, target.stackName);
  }
}

/**
 * Engine errors in the words of this tool: a held lock says who to wait for, a missing stack how to
 * create it; anything else keeps the CLI's error lines (not its whole output).
 */
export function rephrase(error: unknown, stackName: string): Error {
  if (error instanceof ReleaseError) return error;
  if (error instanceof ConcurrentUpdateError) {
    return new ReleaseError(
      `Stack "${stackName}" is locked: another preview or deploy of it is running right now. ` +
        `Wait for it to finish and run this again. If nothing is running (a process was killed), ` +
        `remove the stale lock: \`pulumi cancel --stack ${stackName}\` on Pulumi Cloud, or delete ` +
        `.pulumi/locks/*/go-service/${stackName}/ in a self-managed backend.`,
      EXIT.locked,
    );
  }
  if (error instanceof StackNotFoundError) {
    return new ReleaseError(
      `Stack "${stackName}" does not exist in this backend (PULUMI_BACKEND_URL=${process.env.PULUMI_BACKEND_URL ?? "(not set)"}). ` +
        `Create it with \`pulumi stack init ${stackName}\`, or check the backend URL.`,
      EXIT.usage,
    );
  }
  if (error instanceof CommandError) return new Error(commandErrorLines(error.message));
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The meaningful lines of a CommandError's text: its `error:` lines and diagnostics, not the progress
 * output. The text's `err?:` part is dropped: it is the process library's own error, which repeats the
 * whole command line (`Command failed with exit code 255: pulumi config set ... <value>`).
 */
export function commandErrorLines(text: string): string {
  const cut = text.indexOf("\n err?: ");
  const lines = stripColor(cut < 0 ? text : text.slice(0, cut))
    .split("\n")
    .filter((l) => !/Command failed( with exit code \d+)?:/.test(l));
  const wanted = lines.filter((l) => /\berror:/i.test(l));
  const chosen = wanted.length > 0 ? wanted : lines.slice(-20);
  return chosen.map((l) => l.trimEnd()).filter((l) => l !== "").join("\n");
}

/** Removes ANSI escapes and the engine's `<{%fg 1%}>` colour directives. */
export function stripColor(text: string): string {
  // eslint-disable-next-line no-control-regex -- ANSI escape sequences start with the ESC control character.
  return text.replace(/\u001b\[[0-9;]*m/g, "").replace(/<\{%[^%]*%\}>/g, "");
}

/**
 * The stack's config, secrets decrypted. A failure is reported in fixed words: the CLI's error would
 * carry its output, which holds the decrypted values.
 */
export async function readStackConfig(stack: Stack): Promise<ConfigMap> {
  try {
    return await stack.getAllConfig();
  } catch {
    throw new Error(`could not read the config of stack "${stack.name}" (pulumi config --show-secrets failed; its output is withheld, as it holds decrypted values)`);
  }
}

/** The secret values of a config map. */
export function secretValuesOf(config: ConfigMap): string[] {
  return Object.values(config)
    .filter((entry) => entry.secret === true)
    .map((entry) => entry.value);
}

/** The stack's secret config values, to scrub from anything printed. */
export async function secretConfigValues(stack: Stack): Promise<string[]> {
  return secretValuesOf(await readStackConfig(stack));
}
