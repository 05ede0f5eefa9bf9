/** The graph MIME payload (DESIGN.md section 5) and the view options shared by every entry. */

export const GRAPH_MIME = 'application/vnd.attn-team.graph+json';
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

/** What the user (or Python) filters on. */
export interface GraphFilter {
  /** minimum edge weight drawn */
  threshold: number;
  /** keep only edges whose largest head contribution is this head */
  head: string | null;
  /** keep only edges touching this team (and the nodes they connect) */
  team: string | null;
}

export const NO_FILTER: GraphFilter = { threshold: 0, head: null, team: null };

/** The heatmap's data: a dense matrix with labelled rows and columns. */
export interface HeatmapData {
  rows: string[];
  cols: string[];
  values: number[][];
  title?: string;
  row_label?: string;
  col_label?: string;
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
