/**
 * The restricted Pod Security Standard (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
 * one rule per control so that a violation says exactly what to change. The namespaces of the stacks
 * also enforce it at admission (`pod-security.kubernetes.io/enforce: restricted`); these rules catch
 * the problem before a deployment is attempted, and in clusters that do not enforce it.
 */
import type { Finding, KubernetesManifest, PolicyContext, PolicyRule } from "../types.js";
import { asArray, field, isObject, podTemplateOf, type ContainerEntry, type PodTemplate } from "./workloads.js";

/** A rule over the pod of one workload. */
export function podRule(
  id: string,
  level: PolicyRule<KubernetesManifest>["level"],
  description: string,
  check: (pod: PodTemplate, context: PolicyContext) => Finding[],
): PolicyRule<KubernetesManifest> {
  return {
    id,
    level,
    description,
    checkEach: (manifest, context) => {
      const pod = podTemplateOf(manifest);
      return pod === undefined ? [] : check(pod, context);
    },
  };
}

/** A rule checked container by container. */
function containerRule(
  id: string,
  description: string,
  check: (entry: ContainerEntry, pod: PodTemplate) => { message: string; fix: string } | undefined,
): PolicyRule<KubernetesManifest> {
  return podRule(id, "mandatory", description, (pod) =>
    pod.containers.flatMap((entry) => {
      const problem = check(entry, pod);
      return problem === undefined ? [] : [{ object: pod.object, ...problem }];
    }),
  );
}

const where = (entry: ContainerEntry) => `${entry.list === "containers" ? "container" : entry.list.replace(/s$/, "")} "${entry.name}"`;
const securityContext = (entry: ContainerEntry) => field(entry.container, "securityContext");
const podSecurityContext = (pod: PodTemplate) => field(pod.spec, "securityContext");

export const privilegedRule = containerRule(
  "pss-privileged",
  "No container runs privileged.",
  (entry) =>
    field(securityContext(entry), "privileged") === true
      ? {
          message: `${where(entry)} runs privileged (securityContext.privileged: true): it has every capability of the node`,
          fix: `remove securityContext.privileged from ${where(entry)} (or set it to false)`,
        }
      : undefined,
);

export const hostNamespacesRule = podRule("pss-host-namespaces", "mandatory", "Pods do not share the node's network, PID or IPC namespace.", (pod) =>
  (["hostNetwork", "hostPID", "hostIPC"] as const)
    .filter((key) => pod.spec[key] === true)
    .map((key) => ({
      object: pod.object,
      message: `the pod sets ${key}: true and shares the node's ${key.slice(4)} namespace`,
      fix: `remove ${key} from the pod spec (or set it to false)`,
    })),
);

export const hostPortsRule = containerRule("pss-host-ports", "No container binds a port on the node (hostPort).", (entry) => {
  const ports = asArray(entry.container.ports)
    .map((port) => field(port, "hostPort"))
    .filter((hostPort) => hostPort !== undefined && hostPort !== 0);
  return ports.length === 0
    ? undefined
    : {
        message: `${where(entry)} binds host port(s) ${ports.join(", ")}`,
        fix: `remove hostPort from the ports of ${where(entry)}; expose the pod through a Service`,
      };
});

/** The volume types the restricted standard allows; hostPath and every in-tree driver are refused. */
export const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

export const volumeTypesRule = podRule(
  "pss-volume-types",
  "mandatory",
  "Pods only use the volume types the restricted standard allows (no hostPath).",
  (pod) =>
    asArray(pod.spec.volumes).flatMap((volume) => {
      if (!isObject(volume)) return [];
      const types = Object.keys(volume).filter((key) => key !== "name" && !RESTRICTED_VOLUME_TYPES.includes(key));
      return types.map((type) => ({
        object: pod.object,
        message: `volume "${String(volume.name)}" is of type ${type}${type === "hostPath" ? ", which exposes the node's file system to the pod" : ", which the restricted standard refuses"}`,
        fix: `replace volume "${String(volume.name)}" by an emptyDir, configMap, secret, projected or persistentVolumeClaim volume`,
      }));
    }),
);

