import { describe, expect, it } from "vitest";
import { layers, layout } from "./graph";

const node = (id: string) => ({ id, label: id, kind: "resource" });

describe("the resource graph's layout", () => {
  it("puts each node one column after the deepest node it depends on", () => {
    const nodes = ["a", "b", "c", "d"].map(node);
    const edges = [{ from: "a", to: "b" }, { from: "b", to: "c" }, { from: "a", to: "c" }, { from: "a", to: "d" }];
    expect(Object.fromEntries(layers(nodes, edges))).toEqual({ a: 0, b: 1, c: 2, d: 1 });
    const drawn = layout(nodes, edges);
    const d = drawn.nodes.find((n) => n.id === "d")!;
    const b = drawn.nodes.find((n) => n.id === "b")!;
    expect(d.x).toBe(b.x);
    expect(d.y).toBeGreaterThan(b.y);
    expect(drawn.edges).toHaveLength(4);
  });

  it("survives edges to unknown nodes and cycles", () => {
    const drawn = layout([node("a"), node("b")], [{ from: "a", to: "b" }, { from: "b", to: "a" }, { from: "a", to: "zz" }]);
    expect(drawn.nodes).toHaveLength(2);
    expect(drawn.edges).toHaveLength(2);
    expect(drawn.width).toBeGreaterThan(0);
  });
});
