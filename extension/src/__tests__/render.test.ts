import { describe, expect, it } from 'vitest';

import { applyFilter, dominantHead } from '../filter';
import { GraphView } from '../graph';
import { HeatmapView, parseHeatmap } from '../heatmap';
import { computeLayout, mulberry32 } from '../layout';
import { fillEdgeTip, fillNodeTip } from '../tooltip';
import { GraphPayload, parsePayload } from '../types';

const XSS = '<img src=x onerror=alert(1)>';

function ring(n: number, teams = ['A', 'B', 'C']): GraphPayload {
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `K-${i}`, kind: 'item', team: teams[i % teams.length] }));
  const edges = [];
  for (let i = 0; i < n; i++) {
    edges.push({
      source: `K-${i}`,
      target: `K-${(i + 1) % n}`,
      weight: (i % 10) / 10,
      heads: { text: i % 2 ? 0.5 : 0.1, structure: i % 2 ? 0.1 : 0.5 }
    });
  }
  return { version: 1, nodes, edges, meta: {} };
}

function indexOf(p: GraphPayload): Map<string, number> {
  return new Map(p.nodes.map((n, i) => [n.id, i]));
}

describe('layout', () => {
  it('is deterministic for the same data and seed', () => {
    const p = ring(60);
    const a = computeLayout(p.nodes, p.edges, indexOf(p), { seed: 7 });
    const b = computeLayout(p.nodes, p.edges, indexOf(p), { seed: 7 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.every(Number.isFinite)).toBe(true);
  });

  it('changes with the seed and spreads the nodes', () => {
    const p = ring(60);
    const a = computeLayout(p.nodes, p.edges, indexOf(p), { seed: 1 });
    const b = computeLayout(p.nodes, p.edges, indexOf(p), { seed: 2 });
    expect(Array.from(a)).not.toEqual(Array.from(b));
    const xs = Array.from(a).filter((_, i) => i % 2 === 0);
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(20);
  });

  it('keeps linked nodes closer than unlinked ones on average', () => {
    const p = ring(40);
    const pos = computeLayout(p.nodes, p.edges, indexOf(p), { seed: 3 });
    const d = (i: number, j: number) => Math.hypot(pos[2 * i] - pos[2 * j], pos[2 * i + 1] - pos[2 * j + 1]);
    let linked = 0;
    let far = 0;
    for (let i = 0; i < 40; i++) {
      linked += d(i, (i + 1) % 40);
      far += d(i, (i + 20) % 40);
    }
    expect(linked).toBeLessThan(far);
  });

  it('prng is seeded', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});

describe('filter', () => {
  const p = ring(30, ['A', 'B', 'C', 'D', 'E', 'F']);
  const idx = indexOf(p);

  it('drops edges under the threshold and keeps every node', () => {
    const all = applyFilter(p.nodes, p.edges, idx, { threshold: 0, head: null, team: null });
    const some = applyFilter(p.nodes, p.edges, idx, { threshold: 0.5, head: null, team: null });
    expect(all.edges.length).toBe(30);
    expect(some.edges.length).toBe(p.edges.filter(e => e.weight >= 0.5).length);
    expect(some.edges.length).toBeLessThan(all.edges.length);
    expect(Array.from(some.edges).every(i => p.edges[i].weight >= 0.5)).toBe(true);
    expect(some.nodes.length).toBe(30);
  });

  it('keeps only edges whose dominant head is the chosen head', () => {
    const text = applyFilter(p.nodes, p.edges, idx, { threshold: 0, head: 'text', team: null });
    expect(text.edges.length).toBe(15);
    expect(Array.from(text.edges).every(i => dominantHead(p.edges[i]) === 'text')).toBe(true);
  });

  it('keeps a team, its edges and their other endpoints', () => {
    const a = applyFilter(p.nodes, p.edges, idx, { threshold: 0, head: null, team: 'A' });
    for (const i of a.edges) {
      const e = p.edges[i];
      const teams = [p.nodes[idx.get(e.source)!].team, p.nodes[idx.get(e.target)!].team];
      expect(teams).toContain('A');
    }
    const ids = Array.from(a.nodes, i => p.nodes[i].id);
    expect(ids).toContain('K-0'); // team A
    expect(ids).toContain('K-1'); // B, linked from K-0
    expect(ids).not.toContain('K-2'); // C, linked only to B and D
  });
});

describe('payload', () => {
  it('rejects other versions with a readable error', () => {
    expect(() => parsePayload({ version: 2, nodes: [], edges: [] })).toThrow(/version 2/);
    expect(() => parsePayload(null)).toThrow(/not an object/);
  });

  it('drops edges to unknown nodes and duplicate nodes', () => {
    const p = parsePayload({
      version: 1,
      nodes: [{ id: 'A' }, { id: 'A' }, { id: 'B' }],
      edges: [
        { source: 'A', target: 'B', weight: '0.5' },
        { source: 'A', target: 'Z', weight: 1 }
      ]
    });
    expect(p.nodes.length).toBe(2);
    expect(p.edges).toEqual([{ source: 'A', target: 'B', weight: 0.5 }]);
  });
});

describe('escaping', () => {
  it('node tooltips show markup as text', () => {
    const el = document.createElement('div');
    fillNodeTip(el, { id: XSS, summary: XSS, team: XSS, status: XSS });
    expect(el.querySelector('img')).toBeNull();
    expect(el.textContent).toContain(XSS);
  });

  it('edge tooltips show reasons and head names as text', () => {
    const el = document.createElement('div');
    fillEdgeTip(el, { source: 'A', target: 'B', weight: 0.3, reason: XSS, heads: { [XSS]: 0.2 } });
    expect(el.querySelector('img')).toBeNull();
    expect(el.textContent).toContain(XSS);
  });

  it('graph title, legend and controls show markup as text', () => {
    const host = document.createElement('div');
    document.body.appendChild(host);
    const view = new GraphView(host, {
      version: 1,
      nodes: [
        { id: 'A', team: XSS, summary: XSS },
        { id: 'B', team: 'ok' }
      ],
      edges: [{ source: 'A', target: 'B', weight: 1, heads: { [XSS]: 1 } }],
      meta: { title: XSS }
    });
    expect(host.querySelector('img')).toBeNull();
    expect(host.textContent).toContain(XSS);
    expect(view.root.dataset.attnNodes).toBe('2');
    view.destroy();
    expect(host.children.length).toBe(0);
  });

  it('heatmap labels show markup as text and a click selects the cell', () => {
    const host = document.createElement('div');
    let picked: [string, string] | null = null;
    const data = parseHeatmap({ rows: [XSS, 'r2'], cols: ['c1', XSS], values: [[1, 2], [3, 4]], title: XSS });
    const view = new HeatmapView(host, data, { onSelect: c => (picked = c) });
    expect(host.querySelector('img')).toBeNull();
    expect(host.textContent).toContain(XSS);
    (host.querySelector('td[data-row="1"][data-col="0"]') as HTMLElement).click();
    expect(picked).toEqual(['r2', 'c1']);
    expect(view.root.dataset.attnSelected).toBe('r2\u2192c1');
  });

  it('heatmap rejects ragged values', () => {
    expect(() => parseHeatmap({ rows: ['a'], cols: ['b', 'c'], values: [[1]] })).toThrow(/rows x cols/);
  });
});

describe('view state', () => {
  it('reports drawn counts and selection on its element', () => {
    const host = document.createElement('div');
    const p = ring(20);
    const view = new GraphView(host, p, { filter: { threshold: 0.5 } });
    const d = view.root.dataset;
    expect(d.attnNodes).toBe('20');
    expect(Number(d.attnEdges)).toBe(p.edges.filter(e => e.weight >= 0.5).length);
    view.setFilter({ threshold: 0.85 });
    expect(Number(d.attnEdges)).toBe(p.edges.filter(e => e.weight >= 0.85).length);
    view.setFilter({ team: 'A' });
    expect(Number(d.attnNodes)).toBeLessThan(20);
    view.setSelected('K-3');
    expect(d.attnSelected).toBe('K-3');
    view.setSelected('not-a-node');
    expect(d.attnSelected).toBe('');
    view.destroy();
  });
});