export const privilegeEscalationRule = containerRule(
  "pss-privilege-escalation",
  "Every container sets allowPrivilegeEscalation: false.",
  (entry) =>
    field(securityContext(entry), "allowPrivilegeEscalation") === false
      ? undefined
      : {
          message: `${where(entry)} does not set securityContext.allowPrivilegeEscalation: false`,
          fix: `set securityContext.allowPrivilegeEscalation: false on ${where(entry)}`,
        },
);

export const runAsNonRootRule = containerRule(
  "pss-run-as-non-root",
  "Containers must run as a non-root user (runAsNonRoot: true, runAsUser not 0).",
  (entry, pod) => {
    const container = securityContext(entry);
    const podLevel = podSecurityContext(pod);
    const nonRoot = field(container, "runAsNonRoot") ?? field(podLevel, "runAsNonRoot");
    const user = field(container, "runAsUser") ?? field(podLevel, "runAsUser");
    if (user === 0) {
      return {
        message: `${where(entry)} runs as UID 0 (root)`,
        fix: `set securityContext.runAsUser to a non-zero UID (GoService uses 1000) on ${where(entry)} or the pod`,
      };
    }
    if (nonRoot !== true) {
      return {
        message: `${where(entry)} may run as root: neither it nor the pod sets securityContext.runAsNonRoot: true`,
        fix: `set securityContext.runAsNonRoot: true on the pod (or on ${where(entry)})`,
      };
    }
    return undefined;
  },
);

const ALLOWED_SECCOMP = ["RuntimeDefault", "Localhost"];

export const seccompRule = containerRule(
  "pss-seccomp",
  "Every container runs under the RuntimeDefault or a Localhost seccomp profile.",
  (entry, pod) => {
    const own = field(securityContext(entry), "seccompProfile", "type");
    const inherited = field(podSecurityContext(pod), "seccompProfile", "type");
    const effective = own ?? inherited;
    if (typeof effective === "string" && ALLOWED_SECCOMP.includes(effective)) return undefined;
    return {
      message:
        effective === undefined
          ? `${where(entry)} has no seccomp profile: neither it nor the pod sets securityContext.seccompProfile`
          : `${where(entry)} uses the seccomp profile ${String(effective)}`,
      fix: `set securityContext.seccompProfile.type: RuntimeDefault on the pod (or on ${where(entry)})`,
    };
  },
);

export const capabilitiesRule = containerRule(
  "pss-capabilities",
  "Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE.",
  (entry) => {
    const capabilities = field(securityContext(entry), "capabilities");
    const drop = asArray(field(capabilities, "drop"));
    const added = asArray(field(capabilities, "add")).filter((cap) => cap !== "NET_BIND_SERVICE");
    if (!drop.includes("ALL")) {
      return {
        message: `${where(entry)} keeps the runtime's default capabilities (securityContext.capabilities.drop lacks ALL)`,
        fix: `set securityContext.capabilities.drop: ["ALL"] on ${where(entry)}`,
      };
    }
    if (added.length > 0) {
      return {
        message: `${where(entry)} adds the capabilities ${added.join(", ")}`,
        fix: `remove ${added.join(", ")} from securityContext.capabilities.add of ${where(entry)} (only NET_BIND_SERVICE is allowed)`,
      };
    }
    return undefined;
  },
);

/** Not part of the standard, but every construct of this package sets it: a compromised process cannot alter its binary. */
export const readOnlyRootFilesystemRule: PolicyRule<KubernetesManifest> = {
  ...containerRule(
    "read-only-root-filesystem",
    "Containers mount their root file system read-only (advisory).",
    (entry) =>
      entry.list === "ephemeralContainers" || field(securityContext(entry), "readOnlyRootFilesystem") === true
        ? undefined
        : {
            message: `${where(entry)} has a writable root file system`,
            fix: `set securityContext.readOnlyRootFilesystem: true on ${where(entry)} and mount an emptyDir where it writes (e.g. /tmp)`,
          },
  ),
  level: "advisory",
};

export const POD_SECURITY_RULES: readonly PolicyRule<KubernetesManifest>[] = [
  privilegedRule,
  hostNamespacesRule,
  hostPortsRule,
  volumeTypesRule,
  privilegeEscalationRule,
  runAsNonRootRule,
  seccompRule,
  capabilitiesRule,
  readOnlyRootFilesystemRule,
];
