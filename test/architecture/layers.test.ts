import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importGraph } from "./import-graph.js";
import { CONSUMERS, FORBIDDEN_PACKAGES, LAYERS, layerOf } from "./layers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const edges = importGraph(ROOT);

describe("layers: imports run downward only", () => {
  it("reads the import graph of every layer", () => {
    for (const layer of LAYERS) {
      expect(edges.some((edge) => layerOf(edge.from)?.name === layer.name), `no import read from layer ${layer.name}`).toBe(true);
    }
  });

  it("no file imports from a layer above its own", () => {
    const upward = edges
      .filter((edge) => edge.to !== undefined)
      .flatMap((edge) => {
        const from = layerOf(edge.from);
        const to = layerOf(edge.to!);
        return from && to && to.rank > from.rank ? [`${edge.from} (${from.name}) imports ${edge.specifier} (${to.name})`] : [];
      });
    expect(upward).toEqual([]);
  });

  it("no layer imports tests, benchmarks, examples or scripts", () => {
    const intoConsumers = edges.filter(
      (edge) => layerOf(edge.from) && edge.to !== undefined && (CONSUMERS as readonly string[]).includes(edge.to.split("/")[0]!),
    );
    expect(intoConsumers.map((edge) => `${edge.from} imports ${edge.specifier}`)).toEqual([]);
  });

  it.each(Object.entries(FORBIDDEN_PACKAGES))("%s loads none of its forbidden packages", (layer, packages) => {
    const offending = edges.filter((edge) => layerOf(edge.from)?.name === layer && packages.includes(edge.packageName ?? ""));
    expect(offending.map((edge) => `${edge.from} imports ${edge.specifier}`)).toEqual([]);
  });

  it("the check itself catches an upward import", () => {
    const from = layerOf("config/schema.ts");
    const to = layerOf("charts/go-service.ts");
    expect(from && to && to.rank > from.rank).toBe(true);
    expect(layerOf("test/config/schema.test.ts")).toBeUndefined();
  });
});
