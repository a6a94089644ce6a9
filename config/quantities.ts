/**
 * Parsing of the value formats the stack config uses: Go durations (the service reads
 * `READ_TIMEOUT=30s` with `time.ParseDuration`) and Kubernetes resource quantities.
 * Kept free of zod and cdk8s so the chart, the alerts and the schema share one definition.
 */

/** Each unit in nanoseconds, Go's resolution: a duration is a whole number of them, as in Go. */
const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's `time.Duration` is int64 nanoseconds; `ParseDuration` refuses a longer one (about 292 years). */
const MAX_NANOSECONDS = 2n ** 63n - 1n;

const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const DURATION_PART = /(\d+)(?:\.(\d+))?(ns|us|µs|ms|s|m|h)/g;

/** Nanoseconds in a Go duration (fractions truncated to the nanosecond, as Go does), or undefined when it is not one. */
function durationNanoseconds(text: string): bigint | undefined {
  if (!GO_DURATION.test(text)) return undefined;
  let total = 0n;
  for (const [, whole = "0", fraction = "", unit = "s"] of text.matchAll(DURATION_PART)) {
    const size = DURATION_UNITS[unit] ?? 1_000_000_000n;
    total += BigInt(whole) * size + (fraction === "" ? 0n : (BigInt(fraction) * size) / 10n ** BigInt(fraction.length));
    if (total > MAX_NANOSECONDS) return undefined;
  }
  return total;
}

/** True when `text` is a duration Go's `time.ParseDuration` accepts (positive, with units, at most about 292 years). */
export function isGoDuration(text: string): boolean {
  return durationNanoseconds(text) !== undefined;
}

/** Seconds in a Go duration such as `1h30m` or `500ms`; throws on a malformed value. */
export function durationSeconds(text: string): number {
  const nanoseconds = durationNanoseconds(text);
  if (nanoseconds === undefined) {
    throw new Error(`"${text}" is not a Go duration (examples: 30s, 1m30s, 1h; at most 2562047h)`);
  }
  // One division of a whole number: the same length written in other units gives the same number.
  return Number(nanoseconds) / 1e9;
}

const CPU_QUANTITY = /^(?:\d+(?:\.\d{1,3})?|\d+m)$/;
const MEMORY_QUANTITY = /^\d+(?:\.\d+)?(?:Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

const MEMORY_FACTORS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The power of ten of each decimal suffix (the binary ones are powers of two: exact factors). */
const DECIMAL_EXPONENTS: Record<string, number> = { "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** True for a CPU quantity Kubernetes accepts and humans write: `250m`, `0.5`, `2`. */
export function isCpuQuantity(text: string): boolean {
  return CPU_QUANTITY.test(text) && cpuMillicores(text) > 0;
}

/** True for a memory quantity such as `512Mi`, `1Gi` or `800M`. */
export function isMemoryQuantity(text: string): boolean {
  return MEMORY_QUANTITY.test(text) && memoryBytes(text) > 0;
}

/** Millicores in a CPU quantity (`500m` → 500, `1.5` → 1500). */
export function cpuMillicores(text: string): number {
  if (text.endsWith("m")) return Number(text.slice(0, -1));
  return Math.round(Number(text) * 1000);
}

/** Bytes in a memory quantity (`512Mi` → 536870912). */
export function memoryBytes(text: string): number {
  const match = /^(\d+)(?:\.(\d+))?([A-Za-z]*)$/.exec(text);
  if (!match) return Number.NaN;
  const [, whole = "", fraction = "", suffix = ""] = match;
  const factor = MEMORY_FACTORS[suffix];
  if (factor === undefined) return Number.NaN;
  // Mantissa digits as a whole number, then one rounding: the same amount in other units is the same number.
  const digits = Number(whole + fraction);
  const decimal = DECIMAL_EXPONENTS[suffix];
  if (decimal === undefined) return (digits * factor) / 10 ** fraction.length;
  const shift = decimal - fraction.length;
  return shift >= 0 ? digits * 10 ** shift : digits / 10 ** -shift;
}

/**
 * The Go runtime's soft memory limit for a container memory limit: a fraction of it, in MiB,
 * so the garbage collector works harder before the kernel OOM-kills the pod.
 */
export function goMemLimit(memoryLimit: string, fraction: number): string {
  const mebibytes = Math.floor((memoryBytes(memoryLimit) * fraction) / 2 ** 20);
  return `${mebibytes}MiB`;
}
