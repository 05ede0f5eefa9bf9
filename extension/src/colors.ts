/**
 * Team colours, node shapes and edge kinds: one definition, `attn_team/_palette.json`, which the
 * Python SVG charts read too (copied to `src/palette.json` by `npm run build:palette`).
 */

import STYLE from './palette.json';

export interface EdgeStyle {
  color: string;
  dash: number[];
  thresholded: boolean;
  label: string;
}

export interface NodeStyle {
  shape: string;
  scale: number;
  glyph: string;
  label: string;
}

export const PALETTE: string[] = STYLE.teams;
export const NO_TEAM: string = STYLE.no_team;
export const HEAT = STYLE.heat;
const EDGES = STYLE.edges as Record<string, EdgeStyle>;
const NODES = STYLE.nodes as Record<string, NodeStyle>;
const ALIASES = STYLE.edge_aliases as Record<string, string>;

/** team name -> colour, assigned in sorted team order so the same teams get the same colours. */
export function teamColors(teams: string[]): Map<string, string> {
  const m = new Map<string, string>();
  [...teams].sort().forEach((t, i) => m.set(t, PALETTE[i % PALETTE.length]));
  return m;
}

/** The canonical edge kind (aliases resolved; unknown kinds are suggestions). */
export function edgeKind(kind: string | undefined | null): string {
  const k = kind ? (ALIASES[kind] ?? kind) : 'suggested';
  return k in EDGES ? k : 'suggested';
}

export function edgeStyle(kind: string | undefined | null): EdgeStyle {
  return EDGES[edgeKind(kind)];
}

/** Edge kinds in their defined order (suggested, link, at_risk, gap). */
export const EDGE_KINDS: string[] = Object.keys(EDGES);

export function nodeKind(kind: string | undefined | null): string {
  const k = kind === 'person' ? 'member' : kind || 'item';
  return k in NODES ? k : 'item';
}

export function nodeStyle(kind: string | undefined | null): NodeStyle {
  return NODES[nodeKind(kind)];
}

export const NODE_KINDS: string[] = Object.keys(NODES);

export type Shape = 'circle' | 'square' | 'hexagon' | 'diamond';

export function shapeOf(kind: string | undefined): Shape {
  return nodeStyle(kind).shape as Shape;
}

/** Trace a node's shape into the current path of a 2D context (the SVG draws the same corners). */
export function traceShape(ctx: CanvasRenderingContext2D, shape: Shape, x: number, y: number, r: number): void {
  switch (shape) {
    case 'square':
      ctx.rect(x - r, y - r, 2 * r, 2 * r);
      break;
    case 'diamond':
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r);
      ctx.lineTo(x - r, y);
      ctx.closePath();
      break;
    case 'hexagon':
      for (let i = 0; i < 6; i++) {
        const a = Math.PI / 6 + (i * Math.PI) / 3;
        if (i === 0) {
          ctx.moveTo(x + r * Math.cos(a), y + r * Math.sin(a));
        } else {
          ctx.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
        }
      }
      ctx.closePath();
      break;
    default:
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, Math.PI * 2);
  }
}

function hex(c: string): [number, number, number] {
  const s = c.replace('#', '');
  return [parseInt(s.slice(0, 2), 16), parseInt(s.slice(2, 4), 16), parseInt(s.slice(4, 6), 16)];
}

/** The heat colour of `v` on a 0..`vmax` scale (the SVG heatmap's `_heat_color`). */
export function heatColor(v: number, vmax: number): string {
  if (!Number.isFinite(v) || vmax <= 0) {
    return '#f4f4f4';
  }
  const t = Math.pow(Math.max(0, Math.min(1, v / vmax)), HEAT.gamma);
  const lo = hex(HEAT.low);
  const hi = hex(HEAT.high);
  const c = lo.map((a, i) => Math.round(a + (hi[i] - a) * t));
  return '#' + c.map(x => x.toString(16).padStart(2, '0')).join('');
}
