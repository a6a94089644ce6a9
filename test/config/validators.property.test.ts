import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dnsLabelProblem, hostProblem, isPinnedImage, parseImage } from "../../config/validators.js";

// --- DNS names --------------------------------------------------------------------------------------

const LABEL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-".split("");
const ALNUM = LABEL_CHARS.filter((c) => c !== "-");

/** A DNS-1123 label of `min`…`max` characters: lower-case letters, digits and '-', alphanumeric at both ends. */
const dnsLabel = (min = 1, max = 63) =>
  fc.integer({ min, max }).chain((length) =>
    length === 1
      ? fc.constantFrom(...ALNUM)
      : fc
          .tuple(fc.constantFrom(...ALNUM), fc.array(fc.constantFrom(...LABEL_CHARS), { minLength: length - 2, maxLength: length - 2 }), fc.constantFrom(...ALNUM))
          .map(([first, middle, last]) => `${first}${middle.join("")}${last}`),
  );

/** A fully qualified host: 2 to 5 labels, at most 253 characters, sometimes a wildcard. */
const host = fc
  .tuple(fc.array(dnsLabel(1, 40), { minLength: 2, maxLength: 5 }), fc.boolean())
  .map(([labels, wildcard]) => `${wildcard ? "*." : ""}${labels.join(".")}`);

/** `text` with the character at `index` (modulo its length) upper-cased, when it is a letter. */
const withUpperCase = (text: string, index: number): string => {
  const letters = [...text].flatMap((char, i) => (/[a-z]/.test(char) ? [i] : []));
  if (letters.length === 0) return `${text}A`;
  const at = letters[index % letters.length] as number;
  return `${text.slice(0, at)}${text.charAt(at).toUpperCase()}${text.slice(at + 1)}`;
};

describe("DNS names (properties)", () => {
  it("every valid label is accepted", () => {
    fc.assert(
      fc.property(dnsLabel(), (label) => {
        expect(dnsLabelProblem(label), label).toBeUndefined();
      }),
    );
  });

  it("a label with an upper-case letter is refused", () => {
    fc.assert(
      fc.property(dnsLabel(), fc.nat(), (label, index) => {
        expect(dnsLabelProblem(withUpperCase(label, index))).toMatch(/\S/);
      }),
    );
  });

  it("a label over 63 characters is refused, however valid its characters", () => {
    fc.assert(
      fc.property(dnsLabel(64, 200), (label) => {
        expect(dnsLabelProblem(label)).toBe(`must be at most 63 characters (got ${label.length})`);
      }),
    );
  });

  it("a label starting or ending with '-', or holding another character, is refused", () => {
    const bad = fc.oneof(
      dnsLabel(1, 62).map((label) => `-${label}`),
      dnsLabel(1, 62).map((label) => `${label}-`),
      fc.tuple(dnsLabel(2, 62), fc.constantFrom("_", ".", " ", "*", "é", "/"), fc.nat()).map(([label, char, at]) => {
        const i = 1 + (at % (label.length - 1));
        return `${label.slice(0, i)}${char}${label.slice(i)}`;
      }),
      fc.constant(""),
    );
    fc.assert(
      fc.property(bad, (label) => {
        expect(dnsLabelProblem(label), JSON.stringify(label)).toMatch(/\S/);
      }),
    );
  });

  it("every valid host is accepted, and every label of an accepted host is a valid label", () => {
    fc.assert(
      fc.property(host, (name) => {
        expect(hostProblem(name), name).toBeUndefined();
        for (const label of name.replace(/^\*\./, "").split(".")) expect(dnsLabelProblem(label)).toBeUndefined();
      }),
    );
  });

  it("a host with an upper-case letter is refused", () => {
    fc.assert(
      fc.property(host, fc.nat(), (name, index) => {
        expect(hostProblem(withUpperCase(name, index))).toMatch(/\S/);
      }),
    );
  });

  it("a host with a label over 63 characters is refused", () => {
    fc.assert(
      fc.property(host, dnsLabel(64, 120), fc.nat(), (name, long, at) => {
        const labels = name.split(".");
        labels.splice(1 + (at % labels.length), 0, long);
        expect(hostProblem(labels.join(".")), labels.join(".")).toMatch(/\S/);
      }),
    );
  });

  it("a host over 253 characters is refused", () => {
    fc.assert(
      fc.property(fc.array(dnsLabel(50, 63), { minLength: 5, maxLength: 8 }), (labels) => {
        fc.pre(labels.join(".").length > 253);
        expect(hostProblem(labels.join("."))).toBe("must be 1 to 253 characters long");
      }),
    );
  });
});

