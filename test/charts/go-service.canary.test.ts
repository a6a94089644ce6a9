import { Testing } from "cdk8s";
import { describe, expect, it } from "vitest";
import { canaryDeploymentName, GoService } from "../../charts/go-service.js";
import { checkKubernetesManifests, mandatoryViolations } from "../../policies/run.js";
import type { KubernetesManifest } from "../../policies/types.js";
import type { KubernetesObject } from "../../synth/synthesize.js";
import { validateAgainstSchema } from "../support/kubernetes-schema.js";
import { findObject, type Manifest, objectsOf, productionBlock, resolveBlock } from "../support/stacks.js";

const CANARY_IMAGE = "registry.example.com/myapp:v1.0.1";
const withCanary = objectsOf(resolveBlock(productionBlock({ "go-service:release": { canary: { image: CANARY_IMAGE, replicas: 2 } } })));
const without = objectsOf(resolveBlock(productionBlock()));
const stable = findObject(withCanary, "Deployment", "myapp");
const canary = findObject(withCanary, "Deployment", "myapp-canary");

/** Whether a matchLabels selector selects a pod with these labels. */
const selects = (matchLabels: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(matchLabels).every(([k, v]) => labels[k] === v);

describe("the canary Deployment of a release in progress (release.canary)", () => {
  it("is a second Deployment, <name>-canary, of the release's image, with its own pod count and no HPA", () => {
    expect(canaryDeploymentName("myapp")).toBe("myapp-canary");
    expect(canary.spec.replicas).toBe(2);
    expect(canary.spec.template.spec.containers[0].image).toBe(CANARY_IMAGE);
    expect(stable.spec.template.spec.containers[0].image).toBe("registry.example.com/myapp:v1.0.0");
    // The stable track's pod count stays the HPA's; only the stable Deployment is scaled by it.
    expect(stable.spec.replicas).toBeUndefined();
    expect(findObject(withCanary, "HorizontalPodAutoscaler").spec.scaleTargetRef.name).toBe("myapp");
  });

  it("labels each track's pods with its track and version, which the scrape copies onto their series", () => {
    expect(stable.spec.template.metadata.labels).toMatchObject({ track: "stable", "app.kubernetes.io/version": "v1.0.0", "app.kubernetes.io/instance": "myapp" });
    expect(canary.spec.template.metadata.labels).toMatchObject({ track: "canary", "app.kubernetes.io/version": "v1.0.1", "app.kubernetes.io/instance": "myapp-canary" });
    expect(findObject(withCanary, "ServiceMonitor").spec.podTargetLabels).toEqual(["track", "app.kubernetes.io/version"]);
  });

  it("selectors never overlap, and the stable selector is the one it always was (Kubernetes cannot change it in place)", () => {
    expect(stable.spec.selector).toEqual({ matchLabels: { "app.kubernetes.io/name": "myapp", "app.kubernetes.io/instance": "myapp" } });
    expect(canary.spec.selector).toEqual({ matchLabels: { "app.kubernetes.io/name": "myapp", "app.kubernetes.io/instance": "myapp-canary" } });
    expect(selects(stable.spec.selector.matchLabels, canary.spec.template.metadata.labels)).toBe(false);
    expect(selects(canary.spec.selector.matchLabels, stable.spec.template.metadata.labels)).toBe(false);
    expect(findObject(without, "Deployment", "myapp").spec.selector).toEqual(stable.spec.selector);
  });

  it("is behind the same Service, protected by the same NetworkPolicy and PodDisruptionBudget", () => {
    for (const [kind, selector] of [
      ["Service", (o: Manifest) => o.spec.selector],
      ["NetworkPolicy", (o: Manifest) => o.spec.podSelector.matchLabels],
      ["PodDisruptionBudget", (o: Manifest) => o.spec.selector.matchLabels],
    ] as const) {
      const matchLabels = selector(findObject(withCanary, kind, "myapp")) as Record<string, string>;
      expect(selects(matchLabels, stable.spec.template.metadata.labels), `${kind} selects the stable pods`).toBe(true);
      expect(selects(matchLabels, canary.spec.template.metadata.labels), `${kind} selects the canary pods`).toBe(true);
    }
  });

  it("is the stable pod template but for its image, version, track and instance", () => {
    const strip = (d: Manifest): Manifest => {
      const copy = JSON.parse(JSON.stringify(d.spec.template)) as Manifest;
      delete copy.metadata.labels;
      delete copy.spec.containers[0].image;
      delete copy.spec.affinity;
      delete copy.spec.topologySpreadConstraints;
      return copy;
    };
    expect(strip(canary)).toEqual(strip(stable));
    expect(canary.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels).toEqual(canary.spec.selector.matchLabels);
  });

  it("passes the Kubernetes schema and every guardrail", async () => {
    await expect(validateAgainstSchema(canary as KubernetesObject)).resolves.toBeUndefined();
    expect(mandatoryViolations(checkKubernetesManifests(withCanary as unknown as KubernetesManifest[], { environment: "production" }))).toEqual([]);
  });

  it("exists only while a release sets it", () => {
    expect(without.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name)).toEqual(["myapp"]);
    expect(withCanary.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name)).toEqual(["myapp", "myapp-canary"]);
  });
});

describe("GoService: canary props", () => {
  it.each([
    [{ image: "registry.example.com/myapp:latest", replicas: 1 }, "api", 'GoService "myapp": canary.image must be pinned in production ("registry.example.com/myapp:latest" floats)'],
    [{ image: "not an image", replicas: 1 }, "api", 'GoService "myapp": canary.image "not an image" is not an image reference'],
    [{ image: CANARY_IMAGE, replicas: 0 }, "api", 'GoService "myapp": canary.replicas must be at least 1 (got 0)'],
    [{ image: CANARY_IMAGE, replicas: 1 }, "worker", 'GoService "myapp": canary cannot be judged for a worker: it serves no HTTP requests for the canary analysis to measure'],
  ] as const)("refuses %j (role %s)", (canarySettings, role, message) => {
    expect(() => new GoService(Testing.chart(), "svc", { name: "myapp", environment: "production", role, image: "registry.example.com/myapp:v1.0.0", canary: canarySettings })).toThrow(message);
  });
});
