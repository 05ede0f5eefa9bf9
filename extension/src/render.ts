/**
 * The render core shared by the widget bundle and the JupyterLab extension:
 * the graph and heatmap views, and the glue that binds them to an anywidget
 * model or draws them from a static payload.
 */

import { GraphView, GraphViewOptions } from './graph';
import { HeatmapView, parseHeatmap } from './heatmap';
import { GraphFilter, parsePayload } from './types';

export { GraphView } from './graph';
export { HeatmapView, parseHeatmap } from './heatmap';
export { applyFilter, dominantHead } from './filter';
export { computeLayout } from './layout';
export { fillEdgeTip, fillNodeTip } from './tooltip';
export * from './types';

/** The subset of the anywidget model API we use (mirrors the Python traits). */
export interface AnyModel {
  get(key: string): any; // eslint-disable-line @typescript-eslint/no-explicit-any
  set(key: string, value: unknown): void;
  save_changes(): void;
  on(event: string, cb: (...args: unknown[]) => void): void;
  off(event?: string | null, cb?: ((...args: unknown[]) => void) | null): void;
  /** the kernel's ipywidgets manager (anywidget passes it): lets a saved output find a live widget */
  widget_manager?: {
    get_model(id: string): Promise<unknown>;
    create_view(model: unknown, options?: unknown): Promise<unknown>;
  };
}

function showError(el: HTMLElement, err: unknown): HTMLElement {
  const div = el.ownerDocument.createElement('div');
  div.className = 'attn-team-error';
  div.textContent = err instanceof Error ? err.message : String(err);
  el.appendChild(div);
  return div;
}

/** Call `fn(width)` with the element's width as soon as it has one, and on every resize. */
function whenSized(el: HTMLElement, fn: (width: number) => void): () => void {
  let last = -1;
  const check = (w: number) => {
    if (w > 0 && Math.abs(w - last) >= 1) {
      last = w;
      fn(w);
    }
  };
  if (typeof ResizeObserver === 'undefined') {
    check(el.clientWidth || 600);
    return () => undefined;
  }
  const ro = new ResizeObserver(entries => {
    for (const entry of entries) {
      check(entry.contentRect.width);
    }
  });
  ro.observe(el);
  check(el.clientWidth);
  return () => ro.disconnect();
}

/** Draw a graph payload with no kernel (saved notebooks, static pages). Returns a cleanup. */
export function renderStaticGraph(el: HTMLElement, raw: unknown, options: GraphViewOptions = {}): () => void {
  let view: GraphView;
  try {
    view = new GraphView(el, parsePayload(raw), options);
  } catch (err) {
    const div = showError(el, err);
    return () => div.remove();
  }
  view.root.dataset.attnSource = 'static';
  const stop = whenSized(el, w => view.resize(w));
  return () => {
    stop();
    view.destroy();
  };
}

/** Draw a heatmap with no kernel (saved notebooks): cells still list their stored edges. */
export function renderStaticHeatmap(el: HTMLElement, raw: unknown): () => void {
  let view: HeatmapView;
  try {
    view = new HeatmapView(el, parseHeatmap(raw));
  } catch (err) {
    const div = showError(el, err);
    return () => div.remove();
  }
  view.root.dataset.attnSource = 'static';
  return () => view.destroy();
}

function filterOf(model: AnyModel): GraphFilter {
  return {
    threshold: Number(model.get('threshold')) || 0,
    head: model.get('head') || null,
    team: model.get('team') || null,
    scope: model.get('scope') === 'all' ? 'all' : 'cross-team'
  };
}

