/**
 * The Pulumi program's entry point (Pulumi.yaml `main`): infra/index.ts, run from its bundle
 * (scripts/bundle/bundle.mjs: rebuilt first when a source changed, compiled code cached), so that
 * neither `pulumi preview` nor `pulumi up` transforms TypeScript at start. The stack outputs are
 * infra/index.ts's exports, handed to the Pulumi runtime as the default export's result.
 */
import { loadEntry } from "./bundle.mjs";

const program = await loadEntry("infra/index.ts");

export default () => ({ ...program });
