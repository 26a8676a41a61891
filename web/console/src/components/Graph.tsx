// The service's resource graph (the engine's own), drawn as columns of boxes with arrows.
import { useState } from "preact/hooks";
import { BOX, layout } from "../lib/graph";
import type { GraphNode } from "../api/types";

const WIRING = new Set(["VARIABLE", "LOCAL", "OUTPUT"]); // the module's plumbing, hidden at first

export function Graph({ graph: whole }: { graph: { nodes: GraphNode[]; edges: { from: string; to: string }[] } }) {
  const [all, setAll] = useState(false);
  const graph = all ? whole : onlyResources(whole);
  const drawn = layout(graph.nodes, graph.edges);
  return (
    <div class="graph-wrap">
      <label class="choice">
        <input type="checkbox" checked={all} onChange={(e) => setAll((e.target as HTMLInputElement).checked)} />
        Show variables, locals and outputs too
      </label>
      <svg role="img" aria-labelledby="graph-desc" width={drawn.width} height={drawn.height} viewBox={`0 0 ${drawn.width} ${drawn.height}`} class="graph">
        <title id="graph-desc">{`${graph.nodes.length} resources, ${graph.edges.length} dependencies`}</title>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
          </marker>
        </defs>
        {drawn.edges.map(({ from, to }) => (
          <line x1={from.x + BOX.width} y1={from.y + BOX.height / 2} x2={to.x} y2={to.y + BOX.height / 2} class="edge" marker-end="url(#arrow)" />
        ))}
        {drawn.nodes.map((n) => (
          <g class={`node kind-${n.kind}`} data-node={n.id}>
            <rect x={n.x} y={n.y} width={BOX.width} height={BOX.height} rx={6} />
            <text x={n.x + 8} y={n.y + 16} class="node-label">{clip(n.label, 26)}</text>
            <text x={n.x + 8} y={n.y + 31} class="node-kind">{n.kind.toLowerCase()}{n.instances != null ? ` · ${n.instances} in state` : ""}</text>
            <title>{n.label}</title>
          </g>
        ))}
      </svg>
      <ul class="visually-hidden">
        {graph.edges.map((e) => <li>{e.from} → {e.to}</li>)}
      </ul>
    </div>
  );
}

function onlyResources(graph: { nodes: GraphNode[]; edges: { from: string; to: string }[] }) {
  const nodes = graph.nodes.filter((n) => !WIRING.has(n.kind));
  const kept = new Set(nodes.map((n) => n.id));
  return { nodes, edges: graph.edges.filter((e) => kept.has(e.from) && kept.has(e.to)) };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
