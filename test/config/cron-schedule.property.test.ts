import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { longestIntervalMinutes, parseCronSchedule, type CronSchedule } from "../../config/cron-schedule.js";
import { cronProblem } from "../../config/validators.js";

/**
 * The reference: robfig/cron v3 `ParseStandard`, which the Kubernetes API server (schedule validation)
 * and the CronJob controller both use. Written from its parser.go and spec.go, field by field.
 */
interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const BOUNDS: readonly Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: ["", ...MONTHS] },
  { min: 0, max: 6, names: DAYS },
];

interface ReferenceField {
  readonly values: Set<number>;
  /** robfig's star bit: `*` or `?` without a step above 1. */
  readonly star: boolean;
}

function referenceValue(text: string, bounds: Bounds): number | undefined {
  const named = bounds.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named > 0 || (named === 0 && text !== "")) return named;
  return /^[+-]?\d+$/.test(text) && Number(text) >= 0 ? Number(text) : undefined; // strconv.Atoi, then "negative number not allowed"
}

function referenceField(field: string, bounds: Bounds): ReferenceField | undefined {
  const values = new Set<number>();
  let star = false;
  for (const part of field.split(",")) {
    const [range = "", stepText, ...more] = part.split("/");
    if (more.length > 0) return undefined;
    const lowAndHigh = range.split("-");
    let start: number | undefined;
    let end: number | undefined;
    let extra = false;
    if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
      [start, end, extra] = [bounds.min, bounds.max, true];
    } else {
      start = referenceValue(lowAndHigh[0] ?? "", bounds);
      if (lowAndHigh.length === 1) end = start;
      else if (lowAndHigh.length === 2) end = referenceValue(lowAndHigh[1] ?? "", bounds);
      else return undefined;
    }
    let step = 1;
    if (stepText !== undefined) {
      const parsed = referenceValue(stepText, { min: 0, max: Number.MAX_SAFE_INTEGER });
      if (parsed === undefined) return undefined;
      step = parsed;
      if (lowAndHigh.length === 1) end = bounds.max;
      if (step > 1) extra = false;
    }
    if (start === undefined || end === undefined || start < bounds.min || end > bounds.max || start > end || step === 0) return undefined;
    for (let value = start; value <= end; value += step) values.add(value);
    star ||= extra;
  }
  return { values, star };
}

const DESCRIPTORS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

function reference(expression: string): ReferenceField[] | undefined {
  const fields = (DESCRIPTORS[expression] ?? expression).trim().split(/\s+/);
  if (fields.length !== 5) return undefined;
  const parsed = fields.map((field, index) => referenceField(field, BOUNDS[index] as Bounds));
  return parsed.every((field) => field !== undefined) ? (parsed as ReferenceField[]) : undefined;
}

const sorted = (values: Iterable<number>): number[] => [...values].sort((a, b) => a - b);

function tryParse(expression: string): CronSchedule | undefined {
  try {
    return parseCronSchedule(expression);
  } catch {
    return undefined;
  }
}

// --- generators -----------------------------------------------------------------------------------

/** One field, from the pieces schedules are made of, in and out of range: numbers, names, `*`, `?`, ranges, steps, lists. */
function fieldText(bounds: Bounds, names: readonly string[]): fc.Arbitrary<string> {
  const value = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: bounds.min, max: bounds.max }).map(String) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: bounds.max + 10 }).map(String) },
    ...(names.length > 0 ? [{ weight: 2, arbitrary: fc.constantFrom(...names) }] : []),
  );
  const base = fc.oneof(
    fc.constantFrom("*", "?"),
    value,
    fc.tuple(value, value).map(([low, high]) => `${low}-${high}`),
  );
  const part = fc.tuple(base, fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined })).map(([range, step]) => (step === undefined ? range : `${range}/${step}`));
  return fc.array(part, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(","));
}

