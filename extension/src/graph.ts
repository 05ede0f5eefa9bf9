/** The force-directed attention graph on canvas: layout once, then cheap redraws. */

import { quadtree, Quadtree } from 'd3-quadtree';

import { edgeKind, edgeStyle, nodeStyle, shapeOf, teamColors, traceShape, NO_TEAM } from './colors';
import { applyFilter, headsOf, teamsOf, Visible } from './filter';
import { computeLayout } from './layout';
import { teamPairs } from './pairs';
import { fillLegend, fillPairList } from './panels';
import { injectStyles } from './styles';
import { fillEdgeTip, fillNodeTip, formatNumber } from './tooltip';
import { GraphFilter, GraphPayload, NO_FILTER, Scope } from './types';

export interface GraphViewOptions {
  height?: number;
  seed?: number;
  /** show the threshold/head/team controls above the canvas */
  controls?: boolean;
  filter?: Partial<GraphFilter>;
  highlight?: string[];
  selected?: string | null;
  onSelect?: (id: string | null) => void;
  onFilter?: (filter: GraphFilter) => void;
}

interface Hit {
  i: number;
  x: number;
  y: number;
}

const WIDTH_BUCKETS = 4;
/** Width of the team-pair list beside the canvas (below it when the view is narrower than WIDE). */
const SIDE = 280;
const WIDE = 700;

function rgba(color: string, alpha: number): string {
  const c = color.replace('#', '');
  const [r, g, b] = [0, 2, 4].map(i => parseInt(c.slice(i, i + 2), 16));
  return `rgba(${r},${g},${b},${alpha})`;
}

