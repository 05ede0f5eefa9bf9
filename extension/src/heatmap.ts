/** The heatmap (team x team or item x member): an HTML table, every label set with textContent. */

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

export class HeatmapView {
  readonly root: HTMLDivElement;
  private readonly cells: HTMLTableCellElement[][] = [];
  private selected: [string, string] | null = null;
  private readonly data: HeatmapData;

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
    let max = 0;
    for (const r of data.values) {
      for (const v of r) {
        max = Math.max(max, Number(v) || 0);
      }
    }
    data.rows.forEach((rowName, i) => {
      const tr = doc.createElement('tr');
      const th = doc.createElement('th');
      th.textContent = String(rowName);
      th.title = String(rowName);
      tr.append(th);
      const rowCells: HTMLTableCellElement[] = [];
      data.cols.forEach((colName, j) => {
        const v = Number(data.values[i][j]) || 0;
        const td = doc.createElement('td');
        const a = max > 0 ? v / max : 0;
        td.style.background = `rgba(78,121,167,${(0.08 + 0.92 * a).toFixed(3)})`;
        td.style.color = a > 0.55 ? '#fff' : 'inherit';
        td.textContent = v ? formatNumber(v) : '';
        td.title = `${rowName} \u2192 ${colName}: ${formatNumber(v)}`;
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
    this.root.append(title, table);
    host.appendChild(this.root);
    this.root.dataset.attnRows = String(data.rows.length);
    this.root.dataset.attnCols = String(data.cols.length);
    this.setSelected(options.selected ?? null);
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
  }

  destroy(): void {
    this.root.remove();
  }
}
