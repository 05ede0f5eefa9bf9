import { readFileSync } from 'fs';
import { resolve } from 'path';

import { describe, expect, it } from 'vitest';

import { edgeKind, edgeStyle, heatColor, nodeStyle, PALETTE, teamColors } from '../colors';
import { renderFallback } from '../fallback';
import { applyFilter } from '../filter';
import { GraphView } from '../graph';
import { HeatmapView } from '../heatmap';
import { teamPairs } from '../pairs';
import STYLE from '../palette.json';
import { GraphPayload } from '../types';

const XSS = '<img src=x onerror=alert(1)>';

function org(): GraphPayload {
  const nodes = [
    { id: 'P-1', team: 'Pay' },
    { id: 'P-2', team: 'Pay' },
    { id: 'D-1', team: 'Data' },
    { id: 'D-2', team: 'Data' },
    { id: 'M-1', team: 'Mobile' },
    { id: 'M-2', team: 'Mobile' }
  ].map(n => ({ ...n, kind: 'item' }));
  const edges = [
    { source: 'P-1', target: 'D-1', weight: 0.6, reason: "shared component 'warehouse'; created 3 days apart" },
    { source: 'D-1', target: 'P-1', weight: 0.5, reason: XSS },
    { source: 'P-2', target: 'D-2', weight: 0.3 },
    { source: 'M-1', target: 'P-2', weight: 0.2 },
    { source: 'P-1', target: 'P-2', weight: 0.7 },
    { source: 'M-1', target: 'M-2', weight: 0.45 },
    { source: 'D-2', target: 'M-2', weight: 0.05, kind: 'gap' }
  ];
  return { version: 1, nodes, edges, meta: { scope: 'cross-team' } };
}

const indexOf = (p: GraphPayload) => new Map(p.nodes.map((n, i) => [n.id, i]));

describe('one palette', () => {
  it('is the JSON the Python SVG code reads', () => {
    const py = JSON.parse(readFileSync(resolve(__dirname, '../../../attn_team/_palette.json'), 'utf-8'));
    expect(STYLE).toEqual(py);
    expect(PALETTE).toEqual(py.teams);
    expect([...teamColors(['B', 'A']).entries()]).toEqual([
      ['A', py.teams[0]],
      ['B', py.teams[1]]
    ]);
    expect(edgeKind('at-risk')).toBe('at_risk');
    expect(edgeStyle('gap').color).toBe(py.edges.gap.color);
    expect(nodeStyle('person').shape).toBe(py.nodes.member.shape);
    expect(heatColor(0, 1)).toBe(py.heat.low.toLowerCase());
    expect(heatColor(1, 1)).toBe(py.heat.high.toLowerCase());
  });
});

describe('scope, kinds and focus', () => {
  const p = org();
  const idx = indexOf(p);

  it('cross-team leaves within-team edges out; the threshold spares facts', () => {
    const cross = applyFilter(p.nodes, p.edges, idx, { threshold: 0, head: null, team: null, scope: 'cross-team' });
    expect(Array.from(cross.edges)).toEqual([0, 1, 2, 3, 6]);
    const high = applyFilter(p.nodes, p.edges, idx, { threshold: 0.4, head: null, team: null, scope: 'all' });
    expect(Array.from(high.edges)).toEqual([0, 1, 4, 5, 6]); // the 0.05 gap stays
  });

  it('a team focus re-fits the view onto the team and the teams it attends to', () => {
    const host = document.createElement('div');
    const view = new GraphView(host, org(), { height: 400 });
    view.resize(600);
    // the centre of the box around some nodes, on screen
    const centre = (ids: string[]) => {
      const ps = ids.map(id => view.nodePosition(id)!);
      const mid = (v: number[]) => (Math.max(...v) + Math.min(...v)) / 2;
      return { x: mid(ps.map(q => q.x)), y: mid(ps.map(q => q.y)) };
    };
    expect(view.root.dataset.attnScope).toBe('cross-team');
    const before = centre(['D-2', 'M-1', 'M-2', 'P-2']);
    view.setFilter({ team: 'Mobile' });
    expect(view.visibleNodeIds().sort()).toEqual(['D-2', 'M-1', 'M-2', 'P-2']);
    const focused = view.visibleNodeIds();
    for (const id of focused) {
      const q = view.nodePosition(id)!;
      expect(q.x).toBeGreaterThanOrEqual(0);
      expect(q.x).toBeLessThanOrEqual(600);
      expect(q.y).toBeGreaterThanOrEqual(0);
      expect(q.y).toBeLessThanOrEqual(400);
    }
    // the focused nodes are centred (room for labels on the right), not left where they were
    const after = centre(focused);
    expect(Math.abs(after.y - 200)).toBeLessThan(5);
    expect(Math.abs(after.x - 300)).toBeLessThan(30);
    expect(Math.hypot(after.x - before.x, after.y - before.y)).toBeGreaterThan(20);
    expect(view.root.dataset.attnFocus).toBe('Mobile');
    view.destroy();
  });
});

