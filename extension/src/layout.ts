/** Seeded, precomputed force layout (d3-force): the same data always draws the same picture. */

import {
  forceLink,
  forceManyBody,
  forceSimulation,
  forceX,
  forceY,
  SimulationLinkDatum,
  SimulationNodeDatum
} from 'd3-force';

import type { GraphEdge, GraphNode } from './types';

/** A small, fast, seedable PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Number of ticks: plenty for small graphs, fewer (but enough to settle) for big ones. */
export function ticksFor(nNodes: number, nEdges: number): number {
  const size = nNodes + nEdges / 10;
  if (size <= 600) {
    return 220;
  }
  return Math.max(60, Math.round((220 * 600) / size));
}

export interface LayoutOptions {
  seed?: number;
  ticks?: number;
}

interface SimNode extends SimulationNodeDatum {
  i: number;
}

/**
 * Positions for every node, as [x0, y0, x1, y1, ...] in layout units (centred on 0).
 * Deterministic for a given (nodes, edges, seed).
 */
export function computeLayout(
  nodes: GraphNode[],
  edges: GraphEdge[],
  index: Map<string, number>,
  options: LayoutOptions = {}
): Float64Array {
  const n = nodes.length;
  const out = new Float64Array(n * 2);
  if (n === 0) {
    return out;
  }
  // Seeded start positions: each team starts around its own point on a circle, so the
  // clusters the forces would find are there from the first tick (big graphs settle in
  // few ticks). The seed picks the picture; the same data and seed give the same one.
  const rng = mulberry32(options.seed ?? 1);
  const teams = [...new Set(nodes.map(nd => nd.team ?? ''))].sort();
  const teamIndex = new Map(teams.map((t, i) => [t, i]));
  const spread = 8 * Math.sqrt(n);
  const ring = teams.length > 1 ? spread : 0;
  const cluster = teams.length > 1 ? spread / Math.sqrt(teams.length) : spread;
  const simNodes: SimNode[] = nodes.map((nd, i) => {
    const t = teamIndex.get(nd.team ?? '') as number;
    const ta = (2 * Math.PI * t) / Math.max(teams.length, 1);
    const a = 2 * Math.PI * rng();
    const r = cluster * Math.sqrt(rng());
    return { i, x: ring * Math.cos(ta) + r * Math.cos(a), y: ring * Math.sin(ta) + r * Math.sin(a) };
  });
  const links: SimulationLinkDatum<SimNode>[] = [];
  let maxW = 0;
  for (const e of edges) {
    maxW = Math.max(maxW, e.weight);
  }
  const strengths: number[] = [];
  const degree = new Float64Array(n);
  for (const e of edges) {
    const s = index.get(e.source) as number;
    const t = index.get(e.target) as number;
    if (s === t) {
      continue;
    }
    degree[s] += 1;
    degree[t] += 1;
    links.push({ source: s, target: t });
    strengths.push(maxW > 0 ? e.weight / maxW : 0.5);
  }
  const ticks = options.ticks ?? ticksFor(n, links.length);
  const big = n > 800;
  const sim = forceSimulation<SimNode>(simNodes)
    .randomSource(rng)
    .alphaDecay(1 - Math.pow(0.001, 1 / ticks))
    .force(
      'charge',
      forceManyBody<SimNode>()
        .strength(big ? -18 : -40)
        .theta(big ? 1.2 : 0.9)
        .distanceMax(big ? 220 : 400)
    )
    .force(
      'link',
      forceLink<SimNode, SimulationLinkDatum<SimNode>>(links)
        .id(d => d.i)
        .distance(30)
        .strength((_, i) => {
          const s = links[i].source as SimNode;
          const t = links[i].target as SimNode;
          const d = Math.min(degree[s.i], degree[t.i]) || 1;
          return (0.15 + 0.85 * strengths[i]) / d;
        })
        .iterations(1)
    )
    .force('x', forceX<SimNode>(0).strength(0.04))
    .force('y', forceY<SimNode>(0).strength(0.04))
    .stop();
  for (let k = 0; k < ticks; k++) {
    sim.tick();
  }
  for (const d of simNodes) {
    out[d.i * 2] = d.x ?? 0;
    out[d.i * 2 + 1] = d.y ?? 0;
  }
  return out;
}
