/**
 * Bundles an entry point of this repository (`cli/synth.ts`, `infra/index.ts`) into one CommonJS file
 * with esbuild, and loads it with a V8 code cache: what `npm run synth` and the Pulumi program run
 * instead of transforming every TypeScript file at start with tsx.
 *
 * Kept in sync automatically: each run hashes the bundle's own sources (the list esbuild reported at
 * build time), `node_modules/.package-lock.json` (the installed dependencies), package.json, tsconfig.json
 * and this file; any difference rebuilds the bundle before it runs (about a second). The bundles live
 * under `node_modules/.cache/go-service-stack/bundles/<root>/` (a fresh `npm ci` starts clean), one
 * directory per checkout (git worktrees that share a node_modules link do not share bundles).
 *
 * What stays out of a bundle: `@pulumi/*` (the Pulumi runtime that starts the program must hand it
 * the same module instances), `re2-wasm` (loads its .wasm beside its own module) and esbuild.
 * `import.meta.url` in our sources is replaced by the URL of the source file itself, so files read
 * beside a module (charts/backup/*.sh) and the `import.meta.url === file://argv[1]` entry check behave
 * as they do under tsx.
 *
 *   node scripts/bundle/bundle.mjs [--force] [entry…]   builds (when stale) and prints the bundle paths
 *   GSS_BUNDLE_DEBUG=1 (any run)                          prints whether the code cache was used
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire, Module } from "node:module";
import { basename, dirname, isAbsolute, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import vm from "node:vm";

/** The repository root (real path). */
export const ROOT = realpathSync(fileURLToPath(new URL("../..", import.meta.url)));
const SELF = fileURLToPath(import.meta.url);

/** Packages left to node_modules; see the header. */
const EXTERNAL = ["@pulumi/*", "re2-wasm", "esbuild"];

/** Files outside the bundle's own sources whose change rebuilds every bundle. */
const SHARED_INPUTS = ["node_modules/.package-lock.json", "package-lock.json", "package.json", "tsconfig.json"];

/** Where the bundles of this checkout live (override: GSS_BUNDLE_DIR). */
export function bundleDir() {
  const override = process.env["GSS_BUNDLE_DIR"];
  return override !== undefined && override !== "" ? override : defaultBundleDir();
}

function defaultBundleDir() {
  const key = createHash("sha256").update(ROOT).digest("hex").slice(0, 12);
  return join(ROOT, "node_modules", ".cache", "go-service-stack", "bundles", key);
}

/** The entry's source file: a path relative to the repository root, or absolute. */
function entryPath(entry) {
  return isAbsolute(entry) ? entry : join(ROOT, entry);
}

function entryName(entry) {
  const name = relative(ROOT, entryPath(entry)).replace(/\.[cm]?tsx?$/, "").replace(/[/\\]/g, "__").replace(/\.\./g, "up");
  return name.length <= 80 ? name : `${name.slice(-60)}-${createHash("sha256").update(name).digest("hex").slice(0, 12)}`;
}

function readOrUndefined(path, encoding) {
  try {
    return readFileSync(path, encoding);
  } catch {
    return undefined;
  }
}

/**
 * Hash of the inputs (repository-relative paths) as they are on disk now; a missing file counts too.
 * `contents` (path → content) takes the place of a read, for what a build already read.
 */
function fingerprint(inputs, contents = new Map()) {
  const hash = createHash("sha256");
  hash.update(readFileSync(SELF));
  for (const file of [...SHARED_INPUTS, ...inputs]) {
    hash.update(`\0${file}\0`);
    hash.update(contents.get(file) ?? readOrUndefined(join(ROOT, file)) ?? "\u0000missing");
  }
  return hash.digest("hex");
}

/** The manifest of the entry's last build (bundle, inputs, fingerprint, builtAt), fresh or not. */
export function bundleManifest(entry) {
  const text = readOrUndefined(join(bundleDir(), `${entryName(entry)}.json`), "utf8");
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The manifest of the entry's current bundle, if it is still in sync with the sources. */
function freshManifest(entry) {
  const manifest = bundleManifest(entry);
  if (manifest === undefined) return undefined;
  if (manifest.entry !== entry || manifest.root !== ROOT || !Array.isArray(manifest.inputs)) return undefined;
  return manifest.fingerprint === fingerprint(manifest.inputs) ? manifest : undefined;
}

/** Writes a file atomically (a concurrent reader sees the old or the new content, never half of one). */
function writeAtomic(path, content) {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/**
 * esbuild plugin: `import.meta.url` in our sources becomes the source file's own URL. Records what it
 * read (repository-relative path → content), so that the manifest describes exactly what was bundled.
 */
function sourceUrlPlugin(read) {
  return {
    name: "source-import-meta-url",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        if (args.path.split(sep).includes("node_modules")) return undefined;
        const source = readFileSync(args.path);
        read.set(relative(ROOT, args.path).split(sep).join("/"), source);
        const url = JSON.stringify(pathToFileURL(args.path).href);
        return { contents: source.toString("utf8").replace(/\bimport\.meta\.url\b/g, url), loader: "ts" };
      });
    },
  };
}

