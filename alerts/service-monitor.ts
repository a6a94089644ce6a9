import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { resolveObservabilityProps } from "./observability-props.js";
import { POD_TARGET_LABELS } from "./metrics-catalog.js";
import type { ObservabilityProps, ResolvedObservability } from "./observability-props.js";

/** Where and how the service exposes its metrics. */
export interface ServiceMonitorOptions {
  /**
   * Name of the ServiceMonitor object.
   * @default - the service name
   */
  readonly name?: string;
  /**
   * Labels of the Kubernetes Service to scrape (the ServiceMonitor's selector).
   * @default { "app.kubernetes.io/name": <service name> }
   */
  readonly serviceSelectorLabels?: Readonly<Record<string, string>>;
  /**
   * Name of the Service port that serves metrics.
   * @default "metrics"
   */
  readonly portName?: string;
  /**
   * HTTP path of the metrics endpoint.
   * @default "/metrics"
   */
  readonly path?: string;
}

/** Service port name scraped when `portName` is not given. */
export const DEFAULT_METRICS_PORT_NAME = "metrics";
/** HTTP path scraped when `path` is not given: where client_golang's promhttp handler is usually mounted. */
export const DEFAULT_METRICS_PATH = "/metrics";

/** Labels of the Service the ServiceMonitor selects when none are given. */
export const defaultServiceSelectorLabels = (serviceName: string): Record<string, string> => ({ "app.kubernetes.io/name": serviceName });

const sorted = (record: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * A prometheus-operator ServiceMonitor for the service, validated against the CRD schema. It sets
 * the `job` label to `jobLabel`, which every alert and panel selects on, whatever the Service is
 * called, and copies the pods' `track` and `app.kubernetes.io/version` labels onto their series
 * (`podTargetLabels`).
 */
export function buildServiceMonitor(props: ObservabilityProps | ResolvedObservability, options: ServiceMonitorOptions = {}): ServiceMonitor {
  const o = "scope" in props ? props : resolveObservabilityProps(props);
  const portName = options.portName ?? DEFAULT_METRICS_PORT_NAME;
  const path = options.path ?? DEFAULT_METRICS_PATH;
  const selectorLabels = options.serviceSelectorLabels ?? defaultServiceSelectorLabels(o.serviceName);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(portName) || portName.length > 15) {
    throw new Error(`portName "${portName}" is not a valid Service port name: use at most 15 lower-case letters, digits or '-', e.g. "metrics"`);
  }
  if (!path.startsWith("/")) {
    throw new Error(`path "${path}" must be an absolute HTTP path such as "/metrics"`);
  }
  if (Object.keys(selectorLabels).length === 0) {
    throw new Error("serviceSelectorLabels must not be empty: an empty selector would scrape every Service of the namespace; pass the labels of the service's Service");
  }
  const monitor = new ServiceMonitor({
    metadata: {
      name: options.name ?? o.serviceName,
      namespace: o.namespace,
      labels: sorted({ ...o.monitoring.prometheus.resourceLabels, "app.kubernetes.io/name": o.serviceName }),
    },
    spec: {
      selector: { matchLabels: sorted(selectorLabels) },
      namespaceSelector: { matchNames: [o.namespace] },
      // The pods' release track and version on every series: a canary's analysis tells the tracks apart by them.
      podTargetLabels: [...POD_TARGET_LABELS],
      endpoints: [
        {
          port: portName,
          path,
          interval: o.monitoring.prometheus.scrapeInterval,
          relabelings: [{ action: "replace", targetLabel: "job", replacement: o.jobLabel }],
        },
      ],
    },
  });
  monitor.validate();
  return monitor;
}
