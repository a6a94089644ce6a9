import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import type { ObservabilityProps } from "../../alerts/index.js";
import { renderServiceDashboardJson } from "../../dashboards/index.js";
import { constructPath, requireObjectName, resolveForConstruct } from "./validation.js";

/** Props of {@link GrafanaDashboardConfigMap}. */
export interface GrafanaDashboardConfigMapProps extends ObservabilityProps {
  /**
   * Name of the ConfigMap.
   * @default - "<serviceName>-dashboard"
   */
  readonly name?: string;
  /**
   * Namespace of the ConfigMap. Grafana's dashboard sidecar (kube-prometheus-stack) only watches its
   * own namespace unless `sidecar.dashboards.searchNamespace` is set: use "monitoring" then.
   * @default - the service's namespace
   */
  readonly configMapNamespace?: string;
  /**
   * Grafana folder the sidecar puts the dashboard in (`grafana_folder` annotation; needs
   * `sidecar.dashboards.folderAnnotation: grafana_folder`).
   * @default - no annotation: the sidecar's default folder
   */
  readonly folder?: string;
}

/** Label the Grafana sidecar of kube-prometheus-stack looks for. */
export const GRAFANA_DASHBOARD_LABEL = "grafana_dashboard";

/**
 * kubectl's client-side apply copies the object into an annotation limited to 262144 bytes; a
 * larger dashboard would only deploy with server-side apply.
 */
const MAX_DASHBOARD_BYTES = 262_144 - 8_192;

/**
 * A ConfigMap holding the service dashboard JSON, labelled `grafana_dashboard: "1"` so that
 * Grafana's sidecar provisions it.
 *
 * @example new GrafanaDashboardConfigMap(this, "dashboard", observability);
 */
export class GrafanaDashboardConfigMap extends Construct {
  /** The emitted ConfigMap. */
  readonly apiObject: ApiObject;
  /** The dashboard JSON, as stored under `<uid>.json`. */
  readonly dashboardJson: string;
  /** Grafana uid of the dashboard, stable across deployments so that links to it keep working. */
  readonly dashboardUid: string;

  constructor(scope: Construct, id: string, props: GrafanaDashboardConfigMapProps) {
    const where = constructPath(scope, id);
    const resolved = resolveForConstruct(scope, id, props);
    const name = props.name ?? `${resolved.serviceName}-dashboard`;
    requireObjectName(where, "name", name);
    const namespace = props.configMapNamespace ?? resolved.namespace;
    requireObjectName(where, "configMapNamespace", namespace);
    if (props.folder !== undefined && props.folder.trim() === "") {
      throw new Error(`${where}: folder must not be empty: give a folder name such as "Services", or leave it out`);
    }
    const json = renderServiceDashboardJson(resolved);
    const bytes = Buffer.byteLength(json, "utf8");
    if (bytes > MAX_DASHBOARD_BYTES) {
      throw new Error(`${where}: the dashboard JSON is ${bytes} bytes, over the ${MAX_DASHBOARD_BYTES} that kubectl apply can store: remove panels or deploy with server-side apply`);
    }
    super(scope, id);
    this.dashboardJson = json;
    this.dashboardUid = resolved.dashboardUid;
    this.apiObject = new ApiObject(this, "Resource", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name,
        namespace,
        labels: { [GRAFANA_DASHBOARD_LABEL]: "1", "app.kubernetes.io/name": resolved.serviceName },
        ...(props.folder === undefined ? {} : { annotations: { grafana_folder: props.folder } }),
      },
      data: { [`${resolved.dashboardUid}.json`]: json },
    });
  }
}
