/**
 * Parsing of the value formats the stack config uses: Go durations (the service reads
 * `READ_TIMEOUT=30s` with `time.ParseDuration`) and Kubernetes resource quantities.
 * Kept free of zod and cdk8s so the chart, the alerts and the schema share one definition.
 */

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  "µs": 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;

/** True when `text` is a duration Go's `time.ParseDuration` accepts (positive, with units). */
export function isGoDuration(text: string): boolean {
  return GO_DURATION.test(text);
}

/** Seconds in a Go duration such as `1h30m` or `500ms`; throws on a malformed value. */
export function durationSeconds(text: string): number {
  if (!isGoDuration(text)) {
    throw new Error(`"${text}" is not a Go duration (examples: 30s, 1m30s, 1h)`);
  }
  let total = 0;
  for (const match of text.matchAll(DURATION_PART)) {
    total += Number(match[1]) * (DURATION_UNITS[match[2] ?? "s"] ?? 1);
  }
  return total;
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
  const match = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(text);
  if (!match) return Number.NaN;
  const factor = MEMORY_FACTORS[match[2] ?? ""];
  return factor === undefined ? Number.NaN : Number(match[1]) * factor;
}

/**
 * The Go runtime's soft memory limit for a container memory limit: a fraction of it, in MiB,
 * so the garbage collector works harder before the kernel OOM-kills the pod.
 */
export function goMemLimit(memoryLimit: string, fraction: number): string {
  const mebibytes = Math.floor((memoryBytes(memoryLimit) * fraction) / 2 ** 20);
  return `${mebibytes}MiB`;
}
