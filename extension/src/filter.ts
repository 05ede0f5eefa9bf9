/** Which edges and nodes are visible for a filter. Pure functions: unit tested. */

import { edgeStyle } from './colors';
import type { GraphEdge, GraphFilter, GraphNode } from './types';

/** The head that contributes most to an edge's score, or null without head columns. */
export function dominantHead(edge: GraphEdge): string | null {
  if (!edge.heads) {
    return null;
  }
  let best: string | null = null;
  let bestValue = -Infinity;
  for (const [name, value] of Object.entries(edge.heads)) {
    if (typeof value === 'number' && value > bestValue) {
      best = name;
      bestValue = value;
    }
  }
  return best;
}

export interface Visible {
  /** indices into the payload's edges */
  edges: Int32Array;
  /** indices into the payload's nodes */
  nodes: Int32Array;
}

/**
 * Apply a filter (the rule of `_display.visible_mask` in Python). The threshold applies to
 * attention edges only (kinds marked `thresholded` in the palette); links, at-risk and gap
 * edges are facts and always drawn. Scope "cross-team" leaves out edges within one known team.
 * Without a team focus every node stays visible (isolated ones too), so the node count is
 * stable while the threshold moves; with a team focus the team's nodes and the endpoints of
 * its visible edges remain.
 */
export function applyFilter(
  nodes: GraphNode[],
  edges: GraphEdge[],
  index: Map<string, number>,
  filter: GraphFilter
): Visible {
  const keepEdges: number[] = [];
  const team = filter.team || null;
  const head = filter.head || null;
  const crossOnly = filter.scope === 'cross-team';
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i];
    if (!(e.weight >= filter.threshold) && edgeStyle(e.kind).thresholded) {
      continue;
    }
    if (head !== null && dominantHead(e) !== head) {
      continue;
    }
    if (team !== null || crossOnly) {
      const st = nodes[index.get(e.source) as number].team ?? null;
      const tt = nodes[index.get(e.target) as number].team ?? null;
      if (crossOnly && st !== null && st === tt) {
        continue;
      }
      if (team !== null && st !== team && tt !== team) {
        continue;
      }
    }
    keepEdges.push(i);
  }
  let keepNodes: number[];
  if (team === null) {
    keepNodes = nodes.map((_, i) => i);
  } else {
    const mark = new Uint8Array(nodes.length);
    nodes.forEach((n, i) => {
      if ((n.team ?? null) === team) {
        mark[i] = 1;
      }
    });
    for (const i of keepEdges) {
      mark[index.get(edges[i].source) as number] = 1;
      mark[index.get(edges[i].target) as number] = 1;
    }
    keepNodes = [];
    mark.forEach((m, i) => {
      if (m) {
        keepNodes.push(i);
      }
    });
  }
  return { edges: Int32Array.from(keepEdges), nodes: Int32Array.from(keepNodes) };
}

/** Sorted distinct team names (null teams left out). */
export function teamsOf(nodes: GraphNode[]): string[] {
  const s = new Set<string>();
  for (const n of nodes) {
    if (n.team) {
      s.add(n.team);
    }
  }
  return [...s].sort();
}

/** Head names present in the payload (meta first, then edges), in order of appearance. */
export function headsOf(edges: GraphEdge[], metaHeads?: string[]): string[] {
  const s = new Set<string>(metaHeads ?? []);
  for (const e of edges) {
    if (e.heads) {
      for (const k of Object.keys(e.heads)) {
        s.add(k);
      }
    }
    if (s.size > 16) {
      break;
    }
  }
  return [...s];
}
