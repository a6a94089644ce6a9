import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cpuMillicores, durationSeconds, isCpuQuantity, isGoDuration, isMemoryQuantity, memoryBytes } from "../../config/quantities.js";

const sign = (x: number | bigint): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

// --- Go durations -------------------------------------------------------------------------------

const GO_UNITS = [
  ["ns", 1n],
  ["us", 1_000n],
  ["µs", 1_000n],
  ["ms", 1_000_000n],
  ["s", 1_000_000_000n],
  ["m", 60_000_000_000n],
  ["h", 3_600_000_000_000n],
] as const;

/** Go's time.Duration is int64 nanoseconds; ParseDuration refuses anything longer (about 292 years). */
const MAX_NANOSECONDS = 2n ** 63n - 1n;

/** Go's `Duration.String()` (the reference format): "1h2m3.5s", "1.5ms", "250ns". */
function goFormat(ns: bigint): string {
  const fraction = (value: bigint, digits: number): string => {
    const text = value.toString().padStart(digits, "0").replace(/0+$/, "");
    return text === "" ? "" : `.${text}`;
  };
  if (ns < 1_000n) return `${ns}ns`;
  if (ns < 1_000_000n) return `${ns / 1_000n}${fraction(ns % 1_000n, 3)}µs`;
  if (ns < 1_000_000_000n) return `${ns / 1_000_000n}${fraction(ns % 1_000_000n, 6)}ms`;
  const hours = ns / 3_600_000_000_000n;
  const minutes = (ns / 60_000_000_000n) % 60n;
  const seconds = `${(ns / 1_000_000_000n) % 60n}${fraction(ns % 1_000_000_000n, 9)}s`;
  if (hours > 0n) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0n) return `${minutes}m${seconds}`;
  return seconds;
}

/** Durations up to 2^53 ns (about 104 days), where seconds as a double still tell every nanosecond apart. */
const exactNanoseconds = fc.bigInt({ min: 1n, max: 2n ** 53n });
const anyNanoseconds = fc.oneof(exactNanoseconds, fc.bigInt({ min: 1n, max: MAX_NANOSECONDS }));

/** A duration as a person writes it: parts in any unit and order, whole or with a decimal fraction. */
const goDurationParts = fc.array(
  fc.record({
    unit: fc.constantFrom(...GO_UNITS),
    whole: fc.bigInt({ min: 0n, max: 10_000n }),
    fraction: fc.option(fc.stringMatching(/^\d{1,9}$/), { nil: undefined }),
  }),
  { minLength: 1, maxLength: 5 },
);
type GoPart = { unit: readonly [string, bigint]; whole: bigint; fraction: string | undefined };
const goText = (parts: readonly GoPart[]): string => parts.map(({ unit, whole, fraction }) => `${whole}${fraction === undefined ? "" : `.${fraction}`}${unit[0]}`).join("");
/** Go's value in nanoseconds: each part's fraction is truncated to the nanosecond, as ParseDuration does. */
const goNanoseconds = (parts: readonly GoPart[]): bigint =>
  parts.reduce((sum, { unit: [, size], whole, fraction }) => {
    const digits = fraction ?? "";
    return sum + whole * size + (digits === "" ? 0n : (BigInt(digits) * size) / 10n ** BigInt(digits.length));
  }, 0n);

