import { ApiObject } from "cdk8s";
import type { ApiObjectProps } from "cdk8s";
import { Construct } from "constructs";
import { buildServiceMonitor } from "../../alerts/index.js";
import type { ObservabilityProps, ServiceMonitorOptions } from "../../alerts/index.js";
import type { ServiceMonitor as ServiceMonitorModel } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { constructPath, requireObjectName, resolveForConstruct } from "./validation.js";

/**
 * Props of {@link ServiceMonitor}: the service's observability props plus where its metrics are.
 * Optional props and their defaults are documented on {@link ObservabilityProps} and {@link ServiceMonitorOptions}.
 */
export interface ServiceMonitorProps extends ObservabilityProps, ServiceMonitorOptions {}

/**
 * A prometheus-operator ServiceMonitor that makes the Prometheus of kube-prometheus-stack scrape
 * the service's `metrics` port every `monitoring.prometheus.scrapeInterval`, with the `job` label
 * the alerts and the dashboard select on.
 *
 * @example new ServiceMonitor(this, "service-monitor", { ...observability, serviceSelectorLabels: service.selectorLabels });
 */
export class ServiceMonitor extends Construct {
  /** The emitted Kubernetes object. */
  readonly apiObject: ApiObject;
  /** The typed, schema-validated manifest. */
  readonly manifest: ServiceMonitorModel;

  constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    const where = constructPath(scope, id);
    const resolved = resolveForConstruct(scope, id, props);
    if (props.name !== undefined) requireObjectName(where, "name", props.name);
    let manifest: ServiceMonitorModel;
    try {
      manifest = buildServiceMonitor(resolved, props);
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
    }
    // Everything is validated before the node joins the tree, so a failed construction leaves no half-built node.
    super(scope, id);
    this.manifest = manifest;
    this.apiObject = new ApiObject(this, "Resource", manifest.toJSON() as ApiObjectProps);
  }
}
