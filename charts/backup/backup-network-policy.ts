import * as kplus from "cdk8s-plus-28";
import { Construct } from "constructs";

/** Props of {@link BackupNetworkPolicy}. */
export interface BackupNetworkPolicyProps {
  /** Name of the policy. */
  readonly name: string;
  /** Labels that select the backup and restore-check pods. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** PostgreSQL's port. */
  readonly databasePort: number;
  /** Where PostgreSQL runs. @default ["0.0.0.0/0"] */
  readonly databaseCidrs?: readonly string[];
  /**
   * Port of the object store (S3, and STS for IRSA credentials).
   * @default 443
   */
  readonly objectStorePort?: number;
}

const port = (protocol: "TCP" | "UDP", number: number) => ({ protocol, port: kplus.k8s.IntOrString.fromNumber(number) });

/**
 * The backup jobs' network: nothing in; out only DNS, PostgreSQL and the object store.
 * Without it the jobs would be the one workload of the namespace with no NetworkPolicy.
 */
export class BackupNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: BackupNetworkPolicyProps) {
    super(scope, id);
    new kplus.k8s.KubeNetworkPolicy(this, "resource", {
      metadata: { name: props.name, labels: { ...props.podSelector } },
      spec: {
        podSelector: { matchLabels: { ...props.podSelector } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [port("UDP", 53), port("TCP", 53)],
          },
          { to: (props.databaseCidrs ?? ["0.0.0.0/0"]).map((cidr) => ({ ipBlock: { cidr } })), ports: [port("TCP", props.databasePort)] },
          { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [port("TCP", props.objectStorePort ?? 443)] },
        ],
      },
    });
  }
}
