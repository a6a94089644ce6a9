/**
 * Prometheus duration strings ("30s", "1h30m", "30d") as used in rule files, ServiceMonitors and the
 * `monitoring` stack config. Kept as strings in config and rendered output because that is what
 * Prometheus reads; converted to seconds only where arithmetic is needed (thresholds, validation).
 */

const UNIT_SECONDS = {
  s: 1,
  m: 60,
  h: 3_600,
  d: 86_400,
} as const;

/** Each unit in milliseconds, Prometheus' resolution: sums of whole numbers stay exact. */
const UNIT_MILLISECONDS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
} as const;

/** Prometheus keeps a duration in int64 nanoseconds and refuses a longer one ("duration out of range", about 292 years). */
const MAX_MILLISECONDS = 9_223_372_036_854;

/** Units in descending size: Prometheus requires them in this order inside one duration. */
const UNITS_DESCENDING = ["y", "w", "d", "h", "m", "s", "ms"] as const;

/** Same grammar as Prometheus' `model.ParseDuration` (units in descending order, no fractions). */
export const PROMETHEUS_DURATION_PATTERN = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Milliseconds in a duration of the grammar (exact: whole numbers), or undefined when it is not one. */
function milliseconds(value: string): number | undefined {
  const match = PROMETHEUS_DURATION_PATTERN.exec(value);
  if (value === "" || match === null) return undefined;
  let total = 0;
  UNITS_DESCENDING.forEach((unit, index) => {
    const amount = match[index + 1];
    if (amount !== undefined) total += Number(amount) * UNIT_MILLISECONDS[unit];
  });
  return total;
}

/**
 * Whether Prometheus would accept `value` as a duration: the grammar of {@link PROMETHEUS_DURATION_PATTERN},
 * at most about 292 years; the empty string is not one.
 */
export function isPrometheusDuration(value: string): boolean {
  const total = milliseconds(value);
  return total !== undefined && total <= MAX_MILLISECONDS;
}

/** Seconds in a Prometheus duration string; throws on anything Prometheus would reject. */
export function durationToSeconds(value: string): number {
  const total = milliseconds(value);
  if (total === undefined) {
    throw new Error(`"${value}" is not a Prometheus duration: use a number followed by a unit (ms, s, m, h, d, w, y), e.g. "30s", "1h30m" or "30d"`);
  }
  if (total > MAX_MILLISECONDS) throw new Error(`"${value}" is longer than Prometheus accepts (about 292 years)`);
  // One division of an exact whole number: the same length written in other units gives the same number.
  return total / 1000;
}

/**
 * The shortest Prometheus duration string for a whole number of seconds, e.g. 93600 → "1d2h".
 * Weeks and years are not used so that "30d" stays "30d".
 */
export function secondsToDuration(totalSeconds: number): string {
  if (!Number.isInteger(totalSeconds) || totalSeconds <= 0) {
    throw new Error(`cannot express ${totalSeconds} s as a Prometheus duration: use a positive whole number of seconds`);
  }
  let rest = totalSeconds;
  let out = "";
  for (const unit of ["d", "h", "m", "s"] as const) {
    const size = UNIT_SECONDS[unit];
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      out += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return out;
}
