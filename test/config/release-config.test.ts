import { describe, expect, it } from "vitest";
import { StackConfigError } from "../../config/config-error.js";
import { COMMON_DEFAULTS } from "../../config/environment-defaults.js";
import { productionBlock, resolveBlock } from "../support/stacks.js";

const problemsOf = (block: Record<string, unknown>): { key: string; message: string }[] => {
  try {
    resolveBlock(block);
  } catch (error) {
    if (error instanceof StackConfigError) return error.problems.map(({ key, message }) => ({ key, message }));
    throw error;
  }
  return [];
};

describe("release: defaults", () => {
  it("production releases as a canary by default, with the common steps, fail-closed", () => {
    expect(resolveBlock(productionBlock()).config.release).toEqual({
      strategy: "canary",
      steps: [
        { traffic: 10, pause: "5m", minRequests: 1000 },
        { traffic: 50, pause: "10m", minRequests: 5000 },
      ],
      inconclusive: "abort",
      maxExtraBurnRate: 3,
    });
    expect(resolveBlock(productionBlock()).config.release.steps).toEqual(COMMON_DEFAULTS.release.steps);
  });

  it.each([
    ["staging", { "go-service:environment": "staging" }, "rolling"],
    ["development", { "go-service:environment": "development" }, "rolling"],
    ["a production worker (no HTTP requests to judge)", { "go-service:role": "worker", "go-service:ingress": { enabled: false } }, "rolling"],
    ["production, opting out", { "go-service:release": { strategy: "rolling" } }, "rolling"],
  ])("%s rolls", (_case, overrides, strategy) => {
    expect(resolveBlock(productionBlock(overrides)).config.release.strategy).toBe(strategy);
  });

  it("a stack's own steps replace the defaults; the Prometheus URL is the stack's", () => {
    const { config } = resolveBlock(
      productionBlock({
        "go-service:release": { steps: [{ traffic: 25, pause: "2m", minRequests: 50 }], inconclusive: "promote" },
        "go-service:monitoring": { prometheusUrl: "http://prometheus.monitoring.svc:9090" },
      }),
    );
    expect(config.release).toMatchObject({ strategy: "canary", steps: [{ traffic: 25, pause: "2m", minRequests: 50 }], inconclusive: "promote" });
    expect(config.monitoring.prometheusUrl).toBe("http://prometheus.monitoring.svc:9090");
  });

  it("the deploy's canary makes it through: release.canary", () => {
    const { config } = resolveBlock(productionBlock({ "go-service:release": { canary: { image: "registry.example.com/myapp:v1.0.1", replicas: 2 } } }));
    expect(config.release.canary).toEqual({ image: "registry.example.com/myapp:v1.0.1", replicas: 2 });
  });
});

describe("release: refused values, each with its key and what to change", () => {
  it.each([
    ["an unknown strategy", { strategy: "blue-green" }, "go-service:release.strategy", "must be rolling (Kubernetes replaces the pods a few at a time) or canary (steps judged against the SLOs, then promotion)"],
    ["100 % as a step", { steps: [{ traffic: 100, pause: "5m", minRequests: 10 }] }, "go-service:release.steps[0].traffic", "must be a whole percentage from 1 to 99 (got 100): 100 % is the promotion, which follows the last step"],
    [
      "shares that do not rise",
      { steps: [{ traffic: 50, pause: "5m", minRequests: 10 }, { traffic: 10, pause: "5m", minRequests: 10 }] },
      "go-service:release.steps[1].traffic",
      "(10) must be above the previous step's (50): each step gives the canary a larger share",
    ],
    [
      "a pause shorter than two scrapes",
      { steps: [{ traffic: 10, pause: "45s", minRequests: 10 }] },
      "go-service:release.steps[0].pause",
      '"45s" must be at least twice the scrape interval (monitoring.prometheus.scrapeInterval 30s): the analysis needs two scrapes of the canary inside the step',
    ],
    ["a pause that is no duration", { steps: [{ traffic: 10, pause: "5 minutes", minRequests: 10 }] }, "go-service:release.steps[0].pause", '"5 minutes" must be a duration such as 30s, 5m or 1h'],
    ["no request to judge", { steps: [{ traffic: 10, pause: "5m", minRequests: 0 }] }, "go-service:release.steps[0].minRequests", "must be at least 1: a step judged on no request judges nothing"],
    ["no step", { steps: [] }, "go-service:release.steps", "must list at least one step, e.g. [{ traffic: 10, pause: 5m, minRequests: 1000 }]"],
    ["an unknown inconclusive policy", { inconclusive: "retry" }, "go-service:release.inconclusive", "must be abort (fail closed: no verdict stops the release) or promote"],
    ["a negative margin over stable", { maxExtraBurnRate: -1 }, "go-service:release.maxExtraBurnRate", "must be greater than 0 (1 = one error budget's pace above the stable track)"],
    [
      "a canary left in a rolling stack",
      { strategy: "rolling", canary: { image: "registry.example.com/myapp:v1.0.1", replicas: 1 } },
      "go-service:release.canary",
      'is set only by npm run deploy during a canary release (release.strategy: canary, not "rolling"); remove it',
    ],
    [
      "a floating canary image in production",
      { canary: { image: "registry.example.com/myapp:latest", replicas: 1 } },
      "go-service:release.canary.image",
      'must be pinned in production ("registry.example.com/myapp:latest" floats); use a digest (@sha256:…, preferred) or a release tag such as :v1.4.2',
    ],
    ["a canary of no pod", { canary: { image: "registry.example.com/myapp:v1.0.1", replicas: 0 } }, "go-service:release.canary.replicas", "must be at least 1"],
    ["a misspelt key", { stragety: "canary" }, "go-service:release.stragety", 'is not a known key; did you mean "strategy"?'],
  ])("%s", (_case, release, key, message) => {
    expect(problemsOf(productionBlock({ "go-service:release": release }))).toEqual([{ key, message }]);
  });

  it("a canary for a worker: it serves no request to judge", () => {
    expect(problemsOf(productionBlock({ "go-service:role": "worker", "go-service:ingress": { enabled: false }, "go-service:release": { strategy: "canary" } }))).toEqual([
      {
        key: "go-service:release.strategy",
        message: 'cannot be judged for a worker: it serves no HTTP requests for the canary analysis to measure; use release.strategy: rolling (or role: "api")',
      },
    ]);
  });

  it("the pause follows the stack's own scrape interval", () => {
    const block = productionBlock({ "go-service:release": { steps: [{ traffic: 10, pause: "10s", minRequests: 10 }] }, "go-service:monitoring": { prometheus: { scrapeInterval: "5s" } } });
    expect(problemsOf(block)).toEqual([]);
  });

  it.each([
    ["ftp://prometheus:9090", 'prometheusUrl "ftp://prometheus:9090" must be an http or https URL'],
    ["prometheus:9090/", 'prometheusUrl "prometheus:9090/" must be an http or https URL'],
    ["http://prometheus:9090/?x=1", 'prometheusUrl "http://prometheus:9090/?x=1" must not have a query string or fragment: the client appends /api/v1/query'],
    ["not a url", 'prometheusUrl "not a url" must be an absolute URL such as http://prometheus.monitoring.svc:9090'],
  ])("monitoring.prometheusUrl %s", (url, message) => {
    expect(problemsOf(productionBlock({ "go-service:monitoring": { prometheusUrl: url } }))).toEqual([{ key: "go-service:monitoring.prometheusUrl", message }]);
  });
});
