import { describe, expect, it } from "vitest";
import { committedStack, findObject, objectsOf, type Manifest } from "../support/stacks.js";

type Json = Manifest;

describe.each(["staging", "production"])("%s pods meet the restricted Pod Security Standard", (stack) => {
  const objects = objectsOf(committedStack(stack));
  const pod = findObject(objects, "Deployment").spec.template.spec as Json;
  const container = pod.containers[0] as Json;

  it("run as non-root user and group 1000 with seccomp RuntimeDefault", () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
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
