import * as kplus from "cdk8s-plus-28";
import { Construct } from "constructs";

/** Who may talk to the service and whom it may call. */
export interface ServiceNetworkPolicyOptions {
  /** Namespace of the ingress controller allowed to reach the HTTP port. @default "ingress-nginx" */
  readonly ingressControllerNamespace?: string;
  /** Namespace of Prometheus, allowed to reach the metrics port. @default "monitoring" */
  readonly monitoringNamespace?: string;
  /** Where PostgreSQL runs. @default ["0.0.0.0/0"] - any address, on the database port only */
  readonly databaseCidrs?: readonly string[];
  /** Where Redis runs. @default ["0.0.0.0/0"] - any address, on the Redis port only */
  readonly redisCidrs?: readonly string[];
}

/** Props of {@link ServiceNetworkPolicy}. */
export interface ServiceNetworkPolicyProps extends ServiceNetworkPolicyOptions {
  /** Name of the NetworkPolicy. */
  readonly name: string;
  /** Labels of the NetworkPolicy object. */
  readonly labels: Readonly<Record<string, string>>;
  /** Labels that select the service's pods. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** The HTTP port the ingress controller may reach. @default - none: nothing but Prometheus gets in (workers) */
  readonly httpPort?: number;
  /** The metrics port Prometheus may reach. */
  readonly metricsPort: number;
  /** PostgreSQL's port, the only one open towards `databaseCidrs`. */
  readonly databasePort: number;
  /** Redis's port, the only one open towards `redisCidrs`. */
  readonly redisPort: number;
}

const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
const tcp = (port: number) => ({ protocol: "TCP", port: kplus.k8s.IntOrString.fromNumber(port) });

/**
 * Default-deny for the service's pods, then only the flows the service needs: HTTP from the ingress
 * controller, metrics from Prometheus, DNS, PostgreSQL and Redis.
 */
export class ServiceNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: ServiceNetworkPolicyProps) {
    super(scope, id);
    const fromNamespace = (namespace: string) => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } } });
    const toCidrs = (cidrs: readonly string[]) => cidrs.map((cidr) => ({ ipBlock: { cidr } }));
    new kplus.k8s.KubeNetworkPolicy(this, "resource", {
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        podSelector: { matchLabels: { ...props.podSelector } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          ...(props.httpPort === undefined
            ? []
            : [{ from: [fromNamespace(props.ingressControllerNamespace ?? "ingress-nginx")], ports: [tcp(props.httpPort)] }]),
          { from: [fromNamespace(props.monitoringNamespace ?? "monitoring")], ports: [tcp(props.metricsPort)] },
        ],
        egress: [
          {
            to: [{ ...fromNamespace("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [
              { protocol: "UDP", port: kplus.k8s.IntOrString.fromNumber(53) },
              { protocol: "TCP", port: kplus.k8s.IntOrString.fromNumber(53) },
            ],
          },
          { to: toCidrs(props.databaseCidrs ?? ["0.0.0.0/0"]), ports: [tcp(props.databasePort)] },
          { to: toCidrs(props.redisCidrs ?? ["0.0.0.0/0"]), ports: [tcp(props.redisPort)] },
        ],
      },
    });
  }
}
