/**
 * Tooltip and detail content. Issue text is untrusted: everything goes through
 * textContent / createTextNode, never innerHTML.
 */

import { dominantHead } from './filter';
import type { GraphEdge, GraphNode } from './types';

function row(doc: Document, label: string, value: string | null | undefined): HTMLElement | null {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  const div = doc.createElement('div');
  div.className = 'attn-team-tip-row';
  const b = doc.createElement('b');
  b.textContent = label + ': ';
  div.appendChild(b);
  div.appendChild(doc.createTextNode(value));
  return div;
}

function put(el: HTMLElement, children: (HTMLElement | null)[]): void {
  el.replaceChildren(...children.filter((c): c is HTMLElement => c !== null));
}

/** Fill `el` with a node's key, summary, team, kind and status. */
export function fillNodeTip(el: HTMLElement, node: GraphNode): void {
  const doc = el.ownerDocument;
  const title = doc.createElement('div');
  title.className = 'attn-team-tip-title';
  title.textContent = node.id;
  const summary = node.summary ?? (node.label && node.label !== node.id ? node.label : undefined);
  put(el, [
    title,
    row(doc, 'summary', summary),
    row(doc, 'team', node.team ?? '(none)'),
    row(doc, 'kind', node.kind ?? 'item'),
    row(doc, 'status', node.status)
  ]);
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) {
    return String(v);
  }
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3);
}

/** Fill `el` with an edge: endpoints, weight, reason and per-head contributions. */
export function fillEdgeTip(el: HTMLElement, edge: GraphEdge): void {
  const doc = el.ownerDocument;
  const title = doc.createElement('div');
  title.className = 'attn-team-tip-title';
  title.textContent = `${edge.source} \u2192 ${edge.target}`;
  const children: (HTMLElement | null)[] = [
    title,
    row(doc, 'weight', formatNumber(edge.weight)),
    row(doc, 'kind', edge.kind),
    row(doc, 'reason', edge.reason)
  ];
  if (edge.heads && Object.keys(edge.heads).length) {
    const table = doc.createElement('table');
    table.className = 'attn-team-tip-heads';
    const top = dominantHead(edge);
    for (const [name, value] of Object.entries(edge.heads)) {
      const tr = doc.createElement('tr');
      const th = doc.createElement('td');
      th.textContent = name;
      const td = doc.createElement('td');
      td.textContent = formatNumber(value);
      if (name === top) {
        tr.className = 'attn-team-tip-top';
      }
      tr.append(th, td);
      table.appendChild(tr);
    }
    children.push(table);
  }
  put(el, children);
}
