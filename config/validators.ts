/** Field validators shared by the stack schema and the constructs (each returns a reason, or undefined when valid). */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A DNS-1123 subdomain, optionally with one leading wildcard label (`*.example.com`). */
export function hostProblem(host: string): string | undefined {
  const name = host.startsWith("*.") ? host.slice(2) : host;
  if (name.length === 0 || name.length > 253) return "must be 1 to 253 characters long";
  if (name !== name.toLowerCase()) return "must be lower case";
  const labels = name.split(".");
  if (labels.length < 2) return "must be a fully qualified name such as api.example.com";
  const bad = labels.find((label) => !DNS_LABEL.test(label));
  if (bad !== undefined) {
    return `label "${bad}" must be 1 to 63 letters, digits or '-', not starting or ending with '-'`;
  }
  return undefined;
}

/** A DNS-1123 label, the form Kubernetes requires for names of Services, namespaces and most objects. */
export function dnsLabelProblem(name: string): string | undefined {
  if (name.length > 63) return "must be at most 63 characters";
  if (!DNS_LABEL.test(name)) return "must be lower-case letters, digits or '-', starting and ending with a letter or digit";
  return undefined;
}

/** The parts of an OCI image reference the rules care about. */
export interface ImageReference {
  /** Registry host (with port, if any) and repository path, e.g. "registry.example.com/team/myapp". */
  readonly repository: string;
  /**
   * Tag, e.g. "v1.4.2"; movable, so a digest pins more firmly.
   * @default - no tag (the registry's "latest" when no digest is given either)
   */
  readonly tag?: string;
  /**
   * Content digest, "sha256:" and 64 hex digits; the immutable way to name an image.
   * @default - no digest
   */
  readonly digest?: string;
}

const IMAGE = /^(?<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Parses `registry/repo[:tag][@sha256:…]`; undefined when the reference is malformed. */
export function parseImage(reference: string): ImageReference | undefined {
  const match = IMAGE.exec(reference);
  if (!match?.groups) return undefined;
  const { repository, tag, digest } = match.groups;
  if (repository === undefined) return undefined;
  return {
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** An image is pinned when it names a digest, or a tag other than `latest`. */
export function isPinnedImage(image: ImageReference): boolean {
  if (image.digest !== undefined) return true;
  return image.tag !== undefined && image.tag !== "latest";
}

const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;
const CRON_MACROS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

/** A five-field cron expression (or a macro such as `@daily`), as Kubernetes CronJobs accept. */
export function cronProblem(expression: string): string | undefined {
  if (CRON_MACROS.has(expression)) return undefined;
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return `must have 5 fields (minute hour day-of-month month day-of-week), not ${fields.length}`;
  const bad = fields.find((field) => !CRON_FIELD.test(field));
  return bad === undefined ? undefined : `field "${bad}" is not a cron field (use numbers, ranges, lists, steps or *)`;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** An IPv4 CIDR block such as 10.0.0.0/16. */
export function cidrProblem(cidr: string): string | undefined {
  const match = CIDR.exec(cidr);
  if (!match) return "must be an IPv4 CIDR such as 10.0.0.0/16";
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255) || Number(match[5]) > 32) return "has an octet over 255 or a prefix over 32";
  return undefined;
}
