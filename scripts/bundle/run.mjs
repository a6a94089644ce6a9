/**
 * `node scripts/bundle/run.mjs <entry.ts> [args…]`: runs a command-line entry point of this repository
 * from its bundle (scripts/bundle/bundle.mjs; rebuilt first when a source changed), as
 * `tsx <entry.ts> [args…]` would: `process.argv[1]` is the entry's source path.
 */
import { resolve } from "node:path";
import { ROOT, loadEntry } from "./bundle.mjs";

const [entry, ...args] = process.argv.slice(2);
if (entry === undefined) {
  console.error("usage: node scripts/bundle/run.mjs <entry.ts> [args…]");
  process.exit(2);
}
process.argv.splice(1, process.argv.length - 1, resolve(ROOT, entry), ...args);
await loadEntry(entry);
