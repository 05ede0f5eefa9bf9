/**
 * The heatmap (team x team or item x member): an HTML table, every label set with textContent.
 * Cross-team cells get the colour scale on their own: the within-team diagonal is shown apart
 * (hatched, its value in grey) unless folded back in. A click lists the edges behind the cell.
 */

import { heatColor } from './colors';
import { injectStyles } from './styles';
import { formatNumber } from './tooltip';
import type { HeatmapData } from './types';

export interface HeatmapOptions {
  selected?: [string, string] | null;
  onSelect?: (cell: [string, string] | null) => void;
}

export function parseHeatmap(raw: unknown): HeatmapData {
  const d = (raw ?? {}) as Partial<HeatmapData>;
  if (!Array.isArray(d.rows) || !Array.isArray(d.cols) || !Array.isArray(d.values)) {
    throw new Error('attn-team heatmap: data needs "rows", "cols" and "values"');
  }
  if (d.values.length !== d.rows.length || d.values.some(r => !Array.isArray(r) || r.length !== (d.cols as string[]).length)) {
    throw new Error('attn-team heatmap: "values" must be rows x cols');
  }
  return d as HeatmapData;
}

const cellKey = (row: string, col: string) => `${row}\u0000${col}`;

export class HeatmapView {
  readonly root: HTMLDivElement;
  private readonly cells: HTMLTableCellElement[][] = [];
  private selected: [string, string] | null = null;
  private readonly data: HeatmapData;
  private readonly scale: HTMLDivElement;
  private readonly list: HTMLDivElement;
  private foldDiagonal = false;

  constructor(host: HTMLElement, data: HeatmapData, private readonly options: HeatmapOptions = {}) {
    const doc = host.ownerDocument;
    injectStyles(doc);
    this.data = data;
    this.root = doc.createElement('div');
    this.root.className = 'attn-team-view attn-team-heatmap';
    const title = doc.createElement('div');
    title.className = 'attn-team-title';
    title.textContent = data.title || 'Attention heatmap';
    const table = doc.createElement('table');
    const thead = doc.createElement('thead');
    const hr = doc.createElement('tr');
    const corner = doc.createElement('th');
    corner.textContent = `${data.row_label ?? ''} \u2192 ${data.col_label ?? ''}`;
    hr.append(corner);
    for (const c of data.cols) {
      const th = doc.createElement('th');
      th.textContent = String(c);
      th.title = String(c);
      hr.append(th);
    }
    thead.append(hr);
    const tbody = doc.createElement('tbody');
    data.rows.forEach((rowName, i) => {
      const tr = doc.createElement('tr');
      const th = doc.createElement('th');
      th.textContent = String(rowName);
      th.title = String(rowName);
      tr.append(th);
      const rowCells: HTMLTableCellElement[] = [];
      data.cols.forEach((_, j) => {
        const td = doc.createElement('td');
        td.dataset.row = String(i);
        td.dataset.col = String(j);
        td.addEventListener('click', () => this.click(i, j));
        tr.append(td);
        rowCells.push(td);
      });
      this.cells.push(rowCells);
      tbody.append(tr);
    });
    table.append(thead, tbody);
    this.scale = doc.createElement('div');
    this.scale.className = 'attn-team-scale';
    this.list = doc.createElement('div');
    this.list.className = 'attn-team-cell-edges';
    this.root.append(title, table, this.scale, this.list);
    host.appendChild(this.root);
    this.root.dataset.attnRows = String(data.rows.length);
    this.root.dataset.attnCols = String(data.cols.length);
    this.paint();
    this.setSelected(options.selected ?? null);
  }

  /** The diagonal value kept apart for cell (i, j), or null when the cell is not apart. */
  private apart(i: number, j: number): number | null {
    const d = this.data.diagonal;
    if (!d || this.data.rows[i] !== this.data.cols[j]) {
      return null;
    }
    const v = d[i];
    return v === null || v === undefined ? null : Number(v);
  }

  private value(i: number, j: number): number {
    const a = this.apart(i, j);
    return a !== null ? a : Number(this.data.values[i][j]) || 0;
  }

  /** Colour every cell; the scale's maximum leaves the apart diagonal out unless folded in. */
  private paint(): void {
    const { rows, cols } = this.data;
    let max = 0;
    rows.forEach((_, i) =>
      cols.forEach((__, j) => {
        if (this.apart(i, j) === null || this.foldDiagonal) {
          max = Math.max(max, this.value(i, j));
        }
      })
    );
    rows.forEach((rowName, i) =>
      cols.forEach((colName, j) => {
        const td = this.cells[i][j];
        const v = this.value(i, j);
        const apart = this.apart(i, j) !== null && !this.foldDiagonal;
        td.classList.toggle('attn-team-apart', apart);
        const a = max > 0 ? Math.min(1, v / max) : 0;
        td.style.background = apart ? '' : heatColor(v, max);
        td.style.color = !apart && a > 0.45 ? '#fff' : 'inherit';
        td.textContent = v ? formatNumber(v) : '';
        td.title = `${rowName} \u2192 ${colName}: ${formatNumber(v)}` + (apart ? ' (within team, not on the colour scale)' : '');
      })
    );
    this.drawScale(max);
  }

