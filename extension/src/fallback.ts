/**
 * What a saved explorer output shows when its widget model is gone: the stored tables and
 * graph, drawn as text (textContent only: issue text is untrusted).
 */

import { renderStaticGraph } from './render';
import { injectStyles } from './styles';

export interface FallbackTable {
  title?: string;
  columns: string[];
  rows: unknown[][];
}

export interface Fallback {
  title?: string;
  note?: string;
  tables?: FallbackTable[];
  /** a graph payload drawn statically after the tables */
  graph?: unknown;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) {
    return '';
  }
  if (typeof v === 'number') {
    return Number.isInteger(v) ? String(v) : v.toFixed(3);
  }
  return Array.isArray(v) ? v.map(String).join(', ') : String(v);
}

/** Draw a stored fallback into `el`; returns a cleanup. */
export function renderFallback(el: HTMLElement, fb: Fallback): () => void {
  const doc = el.ownerDocument;
  injectStyles(doc);
  const root = doc.createElement('div');
  root.className = 'attn-team-view attn-team-fallback';
  root.dataset.attnSource = 'static';
  if (fb.title) {
    const t = doc.createElement('div');
    t.className = 'attn-team-title';
    t.textContent = fb.title;
    root.append(t);
  }
  if (fb.note) {
    const n = doc.createElement('div');
    n.className = 'attn-team-fallback-note';
    n.textContent = fb.note;
    root.append(n);
  }
  for (const tab of fb.tables ?? []) {
    const table = doc.createElement('table');
    if (tab.title) {
      const cap = doc.createElement('caption');
      cap.textContent = tab.title;
      table.append(cap);
    }
    const hr = doc.createElement('tr');
    for (const c of tab.columns) {
      const th = doc.createElement('th');
      th.textContent = c;
      hr.append(th);
    }
    table.append(hr);
    for (const r of tab.rows) {
      const tr = doc.createElement('tr');
      for (const v of r) {
        const td = doc.createElement('td');
        td.textContent = cellText(v);
        tr.append(td);
      }
      table.append(tr);
    }
    root.append(table);
  }
  el.appendChild(root);
  root.dataset.attnTables = String((fb.tables ?? []).length);
  let stopGraph: (() => void) | null = null;
  if (fb.graph) {
    const host = doc.createElement('div');
    root.append(host);
    stopGraph = renderStaticGraph(host, fb.graph);
  }
  return () => {
    stopGraph?.();
    root.remove();
  };
}
