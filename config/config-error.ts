/** One problem in a stack file: where (file and key) and what to change. */
export interface ConfigProblem {
  /** The stack file as messages show it, e.g. `Pulumi.production.yaml`. */
  readonly file: string;
  /** The config key as a user writes it, e.g. `go-service:database.sslMode`; empty for file-level problems. */
  readonly key: string;
  /** What is wrong and what to change, e.g. `must not be "disable" in production: …; use "require"`. */
  readonly message: string;
}

/** Thrown when a stack's configuration is invalid; carries every problem found, not just the first. */
export class StackConfigError extends Error {
  constructor(
    /** Every problem found, in the order they were found; the message lists the same. */
    readonly problems: readonly ConfigProblem[],
  ) {
    super(formatProblems(problems));
    this.name = "StackConfigError";
  }
}

/**
 * The message of a {@link StackConfigError}: a count, then one `<file>: <key>: <message>` line per
 * problem, so that every problem can be fixed from one run.
 */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const lines = problems.map((p) => `  ${p.file}: ${p.key === "" ? "" : `${p.key}: `}${p.message}`);
  return [`Invalid stack configuration (${count}):`, ...lines].join("\n");
}
