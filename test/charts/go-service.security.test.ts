import { describe, expect, it } from "vitest";
import { committedStack, findObject, objectsOf, type Manifest } from "../support/stacks.js";

type Json = Manifest;

describe.each(["staging", "production"])("%s pods meet the restricted Pod Security Standard", (stack) => {
  const objects = objectsOf(committedStack(stack));
  const pod = findObject(objects, "Deployment").spec.template.spec as Json;
  const container = pod.containers[0] as Json;

  it("run as the high, unshared user and group 10001 (not the node's first login user, 1000) with seccomp RuntimeDefault", () => {
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.securityContext).toMatchObject({ runAsUser: 10001, runAsGroup: 10001 });
  });

  it("declare ephemeral storage that covers the size-capped /tmp emptyDir and the logs", () => {
    const tmp = (pod.volumes as Json[]).find((v) => v.name === "tmp");
    expect(tmp?.emptyDir).toEqual({ sizeLimit: "64Mi" });
    expect(container.resources.requests["ephemeral-storage"]).toBe("128Mi");
    expect(container.resources.limits["ephemeral-storage"]).toBe("256Mi");
  });

  it("drop every capability, forbid privilege escalation, and keep the root filesystem read-only", () => {
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.securityContext.capabilities.add).toBeUndefined();
  });

  it("share no host namespace and mount no host path", () => {
    expect(pod.hostNetwork).toBe(false);
    expect(pod.hostPID).toBeUndefined();
    expect(pod.hostIPC).toBeUndefined();
    expect((pod.volumes as Json[]).some((v) => v.hostPath !== undefined)).toBe(false);
  });

  it("do not mount a service account token", () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(findObject(objects, "ServiceAccount").automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe("myapp");
  });

  it("live in a namespace that enforces the restricted profile", () => {
    expect(findObject(objects, "Namespace").metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted" });
  });
});
