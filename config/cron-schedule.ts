/**
 * Cron expressions as the Kubernetes CronJob controller reads them (five fields, robfig/cron
 * syntax: numbers, names, ranges, steps, lists, `*`, `?` and the `@daily`-style macros),
 * parsed so that a typo fails at synth time and so that the longest interval between two
 * runs can be computed. Pure: no cdk8s.
 */

/** A parsed five-field schedule: the allowed values of each field. */
export interface CronSchedule {
  /** The expression in normalized five-field form (macros expanded, single spaces). */
  readonly expression: string;
  /** Minutes of the hour the job may run at, 0 … 59. */
  readonly minutes: ReadonlySet<number>;
  /** Hours of the day, 0 … 23, in the CronJob's time zone. */
  readonly hours: ReadonlySet<number>;
  /** Days of the month, 1 … 31. */
  readonly daysOfMonth: ReadonlySet<number>;
  /** Months, 1 = January … 12 = December. */
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday … 6 = Saturday (7 is refused, as Kubernetes does). */
  readonly daysOfWeek: ReadonlySet<number>;
  /** robfig/cron: when day-of-month and day-of-week are both restricted (neither is `*` or `?` without a step above 1), either may match. */
  readonly dayMatchesEither: boolean;
}

const MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly namesStartAt?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { label: "minute", min: 0, max: 59 },
  { label: "hour", min: 0, max: 23 },
  { label: "day-of-month", min: 1, max: 31 },
  { label: "month", min: 1, max: 12, names: MONTH_NAMES, namesStartAt: 1 },
  // robfig/cron v3 (the API server's validation and the controller) reads 0-6; Sunday is 0, 7 is refused.
  { label: "day-of-week", min: 0, max: 6, names: DAY_NAMES, namesStartAt: 0 },
];

function parseValue(text: string, spec: FieldSpec): number {
  const lower = text.toLowerCase();
  const nameIndex = spec.names?.indexOf(lower) ?? -1;
  if (nameIndex >= 0) return nameIndex + (spec.namesStartAt ?? 0);
  if (!/^\d+$/.test(text)) throw new Error(`"${text}" is not a number${spec.names ? " or a name" : ""}`);
  const value = Number(text);
  if (value < spec.min || value > spec.max) throw new Error(`${value} is outside ${spec.min}-${spec.max}${spec.label === "day-of-week" && value === 7 ? " (Sunday is 0)" : ""}`);
  return value;
}

function parseField(field: string, spec: FieldSpec): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of field.split(",")) {
    const [range, stepText, extra] = part.split("/");
    if (range === undefined || range === "" || extra !== undefined) throw new Error(`"${part}" is malformed`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) throw new Error(`step "${stepText}" must be a positive number`);
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (range === "*" || range === "?") {
      // robfig/cron's star bit, which makes day-of-month and day-of-week both required: `*` and `*/1`, not `*/2`.
      star ||= step <= 1;
      low = spec.min;
      high = spec.max;
    } else {
      const bounds = range.split("-");
      if (bounds.length > 2) throw new Error(`"${range}" is malformed`);
      low = parseValue(bounds[0] ?? "", spec);
      high = bounds.length === 2 ? parseValue(bounds[1] ?? "", spec) : stepText === undefined ? low : spec.max;
      if (high < low) throw new Error(`range "${range}" goes backwards`);
    }
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return { values, star };
}

/** Parses a CronJob schedule; throws with the field and the reason when it is not valid. */
export function parseCronSchedule(expression: string): CronSchedule {
  const trimmed = expression.trim();
  const expanded = MACROS[trimmed.toLowerCase()] ?? trimmed;
  if (expanded.startsWith("@")) {
    throw new Error(`"${expression}": unknown macro; use ${Object.keys(MACROS).join(", ")} or five fields`);
  }
  if (/^(CRON_)?TZ=/.test(expanded)) {
    throw new Error(`"${expression}": set the time zone with the timeZone prop, not in the schedule`);
  }
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5) {
    throw new Error(`"${expression}" must have 5 fields (minute hour day-of-month month day-of-week), not ${fields.length}`);
  }
  const parsed = fields.map((field, index) => {
    const spec = FIELDS[index] as FieldSpec;
    try {
      return parseField(field, spec);
    } catch (error) {
      throw new Error(`"${expression}": ${spec.label} field "${field}": ${(error as Error).message}`, { cause: error });
    }
  });
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = parsed as [
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
  ];
  return {
    expression: fields.join(" "),
    minutes: minutes.values,
    hours: hours.values,
    daysOfMonth: daysOfMonth.values,
    months: months.values,
    daysOfWeek: daysOfWeek.values,
    dayMatchesEither: !daysOfMonth.star && !daysOfWeek.star,
  };
}

function dayMatches(schedule: CronSchedule, date: Date): boolean {
  if (!schedule.months.has(date.getUTCMonth() + 1)) return false;
  const dom = schedule.daysOfMonth.has(date.getUTCDate());
  const dow = schedule.daysOfWeek.has(date.getUTCDay());
  return schedule.dayMatchesEither ? dom || dow : dom && dow;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Four years from a leap year: every calendar pattern a schedule can depend on, and the wrap-around. */
const WINDOW_START = Date.UTC(2024, 0, 1);
const WINDOW_DAYS = 4 * 365 + 1 + 366;

/**
 * The longest time, in minutes, between two consecutive runs of the schedule (in UTC).
 * Throws when the schedule runs less than twice in five years (for example `0 0 30 2 *`).
 */
export function longestIntervalMinutes(schedule: CronSchedule): number {
  const hours = [...schedule.hours].sort((a, b) => a - b);
  const minutes = [...schedule.minutes].sort((a, b) => a - b);
  let previous: number | undefined;
  let longest = 0;
  for (let day = 0; day < WINDOW_DAYS; day++) {
    const midnight = WINDOW_START + day * DAY_MS;
    if (!dayMatches(schedule, new Date(midnight))) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        const time = midnight + (hour * 60 + minute) * MINUTE_MS;
        if (previous !== undefined) longest = Math.max(longest, (time - previous) / MINUTE_MS);
        previous = time;
      }
    }
  }
  if (longest === 0) {
    throw new Error(`"${schedule.expression}" runs less than twice in five years; give a schedule that repeats`);
  }
  return longest;
}
