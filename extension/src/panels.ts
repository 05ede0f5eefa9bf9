/** The graph's legend and its list of suggestions by team pair (text only: never HTML). */

import { edgeKind, edgeStyle, EDGE_KINDS, nodeStyle, NODE_KINDS } from './colors';
import type { TeamPair } from './pairs';
import type { GraphNode } from './types';

/** Team colours, node kinds and the edge kinds drawn (their colour, dash and meaning). */
export function fillLegend(
  legend: HTMLElement,
  colors: Map<string, string>,
  nodes: GraphNode[],
  drawnKinds: (string | undefined)[]
): void {
  const doc = legend.ownerDocument;
  const items: HTMLElement[] = [];
  for (const [team, color] of colors) {
    const span = doc.createElement('span');
    const sw = doc.createElement('span');
    sw.className = 'attn-team-swatch';
    sw.style.background = color;
    span.append(sw, doc.createTextNode(team));
    items.push(span);
  }
  const kinds = new Set(nodes.map(n => n.kind ?? 'item'));
  for (const k of NODE_KINDS) {
    if (kinds.has(k) && kinds.size > 1) {
      const span = doc.createElement('span');
      span.textContent = `${nodeStyle(k).glyph} ${k}`;
      items.push(span);
    }
  }
  const drawn = new Set(drawnKinds.map(edgeKind));
  if (drawn.size > 1 || (drawn.size === 1 && !drawn.has('suggested'))) {
    for (const k of EDGE_KINDS) {
      if (!drawn.has(k)) {
        continue;
      }
      const st = edgeStyle(k);
      const span = doc.createElement('span');
      span.className = `attn-team-edge-kind attn-team-edge-${k}`;
      const sw = doc.createElement('span');
      sw.className = 'attn-team-edge-swatch';
      sw.style.borderTop = `3px ${st.dash.length ? 'dashed' : 'solid'} ${st.color}`;
      span.append(sw, doc.createTextNode(st.label));
      items.push(span);
    }
  }
  legend.replaceChildren(...items);
}

/**
 * Which teams to talk to, and about what: one box per team pair, its strongest item pairs as
 * buttons (`data-id` = the item a click selects). `pairs = null` empties the list.
 */
export function fillPairList(side: HTMLElement, pairs: TeamPair[] | null, focus: string | null): void {
  const doc = side.ownerDocument;
  if (pairs === null) {
    side.replaceChildren();
    return;
  }
  const head = doc.createElement('div');
  head.className = 'attn-team-pairs-title';
  head.textContent = focus ? `${focus} and the teams it attends to` : 'Which teams to talk to, and about what';
  const children: HTMLElement[] = [head];
  if (!pairs.length) {
    const none = doc.createElement('div');
    none.className = 'attn-team-pairs-none';
    none.textContent = 'No cross-team edges drawn: lower the threshold or show all edges.';
    children.push(none);
  }
  for (const p of pairs.slice(0, 30)) {
    const box = doc.createElement('div');
    box.className = 'attn-team-pair';
    const title = doc.createElement('div');
    title.className = 'attn-team-pair-title';
    title.textContent = `${p.teamA} \u2194 ${p.teamB}`;
    const n = doc.createElement('span');
    n.className = 'attn-team-count';
    n.textContent = ` ${p.nEdges} edge${p.nEdges === 1 ? '' : 's'}`;
    title.append(n);
    box.append(title);
    p.examples.forEach(([a, b], j) => {
      const btn = doc.createElement('button');
      btn.type = 'button';
      btn.className = 'attn-team-pair-edge';
      btn.textContent = `${a} / ${b}` + (j === 0 && p.reason ? `, ${p.reason}` : '');
      btn.title = `select ${a}`;
      btn.dataset.id = a;
      box.append(btn);
    });
    children.push(box);
  }
  side.replaceChildren(...children);
}
