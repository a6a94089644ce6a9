import { Chart, JsonPatch, type ChartProps } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import type { Construct } from "constructs";
import type { StackConfig } from "../infra/config/schema.js";
import { GoService } from "./go-service.js";
import { addFinalJsonPatch } from "./raw-json-patch.js";
import { Replicas } from "./replicas.js";

export interface ServiceStackChartProps extends ChartProps {
  /** The validated configuration of one stack (see `resolveStackConfig`). */
  readonly config: StackConfig;
}

/**
 * Everything one stack deploys into its namespace, from its validated config: the namespace itself
 * (restricted Pod Security Standard enforced), the Go service, and its monitoring and backup jobs.
 */
export class ServiceStackChart extends Chart {
  readonly service: GoService;
  readonly config: StackConfig;

  constructor(scope: Construct, id: string, props: ServiceStackChartProps) {
    const { config } = props;
    super(scope, id, { ...props, namespace: config.namespace, disableResourceNameHashes: true });
    this.config = config;

    const namespace = new kplus.k8s.KubeNamespace(this, "namespace", {
      metadata: {
        name: config.namespace,
        labels: {
          "app.kubernetes.io/part-of": config.name,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
        },
      },
    });

    // A Namespace is cluster-scoped; cdk8s stamps the chart's namespace on every object.
    addFinalJsonPatch(namespace, JsonPatch.remove("/metadata/namespace"));

    this.service = new GoService(this, config.name, {
      name: config.name,
      environment: config.environment,
      image: config.image,
      replicas: config.autoscaling.enabled
        ? Replicas.autoscale({
            min: config.autoscaling.minReplicas,
            max: config.autoscaling.maxReplicas,
            cpuUtilizationPercent: config.autoscaling.targetCPUUtilizationPercentage,
            memoryUtilizationPercent: config.autoscaling.targetMemoryUtilizationPercentage,
          })
        : Replicas.fixed(config.replicas),
      resources: config.resources,
      settings: config,
      liveness: config.probes.liveness,
      readiness: config.probes.readiness,
      ...(config.ingress.enabled
        ? {
            ingress: {
              hosts: config.ingress.hosts,
              className: config.ingress.className,
              clusterIssuer: config.ingress.clusterIssuer,
              tlsSecretName: config.ingress.tlsSecretName,
            },
          }
        : {}),
      secrets: config.secrets,
      networkPolicy: config.networkPolicy.enabled ? config.networkPolicy : false,
    });
  }
}
