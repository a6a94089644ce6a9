import { App, Yaml } from "cdk8s";
import { stringify } from "yaml";
import { renderRuleGroups } from "../alerts/render.js";
import { buildScrapeConfig } from "../alerts/scrape-config.js";
import { ServiceStackChart } from "../charts/service-stack-chart.js";
import type { ResolvedStack } from "../config/resolve-stack-config.js";

/** A Kubernetes object as synthesized: plain JSON. */
export type KubernetesObject = Record<string, unknown> & {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    /** Object name. */
    readonly name: string;
    /**
     * Namespace of the object.
     * @default - none: a cluster-scoped object, or the namespace of the `kubectl apply`
     */
    readonly namespace?: string;
  } & Record<string, unknown>;
};

/** The files of one stack, keyed by their path under `dist/<stack>/`. */
export interface SynthesizedStack {
  /** Stack name; the files go to `dist/<stack>/`. */
  readonly stack: string;
  /** The chart's Kubernetes objects, in the chart's order (the content of `kubernetes.yaml`). */
  readonly objects: readonly KubernetesObject[];
  /** File contents by path under `dist/<stack>/`: `kubernetes.yaml`, `prometheus-rules.yaml`, `grafana-dashboard.json` and `prometheus-scrape-config.yaml`. */
  readonly files: Readonly<Record<string, string>>;
}

/** Builds the cdk8s chart of one stack in process. */
export function buildStackChart(resolved: ResolvedStack): ServiceStackChart {
  return new ServiceStackChart(new App(), resolved.stack, { config: resolved.config, secretKeys: resolved.secretKeys });
}

/** The chart's objects, in the chart's order. */
export function buildStackObjects(resolved: ResolvedStack): KubernetesObject[] {
  return buildStackChart(resolved).toJson() as KubernetesObject[];
}

/** Everything `npm run synth` writes for one stack. Pure: same config, byte-identical files. */
export function synthesizeStack(resolved: ResolvedStack): SynthesizedStack {
  const chart = buildStackChart(resolved);
  const objects = chart.toJson() as KubernetesObject[];
  return {
    stack: resolved.stack,
    objects,
    files: {
      "kubernetes.yaml": Yaml.stringify(...objects),
      // Written from what the chart already built: the rules and the dashboard exist once per stack.
      "prometheus-rules.yaml": renderRuleGroups(chart.prometheusRule.groups),
      "grafana-dashboard.json": chart.dashboard.dashboardJson,
      // The ServiceMonitor as plain Prometheus configuration, for a Prometheus without the operator.
      "prometheus-scrape-config.yaml": stringify(
        { scrape_configs: [buildScrapeConfig(chart.observability, { serviceSelectorLabels: chart.service.selectorLabels })] },
        { lineWidth: 0 },
      ),
    },
  };
}
