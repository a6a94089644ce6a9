import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { operationControl } from "../../release/operation.js";

describe("operationControl", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("cancels the operation at its deadline, saying so", () => {
    const control = operationControl(undefined, 45);
    vi.advanceTimersByTime(44_999);
    expect(control.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(control.signal.aborted).toBe(true);
    expect(control.reason()).toBe("timeout");
  });

  it("forwards a Ctrl-C the CLI did not see (SIGINT sent to this process only)", () => {
    const user = new AbortController();
    const control = operationControl(user.signal, undefined);
    user.abort();
    expect(control.reason()).toBe("interrupted");
    vi.advanceTimersByTime(1_500);
    expect(control.signal.aborted).toBe(true);
  });

  it("does not send a second SIGINT when the CLI already got the Ctrl-C (a second one would make it terminate)", () => {
    const user = new AbortController();
    const control = operationControl(user.signal, 600);
    user.abort();
    control.onCliOutput("^C received; cancelling the current operation. Press ^C again to terminate\n");
    vi.advanceTimersByTime(10_000);
    expect(control.signal.aborted).toBe(false);
    expect(control.reason()).toBe("interrupted");
  });

  it("stops its timers when disposed", () => {
    const control = operationControl(undefined, 1);
    control.dispose();
    vi.advanceTimersByTime(5_000);
    expect(control.signal.aborted).toBe(false);
  });
});