  private drawScale(max: number): void {
    const doc = this.root.ownerDocument;
    const bar = doc.createElement('span');
    bar.className = 'attn-team-scale-bar';
    const stops = [0, 0.25, 0.5, 0.75, 1].map(t => `${heatColor(t * max, max)} ${t * 100}%`);
    bar.style.background = `linear-gradient(to right, ${stops.join(', ')})`;
    const lo = doc.createElement('span');
    lo.textContent = '0';
    const hi = doc.createElement('span');
    hi.className = 'attn-team-scale-max';
    hi.textContent = formatNumber(max);
    const children: HTMLElement[] = [lo, bar, hi];
    if (this.data.diagonal) {
      const label = doc.createElement('label');
      const box = doc.createElement('input');
      box.type = 'checkbox';
      box.className = 'attn-team-fold-diagonal';
      box.checked = this.foldDiagonal;
      box.addEventListener('change', () => {
        this.foldDiagonal = box.checked;
        this.paint();
      });
      label.append(box, doc.createTextNode(' within-team cells on the scale'));
      children.push(label);
    }
    this.scale.replaceChildren(...children);
    this.root.dataset.attnScaleMax = String(max);
  }

  private click(i: number, j: number): void {
    const cell: [string, string] = [this.data.rows[i], this.data.cols[j]];
    const same = this.selected && this.selected[0] === cell[0] && this.selected[1] === cell[1];
    const next = same ? null : cell;
    this.setSelected(next);
    this.options.onSelect?.(next);
  }

  setSelected(cell: [string, string] | null): void {
    this.selected = cell && cell.length === 2 ? cell : null;
    const i = this.selected ? this.data.rows.indexOf(this.selected[0]) : -1;
    const j = this.selected ? this.data.cols.indexOf(this.selected[1]) : -1;
    this.cells.forEach((r, a) => r.forEach((td, b) => td.classList.toggle('attn-team-selected', a === i && b === j)));
    this.root.dataset.attnSelected = this.selected ? this.selected.join('\u2192') : '';
    this.listCell(i >= 0 && j >= 0 ? [i, j] : null);
  }

  /** List the edges behind the selected cell (text only). */
  private listCell(at: [number, number] | null): void {
    const doc = this.root.ownerDocument;
    if (!at) {
      this.list.replaceChildren();
      this.root.dataset.attnCellEdges = '';
      return;
    }
    const [i, j] = at;
    const row = this.data.rows[i];
    const col = this.data.cols[j];
    const key = cellKey(row, col);
    const edges = this.data.cells?.[key] ?? [];
    const total = this.data.counts?.[key] ?? edges.length;
    const head = doc.createElement('div');
    head.className = 'attn-team-cell-title';
    const children: HTMLElement[] = [head];
    if (this.apart(i, j) !== null) {
      head.textContent = `${row} \u2192 ${col}: within-team attention ${formatNumber(this.value(i, j))}, left out of this view (diagonal=False)`;
    } else if (!this.data.cells) {
      head.textContent = `${row} \u2192 ${col}: ${formatNumber(this.value(i, j))} (a ready matrix: no edges behind it)`;
    } else {
      head.textContent =
        `${row} \u2192 ${col}: ${total} edge${total === 1 ? '' : 's'}` +
        (total > edges.length ? `, the strongest ${edges.length}` : '');
      if (edges.length) {
        const table = doc.createElement('table');
        const hr = doc.createElement('tr');
        for (const h of ['from', 'to', 'weight', 'why']) {
          const th = doc.createElement('th');
          th.textContent = h;
          hr.append(th);
        }
        table.append(hr);
        for (const [s, t, w, reason] of edges) {
          const tr = doc.createElement('tr');
          tr.className = 'attn-team-cell-edge';
          for (const v of [s, t, formatNumber(Number(w)), reason ?? '']) {
            const td = doc.createElement('td');
            td.textContent = String(v);
            tr.append(td);
          }
          table.append(tr);
        }
        children.push(table);
      }
    }
    this.list.replaceChildren(...children);
    this.root.dataset.attnCellEdges = String(edges.length);
  }

  destroy(): void {
    this.root.remove();
  }
}
