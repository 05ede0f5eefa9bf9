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
  const f = edgeFacts(nodes, edges, index);
  const keepEdges: number[] = [];
  const team = filter.team ? (f.teamIds.get(filter.team) ?? -2) : -1;
  const head = filter.head || null;
  const crossOnly = filter.scope === 'cross-team';
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i];
    if (!(e.weight >= filter.threshold) && f.thresholded[i]) {
      continue;
    }
    if (head !== null && dominantHead(e) !== head) {
      continue;
    }
    if (crossOnly && f.sTeam[i] >= 0 && f.sTeam[i] === f.tTeam[i]) {
      continue;
    }
    if (team !== -1 && f.sTeam[i] !== team && f.tTeam[i] !== team) {
      continue;
    }
    keepEdges.push(i);
  }
  let keepNodes: number[];
  if (team === -1) {
    keepNodes = nodes.map((_, i) => i);
  } else {
    const mark = new Uint8Array(nodes.length);
    f.nodeTeam.forEach((t, i) => {
      if (t === team) {
        mark[i] = 1;
      }
    });
    for (const i of keepEdges) {
      mark[f.s[i]] = 1;
      mark[f.t[i]] = 1;
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

/** What filtering needs per edge, computed once per payload (big graphs filter on every slider move). */
export interface EdgeFacts {
  /** node index of each edge's source and target */
  s: Int32Array;
  t: Int32Array;
  /** team id of each node and of each edge's ends (-1: no team) */
  nodeTeam: Int32Array;
  sTeam: Int32Array;
  tTeam: Int32Array;
  teamIds: Map<string, number>;
  teamNames: string[];
  /** 1 when the threshold applies to the edge (attention edges; not links, at-risk, gaps) */
  thresholded: Uint8Array;
}

const FACTS = new WeakMap<GraphEdge[], EdgeFacts>();

export function edgeFacts(nodes: GraphNode[], edges: GraphEdge[], index: Map<string, number>): EdgeFacts {
  const cached = FACTS.get(edges);
  if (cached && cached.nodeTeam.length === nodes.length) {
    return cached;
  }
  const teamNames = teamsOf(nodes);
  const teamIds = new Map(teamNames.map((t, i) => [t, i]));
  const nodeTeam = Int32Array.from(nodes, n => (n.team ? (teamIds.get(n.team) as number) : -1));
  const m = edges.length;
  const f: EdgeFacts = {
    s: new Int32Array(m),
    t: new Int32Array(m),
    nodeTeam,
    sTeam: new Int32Array(m),
    tTeam: new Int32Array(m),
    teamIds,
    teamNames,
    thresholded: new Uint8Array(m)
  };
  for (let i = 0; i < m; i++) {
    const e = edges[i];
    const a = index.get(e.source) as number;
    const b = index.get(e.target) as number;
    f.s[i] = a;
    f.t[i] = b;
    f.sTeam[i] = nodeTeam[a];
    f.tTeam[i] = nodeTeam[b];
    f.thresholded[i] = edgeStyle(e.kind).thresholded ? 1 : 0;
  }
  FACTS.set(edges, f);
  return f;
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
