import { describe, expect, it } from "vitest";
import { committedStack, findObject, objectsOf } from "../../support/stacks.js";

describe("the backup jobs' NetworkPolicy", () => {
  const production = objectsOf(committedStack("production"));

  it("selects the backup and restore-check pods", () => {
    const policy = findObject(production, "NetworkPolicy", "database-backup");
    const selector = policy.spec.podSelector.matchLabels as Record<string, string>;
    for (const name of ["db-backup", "db-restore-check"]) {
      const labels = findObject(production, "CronJob", name).spec.jobTemplate.spec.template.metadata.labels as Record<string, string>;
      for (const [key, value] of Object.entries(selector)) expect(labels[key], `${name} ${key}`).toBe(value);
    }
  });

  it("lets nothing in, and out only DNS, PostgreSQL in the database CIDRs and HTTPS", () => {
    const policy = findObject(production, "NetworkPolicy", "database-backup").spec;
    expect(policy.ingress).toEqual([]);
    expect(policy.egress.map((r: { ports: { protocol: string; port: number }[] }) => r.ports.map((p) => `${p.protocol}/${p.port}`).join(","))).toEqual([
      "UDP/53,TCP/53",
      "TCP/5432",
      "TCP/443",
    ]);
    expect(policy.egress[1].to).toEqual([{ ipBlock: { cidr: "10.10.0.0/16" } }]);
  });

  it("follows a custom object-store endpoint's port (local stack)", () => {
    const policy = findObject(objectsOf(committedStack("local")), "NetworkPolicy", "database-backup").spec;
    expect(policy.egress[2].ports).toEqual([{ protocol: "TCP", port: 9000 }]);
  });
});
