import { z } from "zod";
import { boundedDurationProblem, INT32_MAX, loadTestRampUpProblem, ratioProblem, requestPathProblem } from "./validators.js";

/**
 * The `loadTest` key of a stack: how `npm run loadtest` loads the service and the criteria it judges the
 * run on (seed section 9: at most 1 % errors, a P95 of at most 500 ms, at least 100 requests/s). Defaults
 * in environment-defaults.ts (`COMMON_DEFAULTS.loadTest`), validators in validators.ts.
 */

const reason =
  <T>(problem: (value: T) => string | undefined) =>
  (value: T, ctx: z.core.$RefinementCtx<T>): void => {
    const text = problem(value);
    if (text !== undefined) ctx.addIssue({ code: "custom", message: text, input: value });
  };

const duration = (minSeconds: number, maxSeconds: number) =>
  z.string({ error: "must be a duration such as 500ms, 30s or 5m" }).superRefine(reason((value: string) => boundedDurationProblem(value, minSeconds, maxSeconds)));

/** The longest measured phase one run may have: a gate in a pipeline, not a soak test. */
export const LOAD_TEST_MAX_SECONDS = 900;

/** Schema of `loadTest` (after defaults). */
export const loadTestConfigSchema = z.strictObject({
  path: z.string({ error: "must be an HTTP path such as /api/items" }).superRefine(reason(requestPathProblem)),
  concurrency: z
    .int({ error: "must be a whole number of connections" })
    .min(1, { error: "must be at least 1 connection" })
    .max(1000, { error: "must be at most 1000 connections (one load generator process)" }),
  rampUp: duration(0, LOAD_TEST_MAX_SECONDS),
  duration: duration(1, LOAD_TEST_MAX_SECONDS),
  maxRequests: z
    .int({ error: "must be a whole number of requests" })
    .min(1, { error: "must be at least 1" })
    .max(INT32_MAX, { error: `must be at most ${INT32_MAX}` }),
  requestTimeout: duration(0.001, 120),
  maxErrorRatio: z.number({ error: "must be a fraction such as 0.01 (1 %)" }).superRefine(reason(ratioProblem)),
  maxP95: duration(0.001, 120),
  minThroughput: z.number({ error: "must be a number of requests per second, such as 100" }).positive({ error: "must be above 0 requests per second" }),
});

/** The validated `loadTest` of a stack. */
export type LoadTestConfig = z.infer<typeof loadTestConfigSchema>;

const get = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), value);

/** Rules of `loadTest` across keys: the ramp-up fits in the test. */
export function loadTestViolations(input: unknown): { path: string[]; message: string }[] {
  const rampUp = get(input, "loadTest", "rampUp");
  const duration = get(input, "loadTest", "duration");
  if (typeof rampUp !== "string" || typeof duration !== "string") return [];
  const message = loadTestRampUpProblem(rampUp, duration);
  return message === undefined ? [] : [{ path: ["loadTest", "rampUp"], message }];
}
