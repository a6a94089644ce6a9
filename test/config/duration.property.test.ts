import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { durationToSeconds, isPrometheusDuration, secondsToDuration } from "../../config/duration.js";

/** Prometheus' units, largest first, in milliseconds (the grammar's order). */
const UNITS = [
  ["y", 31_536_000_000n],
  ["w", 604_800_000n],
  ["d", 86_400_000n],
  ["h", 3_600_000n],
  ["m", 60_000n],
  ["s", 1_000n],
  ["ms", 1n],
] as const;

/** Prometheus keeps durations as int64 nanoseconds and refuses anything longer (about 292 years). */
const MAX_MILLISECONDS = (2n ** 63n - 1n) / 1_000_000n;

/** Some units, each at most once, written largest first; `largest(unit)` bounds each amount. */
const partsOf = (largest: (unit: string) => bigint) =>
  fc.array(fc.constantFrom(...UNITS.map((_, index) => index)), { minLength: 1, maxLength: 7 }).chain((indexes) =>
    fc.tuple(...[...new Set(indexes)].sort().map((index) => {
      const [unit, size] = UNITS[index] as (typeof UNITS)[number];
      return fc.bigInt({ min: 0n, max: largest(unit) }).map((amount) => ({ unit, size, amount }));
    })),
  );

/** A duration as Prometheus' grammar writes it, within its range (at most 100y + 5000w + 10000 of each smaller unit). */
const durationParts = partsOf((unit) => (unit === "y" ? 100n : unit === "w" ? 5_000n : 10_000n));

const text = (parts: readonly { unit: string; amount: bigint }[]): string => parts.map(({ unit, amount }) => `${amount}${unit}`).join("");
const milliseconds = (parts: readonly { size: bigint; amount: bigint }[]): bigint => parts.reduce((sum, { size, amount }) => sum + size * amount, 0n);

/** Positive whole seconds up to Prometheus' limit. */
const wholeSeconds = fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: Number(MAX_MILLISECONDS / 1000n) }));

describe("Prometheus durations (properties)", () => {
  it("every duration written in the grammar is accepted and is worth the sum of its parts", () => {
    fc.assert(
      fc.property(durationParts, (parts) => {
        expect(isPrometheusDuration(text(parts))).toBe(true);
        expect(durationToSeconds(text(parts))).toBe(Number(milliseconds(parts)) / 1000);
      }),
    );
  });

  it("format → parse is the identity on whole seconds, and the format is canonical", () => {
    fc.assert(
      fc.property(wholeSeconds, (seconds) => {
        const formatted = secondsToDuration(seconds);
        expect(isPrometheusDuration(formatted)).toBe(true);
        expect(durationToSeconds(formatted)).toBe(seconds);
        expect(secondsToDuration(durationToSeconds(formatted))).toBe(formatted);
      }),
    );
  });

  it("parse → format → parse is the identity for every positive whole-second duration", () => {
    fc.assert(
      fc.property(
        durationParts.filter((parts) => milliseconds(parts) > 0n && milliseconds(parts) % 1000n === 0n),
        (parts) => {
          const seconds = durationToSeconds(text(parts));
          expect(durationToSeconds(secondsToDuration(seconds))).toBe(seconds);
        },
      ),
    );
  });

  it("ordering is preserved: durations compare as their lengths, and equal lengths written differently are equal", () => {
    fc.assert(
      fc.property(durationParts, durationParts, (a, b) => {
        const [x, y] = [milliseconds(a), milliseconds(b)];
        const [sx, sy] = [durationToSeconds(text(a)), durationToSeconds(text(b))];
        expect(Math.sign(sx - sy)).toBe(x < y ? -1 : x > y ? 1 : 0);
      }),
    );
  });

  it("a duration is worth its length in milliseconds, however it is written", () => {
    fc.assert(
      fc.property(durationParts, (parts) => {
        expect(durationToSeconds(text(parts))).toBe(durationToSeconds(`${milliseconds(parts)}ms`));
      }),
    );
  });

  it("the same length in another unit is the same duration", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom(...UNITS.slice(1)), (amount, [unit, size]) => {
        expect(durationToSeconds(`${amount}${unit}`)).toBe(durationToSeconds(`${BigInt(amount) * size}ms`));
      }),
    );
  });

  it("every accepted duration fits Prometheus' int64 nanoseconds (what promtool accepts)", () => {
    const huge = partsOf((unit) => (unit === "y" ? 1_000n : 10n ** 14n));
    fc.assert(
      fc.property(huge, (parts) => {
        expect(isPrometheusDuration(text(parts))).toBe(milliseconds(parts) <= MAX_MILLISECONDS);
      }),
    );
  });

  it("anything else is refused: units out of order, repeated, unknown, fractions, signs, spaces", () => {
    const malformed = fc.oneof(
      durationParts.filter((parts) => parts.length >= 2).map((parts) => text([...parts].reverse())),
      durationParts.map((parts) => `${text(parts)}${text(parts.slice(0, 1))}`),
      fc.tuple(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom("us", "ns", "M", "H", "S", "min", "sec", "")).map(([n, unit]) => `${n}${unit}`),
      fc.tuple(fc.nat(), fc.nat(), fc.constantFrom("s", "m", "h")).map(([a, b, unit]) => `${a}.${b}${unit}`),
      durationParts.map((parts) => `-${text(parts)}`),
      durationParts.map((parts) => ` ${text(parts)}`),
    );
    fc.assert(
      fc.property(malformed, (value) => {
        expect(isPrometheusDuration(value)).toBe(false);
        expect(() => durationToSeconds(value)).toThrow(/is not a Prometheus duration/);
      }),
    );
  });
});
