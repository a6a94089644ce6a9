import type { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { guardrailPolicies } from "../../policies/pack/policies.js";
import { CLOUD_RULES, KUBERNETES_RULES } from "../../policies/rules.js";
import type { Manifest } from "../support/stacks.js";
import { backupBucketResources } from "./bucket-fixture.js";
import { appContainer, find, goodObjects } from "./fixtures.js";

type Pack = (ResourceValidationPolicy & StackValidationPolicy)[];
const policies = guardrailPolicies() as Pack;
const policy = (name: string) => {
  const found = policies.find((p) => p.name === name);
  if (found === undefined) throw new Error(`no policy ${name}`);
  return found;
};

/** A Kubernetes object as the engine hands it to the pack: typed token, inputs, URN. */
function kubernetesResource(manifest: Manifest): PolicyResource {
  const [group, version] = manifest.apiVersion.includes("/") ? manifest.apiVersion.split("/") : ["core", manifest.apiVersion];
  const type = `kubernetes:${group}/${version}:${manifest.kind}`;
  return { type, name: manifest.metadata.name, urn: `urn:pulumi:test::p::${type}::${manifest.metadata.name}`, props: manifest, propertyDependencies: {} } as unknown as PolicyResource;
}

async function validateResource(name: string, resource: PolicyResource): Promise<string[]> {
  const messages: string[] = [];
  const validate = policy(name).validateResource;
  const report: ReportViolation = (message) => void messages.push(message);
  for (const fn of Array.isArray(validate) ? validate : validate === undefined ? [] : [validate]) await fn(resource as unknown as ResourceValidationArgs, report);
  return messages;
}

async function validateStack(name: string, resources: PolicyResource[]): Promise<[string, string | undefined][]> {
  const found: [string, string | undefined][] = [];
  await policy(name).validateStack?.({ resources } as unknown as StackValidationArgs, (message, urn) => void found.push([message, urn]));
  return found;
}

describe("Pulumi policy pack", () => {
  it("has one policy per rule, named by rule id, at the rule's level", () => {
    expect(policies.map((p) => [p.name, p.enforcementLevel])).toEqual([...KUBERNETES_RULES, ...CLOUD_RULES].map((r) => [r.id, r.level]));
  });

  it("validateResource reports a broken Deployment with its fix, and passes the good one", async () => {
    const objects = goodObjects();
    expect(await validateResource("pss-privileged", kubernetesResource(find(objects, "Deployment")))).toEqual([]);
    appContainer(objects).securityContext.privileged = true;
    expect(await validateResource("pss-privileged", kubernetesResource(find(objects, "Deployment")))).toEqual([
      expect.stringMatching(/^Deployment\/myapp\/myapp: container "app" runs privileged.*Fix: remove securityContext.privileged/),
    ]);
  });

  it("validateStack finds the workload without a disruption budget and names its URN", async () => {
    const objects = goodObjects();
    expect(await validateStack("pdb-required", objects.map(kubernetesResource))).toEqual([]);
    const resources = objects.filter((o) => o.kind !== "PodDisruptionBudget").map(kubernetesResource);
    expect(await validateStack("pdb-required", resources)).toEqual([[expect.stringContaining("Deployment/myapp/myapp"), "urn:pulumi:test::p::kubernetes:apps/v1:Deployment::myapp"]]);
  });

  it("checks buckets through propertyDependencies, as the engine links them", async () => {
    const resources = (await backupBucketResources()).map((r) => ({ ...r, urn: `urn:${r.name}` }));
    const bucket = resources.find((r) => r.type === "aws:s3/bucket:Bucket");
    const asPolicyResources = (list: typeof resources) =>
      list.map((r) => ({
        ...r,
        // The engine has no IDs during a first preview: only the dependency links the resources.
        props: { ...r.props, bucket: undefined },
        propertyDependencies: r === bucket ? {} : { bucket: [bucket] },
      })) as unknown as PolicyResource[];
    expect(await validateStack("s3-bucket-versioned", asPolicyResources(resources))).toEqual([]);
    const withoutVersioning = resources.filter((r) => r.type !== "aws:s3/bucketVersioning:BucketVersioning");
    expect(await validateStack("s3-bucket-versioned", asPolicyResources(withoutVersioning))).toEqual([[expect.stringContaining("no BucketVersioning"), "urn:backups-bucket"]]);
    const versioning = asPolicyResources(resources).find((r) => r.type === "aws:s3/bucketVersioning:BucketVersioning") as PolicyResource;
    expect(await validateResource("s3-bucket-versioned", { ...versioning, props: { versioningConfiguration: { status: "Suspended" } } } as PolicyResource)).toEqual([
      expect.stringContaining("not Enabled"),
    ]);
  });
});
