/** One problem in a stack file: where (file and key) and what to change. */
export interface ConfigProblem {
  readonly file: string;
  /** The config key as a user writes it, e.g. `go-service:database.sslMode`; empty for file-level problems. */
  readonly key: string;
  readonly message: string;
}

/** Thrown when a stack's configuration is invalid; carries every problem found, not just the first. */
export class StackConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = "StackConfigError";
  }
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const lines = problems.map((p) => `  ${p.file}: ${p.key === "" ? "" : `${p.key}: `}${p.message}`);
  return [`Invalid stack configuration (${count}):`, ...lines].join("\n");
}
