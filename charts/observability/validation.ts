import type { Construct } from "constructs";
import { dnsSubdomainProblem } from "../../config/validators.js";
import { resolveObservabilityProps } from "../../alerts/index.js";
import type { ObservabilityProps, ResolvedObservability } from "../../alerts/index.js";

/**
 * Resolves the props, prefixing any error with the construct path so the user knows which object to fix.
 * A model that is already resolved (a chart resolves it once for its rules, monitor and dashboard) is used as is.
 */
export function resolveForConstruct(scope: Construct, id: string, props: ObservabilityProps | ResolvedObservability): ResolvedObservability {
  if ("scope" in props) return props;
  try {
    return resolveObservabilityProps(props);
  } catch (error) {
    throw new Error(`${constructPath(scope, id)}: ${(error as Error).message}`, { cause: error });
  }
}

/** Path of the construct `id` would get under `scope`, for error messages thrown before it exists. */
export function constructPath(scope: Construct, id: string): string {
  const parent = scope.node.path;
  return parent === "" ? id : `${parent}/${id}`;
}

/** Throws when `value` cannot name a Kubernetes object. */
export function requireObjectName(where: string, prop: string, value: string): void {
  const reason = dnsSubdomainProblem(value);
  if (reason !== undefined) throw new Error(`${where}: ${prop} "${value}" is not a valid Kubernetes object name: it ${reason}`);
}