const anyExpression = fc
  .tuple(
    fieldText(BOUNDS[0] as Bounds, []),
    fieldText(BOUNDS[1] as Bounds, []),
    fieldText(BOUNDS[2] as Bounds, []),
    fieldText(BOUNDS[3] as Bounds, [...MONTHS, "JAN", "Dec", "foo"]),
    fieldText(BOUNDS[4] as Bounds, [...DAYS, "MON", "Fri", "7", "sunday"]),
  )
  .map((fields) => fields.join(" "));

/** A valid field: in-range values, ranges that go forward, positive steps. */
function validField(bounds: Bounds, names: readonly string[] = []): fc.Arbitrary<string> {
  const value = fc.integer({ min: bounds.min, max: bounds.max });
  const written = (n: number) => (names.length > 0 ? fc.constantFrom(String(n), names[n] ?? String(n)) : fc.constant(String(n)));
  const part = fc.oneof(
    fc.constantFrom("*", "?"),
    value.chain(written),
    fc.tuple(value, value).chain(([a, b]) => fc.tuple(written(Math.min(a, b)), written(Math.max(a, b)))).map(([low, high]) => `${low}-${high}`),
    fc.tuple(fc.constantFrom("*", "?"), fc.integer({ min: 1, max: bounds.max })).map(([star, step]) => `${star}/${step}`),
    fc.tuple(value, fc.integer({ min: 1, max: bounds.max })).map(([start, step]) => `${start}/${step}`),
  );
  return fc.array(part, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(","));
}

const validExpression = fc
  .tuple(
    validField(BOUNDS[0] as Bounds),
    validField(BOUNDS[1] as Bounds),
    validField(BOUNDS[2] as Bounds),
    validField(BOUNDS[3] as Bounds, ["", ...MONTHS]),
    validField(BOUNDS[4] as Bounds, DAYS),
  )
  .map((fields) => fields.join(" "));

/** A few distinct values of a field, sorted: schedules cheap enough to walk five years of. */
const fewValues = (min: number, max: number) => fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 4 }).map(sorted);

/** The largest gap between consecutive values on a cycle of `length`. */
function cyclicGap(values: readonly number[], length: number): number {
  const ordered = sorted(values);
  return Math.max(...ordered.map((value, index) => (index + 1 < ordered.length ? (ordered[index + 1] as number) - value : (ordered[0] as number) + length - value)));
}

// --- properties -------------------------------------------------------------------------------------

