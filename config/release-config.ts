import { z } from "zod";
import { RELEASE_STRATEGIES } from "./environment-defaults.js";
import { prometheusSchema } from "./monitoring-config.js";
import {
  canaryPauseProblem,
  canaryRoleProblem,
  canaryTrafficOrderProblem,
  canaryTrafficProblem,
  imageReferenceProblem,
  INT32_MAX,
  productionRules,
} from "./validators.js";

/**
 * The `release` key of a stack: how a new image reaches the pods (README, "Releases"). Defaults in
 * environment-defaults.ts (`release.strategy` per environment, the rest in COMMON_DEFAULTS), validators in
 * validators.ts.
 */

/** What a canary step without a verdict does: `abort` (fail closed) or `promote`. */
export const INCONCLUSIVE_POLICIES = ["abort", "promote"] as const;
/** One of {@link INCONCLUSIVE_POLICIES}. */
export type InconclusivePolicy = (typeof INCONCLUSIVE_POLICIES)[number];

const reason =
  <T>(problem: (value: T) => string | undefined) =>
  (value: T, ctx: z.core.$RefinementCtx<T>): void => {
    const text = problem(value);
    if (text !== undefined) ctx.addIssue({ code: "custom", message: text, input: value });
  };

/** One canary step: the canary's share of the pods, how long it runs (the analysis window), the fewest requests to judge. */
export const canaryStepSchema = z.strictObject({
  traffic: z.number({ error: "must be a percentage of the pods, 1 to 99" }).superRefine(reason(canaryTrafficProblem)),
  pause: z.string({ error: "must be a duration such as 30s or 5m" }).superRefine(reason((pause: string) => canaryPauseProblem(pause, "1s"))),
  minRequests: z
    .int({ error: "must be a whole number of requests" })
    .positive({ error: "must be at least 1: a step judged on no request judges nothing" })
    .max(INT32_MAX, { error: `must be at most ${INT32_MAX}` }),
});

/** Schema of `release` (after defaults): the strategy, the canary steps, and the canary the deploy runs. */
export const releaseConfigSchema = z.strictObject({
  strategy: z.enum(RELEASE_STRATEGIES, {
    error: "must be rolling (Kubernetes replaces the pods a few at a time) or canary (steps judged against the SLOs, then promotion)",
  }),
  steps: z.array(canaryStepSchema).min(1, { error: "must list at least one step, e.g. [{ traffic: 10, pause: 5m, minRequests: 1000 }]" }).max(10, {
    error: "must list at most 10 steps",
  }),
  inconclusive: z.enum(INCONCLUSIVE_POLICIES, { error: "must be abort (fail closed: no verdict stops the release) or promote" }),
  maxExtraBurnRate: z.number({ error: "must be a number such as 3" }).positive({ error: "must be greater than 0 (1 = one error budget's pace above the stable track)" }),
  /**
   * The canary of a release in progress: set by `npm run deploy` for the duration of a canary release
   * (never by hand), it makes the chart add the Deployment `<name>-canary` running `image`.
   */
  canary: z
    .strictObject({
      image: z.string({ error: "must be the image of the release being judged" }).superRefine(reason(imageReferenceProblem)),
      replicas: z.int({ error: "must be a whole number of pods" }).min(1, { error: "must be at least 1" }).max(INT32_MAX, { error: `must be at most ${INT32_MAX}` }),
    })
    .optional(),
});

/** The validated `release` of a stack. */
export type ReleaseConfig = z.infer<typeof releaseConfigSchema>;

const get = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<string | number, unknown>)[key] : undefined), value);

/**
 * The rules of `release` that span keys: steps in rising order, each pause holding two scrapes of the
 * stack's own scrape interval, a pinned canary image in production, and a canary only with the canary
 * strategy. They run on the merged input, skipping values they cannot read (each is reported on its key).
 */
export function releaseViolations(input: unknown): { path: (string | number)[]; message: string }[] {
  const violations: { path: (string | number)[]; message: string }[] = [];
  const add = (path: (string | number)[], message: string | undefined): void => {
    if (message !== undefined) violations.push({ path, message });
  };
  const steps = get(input, "release", "steps");
  const scrape = prometheusSchema.safeParse(get(input, "monitoring", "prometheus") ?? {});
  const scrapeInterval = scrape.success ? scrape.data.scrapeInterval : undefined;
  if (Array.isArray(steps)) {
    let previous: number | undefined;
    steps.forEach((step: unknown, index) => {
      const traffic = get(step, "traffic");
      if (typeof traffic === "number") {
        if (previous !== undefined) add(["release", "steps", index, "traffic"], canaryTrafficOrderProblem(previous, traffic));
        previous = traffic;
      }
      const pause = get(step, "pause");
      // A malformed pause is reported by the schema; here only its relation to the scrape interval.
      if (typeof pause === "string" && scrapeInterval !== undefined && canaryPauseProblem(pause, "1s") === undefined) {
        add(["release", "steps", index, "pause"], canaryPauseProblem(pause, scrapeInterval));
      }
    });
  }
  if (get(input, "release", "strategy") === "canary") {
    const role = get(input, "role");
    add(["release", "strategy"], canaryRoleProblem(typeof role === "string" ? role : undefined));
  }
  const canary = get(input, "release", "canary");
  if (canary !== undefined) {
    const strategy = get(input, "release", "strategy");
    if (strategy !== "canary") {
      add(["release", "canary"], `is set only by npm run deploy during a canary release (release.strategy: canary, not ${JSON.stringify(strategy)}); remove it`);
    }
    const image = get(canary, "image");
    const environment = get(input, "environment");
    if (typeof image === "string" && typeof environment === "string") add(["release", "canary", "image"], productionRules.image(environment, image));
  }
  return violations;
}
