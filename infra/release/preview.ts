import type { EngineEvent, Stack } from "@pulumi/pulumi/automation/index.js";
import { type ChangeCounts, countChanges, type ResourceChange, resourceChanges } from "./resource-changes.js";
import { rephrase, ReleaseError, stripColor } from "./stack-access.js";

export interface PreviewOptions {
  /** Save the update plan here (`pulumi preview --save-plan`), for `deploy --plan`. */
  readonly planFile?: string;
  /** Cancels the preview (SIGINT to the CLI) when aborted. */
  readonly signal?: AbortSignal;
  /** Progress lines of the CLI, for a person watching. */
  readonly onOutput?: (text: string) => void;
}

/** What a preview found: the report's input, and the raw events for fixtures and debugging. */
export interface PreviewOutcome {
  readonly ok: boolean;
  readonly events: readonly EngineEvent[];
  readonly changes: readonly ResourceChange[];
  readonly counts: ChangeCounts;
  /** Error diagnostics (config errors, provider errors), colour codes removed. */
  readonly errors: readonly string[];
  readonly durationMs: number;
}

/**
 * Previews the stack. A preview that fails (invalid config, unreachable cluster) is an outcome with
 * `ok: false` and its errors, not an exception, so the report can say why; a held lock or an
 * interruption is thrown as a {@link ReleaseError}.
 */
export async function previewStack(stack: Stack, options: PreviewOptions = {}): Promise<PreviewOutcome> {
  const events: EngineEvent[] = [];
  const started = performance.now();
  let ok = true;
  let failure: Error | undefined;
  try {
    await stack.preview({
      onEvent: (event) => events.push(event),
      ...(options.planFile === undefined ? {} : { plan: options.planFile }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onOutput === undefined ? {} : { onOutput: options.onOutput }),
    });
  } catch (error) {
    const phrased = rephrase(error, stack.name);
    if (phrased instanceof ReleaseError) throw phrased;
    if (options.signal?.aborted === true) throw new ReleaseError("preview interrupted", 130);
    ok = false;
    failure = phrased;
  }
  const changes = resourceChanges(events);
  const errors = errorDiagnostics(events);
  if (!ok && errors.length === 0 && failure !== undefined) errors.push(failure.message);
  return { ok, events, changes, counts: countChanges(events, changes), errors, durationMs: Math.round(performance.now() - started) };
}

/** The error diagnostics of an operation, each once, without colour codes or the engine's trailing newline. */
export function errorDiagnostics(events: readonly EngineEvent[]): string[] {
  const out: string[] = [];
  for (const event of events) {
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity !== "error") continue;
    const text = stripColor(diagnostic.message).trim();
    if (text !== "" && !out.includes(text)) out.push(text);
  }
  return out;
}
