import { defaultServiceSelectorLabels, DEFAULT_METRICS_PATH, DEFAULT_METRICS_PORT_NAME, type ServiceMonitorOptions } from "./service-monitor.js";
import { resolveObservabilityProps } from "./observability-props.js";
import { POD_TARGET_LABELS } from "./metrics-catalog.js";
import type { ObservabilityProps, ResolvedObservability } from "./observability-props.js";

/** One `relabel_configs` entry of a Prometheus scrape config. */
export interface RelabelConfig {
  /** Labels whose values are joined (with `;`) and matched against `regex`. @default - none */
  readonly source_labels?: readonly string[];
  /** Regular expression the joined source values must match. @default "(.*)" */
  readonly regex?: string;
  /** Label written by a `replace`. @default - none */
  readonly target_label?: string;
  /** Value written by a `replace`, with `$1`… for regex groups. @default "$1" */
  readonly replacement?: string;
  /** What to do: `keep`, `replace`, … @default "replace" */
  readonly action?: "keep" | "drop" | "replace";
}

/** A Prometheus `scrape_configs` entry that finds the service's pods through Kubernetes service discovery. */
export interface ScrapeConfig {
  /** Name of the scrape job, as prometheus-operator names it: `serviceMonitor/<namespace>/<name>/0`. */
  readonly job_name: string;
  /** How often each pod is scraped. */
  readonly scrape_interval: string;
  /** HTTP path of the metrics endpoint. */
  readonly metrics_path: string;
  /** Endpoints discovery in the service's namespace (plus how to reach the API server, when given). */
  readonly kubernetes_sd_configs: readonly Record<string, unknown>[];
  /** Selects the Service and port, and sets the labels the alerts and dashboard select on. */
  readonly relabel_configs: readonly RelabelConfig[];
  /** TLS settings of the API server connection, when given. @default - none */
  readonly tls_config?: Record<string, unknown>;
}

/** How a Prometheus outside the cluster reaches the API server for service discovery. */
export interface KubernetesSdConnection {
  /** URL of the API server, e.g. https://127.0.0.1:6443. */
  readonly apiServer: string;
  /** Path of the CA bundle that signed the API server's certificate. */
  readonly caFile: string;
  /** Client certificate and key files Prometheus authenticates with. */
  readonly certFile: string;
  /** Key of `certFile`. */
  readonly keyFile: string;
}

/** Options of {@link buildScrapeConfig}: the ServiceMonitor's, and where the API server is. */
export interface ScrapeConfigOptions extends ServiceMonitorOptions {
  /**
   * How to reach the API server from outside the cluster.
   * @default - in-cluster discovery (Prometheus runs as a pod with a service account)
   */
  readonly connection?: KubernetesSdConnection;
}

const metaLabel = (label: string): string => label.replace(/[^a-zA-Z0-9_]/g, "_");

/**
 * The scrape job prometheus-operator generates from the stack's ServiceMonitor, as plain Prometheus
 * configuration: the same Service selector, port, path, interval and `job` label, the `namespace`,
 * `service`, `pod`, `container` and `endpoint` target labels the operator adds, and the pod labels of its
 * `podTargetLabels` (`track`, `app_kubernetes_io_version`). For a Prometheus without the
 * operator, and the local cluster's real Prometheus, which scrapes the pods exactly as the ServiceMonitor says.
 */
export function buildScrapeConfig(props: ObservabilityProps | ResolvedObservability, options: ScrapeConfigOptions = {}): ScrapeConfig {
  const o = "scope" in props ? props : resolveObservabilityProps(props);
  const portName = options.portName ?? DEFAULT_METRICS_PORT_NAME;
  const selector = options.serviceSelectorLabels ?? defaultServiceSelectorLabels(o.serviceName);
  const keepService = Object.entries(selector)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, value]): RelabelConfig => ({
      source_labels: [`__meta_kubernetes_service_label_${metaLabel(label)}`, `__meta_kubernetes_service_labelpresent_${metaLabel(label)}`],
      regex: `(${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")});true`,
      action: "keep",
    }));
  const copy = (meta: string, target: string): RelabelConfig => ({ source_labels: [meta], target_label: target, action: "replace" });
  const sd: Record<string, unknown> = { role: "endpoints", namespaces: { names: [o.namespace] } };
  if (options.connection !== undefined) {
    sd.api_server = options.connection.apiServer;
    sd.tls_config = { ca_file: options.connection.caFile, cert_file: options.connection.certFile, key_file: options.connection.keyFile };
  }
  return {
    job_name: `serviceMonitor/${o.namespace}/${options.name ?? o.serviceName}/0`,
    scrape_interval: o.monitoring.prometheus.scrapeInterval,
    metrics_path: options.path ?? DEFAULT_METRICS_PATH,
    kubernetes_sd_configs: [sd],
    relabel_configs: [
      ...keepService,
      { source_labels: ["__meta_kubernetes_endpoint_port_name"], regex: portName, action: "keep" },
      copy("__meta_kubernetes_namespace", "namespace"),
      copy("__meta_kubernetes_service_name", "service"),
      copy("__meta_kubernetes_pod_name", "pod"),
      copy("__meta_kubernetes_pod_container_name", "container"),
      { target_label: "endpoint", replacement: portName, action: "replace" },
      // podTargetLabels, as the operator writes them: the pod label, when present, under its sanitized name.
      ...POD_TARGET_LABELS.map((label): RelabelConfig => ({
        source_labels: [`__meta_kubernetes_pod_label_${metaLabel(label)}`],
        regex: "(.+)",
        target_label: metaLabel(label),
        replacement: "${1}",
        action: "replace",
      })),
      { target_label: "job", replacement: o.jobLabel, action: "replace" },
    ],
  };
}
