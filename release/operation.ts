/**
 * Cancellation of a running engine operation. The automation API cancels by sending SIGINT to the CLI,
 * which then stops scheduling steps, waits for the ones in flight, writes the state and releases the
 * stack's lock: the stack stays usable and `pulumi cancel` is not needed. A second SIGINT would make
 * the CLI terminate instead, so when the user's Ctrl-C already reached the CLI (same process group, as
 * in a terminal) this does not send another.
 */

export interface OperationControl {
  /** The signal to pass to the automation API call. */
  readonly signal: AbortSignal;
  /** Why the operation was cancelled, if it was. */
  readonly reason: () => "interrupted" | "timeout" | undefined;
  /** Feed the CLI's output here: it tells whether the CLI already saw the interrupt. */
  readonly onCliOutput: (text: string) => void;
  readonly dispose: () => void;
}

/** How long to wait for the CLI to report the user's Ctrl-C before forwarding it. */
const FORWARD_GRACE_MS = 1_500;

/** The CLI's words when it starts a graceful cancellation. */
const CLI_SAW_INTERRUPT = /received; cancelling|cancel(l)?ing the current operation/i;

export function operationControl(userSignal: AbortSignal | undefined, timeoutSeconds: number | undefined): OperationControl {
  const controller = new AbortController();
  let why: "interrupted" | "timeout" | undefined;
  let cliSawInterrupt = false;
  const timers: NodeJS.Timeout[] = [];

  const onUserAbort = (): void => {
    if (why !== undefined) return;
    why = "interrupted";
    timers.push(
      setTimeout(() => {
        if (!cliSawInterrupt) controller.abort();
      }, FORWARD_GRACE_MS),
    );
  };
  if (userSignal?.aborted === true) onUserAbort();
  userSignal?.addEventListener("abort", onUserAbort, { once: true });

  if (timeoutSeconds !== undefined) {
    timers.push(
      setTimeout(() => {
        if (why !== undefined) return;
        why = "timeout";
        controller.abort();
      }, timeoutSeconds * 1000),
    );
  }
  return {
    signal: controller.signal,
    reason: () => why,
    onCliOutput: (text) => {
      if (CLI_SAW_INTERRUPT.test(text)) cliSawInterrupt = true;
    },
    dispose: () => {
      for (const t of timers) clearTimeout(t);
      userSignal?.removeEventListener("abort", onUserAbort);
    },
  };
}
