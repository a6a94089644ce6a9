import { Testing } from "cdk8s";
import type { Chart } from "cdk8s";

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { endpoints?: unknown[]; groups?: unknown[]; [key: string]: unknown };
  data?: Record<string, string>;
}

/** Manifests of a test chart after `add` put constructs in it. */
export function synth(add: (chart: Chart) => void): Manifest[] {
  const chart = Testing.chart();
  add(chart);
  return Testing.synth(chart) as Manifest[];
}