/** Builds the entry's bundle and writes its manifest; returns the manifest. */
async function build(dir, entry) {
  const require = createRequire(import.meta.url);
  let esbuild;
  try {
    esbuild = require("esbuild");
  } catch (error) {
    throw new Error(`cannot bundle ${entry}: esbuild is not installed (run npm ci): ${error.message}`, { cause: error });
  }
  // Shared inputs are hashed as they were before the build: a change during it makes the next run rebuild.
  const read = new Map(SHARED_INPUTS.map((file) => [file, readOrUndefined(join(ROOT, file))]).filter(([, content]) => content !== undefined));
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [entryPath(entry)],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: EXTERNAL,
    // Class and function names survive bundling (error messages such as constructs' name their class).
    keepNames: true,
    outfile: join(dir, `${entryName(entry)}.cjs`),
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins: [sourceUrlPlugin(read)],
  });
  const emptyMeta = result.warnings.filter((w) => w.id === "empty-import-meta");
  if (emptyMeta.length > 0) {
    const where = emptyMeta.map((w) => `${w.location?.file}:${w.location?.line}`).join(", ");
    throw new Error(`cannot bundle ${entry}: import.meta used by a dependency (${where}); add it to EXTERNAL in ${relative(ROOT, SELF)}`);
  }
  const code = result.outputFiles[0].contents;
  const inputs = Object.keys(result.metafile.inputs)
    .filter((file) => !file.split("/").includes("node_modules"))
    .sort();
  const codeHash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const bundle = `${entryName(entry)}.${codeHash}.cjs`;
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, bundle), code);
  // Over the sources as the build read them (a file edited meanwhile differs from it: the next run rebuilds).
  const manifest = { entry, root: ROOT, bundle, inputs, fingerprint: fingerprint(inputs, read), builtAt: new Date().toISOString() };
  writeAtomic(join(dir, `${entryName(entry)}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  prune(dir, entry, bundle);
  return manifest;
}

/** Removes this entry's older bundles and code caches, and bundle directories of checkouts that are gone. */
function prune(dir, entry, keep) {
  const prefix = `${entryName(entry)}.`;
  for (const file of readdirSync(dir)) {
    if (file.endsWith(".tmp") || file.startsWith(keep) || file === `${entryName(entry)}.json`) continue;
    if (file.startsWith(prefix)) rmSync(join(dir, file), { force: true });
  }
  writeAtomic(join(dir, "root.txt"), ROOT);
  if (dir !== defaultBundleDir()) return;
  const parent = dirname(dir);
  for (const other of readdirSync(parent)) {
    if (join(parent, other) === dir) continue;
    const root = readOrUndefined(join(parent, other, "root.txt"), "utf8");
    if (root !== undefined && readOrUndefined(join(root, "package.json")) === undefined) rmSync(join(parent, other), { recursive: true, force: true });
  }
}

/**
 * The path of the entry's bundle, built first if it is missing or older than its sources.
 * @param {string} entry repository-relative path of the TypeScript entry point, e.g. "cli/synth.ts"
 * @param {{ force?: boolean }} [options]
 */
export async function ensureBundle(entry, options = {}) {
  const dir = bundleDir();
  const manifest = (options.force ? undefined : freshManifest(entry)) ?? (await build(dir, entry));
  return join(dir, manifest.bundle);
}

/**
 * Runs a CommonJS bundle in this process and returns its exports (`resolveFrom`: the file the bundle's
 * `require` of an external package resolves from). The compiled code is cached beside
 * the bundle (V8 code cache, written at exit when missing or rejected, e.g. after a Node.js upgrade),
 * so later runs skip parsing and compiling the functions this run used.
 */
export function runBundle(file, { source = readFileSync(file, "utf8"), resolveFrom = file } = {}) {
  // V8 rejects a cache made under other flags: one cache per Node.js version and set of flags.
  const flags = createHash("sha256").update(`${process.version}\0${process.execArgv.join(" ")}\0${process.env["NODE_OPTIONS"] ?? ""}`).digest("hex").slice(0, 8);
  const cacheFile = `${file}.${flags}.v8cache`;
  const cachedData = readOrUndefined(cacheFile);
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (process.env.GSS_BUNDLE_DEBUG) console.error(`bundle ${basename(file)}: code cache`, cachedData === undefined ? "missing" : script.cachedDataRejected ? "rejected" : "used");
  if (cachedData === undefined || script.cachedDataRejected === true) {
    process.once("exit", () => {
      try {
        writeAtomic(cacheFile, script.createCachedData());
      } catch {
        // A read-only checkout runs without the cache.
      }
    });
  }
  const module = { exports: {}, id: file, filename: file, loaded: false, children: [], paths: [] };
  script.runInThisContext().call(module.exports, module.exports, createRequire(resolveFrom), module, file, dirname(file));
  module.loaded = true;
  return module.exports;
}

/** ensureBundle + runBundle: the entry's exports, from an up-to-date bundle. */
export async function loadEntry(entry, options = {}) {
  const file = await ensureBundle(entry, options);
  // Packages left out of the bundle resolve as they do from the entry's source file.
  const resolveFrom = entryPath(entry);
  let source;
  try {
    source = readFileSync(file);
  } catch (error) {
    // A concurrent rebuild replaced the bundle between the manifest and this read: take the new one.
    if (error.code !== "ENOENT") throw error;
    return runBundle(await ensureBundle(entry, options), { resolveFrom });
  }
  return runBundle(file, { source: source.toString("utf8"), resolveFrom });
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === SELF) {
  const args = process.argv.slice(2);
  const force = args.includes("--force");
  const entries = args.filter((a) => a !== "--force");
  for (const entry of entries.length > 0 ? entries : ["cli/synth.ts", "infra/index.ts"]) {
    const file = await ensureBundle(entry, { force });
    console.log(`${entry}: ${relative(ROOT, file)} (${basename(file)})`);
  }
}
