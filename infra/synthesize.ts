import { App, Yaml } from "cdk8s";
import { ServiceStackChart } from "../charts/service-stack-chart.js";
import type { ResolvedStack } from "./config/resolve-stack-config.js";

/** A Kubernetes object as synthesized: plain JSON. */
export type KubernetesObject = Record<string, unknown> & {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string } & Record<string, unknown>;
};

/** The files of one stack, keyed by their path under `dist/<stack>/`. */
export interface SynthesizedStack {
  readonly stack: string;
  readonly objects: readonly KubernetesObject[];
  readonly files: Readonly<Record<string, string>>;
}

/** Builds the cdk8s app of one stack in process and returns its objects, in the chart's order. */
export function buildStackObjects(resolved: ResolvedStack): KubernetesObject[] {
  const app = new App();
  const chart = new ServiceStackChart(app, resolved.stack, { config: resolved.config });
  return chart.toJson() as KubernetesObject[];
}

/** Everything `npm run synth` writes for one stack. Pure: same config, byte-identical files. */
export function synthesizeStack(resolved: ResolvedStack): SynthesizedStack {
  const objects = buildStackObjects(resolved);
  return {
    stack: resolved.stack,
    objects,
    files: { "kubernetes.yaml": Yaml.stringify(...objects) },
  };
}
