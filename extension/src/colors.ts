/** Team colours (stable for a given set of team names) and node shapes by kind. */

export const PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
  '#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#8c564b',
  '#e377c2', '#17becf', '#bcbd22'
];
export const NO_TEAM = '#9e9e9e';

/** team name -> colour, assigned in sorted team order so the same teams get the same colours. */
export function teamColors(teams: string[]): Map<string, string> {
  const m = new Map<string, string>();
  [...teams].sort().forEach((t, i) => m.set(t, PALETTE[i % PALETTE.length]));
  return m;
}

export type Shape = 'circle' | 'triangle' | 'square' | 'diamond';

export function shapeOf(kind: string | undefined): Shape {
  switch (kind) {
    case 'member':
      return 'triangle';
    case 'team':
      return 'square';
    case 'sprint':
      return 'diamond';
    default:
      return 'circle';
  }
}

/** Trace a node's shape into the current path of a 2D context. */
export function traceShape(ctx: CanvasRenderingContext2D, shape: Shape, x: number, y: number, r: number): void {
  switch (shape) {
    case 'triangle':
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r * 1.05, y + r * 0.75);
      ctx.lineTo(x - r * 1.05, y + r * 0.75);
      ctx.closePath();
      break;
    case 'square':
      ctx.rect(x - r, y - r, 2 * r, 2 * r);
      break;
    case 'diamond':
      ctx.moveTo(x, y - r * 1.25);
      ctx.lineTo(x + r * 1.25, y);
      ctx.lineTo(x, y + r * 1.25);
      ctx.lineTo(x - r * 1.25, y);
      ctx.closePath();
      break;
    default:
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, Math.PI * 2);
  }
}
