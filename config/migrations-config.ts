import { z } from "zod";
import { durationSeconds, isGoDuration } from "./quantities.js";
import { boundedDurationProblem, imageReferenceProblem, migrationTimeoutProblem, productionRules, projectPathProblem } from "./validators.js";

/**
 * The `migrations` key of a stack: the Job that applies the service's schema migrations before a
 * release's pods change (README, "Database migrations"). Defaults in environment-defaults.ts
 * (`COMMON_DEFAULTS.migrations`), validators in validators.ts.
 */

const reason =
  <T>(problem: (value: T) => string | undefined) =>
  (value: T, ctx: z.core.$RefinementCtx<T>): void => {
    const text = problem(value);
    if (text !== undefined) ctx.addIssue({ code: "custom", message: text, input: value });
  };

/** Schema of `migrations` (after defaults). */
export const migrationsConfigSchema = z.strictObject({
  enabled: z.boolean({ error: "must be true or false" }),
  /** The image that runs the migrations; the service's own image when absent (its `migrate` command). */
  image: z.string().superRefine(reason(imageReferenceProblem)).optional(),
  args: z.array(z.string().min(1, { error: "must not be empty" })).min(1, { error: "must list the arguments that apply the migrations, e.g. [migrate, up]" }),
  timeout: z.string({ error: "must be a duration such as 5m" }).superRefine(reason((value: string) => boundedDurationProblem(value, 1, 24 * 3600))),
  backoffLimit: z.int({ error: "must be a whole number of retries" }).min(0, { error: "must be 0 or more" }).max(10, { error: "must be at most 10" }),
  directory: z.string().superRefine(reason(projectPathProblem)),
  codeDirectory: z.string().superRefine(reason(projectPathProblem)),
});

/** The validated `migrations` of a stack. */
export type MigrationsConfig = z.infer<typeof migrationsConfigSchema>;

const get = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), value);

/** Rules of `migrations` across keys: the Job's deadline ends before the update stops waiting; a pinned image in production. */
export function migrationsViolations(input: unknown): { path: string[]; message: string }[] {
  const violations: { path: string[]; message: string }[] = [];
  if (get(input, "migrations", "enabled") !== true) return violations;
  const timeout = get(input, "migrations", "timeout");
  const rollout = get(input, "kubernetes", "rolloutTimeout");
  if (typeof timeout === "string" && typeof rollout === "string" && isGoDuration(rollout)) {
    const message = migrationTimeoutProblem(timeout, rollout, durationSeconds(rollout));
    if (message !== undefined) violations.push({ path: ["migrations", "timeout"], message });
  }
  const image = get(input, "migrations", "image");
  const environment = get(input, "environment");
  if (typeof image === "string" && typeof environment === "string") {
    const message = productionRules.image(environment, image);
    if (message !== undefined) violations.push({ path: ["migrations", "image"], message });
  }
  return violations;
}
