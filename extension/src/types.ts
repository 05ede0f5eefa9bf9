/** The graph MIME payload (DESIGN.md section 5) and the view options shared by every entry. */

export const GRAPH_MIME = 'application/vnd.attn-team.graph+json';
/** heatmap and explorer outputs: the live widget's id and what to draw when it is gone */
export const VIEW_MIME = 'application/vnd.attn-team.view+json';
export const PAYLOAD_VERSION = 1;

export type NodeKind = 'item' | 'member' | 'team' | 'sprint';

export interface GraphNode {
  id: string;
  label?: string;
  kind?: string;
  team?: string | null;
  status?: string;
  summary?: string;
  title?: string;
}

export interface GraphEdge {
  source: string;
  target: string;
  weight: number;
  kind?: string;
  heads?: Record<string, number>;
  reason?: string;
}

export interface GraphMeta {
  title?: string;
  threshold?: number;
  heads?: string[];
  widget?: string;
  [key: string]: unknown;
}

export interface GraphPayload {
  version: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  meta?: GraphMeta;
}

export type Scope = 'cross-team' | 'all';

/** What the user (or Python) filters on (the Python twin: `_display.visible_mask`). */
export interface GraphFilter {
  /** minimum weight of an attention edge drawn (links, at-risk and gap edges are always drawn) */
  threshold: number;
  /** keep only edges whose largest head contribution is this head */
  head: string | null;
  /** team focus: keep only edges touching this team (and the nodes they connect); the view re-fits */
  team: string | null;
  /** "cross-team": leave out edges whose ends are in the same team */
  scope: Scope;
}

export const NO_FILTER: GraphFilter = { threshold: 0, head: null, team: null, scope: 'all' };

/** One edge behind a heatmap cell: [source, target, weight, reason]. */
export type CellEdge = [string, string, number, string | null];

/** The heatmap's data: a dense matrix with labelled rows and columns. */
export interface HeatmapData {
  rows: string[];
  cols: string[];
  values: number[][];
  title?: string;
  row_label?: string;
  col_label?: string;
  /** the within-team diagonal, kept apart from the colour scale (present when diagonal=False) */
  diagonal?: (number | null)[];
  /** "row\u0000col" -> the strongest edges behind the cell */
  cells?: Record<string, CellEdge[]>;
  /** "row\u0000col" -> how many edges fall in the cell */
  counts?: Record<string, number>;
}

/** Check a payload received from Python or a saved notebook; throw a readable error otherwise. */
export function parsePayload(raw: unknown): GraphPayload {
  if (raw === null || typeof raw !== 'object') {
    throw new Error('attn-team graph: payload is not an object');
  }
  const p = raw as Partial<GraphPayload>;
  if (p.version !== PAYLOAD_VERSION) {
    throw new Error(
      `attn-team graph: payload version ${String(p.version)} is not supported ` +
        `(this extension reads version ${PAYLOAD_VERSION}); upgrade attn-team`
    );
  }
  if (!Array.isArray(p.nodes) || !Array.isArray(p.edges)) {
    throw new Error('attn-team graph: payload needs "nodes" and "edges" lists');
  }
  const seen = new Set<string>();
  const nodes: GraphNode[] = [];
  for (const n of p.nodes) {
    if (!n || typeof n !== 'object' || n.id === undefined || n.id === null) {
      continue;
    }
    const id = String(n.id);
    if (seen.has(id)) {
      continue;
    }
    seen.add(id);
    nodes.push({ ...n, id });
  }
  const edges: GraphEdge[] = [];
  for (const e of p.edges) {
    if (!e || typeof e !== 'object') {
      continue;
    }
    const source = String(e.source);
    const target = String(e.target);
    if (!seen.has(source) || !seen.has(target)) {
      continue;
    }
    const w = Number(e.weight);
    edges.push({ ...e, source, target, weight: Number.isFinite(w) ? w : 0 });
  }
  return { version: PAYLOAD_VERSION, nodes, edges, meta: p.meta ?? {} };
}
