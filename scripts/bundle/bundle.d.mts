/** Types of bundle.mjs (plain JavaScript so that it runs before anything is compiled). */

/** The repository root (real path). */
export declare const ROOT: string;

/** Where the bundles of this checkout live (override: GSS_BUNDLE_DIR). */
export declare function bundleDir(): string;

/** The manifest of the entry's last build, fresh or not. */
export declare function bundleManifest(
  entry: string,
): { readonly entry: string; readonly bundle: string; readonly inputs: readonly string[]; readonly fingerprint: string; readonly builtAt: string } | undefined;

/** The path of the entry's bundle, built first if it is missing or older than its sources. */
export declare function ensureBundle(entry: string, options?: { readonly force?: boolean }): Promise<string>;

/** Runs a CommonJS bundle in this process and returns its exports. */
export declare function runBundle(file: string, options?: { readonly source?: string; readonly resolveFrom?: string }): Record<string, unknown>;

/** ensureBundle + runBundle: the entry's exports, from an up-to-date bundle. */
export declare function loadEntry(entry: string, options?: { readonly force?: boolean }): Promise<Record<string, unknown>>;
