/**
 * `npm run bench`: every benchmark that needs nothing but this machine, printed as figures.
 * The backup benchmark (100 MB PostgreSQL database) and the Pulumi-mocks breakdown run separately:
 *   npx tsx bench/backup.ts        npx tsx bench/pulumi-mocks.ts
 */
import { benchProgram } from "./program.js";
import { benchSynth } from "./synth.js";

console.log(`node ${process.version}, ${(await import("node:os")).cpus().length} cores, load ${(await import("node:os")).loadavg()[0]?.toFixed(2)}`);
await benchSynth();
await benchProgram();