/** Bind a graph to a live anywidget model: two-way selection and filters. Returns a cleanup. */
export function bindGraph(model: AnyModel, el: HTMLElement): () => void {
  let view: GraphView | null = null;
  let error: HTMLElement | null = null;
  let width = 0;
  const build = () => {
    view?.destroy();
    error?.remove();
    view = null;
    try {
      view = new GraphView(el, parsePayload(model.get('payload')), {
        height: Number(model.get('height')) || 480,
        seed: Number(model.get('seed')) || 1,
        filter: filterOf(model),
        highlight: model.get('highlight') ?? [],
        selected: model.get('selected') ?? null,
        onSelect: id => {
          model.set('selected', id);
          model.save_changes();
        },
        onFilter: f => {
          model.set('threshold', f.threshold);
          model.set('head', f.head);
          model.set('team', f.team);
          model.set('scope', f.scope);
          model.save_changes();
        }
      });
      view.root.dataset.attnSource = 'widget';
      if (width > 0) {
        view.resize(width);
      }
    } catch (err) {
      error = showError(el, err);
    }
  };
  const onFilter = () => view?.setFilter(filterOf(model));
  const onHighlight = () => view?.setHighlight(model.get('highlight') ?? []);
  const onSelected = () => view?.setSelected(model.get('selected') ?? null);
  const onHeight = () => view?.resize(width, Number(model.get('height')) || 480);
  build();
  const stop = whenSized(el, w => {
    width = w;
    view?.resize(w);
  });
  const events: [string, () => void][] = [
    ['change:payload', build],
    ['change:seed', build],
    ['change:threshold', onFilter],
    ['change:head', onFilter],
    ['change:team', onFilter],
    ['change:scope', onFilter],
    ['change:highlight', onHighlight],
    ['change:selected', onSelected],
    ['change:height', onHeight]
  ];
  for (const [ev, fn] of events) {
    model.on(ev, fn);
  }
  return () => {
    for (const [ev, fn] of events) {
      model.off(ev, fn);
    }
    stop();
    view?.destroy();
    error?.remove();
  };
}

/** Bind a heatmap to a live anywidget model (`matrix`, `selected_cell`). Returns a cleanup. */
export function bindHeatmap(model: AnyModel, el: HTMLElement): () => void {
  let view: HeatmapView | null = null;
  let error: HTMLElement | null = null;
  const build = () => {
    view?.destroy();
    error?.remove();
    view = null;
    try {
      const cell = model.get('selected_cell');
      view = new HeatmapView(el, parseHeatmap(model.get('matrix')), {
        selected: Array.isArray(cell) && cell.length === 2 ? [cell[0], cell[1]] : null,
        onSelect: c => {
          model.set('selected_cell', c ? [...c] : []);
          model.save_changes();
        }
      });
      view.root.dataset.attnSource = 'widget';
    } catch (err) {
      error = showError(el, err);
    }
  };
  const onSelected = () => {
    const cell = model.get('selected_cell');
    view?.setSelected(Array.isArray(cell) && cell.length === 2 ? [cell[0], cell[1]] : null);
  };
  build();
  model.on('change:matrix', build);
  model.on('change:selected_cell', onSelected);
  return () => {
    model.off('change:matrix', build);
    model.off('change:selected_cell', onSelected);
    view?.destroy();
    error?.remove();
  };
}

// ---- live models, so a saved-notebook renderer can upgrade to the live widget ----

const REGISTRY_KEY = '__attnTeamLiveModels';
export const LIVE_EVENT = 'attn-team-live';

export function liveModels(): Map<string, AnyModel> {
  const g = globalThis as unknown as Record<string, Map<string, AnyModel>>;
  if (!g[REGISTRY_KEY]) {
    g[REGISTRY_KEY] = new Map();
  }
  return g[REGISTRY_KEY];
}

export function registerLiveModel(uid: string, model: AnyModel): () => void {
  liveModels().set(uid, model);
  if (typeof window !== 'undefined' && typeof CustomEvent !== 'undefined') {
    window.dispatchEvent(new CustomEvent(LIVE_EVENT, { detail: uid }));
  }
  return () => {
    if (liveModels().get(uid) === model) {
      liveModels().delete(uid);
    }
  };
}
