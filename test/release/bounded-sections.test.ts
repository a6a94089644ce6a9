import { describe, expect, it } from "vitest";
import { boundedSections } from "../../release/bounded-sections.js";

const items = [
  { type: "a", name: "one" },
  { type: "a", name: "two" },
  { type: "b", name: "three" },
];
const how = {
  heading: (type: string) => `## ${type}\n`,
  render: (item: { name: string }, condensed: boolean) => (condensed ? `${item.name}\n` : `${item.name}: ${"x".repeat(20)}\n`),
  note: (count: number) => `(${count} more)\n`,
  scrub: (text: string) => text.replaceAll("two", "***"),
};

describe("a size-limited report body", () => {
  it("writes every item in full, with a heading where the type changes, when all fit", () => {
    const { body, omitted } = boundedSections(items, 1_000, how);
    expect(body).toBe(`## a\none: ${"x".repeat(20)}\n***: ${"x".repeat(20)}\n## b\nthree: ${"x".repeat(20)}\n`);
    expect(omitted).toBe(0);
  });

  it.each([
    [45, `## a\none: ${"x".repeat(20)}\n***\n(1 more)\n`, 1],
    [30, `## a\none\n***\n## b\nthree\n`, 0],
    [10, "(3 more)\n", 3],
  ])("within %i characters: condensed where full does not fit, then a note saying how many are left out", (budget, expected, omitted) => {
    const result = boundedSections(items, budget, how);
    expect(result).toEqual({ body: expected, omitted });
  });

  it("measures what it writes: the scrubbed text", () => {
    const long = { heading: () => "", render: () => "secret", note: () => "", scrub: () => "s" };
    expect(boundedSections([{ type: "a" }, { type: "a" }], 2, long)).toEqual({ body: "ss", omitted: 0 });
  });
});
