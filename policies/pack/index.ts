/**
 * The guardrails as a Pulumi policy pack:
 *
 *   pulumi preview --policy-pack policies/pack
 *
 * Mandatory violations fail the preview or update; advisory ones are reported. See policies/README.md.
 */
import { PolicyPack } from "@pulumi/policy";
import { guardrailPolicies } from "./policies.js";

new PolicyPack("go-service-stack-guardrails", {
  description: "Restricted Pod Security Standard, sized and probed workloads, pinned images, disruption budgets, network policies, TLS ingress and a private, encrypted, versioned backup bucket.",
  enforcementLevel: "advisory",
  policies: guardrailPolicies(),
});