describe("Go durations (properties)", () => {
  it("format → parse is the identity: Go's own String() of any duration parses back to it", () => {
    fc.assert(
      fc.property(anyNanoseconds, (ns) => {
        expect(isGoDuration(goFormat(ns))).toBe(true);
        expect(durationSeconds(goFormat(ns))).toBe(Number(ns) / 1e9);
      }),
    );
  });

  it("parse → format → parse is the identity", () => {
    fc.assert(
      fc.property(goDurationParts, (parts) => {
        const ns = goNanoseconds(parts);
        fc.pre(ns > 0n);
        expect(durationSeconds(goFormat(ns))).toBe(durationSeconds(goText(parts)));
      }),
    );
  });

  it("every duration a person writes is worth its parts, to the nanosecond", () => {
    fc.assert(
      fc.property(goDurationParts, (parts) => {
        expect(isGoDuration(goText(parts))).toBe(true);
        expect(durationSeconds(goText(parts))).toBe(Number(goNanoseconds(parts)) / 1e9);
      }),
    );
  });

  it("ordering is preserved, and the same length written in other units compares equal", () => {
    fc.assert(
      fc.property(goDurationParts, goDurationParts, (a, b) => {
        const [x, y] = [goNanoseconds(a), goNanoseconds(b)];
        fc.pre(x <= 2n ** 53n && y <= 2n ** 53n);
        expect(sign(durationSeconds(goText(a)) - durationSeconds(goText(b)))).toBe(sign(x - y));
      }),
    );
  });

  it("a length is the same in every unit it can be written in", () => {
    const decimalUnits = GO_UNITS.filter(([, size]) => /^10*$/.test(size.toString()));
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2_000_000n }), fc.constantFrom("m", "h"), (amount, unit) => {
        const size = unit === "m" ? 60n : 3_600n;
        expect(durationSeconds(`${amount}${unit}`)).toBe(durationSeconds(`${amount * size}s`));
      }),
    );
    fc.assert(
      fc.property(exactNanoseconds, fc.constantFrom(...decimalUnits), (ns, [unit, size]) => {
        const whole = ns / size;
        const rest = ns % size;
        const digits = (size - 1n).toString().length;
        const written = `${whole}${rest === 0n ? "" : `.${rest.toString().padStart(digits, "0")}`}${unit}`;
        expect(durationSeconds(written)).toBe(durationSeconds(`${ns}ns`));
      }),
    );
  });

  it("durations Go refuses are refused: longer than int64 nanoseconds, no unit, signs, spaces, unknown units", () => {
    const refused = fc.oneof(
      fc.bigInt({ min: MAX_NANOSECONDS / 3_600_000_000_000n + 1n, max: 10n ** 12n }).map((hours) => `${hours}h`),
      fc.integer({ min: 1 }).map((n) => `${n}`),
      goDurationParts.map((parts) => `-${goText(parts)}`),
      goDurationParts.map((parts) => `${goText(parts)} `),
      fc.tuple(fc.nat(), fc.constantFrom("d", "w", "y", "S", "H", "sec", "min")).map(([n, unit]) => `${n}${unit}`),
    );
    fc.assert(
      fc.property(refused, (text) => {
        expect(isGoDuration(text)).toBe(false);
        expect(() => durationSeconds(text)).toThrow();
      }),
    );
  });
});

// --- Kubernetes quantities ------------------------------------------------------------------------

/** A whole number of millicores written both ways Kubernetes users write CPU: `1500m` and `1.5`. */
const cpuForms = (millicores: number): string[] => {
  const cores = Math.floor(millicores / 1000);
  const rest = millicores % 1000;
  return [`${millicores}m`, rest === 0 ? `${cores}` : `${cores}.${String(rest).padStart(3, "0").replace(/0+$/, "")}`];
};
const millicores = fc.integer({ min: 1, max: 10_000_000 });

describe("CPU quantities (properties)", () => {
  it("every form of a CPU amount is accepted and worth the same millicores", () => {
    fc.assert(
      fc.property(millicores, (m) => {
        for (const form of cpuForms(m)) {
          expect(isCpuQuantity(form), form).toBe(true);
          expect(cpuMillicores(form), form).toBe(m);
        }
      }),
    );
  });

  it("cpuMillicores is monotone with the amount, whichever form each side is written in", () => {
    fc.assert(
      fc.property(millicores, millicores, fc.nat(1), fc.nat(1), (a, b, i, j) => {
        expect(sign(cpuMillicores(cpuForms(a)[i] as string) - cpuMillicores(cpuForms(b)[j] as string))).toBe(sign(a - b));
      }),
    );
  });

  it("every accepted quantity is a positive whole number of millicores (so any two compare)", () => {
    const texts = fc.oneof(fc.stringMatching(/^[0-9.m]{1,8}$/), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(texts, (text) => {
        if (!isCpuQuantity(text)) return;
        expect(Number.isSafeInteger(cpuMillicores(text)), text).toBe(true);
        expect(cpuMillicores(text)).toBeGreaterThan(0);
      }),
    );
  });
});

