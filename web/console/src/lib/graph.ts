// A layered drawing of a service's resource graph: each node in the column after the deepest
// node it depends on (edges run from -> to), rows in the order the nodes came.
import type { GraphNode } from "../api/types";

export interface Placed extends GraphNode {
  x: number;
  y: number;
}

export interface Layout {
  nodes: Placed[];
  edges: { from: Placed; to: Placed }[];
  width: number;
  height: number;
}

export const BOX = { width: 190, height: 40, gapX: 60, gapY: 18, pad: 10 };

export function layers(nodes: readonly GraphNode[], edges: readonly { from: string; to: string }[]): Map<string, number> {
  const ids = new Set(nodes.map((n) => n.id));
  const incoming = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of edges) if (ids.has(e.from) && ids.has(e.to) && e.from !== e.to) incoming.get(e.to)!.push(e.from);
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle (the engine's graph has none): cut it
    visiting.add(id);
    const d = Math.max(-1, ...incoming.get(id)!.map(visit)) + 1;
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  nodes.forEach((n) => visit(n.id));
  return depth;
}

export function layout(nodes: readonly GraphNode[], edges: readonly { from: string; to: string }[]): Layout {
  const depth = layers(nodes, edges);
  const rows = new Map<number, number>();
  const placed = new Map<string, Placed>();
  for (const node of nodes) {
    const column = depth.get(node.id) ?? 0;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    placed.set(node.id, {
      ...node,
      x: BOX.pad + column * (BOX.width + BOX.gapX),
      y: BOX.pad + row * (BOX.height + BOX.gapY),
    });
  }
  const columns = Math.max(0, ...depth.values()) + 1;
  const tallest = Math.max(0, ...rows.values());
  return {
    nodes: [...placed.values()],
    edges: edges.filter((e) => placed.has(e.from) && placed.has(e.to)).map((e) => ({ from: placed.get(e.from)!, to: placed.get(e.to)! })),
    width: BOX.pad * 2 + columns * BOX.width + (columns - 1) * BOX.gapX,
    height: BOX.pad * 2 + tallest * BOX.height + Math.max(0, tallest - 1) * BOX.gapY,
  };
}
