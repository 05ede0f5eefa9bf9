/**
 * The side list of the graph: visible cross-team edges grouped by team pair, heaviest pair
 * first ("Data <-> Payments: PAY-283 / DAT-295, shared component 'warehouse'"). The Python
 * twin is `_display.team_pairs` (the saved-notebook fallback lists the same groups).
 */

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
  const order = Array.from(visible).sort((a, b) => edges[b].weight - edges[a].weight);
  const groups = new Map<string, TeamPair & { seen: Set<string> }>();
  for (const ei of order) {
    const e = edges[ei];
    const a = nodes[index.get(e.source) as number].team ?? null;
    const b = nodes[index.get(e.target) as number].team ?? null;
    if (a === null || b === null || a === b) {
      continue;
    }
    const [ta, tb] = [a, b].sort();
    const key = `${ta}\u0000${tb}`;
    let g = groups.get(key);
    if (!g) {
      g = { teamA: ta, teamB: tb, nEdges: 0, weight: 0, examples: [], reason: firstReason(e.reason), seen: new Set() };
      groups.set(key, g);
    }
    g.nEdges += 1;
    g.weight += e.weight;
    const pair = [e.source, e.target].sort().join('\u0000');
    if (!g.seen.has(pair) && g.examples.length < examples) {
      g.seen.add(pair);
      g.examples.push([e.source, e.target]);
    }
  }
  return [...groups.values()]
    .sort((x, y) => y.weight - x.weight || x.teamA.localeCompare(y.teamA) || x.teamB.localeCompare(y.teamB))
    .map(p => ({ teamA: p.teamA, teamB: p.teamB, nEdges: p.nEdges, weight: p.weight, examples: p.examples, reason: p.reason }));
}