const MEMORY_UNITS = [
  ["", 1n],
  ["k", 10n ** 3n],
  ["M", 10n ** 6n],
  ["G", 10n ** 9n],
  ["T", 10n ** 12n],
  ["P", 10n ** 15n],
  ["E", 10n ** 18n],
  ["Ki", 2n ** 10n],
  ["Mi", 2n ** 20n],
  ["Gi", 2n ** 30n],
  ["Ti", 2n ** 40n],
  ["Pi", 2n ** 50n],
  ["Ei", 2n ** 60n],
] as const;

/** An exact amount of bytes, as a fraction `numerator / denominator` (a decimal mantissa times a unit). */
interface Bytes {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/** A memory quantity as written, with its exact value: a mantissa of at most 15 digits and a unit. */
const memoryQuantity = fc
  .record({
    whole: fc.bigInt({ min: 0n, max: 999_999_999n }),
    fraction: fc.option(fc.stringMatching(/^\d{1,5}$/), { nil: undefined }),
    unit: fc.constantFrom(...MEMORY_UNITS),
  })
  .map(({ whole, fraction, unit }) => ({ whole, fraction, suffix: unit[0] as string, factor: unit[1] as bigint }))
  .map(({ whole, fraction, suffix, factor }) => ({
    text: `${whole}${fraction === undefined ? "" : `.${fraction}`}${suffix}`,
    bytes: {
      numerator: BigInt(`${whole}${fraction ?? ""}`) * factor,
      denominator: 10n ** BigInt(fraction?.length ?? 0),
    } satisfies Bytes,
  }));

const compare = (a: Bytes, b: Bytes): number => sign(a.numerator * b.denominator - b.numerator * a.denominator);

/** The same amount in another unit, when it can be written with at most 15 significant digits. */
function rewritten(bytes: Bytes, [suffix, factor]: (typeof MEMORY_UNITS)[number]): string | undefined {
  for (let decimals = 0n; decimals <= 15n; decimals++) {
    const scaled = bytes.numerator * 10n ** decimals;
    const divisor = bytes.denominator * factor;
    if (scaled % divisor !== 0n) continue;
    const mantissa = (scaled / divisor).toString().padStart(Number(decimals) + 1, "0");
    if (mantissa.replace(/^0+/, "").length > 15) return undefined;
    const text = decimals === 0n ? mantissa : `${mantissa.slice(0, -Number(decimals))}.${mantissa.slice(-Number(decimals))}`;
    return `${text}${suffix}`;
  }
  return undefined;
}

describe("memory quantities (properties)", () => {
  it("every quantity of the grammar is accepted when it is more than 0 bytes", () => {
    fc.assert(
      fc.property(memoryQuantity, ({ text, bytes }) => {
        expect(isMemoryQuantity(text)).toBe(bytes.numerator > 0n);
      }),
    );
  });

  it("equal quantities in different units compare equal", () => {
    fc.assert(
      fc.property(memoryQuantity, fc.constantFrom(...MEMORY_UNITS), ({ text, bytes }, unit) => {
        const other = rewritten(bytes, unit);
        fc.pre(other !== undefined);
        expect(memoryBytes(other as string), `${text} = ${other}`).toBe(memoryBytes(text));
      }),
    );
  });

  it("memoryBytes is monotone: quantities compare as the amounts they write", () => {
    fc.assert(
      fc.property(memoryQuantity, memoryQuantity, (a, b) => {
        const order = compare(a.bytes, b.bytes);
        const [x, y] = [memoryBytes(a.text), memoryBytes(b.text)];
        if (order === 0) expect(x, `${a.text} = ${b.text}`).toBe(y);
        else expect(order < 0 ? x <= y : x >= y, `${a.text} vs ${b.text}`).toBe(true);
      }),
    );
  });

  it("memoryBytes is monotone with the number in a unit, and exact for whole numbers", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 20 }), fc.integer({ min: 0, max: 2 ** 20 }), fc.constantFrom(...MEMORY_UNITS), (a, b, [suffix, factor]) => {
        expect(sign(memoryBytes(`${a}${suffix}`) - memoryBytes(`${b}${suffix}`))).toBe(sign(a - b));
        expect(memoryBytes(`${a}${suffix}`)).toBe(Number(BigInt(a) * factor));
      }),
    );
  });
});
