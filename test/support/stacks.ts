import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { resolveStackConfig, resolveStackFile, type ResolvedStack } from "../../config/resolve-stack-config.js";
import { buildStackObjects, type KubernetesObject } from "../../synth/synthesize.js";

export const PROJECT_DIR = fileURLToPath(new URL("../..", import.meta.url));
export const PROJECT = "go-service";

/** The committed stack file of `stack`, resolved exactly as `npm run synth` does. */
export function committedStack(stack: string): ResolvedStack {
  const file = `Pulumi.${stack}.yaml`;
  return resolveStackFile(readFileSync(`${PROJECT_DIR}/${file}`, "utf8"), { project: PROJECT, stack, file });
}

/** A minimal valid production config block, to be overridden key by key in tests. */
export function productionBlock(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "aws:region": "eu-west-1",
    "go-service:environment": "production",
    "go-service:image": "registry.example.com/myapp:v1.0.0",
    "go-service:ingress": { hosts: ["api.example.com"] },
    "go-service:backup": {
      image: "registry.example.com/pg-backup-tools:15.8-1",
      oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    },
    ...overrides,
  };
}

export function resolveBlock(block: Record<string, unknown>, stack = "production"): ResolvedStack {
  return resolveStackConfig(block, { project: PROJECT, stack, file: `Pulumi.${stack}.yaml` });
}

/** The stack file text for a config block, as a user would write it. */
export function stackFileText(block: Record<string, unknown>): string {
  return stringify({ config: block });
}

export function objectsOf(resolved: ResolvedStack): KubernetesObject[] {
  return buildStackObjects(resolved);
}

/** A manifest as assertions read it: free-form JSON. */
export type Manifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- manifests are free-form JSON read in assertions

export function findObject(objects: readonly KubernetesObject[], kind: string, name?: string): Manifest {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found === undefined) throw new Error(`no ${kind}${name === undefined ? "" : `/${name}`} among ${objects.map((o) => o.kind).join(", ")}`);
  return found as Manifest;
}
