import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StackConfigError } from "../../config/config-error.js";
import { resolveStackConfig } from "../../config/resolve-stack-config.js";
import { PROJECT, productionBlock } from "../support/stacks.js";

type Path = readonly (string | number)[];

/** The key as messages write it: `go-service:ingress.hosts[0]`. */
const keyOf = (path: Path): string =>
  `${PROJECT}:${path.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`)).join("")}`;

/** The production block with `value` at `path` (objects on the way merged, lists replaced). */
function blockWith(path: Path, value: unknown): Record<string, unknown> {
  const block = structuredClone(productionBlock());
  const [top, ...rest] = path as [string, ...(string | number)[]];
  const set = (node: unknown, [head, ...tail]: readonly (string | number)[]): unknown => {
    if (head === undefined) return value;
    if (typeof head === "number") return [set(undefined, tail)];
    const object = node !== null && typeof node === "object" && !Array.isArray(node) ? (node as Record<string, unknown>) : {};
    return { ...object, [head]: set(object[head], tail) };
  };
  block[`${PROJECT}:${top}`] = set(block[`${PROJECT}:${top}`], rest);
  return block;
}

function problemsOf(block: Record<string, unknown>) {
  try {
    resolveStackConfig(block, { project: PROJECT, stack: "production", file: "Pulumi.production.yaml" });
  } catch (error) {
    if (error instanceof StackConfigError) return error.problems;
    throw error;
  }
  return undefined;
}

// --- values that are wrong by construction, key by key ------------------------------------------

const notAString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }),
  fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), fc.integer(), { minKeys: 1, maxKeys: 2 }),
);
const notAWholeNumber = fc.oneof(fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null), fc.double({ noInteger: true, noNaN: true }), fc.array(fc.nat(), { maxLength: 2 }));
const notANumber = fc.oneof(fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null), fc.array(fc.nat(), { maxLength: 2 }));
/** Text with at least one upper-case letter. */
const withUpperCase = fc.tuple(fc.stringMatching(/^[a-z0-9.-]{0,20}$/), fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ")).map(([text, letter]) => `${letter}${text}`);
const aboveRange = (max: number) => fc.integer({ min: max + 1, max: max + 1_000_000 });
const notOneOf = (allowed: readonly string[]) => fc.string({ maxLength: 12 }).filter((text) => !allowed.includes(text));
/** A number without a unit, a unit without a number, a unit that does not exist, a fraction of the wrong kind. */
const notAGoDuration = fc.oneof(
  fc.nat().map(String),
  fc.constantFrom("s", "h", "1d", "1w", "1y", "1 s", "-1s", "1S", "1H", "1sec", "", "10x", "1h 30m"),
);
const notAPrometheusDuration = fc.oneof(
  fc.nat().map((n) => `${n + 1}`),
  fc.constantFrom("1h30", "30m1h", "1.5h", "-5m", "5 m", "1us", "", "5M", "300y"),
);
const notACpuQuantity = fc.oneof(
  fc.constantFrom("0", "0m", "-1", "1.2345", "500x", "m", "1 m", "1e3", "0.0001", ""),
  fc.tuple(fc.nat(), fc.constantFrom("Mi", "k", "M", "cores", "%")).map(([n, unit]) => `${n}${unit}`),
);
const notAMemoryQuantity = fc.oneof(
  fc.constantFrom("0", "0Mi", "-1Mi", "256MB", "1GB", "1 Gi", "Gi", "1gi", "1e9", ""),
  fc.tuple(fc.nat(), fc.constantFrom("mi", "KB", "b", "m", "%")).map(([n, unit]) => `${n}${unit}`),
);
/** Five fields, one of them out of its range: robfig/cron (Kubernetes) refuses it. */
const outOfRangeSchedule = fc
  .tuple(fc.nat(4), fc.integer({ min: 0, max: 1_000 }))
  .map(([field, extra]) => {
    const fields = ["0", "3", "*", "*", "*"];
    const [min, max] = ([[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]] as const)[field] as readonly [number, number];
    fields[field] = String(extra % 2 === 0 || min === 0 ? max + 1 + (extra % 50) : 0);
    return fields.join(" ");
  });
const notASchedule = fc.oneof(outOfRangeSchedule, fc.constantFrom("daily", "@dayly", "0 3 * *", "0 3 * * * *", "0 0 30 2 *", "0 0 * * 7", "*/0 * * * *", "5-1 * * * *", ""));
/** Valid schedules that cannot meet the default 1-hour RPO with room for one failed run. */
const tooSparseForTheRpo = fc.oneof(
  fc.integer({ min: 31, max: 59 }).map((minute) => `*/${minute} * * * *`),
  fc.constantFrom("0 * * * *", "@hourly", "@daily", "0 2 * * *", "0 9-17 * * 1-5", "0,45 * * * *"),
);
const notAnImage = fc.oneof(
  withUpperCase,
  fc.constantFrom("registry.example.com/my app:v1", "myapp:", "myapp@sha256:abc", "/myapp:v1", "myapp:v1:v2", "", ":v1", "myapp:-v1"),
);
const floatingImage = fc.constantFrom("registry.example.com/myapp", "registry.example.com/myapp:latest", "myapp", "myapp:latest", "registry.example.com:5000/team/app:latest");
const notAHost = fc.oneof(
  withUpperCase.map((text) => `${text}.example.com`),
  fc.constantFrom("localhost", "api_example.com", "-api.example.com", "api-.example.com", "api..example.com", "", "*.", "https://api.example.com", `${"a".repeat(64)}.example.com`),
);
const notACidr = fc.oneof(
  fc.tuple(fc.integer({ min: 256, max: 999 }), fc.nat(32)).map(([octet, prefix]) => `10.${octet}.0.0/${prefix}`),
  fc.integer({ min: 33, max: 99 }).map((prefix) => `10.0.0.0/${prefix}`),
  fc.constantFrom("10.0.0.0", "10.0.0/16", "::1/128", "any", ""),
);
const notALabel = fc.oneof(withUpperCase, fc.constantFrom("-app", "app-", "my_app", "my.app", "", "a".repeat(64)));

/** [path, wrong values]: keys of every kind the schema has (strings, numbers, enums, quantities, durations, lists, nested objects). */
const CASES: ReadonlyArray<readonly [Path, fc.Arbitrary<unknown>]> = [
  [["environment"], fc.oneof(notOneOf(["development", "staging", "production"]), notAString)],
  [["name"], fc.oneof(notALabel, notAString)],
  [["namespace"], fc.oneof(notALabel, notAString)],
  [["role"], notOneOf(["api", "worker"])],
  [["image"], fc.oneof(notAnImage, floatingImage, notAString)],
  [["replicas"], fc.oneof(fc.integer({ max: 0 }), notAWholeNumber)],
  [["autoscaling", "maxReplicas"], fc.oneof(fc.integer({ max: 0 }), notAWholeNumber)],
  [["autoscaling", "targetCPUUtilizationPercentage"], fc.oneof(aboveRange(100), fc.integer({ max: 0 }), notAWholeNumber)],
  [["resources", "limits", "cpu"], fc.oneof(notACpuQuantity, notAString)],
  [["resources", "requests", "memory"], fc.oneof(notAMemoryQuantity, notAString)],
  [["server", "port"], fc.oneof(aboveRange(65535), fc.integer({ max: 0 }), notAWholeNumber)],
  [["server", "readTimeout"], fc.oneof(notAGoDuration, fc.integer({ min: 1, max: 999 }).map((ms) => `${ms}ms`), notAString)],
  [["server", "shutdownTimeout"], fc.oneof(notAGoDuration, notAString)],
  [["database", "sslMode"], fc.oneof(notOneOf(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]), fc.constant("disable"))],
  [["database", "maxOpenConns"], fc.oneof(fc.integer({ max: 0 }), notAWholeNumber)],
  [["database", "connMaxLifetime"], notAGoDuration],
  [["redis", "db"], fc.oneof(aboveRange(15), fc.integer({ max: -1 }), notAWholeNumber)],
  [["logging", "level"], notOneOf(["debug", "info", "warn", "error"])],
  [["security", "corsAllowedOrigins", 0], fc.oneof(fc.constantFrom("https://a.example.com/app", "a.example.com", "ftp://a.example.com", ""), notAString)],
  [["ingress", "hosts", 0], fc.oneof(notAHost, notAString)],
  [["networkPolicy", "databaseCidrs", 0], fc.oneof(notACidr, notAString)],
  [["backup", "schedule"], fc.oneof(notASchedule, notAString, tooSparseForTheRpo)],
  [["backup", "restoreCheckSchedule"], notASchedule],
  [["backup", "retentionDays"], fc.oneof(fc.integer({ max: 0 }), notAWholeNumber)],
  [["backup", "enabled"], fc.oneof(fc.constant(false), fc.string({ maxLength: 5 }), fc.integer())],
  [["kubernetes", "rolloutTimeout"], notAGoDuration],
  [["monitoring", "thresholds", "errorRate"], fc.oneof(fc.double({ min: 1, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: 0, noNaN: true }), notANumber)],
  [["backup", "rpo"], fc.oneof(notAPrometheusDuration, fc.constantFrom("1m", "0m", "90s", "1h30s"), notAString)],
  [["backup", "rto"], fc.oneof(notAPrometheusDuration, fc.constantFrom("0m", "30s", "15m30s"), notAString)],
  [["backup", "method"], notOneOf(["dump", "wal"])],
  [["backup", "frequentRetentionDays"], fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 31, max: 10_000 }), notAWholeNumber)],
  [["monitoring", "slo", "window"], notAPrometheusDuration],
  [["monitoring", "prometheus", "scrapeInterval"], notAPrometheusDuration],
];

describe("the stack schema (properties)", () => {
  it("the production block every case starts from is valid", () => {
    expect(problemsOf(productionBlock())).toBeUndefined();
  });

  it("every refused input names its key: a wrong value at any key is reported at that key", () => {
    const keyAndValue = fc.constantFrom(...CASES).chain(([path, values]) => values.map((value) => [path, value] as const));
    fc.assert(
      fc.property(keyAndValue, ([path, value]) => {
        const problems = problemsOf(blockWith(path, value));
        expect(problems, `${keyOf(path)} = ${JSON.stringify(value)} was accepted`).toBeDefined();
        const named = problems?.find((problem) => problem.key === keyOf(path));
        expect(named, `${keyOf(path)} = ${JSON.stringify(value)}: ${JSON.stringify(problems)}`).toBeDefined();
        expect(named?.file).toBe("Pulumi.production.yaml");
        expect(named?.message).toMatch(/\S/);
      }),
      { numRuns: 300 },
    );
  });

  it("an unknown key anywhere is named, with the key as written", () => {
    const unknownKey = fc.stringMatching(/^[a-z][a-zA-Z]{2,12}$/);
    const parents: readonly Path[] = [[], ["server"], ["database"], ["resources", "limits"], ["backup"], ["monitoring", "thresholds"]];
    fc.assert(
      fc.property(fc.constantFrom(...parents), unknownKey, fc.jsonValue(), (parent, key, value) => {
        const path = [...parent, key];
        const problems = problemsOf(blockWith(path, value));
        // A valid key of that object, hit by chance, may accept the value; anything else must be named.
        if (problems === undefined) return;
        expect(problems.map((problem) => problem.key)).toContainEqual(expect.stringMatching(new RegExp(`^${keyOf(path).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?:$|[.[])`)));
      }),
      { numRuns: 200 },
    );
  });
});
