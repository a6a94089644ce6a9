import { describe, expect, it } from "vitest";
import { cpuMillicores, durationSeconds, goMemLimit, isCpuQuantity, isGoDuration, isMemoryQuantity, memoryBytes } from "../../config/quantities.js";

describe("quantities", () => {
  it.each([
    ["30s", 30],
    ["1h", 3600],
    ["1m30s", 90],
    ["500ms", 0.5],
    ["1.5h", 5400],
  ])("duration %s is %d s", (text, seconds) => {
    expect(durationSeconds(text)).toBeCloseTo(seconds);
  });

  it.each(["30", "", "1d", "s", "-1s", "1 h"])("%j is not a Go duration", (text) => {
    expect(isGoDuration(text)).toBe(false);
  });

  it.each([
    ["250m", 250],
    ["0.5", 500],
    ["2", 2000],
  ])("cpu %s is %i millicores", (text, millis) => {
    expect(isCpuQuantity(text)).toBe(true);
    expect(cpuMillicores(text)).toBe(millis);
  });

  it.each(["500x", "m", "0", "1.2345", "-1"])("%j is not a CPU quantity", (text) => {
    expect(isCpuQuantity(text)).toBe(false);
  });

  it.each([
    ["512Mi", 512 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["800M", 800e6],
  ])("memory %s is %d bytes", (text, bytes) => {
    expect(isMemoryQuantity(text)).toBe(true);
    expect(memoryBytes(text)).toBe(bytes);
  });

  it.each(["512MB", "1gi", "Mi", "0"])("%j is not a memory quantity", (text) => {
    expect(isMemoryQuantity(text)).toBe(false);
  });

  it("GOMEMLIMIT is the fraction of the limit, rounded down to MiB", () => {
    expect(goMemLimit("512Mi", 0.9)).toBe("460MiB");
    expect(goMemLimit("1Gi", 0.9)).toBe("921MiB");
  });
});