describe("cron schedules (properties)", () => {
  it("every valid schedule is accepted, by the parser and by the schema's validator", () => {
    fc.assert(
      fc.property(validExpression, (expression) => {
        expect(() => parseCronSchedule(expression)).not.toThrow();
        const repeats = (() => {
          try {
            return longestIntervalMinutes(parseCronSchedule(expression)) > 0;
          } catch {
            return false;
          }
        })();
        // The validator also refuses a schedule that never comes round again (such as February 30th).
        expect(cronProblem(expression), expression).toBe(repeats ? undefined : cronProblem(expression) ?? "a reason");
      }),
    );
  });

  it("accepts exactly what Kubernetes (robfig/cron v3) accepts, and reads the same times", () => {
    fc.assert(
      fc.property(fc.oneof(anyExpression, validExpression, fc.constantFrom(...Object.keys(DESCRIPTORS))), (expression) => {
        const expected = reference(expression);
        const actual = tryParse(expression);
        expect(actual !== undefined, `${expression}: accepted`).toBe(expected !== undefined);
        if (actual === undefined || expected === undefined) return;
        const [minutes, hours, daysOfMonth, months, daysOfWeek] = expected as [ReferenceField, ReferenceField, ReferenceField, ReferenceField, ReferenceField];
        expect(sorted(actual.minutes)).toEqual(sorted(minutes.values));
        expect(sorted(actual.hours)).toEqual(sorted(hours.values));
        expect(sorted(actual.daysOfMonth)).toEqual(sorted(daysOfMonth.values));
        expect(sorted(actual.months)).toEqual(sorted(months.values));
        expect(sorted(actual.daysOfWeek)).toEqual(sorted(daysOfWeek.values));
        // robfig's dayMatches: either field's star bit makes it "both must match", otherwise either may.
        expect(actual.dayMatchesEither, `${expression}: day-of-month OR day-of-week`).toBe(!daysOfMonth.star && !daysOfWeek.star);
      }),
    );
  });

  it("the schema's validator refuses what the parser refuses, naming a reason", () => {
    fc.assert(
      fc.property(anyExpression, (expression) => {
        if (tryParse(expression) === undefined) expect(cronProblem(expression), expression).toMatch(/\S/);
      }),
    );
  });

  it("parse → normalize → parse is the identity", () => {
    fc.assert(
      fc.property(fc.oneof(validExpression, fc.constantFrom(...Object.keys(DESCRIPTORS))), fc.constantFrom(" ", "  ", "\t"), (expression, space) => {
        const once = parseCronSchedule(expression.replace(/ /g, space));
        const twice = parseCronSchedule(once.expression);
        expect(twice.expression).toBe(once.expression);
        expect(twice).toEqual(once);
      }),
    );
  });

  it("a schedule running every day repeats after its largest gap within the day", () => {
    fc.assert(
      fc.property(fewValues(0, 59), fewValues(0, 23), (minutes, hours) => {
        const times = hours.flatMap((hour) => minutes.map((minute) => hour * 60 + minute));
        const schedule = parseCronSchedule(`${minutes.join(",")} ${hours.join(",")} * * *`);
        expect(longestIntervalMinutes(schedule)).toBe(cyclicGap(times, 1440));
      }),
    );
  });

  it("a weekly schedule repeats after its largest gap between weekdays, less the day's span", () => {
    fc.assert(
      fc.property(fewValues(0, 59), fewValues(0, 23), fewValues(0, 6), (minutes, hours, days) => {
        const times = hours.flatMap((hour) => minutes.map((minute) => hour * 60 + minute));
        const span = Math.max(...times) - Math.min(...times);
        const withinDay = times.length > 1 ? Math.max(...times.slice(1).map((time, index) => time - (times[index] as number))) : 0;
        const expected = Math.max(withinDay, cyclicGap(days, 7) * 1440 - span);
        const schedule = parseCronSchedule(`${minutes.join(",")} ${hours.join(",")} * * ${days.join(",")}`);
        expect(longestIntervalMinutes(schedule)).toBe(expected);
      }),
    );
  });

  it("running at more times never makes the longest interval longer", () => {
    fc.assert(
      fc.property(fewValues(0, 59), fewValues(0, 23), fewValues(1, 28), fewValues(0, 6), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 1, max: 28 }), (minutes, hours, days, weekdays, extraMinute, extraDay) => {
        const base = `${minutes.join(",")} ${hours.join(",")} ${days.join(",")} * ${weekdays.join(",")}`;
        const more = `${sorted(new Set([...minutes, extraMinute])).join(",")} ${hours.join(",")} ${sorted(new Set([...days, extraDay])).join(",")} * ${weekdays.join(",")}`;
        expect(longestIntervalMinutes(parseCronSchedule(more))).toBeLessThanOrEqual(longestIntervalMinutes(parseCronSchedule(base)));
      }),
    );
  });

  it("a step of one keeps a star a star: */1 and * read the same days (robfig's star bit)", () => {
    fc.assert(
      fc.property(fewValues(0, 59), fewValues(0, 23), fewValues(0, 6), (minutes, hours, weekdays) => {
        const plain = parseCronSchedule(`${minutes.join(",")} ${hours.join(",")} * * ${weekdays.join(",")}`);
        const stepped = parseCronSchedule(`${minutes.join(",")} ${hours.join(",")} */1 * ${weekdays.join(",")}`);
        expect({ ...stepped, expression: "" }).toEqual({ ...plain, expression: "" });
        expect(longestIntervalMinutes(stepped)).toBe(longestIntervalMinutes(plain));
      }),
    );
  });
});
