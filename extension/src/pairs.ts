/**
 * The side list of the graph: visible cross-team edges grouped by team pair, heaviest pair
 * first ("Data <-> Payments: PAY-283 / DAT-295, shared component 'warehouse'"). The Python
 * twin is `_display.team_pairs` (the saved-notebook fallback lists the same groups).
 */

import { edgeFacts } from './filter';
import type { GraphEdge, GraphNode } from './types';

export interface TeamPair {
  teamA: string;
  teamB: string;
  nEdges: number;
  weight: number;
  /** strongest item pairs, each unordered pair once: [source, target] */
  examples: [string, string][];
  /** first clause of the strongest edge's reason */
  reason: string;
}

export function firstReason(reason: string | undefined | null): string {
  return reason ? reason.split(';', 1)[0].trim() : '';
}

export function teamPairs(
  nodes: GraphNode[],
  edges: GraphEdge[],
  index: Map<string, number>,
  visible: ArrayLike<number>,
  examples = 3
): TeamPair[] {
  // one pass: per pair of team ids, the count, the weight and the few strongest edges
  const f = edgeFacts(nodes, edges, index);
  const nT = f.teamNames.length;
  const groups = new Map<number, { n: number; w: number; top: number[] }>();
  const keep = examples * 2 + 1; // room for reversed duplicates (A->B and B->A of one item pair)
  for (let j = 0; j < visible.length; j++) {
    const ei = visible[j];
    const a = f.sTeam[ei];
    const b = f.tTeam[ei];
    if (a < 0 || b < 0 || a === b) {
      continue;
    }
    const key = a < b ? a * nT + b : b * nT + a;
    let g = groups.get(key);
    if (!g) {
      g = { n: 0, w: 0, top: [] };
      groups.set(key, g);
    }
    g.n += 1;
    g.w += edges[ei].weight;
    const w = edges[ei].weight;
    if (g.top.length < keep || w > edges[g.top[g.top.length - 1]].weight) {
      let k = g.top.length;
      while (k > 0 && edges[g.top[k - 1]].weight < w) {
        k--;
      }
      g.top.splice(k, 0, ei);
      if (g.top.length > keep) {
        g.top.pop();
      }
    }
  }
  const out: TeamPair[] = [];
  for (const [key, g] of groups) {
    const ta = f.teamNames[Math.floor(key / nT)];
    const tb = f.teamNames[key % nT];
    const seen = new Set<string>();
    const ex: [string, string][] = [];
    for (const ei of g.top) {
      const e = edges[ei];
      const pair = e.source < e.target ? `${e.source}\u0000${e.target}` : `${e.target}\u0000${e.source}`;
      if (!seen.has(pair) && ex.length < examples) {
        seen.add(pair);
        ex.push([e.source, e.target]);
      }
    }
    out.push({ teamA: ta, teamB: tb, nEdges: g.n, weight: g.w, examples: ex, reason: firstReason(edges[g.top[0]].reason) });
  }
  return out.sort((x, y) => y.weight - x.weight || x.teamA.localeCompare(y.teamA) || x.teamB.localeCompare(y.teamB));
}