// --- image references ---------------------------------------------------------------------------------

const lower = fc.stringMatching(/^[a-z0-9]{1,8}$/);
/** A registry host: DNS-like labels, sometimes a port. */
const registry = fc
  .tuple(fc.array(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/), { minLength: 1, maxLength: 3 }), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([labels, port]) => `${labels.join(".")}${port === undefined ? "" : `:${port}`}`);
/** A path component: lower-case alphanumerics joined by '.', '_', '__' or dashes. */
const component = fc
  .tuple(lower, fc.array(fc.tuple(fc.constantFrom(".", "_", "__", "-", "--"), lower), { maxLength: 3 }))
  .map(([first, rest]) => `${first}${rest.map(([separator, part]) => `${separator}${part}`).join("")}`);
const repository = fc
  .tuple(fc.option(registry, { nil: undefined }), fc.array(component, { minLength: 1, maxLength: 3 }))
  .map(([host, path]) => `${host === undefined ? "" : `${host}/`}${path.join("/")}`);
const tag = fc.oneof(
  fc.constantFrom("latest", "v1.4.2", "1.0", "5000", "15.8-1", "2024.01.01", "sha-3f2a1b"),
  fc.stringMatching(/^\w[\w.-]{0,127}$/),
);
const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`);
const reference = fc.record({
  repository,
  tag: fc.option(tag, { nil: undefined }),
  digest: fc.option(digest, { nil: undefined }),
});
const written = ({ repository, tag, digest }: { repository: string; tag: string | undefined; digest: string | undefined }): string =>
  `${repository}${tag === undefined ? "" : `:${tag}`}${digest === undefined ? "" : `@${digest}`}`;

describe("image references (properties)", () => {
  it("every valid reference parses back to its repository, tag and digest", () => {
    fc.assert(
      fc.property(reference, (parts) => {
        expect(parseImage(written(parts)), written(parts)).toEqual({
          repository: parts.repository,
          ...(parts.tag === undefined ? {} : { tag: parts.tag }),
          ...(parts.digest === undefined ? {} : { digest: parts.digest }),
        });
      }),
    );
  });

  it("an image is pinned if and only if it names a digest or a tag other than latest", () => {
    fc.assert(
      fc.property(reference, (parts) => {
        const image = parseImage(written(parts));
        expect(image).toBeDefined();
        expect(isPinnedImage(image!)).toBe(parts.digest !== undefined || (parts.tag !== undefined && parts.tag !== "latest"));
      }),
    );
  });

  it("an upper-case repository, a space, an over-long tag or a short digest is refused", () => {
    const bad = fc.oneof(
      fc.tuple(reference, fc.nat()).map(([parts, at]) => written({ ...parts, repository: withUpperCase(parts.repository, at) })),
      fc.tuple(reference, fc.nat()).map(([parts, at]) => {
        const text = written(parts);
        const i = at % (text.length + 1);
        return `${text.slice(0, i)} ${text.slice(i)}`;
      }),
      reference.map((parts) => written({ ...parts, tag: `v${"1".repeat(128)}` })),
      reference.map((parts) => `${written({ ...parts, digest: undefined })}@sha256:${"a".repeat(63)}`),
      reference.map((parts) => `${written({ ...parts, digest: undefined })}@md5:${"a".repeat(32)}`),
    );
    fc.assert(
      fc.property(bad, (text) => {
        expect(parseImage(text), text).toBeUndefined();
      }),
    );
  });
});
