/**
 * Prometheus duration strings ("30s", "1h30m", "30d") as used in rule files, ServiceMonitors and the
 * `monitoring` stack config. Kept as strings in config and rendered output because that is what
 * Prometheus reads; converted to seconds only where arithmetic is needed (thresholds, validation).
 */

const UNIT_SECONDS = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3_600,
  d: 86_400,
  w: 604_800,
  y: 31_536_000,
} as const;

/** Units in descending size: Prometheus requires them in this order inside one duration. */
const UNITS_DESCENDING = ["y", "w", "d", "h", "m", "s", "ms"] as const;

/** Same grammar as Prometheus' `model.ParseDuration` (units in descending order, no fractions). */
export const PROMETHEUS_DURATION_PATTERN = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Whether Prometheus would accept `value` as a duration (see {@link PROMETHEUS_DURATION_PATTERN}); the empty string is not one. */
export function isPrometheusDuration(value: string): boolean {
  return value !== "" && PROMETHEUS_DURATION_PATTERN.test(value);
}

/** Seconds in a Prometheus duration string; throws on anything Prometheus would reject. */
export function durationToSeconds(value: string): number {
  const match = PROMETHEUS_DURATION_PATTERN.exec(value);
  if (value === "" || match === null) {
    throw new Error(`"${value}" is not a Prometheus duration: use a number followed by a unit (ms, s, m, h, d, w, y), e.g. "30s", "1h30m" or "30d"`);
  }
  let seconds = 0;
  UNITS_DESCENDING.forEach((unit, index) => {
    const amount = match[index + 1];
    if (amount !== undefined) seconds += Number(amount) * UNIT_SECONDS[unit];
  });
  return seconds;
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