describe('team pairs', () => {
  it('groups visible cross-team edges by unordered team pair, heaviest first', () => {
    const p = org();
    const idx = indexOf(p);
    const vis = applyFilter(p.nodes, p.edges, idx, { threshold: 0, head: null, team: null, scope: 'cross-team' });
    const pairs = teamPairs(p.nodes, p.edges, idx, vis.edges);
    expect(pairs.map(x => `${x.teamA}|${x.teamB}|${x.nEdges}`)).toEqual(['Data|Pay|3', 'Mobile|Pay|1', 'Data|Mobile|1']);
    expect(pairs[0].examples).toEqual([
      ['P-1', 'D-1'],
      ['P-2', 'D-2']
    ]);
    expect(pairs[0].reason).toBe("shared component 'warehouse'");
  });

  it('the list beside the graph is text and a click selects', () => {
    const host = document.createElement('div');
    let picked: string | null = null;
    const p = org();
    p.edges[0].reason = XSS;
    const view = new GraphView(host, p, { onSelect: id => (picked = id) });
    const side = host.querySelector('.attn-team-pairs') as HTMLElement;
    expect(view.root.dataset.attnPairs).toBe('3');
    expect(side.querySelectorAll('img').length).toBe(0);
    expect(side.textContent).toContain(XSS);
    (side.querySelector('button') as HTMLButtonElement).click();
    expect(picked).toBe('P-1');
    expect(view.root.dataset.attnSelected).toBe('P-1');
    view.destroy();
  });
});

describe('heatmap', () => {
  const data = {
    rows: ['Data', 'Pay'],
    cols: ['Data', 'Pay'],
    values: [
      [0, 0.5],
      [0.9, 0]
    ],
    diagonal: [30, 40],
    cells: { 'Pay\u0000Data': [['P-1', 'D-1', 0.6, XSS] as [string, string, number, string]] },
    counts: { 'Pay\u0000Data': 2 },
    title: 't'
  };

  it('keeps the diagonal apart from the colour scale unless folded in', () => {
    const host = document.createElement('div');
    const view = new HeatmapView(host, data);
    expect(view.root.dataset.attnScaleMax).toBe('0.9');
    const diag = host.querySelector("td[data-row='0'][data-col='0']") as HTMLElement;
    expect(diag.classList.contains('attn-team-apart')).toBe(true);
    expect(diag.textContent).toBe('30.000');
    const box = host.querySelector('.attn-team-fold-diagonal') as HTMLInputElement;
    box.checked = true;
    box.dispatchEvent(new Event('change'));
    expect(view.root.dataset.attnScaleMax).toBe('40');
    view.destroy();
  });

  it('a click lists the edges behind the cell, as text', () => {
    const host = document.createElement('div');
    const seen: unknown[] = [];
    const view = new HeatmapView(host, data, { onSelect: c => seen.push(c) });
    (host.querySelector("td[data-row='1'][data-col='0']") as HTMLElement).click();
    expect(seen).toEqual([['Pay', 'Data']]);
    const list = host.querySelector('.attn-team-cell-edges') as HTMLElement;
    expect(list.querySelectorAll('tr.attn-team-cell-edge').length).toBe(1);
    expect(list.textContent).toContain('2 edges, the strongest 1');
    expect(list.textContent).toContain(XSS);
    expect(list.querySelectorAll('img').length).toBe(0);
    expect(view.root.dataset.attnCellEdges).toBe('1');
    view.destroy();
  });
});

describe('stored fallback', () => {
  it('draws tables and the graph as text', () => {
    const host = document.createElement('div');
    const stop = renderFallback(host, {
      title: XSS,
      tables: [{ title: 'Items', columns: ['key', 'summary'], rows: [['P-1', XSS]] }],
      graph: org()
    });
    expect(host.querySelectorAll('img').length).toBe(0);
    expect(host.textContent).toContain(XSS);
    expect(host.querySelector('.attn-team-fallback')!.getAttribute('data-attn-tables')).toBe('1');
    expect(host.querySelector('.attn-team-graph')).not.toBeNull();
    stop();
    expect(host.children.length).toBe(0);
  });
});
