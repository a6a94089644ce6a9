import { ApiObject } from "cdk8s";
import type { ApiObjectProps } from "cdk8s";
import { Construct } from "constructs";
import { buildPrometheusRule, buildRuleGroups } from "../../alerts/index.js";
import type { ObservabilityProps, RuleGroup } from "../../alerts/index.js";
import type { PrometheusRule as PrometheusRuleModel } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { constructPath, requireObjectName, resolveForConstruct } from "./validation.js";

/** Props of {@link PrometheusRule}. */
export interface PrometheusRuleProps extends ObservabilityProps {
  /**
   * Name of the PrometheusRule object.
   * @default - "<serviceName>-rules"
   */
  readonly name?: string;
}

/**
 * The service's alerting and recording rules (production alerts, SLO burn-rate alerts, backup
 * alerts) as a prometheus-operator PrometheusRule, labelled so that kube-prometheus-stack loads it.
 * The same groups render to a plain rule file with `renderRuleGroups(buildRuleGroups(props))`.
 *
 * @example new PrometheusRule(this, "rules", observability);
 */
export class PrometheusRule extends Construct {
  /** The emitted Kubernetes object. */
  readonly apiObject: ApiObject;
  /** The typed, schema-validated manifest. */
  readonly manifest: PrometheusRuleModel;
  /** The rule groups it holds. */
  readonly groups: readonly RuleGroup[];

  constructor(scope: Construct, id: string, props: PrometheusRuleProps) {
    const where = constructPath(scope, id);
    const resolved = resolveForConstruct(scope, id, props);
    const name = props.name ?? `${resolved.serviceName}-rules`;
    requireObjectName(where, "name", name);
    const groups = buildRuleGroups(resolved);
    let manifest: PrometheusRuleModel;
    try {
      manifest = buildPrometheusRule(groups, {
        name,
        namespace: resolved.namespace,
        labels: { ...resolved.monitoring.prometheus.resourceLabels, "app.kubernetes.io/name": resolved.serviceName },
      });
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
    }
    super(scope, id);
    this.groups = groups;
    this.manifest = manifest;
    this.apiObject = new ApiObject(this, "Resource", manifest.toJSON() as ApiObjectProps);
  }
}
