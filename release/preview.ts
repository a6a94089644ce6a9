import type { EngineEvent, Stack } from "@pulumi/pulumi/automation/index.js";
import { type ChangeCounts, countChanges, type ResourceChange, resourceChanges } from "./resource-changes.js";
import { scrubFunction, type SecretSource } from "./secret-mask.js";
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
  /** Warning diagnostics of the program and the providers. */
  readonly warnings: readonly string[];
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
  const warnings = errorDiagnostics(events, "warning");
  if (!ok && errors.length === 0 && failure !== undefined) errors.push(failure.message);
  return { ok, events, changes, counts: countChanges(events, changes), errors, warnings, durationMs: Math.round(performance.now() - started) };
}

/** The diagnostics of one severity, each once, without colour codes or the engine's trailing newline. */
export function errorDiagnostics(events: readonly EngineEvent[], severity: "error" | "warning" = "error"): string[] {
  const out: string[] = [];
  for (const event of events) {
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity !== severity) continue;
    const text = stripColor(diagnostic.message).trim();
    if (text !== "" && !out.includes(text)) out.push(text);
  }
  return out;
}

/**
 * Engine events as JSON fit to keep (a CI artifact, a fixture). Debug diagnostics are dropped: the
 * Node.js SDK logs its RegisterResource responses at debug level, and those carry a Secret's data in
 * base64 even though the engine masks it everywhere else. The rest is scrubbed of the secret values.
 */
export function exportableEvents(events: readonly EngineEvent[], secrets: SecretSource): string {
  const kept = events.filter((event) => !isDebugDiagnostic(event));
  return `${scrubFunction(secrets)(JSON.stringify(kept, null, 1))}\n`;
}

/** A debug diagnostic. The automation API's types omit this severity, but the engine emits it. */
export function isDebugDiagnostic(event: EngineEvent): boolean {
  return (event.diagnosticEvent?.severity as string | undefined) === "debug";
}