/** `a` moved a fraction `t` towards `b` (both #rrggbb). */
function mix(a: string, b: string, t: number): string {
  const p = (c: string) => [1, 3, 5].map(i => parseInt(c.slice(i, i + 2), 16));
  const x = p(a);
  const y = p(b);
  return '#' + x.map((v, i) => Math.round(v + (y[i] - v) * t).toString(16).padStart(2, '0')).join('');
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

export class GraphView {
  readonly root: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly tip: HTMLDivElement;
  private readonly count: HTMLSpanElement;
  private readonly body: HTMLDivElement;
  private readonly side: HTMLDivElement;
  private readonly legend: HTMLDivElement;
  private readonly hasTeams: boolean;
  private readonly payload: GraphPayload;
  private readonly index = new Map<string, number>();
  private readonly colors: Map<string, string>;
  private readonly maxWeight: number;
  private readonly options: GraphViewOptions;
  private positions: Float64Array | null = null;
  private screen: Float32Array;
  private visible: Visible;
  private filter: GraphFilter;
  private highlight = new Set<string>();
  private selected: string | null = null;
  private hover: { node?: number; edge?: number } = {};
  private tree: Quadtree<Hit> | null = null;
  private width = 0;
  private height: number;
  private zoom = { k: 1, x: 0, y: 0 };
  private fit = { s: 1, cx: 0, cy: 0 };
  private drag: { x: number; y: number; zx: number; zy: number; moved: boolean } | null = null;
  private frame = 0;
  private pendingMove: MouseEvent | null = null;
  private readonly created = now();
  private controls: {
    threshold?: HTMLInputElement;
    head?: HTMLSelectElement;
    team?: HTMLSelectElement;
    scope?: HTMLSelectElement;
    value?: HTMLSpanElement;
  } = {};
  private readonly listeners: [EventTarget, string, EventListener][] = [];

  constructor(host: HTMLElement, payload: GraphPayload, options: GraphViewOptions = {}) {
    const doc = host.ownerDocument;
    injectStyles(doc);
    this.options = options;
    this.payload = payload;
    payload.nodes.forEach((n, i) => this.index.set(n.id, i));
    this.colors = teamColors(teamsOf(payload.nodes));
    this.maxWeight = payload.edges.reduce((m, e) => Math.max(m, e.weight), 0) || 1;
    this.height = options.height ?? 480;
    const metaScope: Scope = payload.meta?.scope === 'cross-team' ? 'cross-team' : 'all';
    const metaTeam = typeof payload.meta?.team === 'string' ? (payload.meta.team as string) : null;
    this.filter = { ...NO_FILTER, threshold: payload.meta?.threshold ?? 0, scope: metaScope, team: metaTeam };
    for (const [k, v] of Object.entries(options.filter ?? {})) {
      if (v !== undefined) {
        (this.filter as unknown as Record<string, unknown>)[k] = v;
      }
    }
    this.hasTeams = teamsOf(payload.nodes).length > 1;
    this.highlight = new Set(options.highlight ?? []);
    this.selected = options.selected ?? null;
    this.screen = new Float32Array(payload.nodes.length * 2);
    this.visible = applyFilter(payload.nodes, payload.edges, this.index, this.filter);

    this.root = doc.createElement('div');
    this.root.className = 'attn-team-view attn-team-graph';
    const bar = doc.createElement('div');
    bar.className = 'attn-team-bar';
    const title = doc.createElement('span');
    title.className = 'attn-team-title';
    title.textContent = payload.meta?.title || 'Attention graph';
    this.count = doc.createElement('span');
    this.count.className = 'attn-team-count';
    bar.append(title, this.count);
    if (options.controls !== false) {
      this.buildControls(bar);
    }
    this.canvas = doc.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', title.textContent);
    this.tip = doc.createElement('div');
    this.tip.className = 'attn-team-tip';
    this.tip.style.display = 'none';
    this.body = doc.createElement('div');
    this.body.className = 'attn-team-body';
    this.side = doc.createElement('div');
    this.side.className = 'attn-team-pairs';
    this.body.append(this.canvas, this.side);
    this.legend = doc.createElement('div');
    this.legend.className = 'attn-team-legend';
    this.buildLegend();
    this.root.append(bar, this.body, this.tip, this.legend);
    this.fillPairs();
    this.listen(this.side, 'click', e => {
      const id = (e.target as HTMLElement | null)?.closest?.('button')?.dataset?.id;
      if (id) {
        this.setSelected(id);
        this.options.onSelect?.(id);
      }
    });
    host.appendChild(this.root);
    (this.root as unknown as { attnTeam: GraphView }).attnTeam = this;
    this.updateDataset();
    this.listen(this.canvas, 'mousemove', e => this.onMove(e as MouseEvent));
    this.listen(this.canvas, 'mouseleave', () => this.setHover({}));
    this.listen(this.canvas, 'mousedown', e => this.onDown(e as MouseEvent));
    this.listen(doc, 'mouseup', e => this.onUp(e as MouseEvent));
    this.listen(this.canvas, 'wheel', e => this.onWheel(e as WheelEvent), { passive: false } as unknown as boolean);
    this.listen(this.canvas, 'dblclick', () => {
      this.zoom = { k: 1, x: 0, y: 0 };
      this.draw();
    });
  }

  // ---- public API -------------------------------------------------------

  /** Give the view its width (CSS px); the first call computes the layout and draws. */
  resize(width: number, height?: number): void {
    if (width <= 0) {
      return;
    }
    if (height !== undefined) {
      this.height = height;
    }
    const wide = width >= WIDE && this.hasTeams;
    this.body.classList.toggle('attn-team-wide', wide);
    this.side.style.width = wide ? `${SIDE}px` : '';
    this.side.style.maxHeight = wide ? `${this.height}px` : '180px';
    this.width = Math.floor(wide ? width - SIDE - 8 : width);
    const dpr = (typeof window !== 'undefined' && window.devicePixelRatio) || 1;
    this.canvas.width = Math.round(this.width * dpr);
    this.canvas.height = Math.round(this.height * dpr);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    if (!this.positions) {
      this.positions = computeLayout(this.payload.nodes, this.payload.edges, this.index, { seed: this.options.seed ?? 1 });
    }
    this.computeFit();
    this.draw();
    if (!this.root.dataset.attnFirstFrameMs) {
      this.root.dataset.attnFirstFrameMs = (now() - this.created).toFixed(1);
    }
  }

  setFilter(partial: Partial<GraphFilter>): void {
    const before = this.filter;
    this.filter = { ...this.filter, ...partial };
    this.visible = applyFilter(this.payload.nodes, this.payload.edges, this.index, this.filter);
    this.syncControls();
    if (before.team !== this.filter.team && this.positions && this.width > 0) {
      // a team focus (or leaving it) re-fits the view to what is drawn
      this.zoom = { k: 1, x: 0, y: 0 };
      this.computeFit();
    }
    this.buildLegend();
    this.fillPairs();
    this.draw();
  }

  getFilter(): GraphFilter {
    return { ...this.filter };
  }

  setHighlight(ids: string[]): void {
    this.highlight = new Set(ids);
    this.draw();
  }

  setSelected(id: string | null): void {
    this.selected = id && this.index.has(id) ? id : null;
    this.draw();
  }

  /** The team-pair groups listed beside the canvas (what is drawn now). */
  pairs() {
    return teamPairs(this.payload.nodes, this.payload.edges, this.index, this.visible.edges);
  }

  /** Where a node is drawn, in CSS px relative to the canvas (for tests and benchmarks). */
  nodePosition(id: string): { x: number; y: number } | null {
    const i = this.index.get(id);
    if (i === undefined || !this.positions) {
      return null;
    }
    return { x: this.screen[i * 2], y: this.screen[i * 2 + 1] };
  }

  /** Ids of the nodes currently drawn. */
  visibleNodeIds(): string[] {
    return Array.from(this.visible.nodes, i => this.payload.nodes[i].id);
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    for (const [t, type, fn] of this.listeners) {
      t.removeEventListener(type, fn);
    }
    this.root.remove();
  }

  // ---- drawing ----------------------------------------------------------

  private computeFit(): void {
    // fit what is drawn (a team focus zooms onto its nodes), leaving room for the labels on the right
    const p = this.positions as Float64Array;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const i of this.visible.nodes) {
      x0 = Math.min(x0, p[i * 2]);
      x1 = Math.max(x1, p[i * 2]);
      y0 = Math.min(y0, p[i * 2 + 1]);
      y1 = Math.max(y1, p[i * 2 + 1]);
    }
    if (!Number.isFinite(x0)) {
      x0 = y0 = -1;
      x1 = y1 = 1;
    }
    const pad = 24;
    const labelRoom = this.visible.nodes.length <= 120 ? this.labelWidth() : 50;
    const s = Math.min(
      (this.width - 2 * pad - labelRoom) / Math.max(x1 - x0, 1),
      (this.height - 2 * pad) / Math.max(y1 - y0, 1)
    );
    this.fit = {
      s: Math.max(Math.min(s, 4), 0.01),
      cx: (x0 + x1) / 2 + labelRoom / 2 / Math.max(Math.min(s, 4), 0.01),
      cy: (y0 + y1) / 2
    };
  }

  /** Width (px) of the longest label drawn at the right of a node. */
  private labelWidth(): number {
    let longest = 0;
    for (const i of this.visible.nodes) {
      longest = Math.max(longest, Math.min(this.labelText(i).length, 40));
    }
    return longest ? longest * 6.5 + 10 : 0;
  }

  private labelText(i: number): string {
    const n = this.payload.nodes[i];
    const text = n.kind === 'item' || !n.kind ? n.id : n.label || n.id;
    return text.length > 40 ? text.slice(0, 39) + '\u2026' : text;
  }

  private project(): void {
    const p = this.positions as Float64Array;
    const { s, cx, cy } = this.fit;
    const { k, x, y } = this.zoom;
    const hw = this.width / 2;
    const hh = this.height / 2;
    for (let i = 0; i < p.length; i += 2) {
      this.screen[i] = ((p[i] - cx) * s + hw) * k + x;
      this.screen[i + 1] = ((p[i + 1] - cy) * s + hh) * k + y;
    }
  }

  private radius(kind: string | undefined): number {
    const base = this.payload.nodes.length > 1000 ? 3 : this.payload.nodes.length > 300 ? 4 : 6;
    return base * nodeStyle(kind).scale;
  }

  draw(): void {
    if (!this.positions || this.width <= 0) {
      this.updateDataset();
      return;
    }
    const t0 = now();
    this.project();
    const ctx = this.canvas.getContext('2d');
    if (!ctx) {
      this.updateDataset();
      return;
    }
    const dark = this.root.ownerDocument.body?.dataset?.jpThemeLight === 'false';
    const dpr = this.canvas.width / this.width;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    const { nodes, edges } = this.payload;
    const sc = this.screen;
    const focus = new Set<number>();
    for (const id of this.highlight) {
      const i = this.index.get(id);
      if (i !== undefined) {
        focus.add(i);
      }
    }
    if (this.selected !== null) {
      focus.add(this.index.get(this.selected) as number);
    }

    // attention (suggested) edges, batched by width bucket: one path per bucket keeps 20k edges fast;
    // the other kinds (link, at-risk, gap) are few and drawn one by one in their own colour and dash
    const many = this.visible.edges.length > 3000;
    ctx.strokeStyle = rgba(edgeStyle('suggested').color, dark ? (many ? 0.35 : 0.5) : many ? 0.25 : 0.45);
    const buckets: number[][] = Array.from({ length: WIDTH_BUCKETS }, () => []);
    const focused: number[] = [];
    const special: number[] = [];
    const shown = new Uint8Array(nodes.length);
    for (const i of this.visible.nodes) {
      shown[i] = 1;
    }
    const degree = new Uint8Array(nodes.length);
    for (const ei of this.visible.edges) {
      const e = edges[ei];
      const s = this.index.get(e.source) as number;
      const t = this.index.get(e.target) as number;
      degree[s] = 1;
      degree[t] = 1;
      if (focus.size && (focus.has(s) || focus.has(t))) {
        focused.push(ei);
        continue;
      }
      if (edgeKind(e.kind) !== 'suggested') {
        special.push(ei);
        continue;
      }
      const b = Math.min(WIDTH_BUCKETS - 1, Math.floor((e.weight / this.maxWeight) * WIDTH_BUCKETS));
      buckets[b].push(s, t);
    }
    buckets.forEach((pairs, b) => {
      if (!pairs.length) {
        return;
      }
      // sub-pixel widths on big graphs: drawn as hairlines (fast in software raster), still thinner for lighter edges
      ctx.lineWidth = many ? 0.3 + b * 0.23 : 0.5 + b * 0.9;
      ctx.beginPath();
      for (let j = 0; j < pairs.length; j += 2) {
        ctx.moveTo(sc[pairs[j] * 2], sc[pairs[j] * 2 + 1]);
        ctx.lineTo(sc[pairs[j + 1] * 2], sc[pairs[j + 1] * 2 + 1]);
      }
      ctx.stroke();
    });
    const line = (ei: number, color: string, width: number, dash: number[]) => {
      const e = edges[ei];
      const s = this.index.get(e.source) as number;
      const t = this.index.get(e.target) as number;
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.setLineDash(dash);
      ctx.beginPath();
      ctx.moveTo(sc[s * 2], sc[s * 2 + 1]);
      ctx.lineTo(sc[t * 2], sc[t * 2 + 1]);
      ctx.stroke();
    };
    for (const ei of special) {
      const e = edges[ei];
      const st = edgeStyle(e.kind);
      const k = edgeKind(e.kind);
      line(ei, st.color, Math.max(k === 'gap' ? 2.5 : 1.2, 1 + 3 * (e.weight / this.maxWeight)), st.dash);
    }
    for (const ei of focused) {
      const e = edges[ei];
      const k = edgeKind(e.kind);
      const color = k === 'suggested' ? (dark ? 'rgba(255,210,80,0.85)' : 'rgba(200,80,0,0.8)') : edgeStyle(k).color;
      line(ei, color, 1 + 3 * (e.weight / this.maxWeight), edgeStyle(k).dash);
    }
    if (this.hover.edge !== undefined) {
      const e = edges[this.hover.edge];
      line(this.hover.edge, dark ? '#fff' : '#000', 2 + 3 * (e.weight / this.maxWeight), []);
    }
    ctx.setLineDash([]);

    // nodes, batched by colour and shape; nodes with no edge drawn are faded when edges are filtered out
    const fade = this.filter.scope === 'cross-team' || this.filter.threshold > 0 || this.filter.head !== null;
    const groups = new Map<string, number[]>();
    for (const i of this.visible.nodes) {
      const n = nodes[i];
      const faded = fade && !degree[i] ? 1 : 0;
      const key = `${this.colors.get(n.team ?? '') ?? NO_TEAM}|${n.kind ?? 'item'}|${faded}`;
      let g = groups.get(key);
      if (!g) {
        groups.set(key, (g = []));
      }
      g.push(i);
    }
    ctx.lineWidth = 0.75;
    ctx.strokeStyle = dark ? '#111' : '#fff';
    for (const [key, members] of groups) {
      const [color, kind, faded] = key.split('|');
      const shape = shapeOf(kind);
      const r = this.radius(kind);
      // faded: an opaque colour mixed towards the background (alpha blending is slow in software raster)
      ctx.fillStyle = faded === '1' ? mix(color, dark ? '#111111' : '#ffffff', 0.72) : color;
      ctx.beginPath();
      for (const i of members) {
        traceShape(ctx, shape, sc[i * 2], sc[i * 2 + 1], r);
      }
      ctx.fill();
      if (members.length < 1500 && faded !== '1') {
        ctx.stroke();
      }
    }
    // rings for the highlighted and selected nodes that are drawn
    for (const i of focus) {
      if (!shown[i]) {
        continue;
      }
      const n = nodes[i];
      const sel = n.id === this.selected;
      ctx.lineWidth = sel ? 3 : 2;
      ctx.strokeStyle = sel ? (dark ? '#fff' : '#000') : 'rgba(200,80,0,0.95)';
      ctx.beginPath();
      traceShape(ctx, shapeOf(n.kind), sc[i * 2], sc[i * 2 + 1], this.radius(n.kind) + 3);
      ctx.stroke();
    }
    // labels: all of them for small graphs, else only the focused ones
    ctx.font = '11px sans-serif';
    ctx.fillStyle = dark ? '#ddd' : '#333';
    const label = (i: number) => {
      ctx.fillText(this.labelText(i), sc[i * 2] + this.radius(nodes[i].kind) + 3, sc[i * 2 + 1] + 4);
    };
    if (this.visible.nodes.length <= 120) {
      this.visible.nodes.forEach(label);
    } else {
      focus.forEach(i => shown[i] && label(i));
    }

    // hit-test index over what is drawn
    const hits: Hit[] = Array.from(this.visible.nodes, i => ({ i, x: sc[i * 2], y: sc[i * 2 + 1] }));
    this.tree = quadtree<Hit>()
      .x(d => d.x)
      .y(d => d.y)
      .addAll(hits);
    this.root.dataset.attnDrawMs = (now() - t0).toFixed(2);
    this.updateDataset();
  }

  private updateDataset(): void {
    const d = this.root.dataset;
    d.attnNodes = String(this.visible.nodes.length);
    d.attnEdges = String(this.visible.edges.length);
    d.attnTotalNodes = String(this.payload.nodes.length);
    d.attnTotalEdges = String(this.payload.edges.length);
    d.attnThreshold = String(this.filter.threshold);
    d.attnScope = this.filter.scope;
    d.attnFocus = this.filter.team ?? '';
    d.attnSelected = this.selected ?? '';
    d.attnReady = this.positions && this.width > 0 ? '1' : '0';
    this.count.textContent = `${this.visible.nodes.length} nodes \u00b7 ${this.visible.edges.length} of ${this.payload.edges.length} edges`;
  }

  // ---- controls and legend ---------------------------------------------

  private buildControls(bar: HTMLElement): void {
    const doc = bar.ownerDocument;
    const lab = (text: string, el: HTMLElement, extra?: HTMLElement) => {
      const l = doc.createElement('label');
      l.append(doc.createTextNode(text), el);
      if (extra) {
        l.append(extra);
      }
      bar.append(l);
    };
    const th = doc.createElement('input');
    th.type = 'range';
    th.min = '0';
    th.max = String(this.maxWeight);
    th.step = String(this.maxWeight / 100);
    th.className = 'attn-team-threshold';
    const value = doc.createElement('span');
    lab('threshold', th, value);
    this.listen(th, 'input', () => this.userFilter({ threshold: Number(th.value) }));
    const select = (name: string, values: string[], all: string | null, text = name, labels: string[] = values) => {
      const s = doc.createElement('select');
      s.className = `attn-team-${name}`;
      const opts = all === null ? values : ['', ...values];
      const texts = all === null ? labels : [all, ...labels];
      opts.forEach((v, i) => {
        const o = doc.createElement('option');
        o.value = v;
        o.textContent = texts[i];
        s.append(o);
      });
      lab(text, s);
      return s;
    };
    const teams = teamsOf(this.payload.nodes);
    const scope = teams.length > 1 ? select('scope', ['cross-team', 'all'], null, 'edges', ['cross-team', 'all']) : undefined;
    const heads = headsOf(this.payload.edges, this.payload.meta?.heads);
    const head = heads.length ? select('head', heads, 'any') : undefined;
    const team = teams.length > 1 ? select('team', teams, 'none', 'focus team') : undefined;
    if (scope) {
      this.listen(scope, 'change', () => this.userFilter({ scope: scope.value === 'cross-team' ? 'cross-team' : 'all' }));
    }
    if (head) {
      this.listen(head, 'change', () => this.userFilter({ head: head.value || null }));
    }
    if (team) {
      this.listen(team, 'change', () => this.userFilter({ team: team.value || null }));
    }
    this.controls = { threshold: th, head, team, scope, value };
    this.syncControls();
  }

  private syncControls(): void {
    const c = this.controls;
    if (c.threshold) {
      c.threshold.value = String(this.filter.threshold);
    }
    if (c.value) {
      c.value.textContent = formatNumber(this.filter.threshold);
    }
    if (c.head) {
      c.head.value = this.filter.head ?? '';
    }
    if (c.team) {
      c.team.value = this.filter.team ?? '';
    }
    if (c.scope) {
      c.scope.value = this.filter.scope;
    }
  }

  private userFilter(partial: Partial<GraphFilter>): void {
    this.setFilter(partial);
    this.options.onFilter?.(this.getFilter());
  }

  private buildLegend(): void {
    fillLegend(this.legend, this.colors, this.payload.nodes, Array.from(this.visible.edges, i => this.payload.edges[i].kind));
  }

  private fillPairs(): void {
    const pairs = this.hasTeams ? this.pairs() : [];
    this.root.dataset.attnPairs = String(pairs.length);
    this.side.style.display = this.hasTeams ? '' : 'none';
    fillPairList(this.side, this.hasTeams ? pairs : null, this.filter.team);
  }

  // ---- interaction ------------------------------------------------------

  private listen(target: EventTarget, type: string, fn: EventListener, opts?: boolean): void {
    target.addEventListener(type, fn, opts);
    this.listeners.push([target, type, fn]);
  }

  private local(e: MouseEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  /** The node under (x, y), or else the edge within a few px. */
  pick(x: number, y: number): { node?: number; edge?: number } {
    if (!this.tree) {
      return {};
    }
    const hit = this.tree.find(x, y, 8);
    if (hit) {
      return { node: hit.i };
    }
    const sc = this.screen;
    let best = -1;
    let bestD = 16; // squared px
    const { edges } = this.payload;
    for (const ei of this.visible.edges) {
      const e = edges[ei];
      const s = (this.index.get(e.source) as number) * 2;
      const t = (this.index.get(e.target) as number) * 2;
      const ax = sc[s];
      const ay = sc[s + 1];
      const dx = sc[t] - ax;
      const dy = sc[t + 1] - ay;
      const len = dx * dx + dy * dy;
      const u = len > 0 ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len)) : 0;
      const px = ax + u * dx - x;
      const py = ay + u * dy - y;
      const d = px * px + py * py;
      if (d < bestD) {
        bestD = d;
        best = ei;
      }
    }
    return best >= 0 ? { edge: best } : {};
  }

  private onMove(e: MouseEvent): void {
    if (this.drag) {
      const dx = e.clientX - this.drag.x;
      const dy = e.clientY - this.drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) {
        this.drag.moved = true;
      }
      if (this.drag.moved) {
        this.zoom.x = this.drag.zx + dx;
        this.zoom.y = this.drag.zy + dy;
        this.draw();
      }
      return;
    }
    this.pendingMove = e;
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        const ev = this.pendingMove;
        if (ev) {
          const p = this.local(ev);
          this.setHover(this.pick(p.x, p.y), p);
        }
      });
    }
  }

  private setHover(h: { node?: number; edge?: number }, p?: { x: number; y: number }): void {
    // only a hovered edge is drawn differently: node hovers need no redraw (cheap on big graphs)
    const changed = h.edge !== this.hover.edge;
    this.hover = h;
    if (h.node !== undefined) {
      fillNodeTip(this.tip, this.payload.nodes[h.node]);
    } else if (h.edge !== undefined) {
      fillEdgeTip(this.tip, this.payload.edges[h.edge]);
    }
    const show = p && (h.node !== undefined || h.edge !== undefined);
    this.tip.style.display = show ? 'block' : 'none';
    if (show && p) {
      const left = Math.min(p.x + 14, Math.max(0, this.width - 260));
      this.tip.style.left = `${left}px`;
      this.tip.style.top = `${this.canvas.offsetTop + p.y + 14}px`;
    }
    this.canvas.style.cursor = h.node !== undefined ? 'pointer' : 'default';
    if (changed) {
      this.draw();
    }
  }

  private onDown(e: MouseEvent): void {
    this.drag = { x: e.clientX, y: e.clientY, zx: this.zoom.x, zy: this.zoom.y, moved: false };
  }

  private onUp(e: MouseEvent): void {
    const d = this.drag;
    this.drag = null;
    if (!d || d.moved || e.target !== this.canvas) {
      return;
    }
    const p = this.local(e);
    const hit = this.pick(p.x, p.y);
    const id = hit.node !== undefined ? this.payload.nodes[hit.node].id : null;
    this.setSelected(id);
    this.options.onSelect?.(id);
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const p = this.local(e);
    const f = Math.exp(-e.deltaY * 0.0015);
    const k = Math.max(0.2, Math.min(40, this.zoom.k * f));
    const r = k / this.zoom.k;
    this.zoom = { k, x: p.x - (p.x - this.zoom.x) * r, y: p.y - (p.y - this.zoom.y) * r };
    this.draw();
  }
}
