/**
 * MIME renderer for application/vnd.attn-team.graph+json: saved notebooks show their
 * graphs with no kernel. When the output belongs to a live AttentionGraph widget
 * (payload meta.widget), the renderer binds to that widget's model instead, so
 * selection and filters stay two-way.
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Panel, Widget } from '@lumino/widgets';

import { Fallback, renderFallback } from './fallback';
import { AnyModel, bindGraph, bindHeatmap, liveModels, LIVE_EVENT, renderStaticGraph, renderStaticHeatmap } from './render';
import { GRAPH_MIME, VIEW_MIME } from './types';

/** Calls `fn(model)` when the live widget `uid` registers (its model may load after the output). */
class LiveWatch {
  private handler: ((e: Event) => void) | null = null;

  watch(uid: string, fn: (model: AnyModel) => void): void {
    this.stop();
    this.handler = (e: Event) => {
      const m = (e as CustomEvent).detail === uid ? liveModels().get(uid) : undefined;
      if (m) {
        fn(m);
      }
    };
    window.addEventListener(LIVE_EVENT, this.handler);
  }

  stop(): void {
    if (this.handler) {
      window.removeEventListener(LIVE_EVENT, this.handler);
      this.handler = null;
    }
  }
}

export class GraphRenderer extends Widget implements IRenderMime.IRenderer {
  private cleanup: (() => void) | null = null;
  private readonly live = new LiveWatch();

  constructor(private readonly mimeType: string) {
    super();
    this.addClass('jp-AttnTeamGraph');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.reset();
    const data = model.data[this.mimeType] as { meta?: { widget?: string } } | undefined;
    const uid = data?.meta?.widget;
    const live = uid ? liveModels().get(uid) : undefined;
    if (live) {
      this.cleanup = bindGraph(live, this.node);
      return Promise.resolve();
    }
    this.cleanup = renderStaticGraph(this.node, data);
    if (uid) {
      this.live.watch(uid, m => {
        this.reset();
        this.cleanup = bindGraph(m, this.node);
      });
    }
    return Promise.resolve();
  }

  private reset(): void {
    this.cleanup?.();
    this.cleanup = null;
    this.live.stop();
  }

  dispose(): void {
    this.reset();
    super.dispose();
  }
}

interface ViewData {
  kind?: string;
  /** the anywidget id (`_uid`) of the view, or of the explorer's graph: present while its kernel lives */
  widget?: string;
  /** the ipywidgets model id of the explorer's box */
  model_id?: string;
  matrix?: unknown;
  fallback?: Fallback;
}

/**
 * Heatmap and explorer outputs (application/vnd.attn-team.view+json). With a live widget the
 * live view is shown (two-way); when the model is gone (a saved notebook, no kernel) the stored
 * fallback is drawn instead of "Error displaying widget: model not found".
 */
export class ViewRenderer extends Panel implements IRenderMime.IRenderer {
  private cleanup: (() => void) | null = null;
  private readonly live = new LiveWatch();
  private child: Widget | null = null;

  constructor(private readonly mimeType: string) {
    super();
    this.addClass('jp-AttnTeamView');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.reset();
    const data = (model.data[this.mimeType] ?? {}) as ViewData;
    const uid = data.widget;
    const live = uid ? liveModels().get(uid) : undefined;
    if (live && (await this.showLive(data, live))) {
      return;
    }
    this.showStatic(data);
    if (uid) {
      this.live.watch(uid, m => void this.showLive(data, m));
    }
  }

  private showStatic(data: ViewData): void {
    this.cleanup?.();
    this.cleanup =
      data.kind === 'heatmap'
        ? renderStaticHeatmap(this.node, data.matrix)
        : renderFallback(this.node, data.fallback ?? { note: 'attn-team: nothing stored for this view' });
  }

  private async showLive(data: ViewData, live: AnyModel): Promise<boolean> {
    if (data.kind === 'heatmap') {
      this.cleanup?.();
      this.cleanup = bindHeatmap(live, this.node);
      return true;
    }
    const manager = live.widget_manager;
    if (!manager || !data.model_id) {
      return false;
    }
    try {
      const wModel = await manager.get_model(data.model_id);
      const view = (await manager.create_view(wModel)) as { luminoWidget?: Widget; pWidget?: Widget };
      const w = view.luminoWidget ?? view.pWidget;
      if (!w || this.isDisposed) {
        return false;
      }
      this.cleanup?.();
      this.cleanup = null;
      this.child = w;
      this.addWidget(w);
      return true;
    } catch {
      return false; // the model is gone: keep the stored fallback
    }
  }

  private reset(): void {
    this.cleanup?.();
    this.cleanup = null;
    this.child?.dispose();
    this.child = null;
    this.live.stop();
  }

  dispose(): void {
    this.reset();
    super.dispose();
  }
}

export const viewRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [VIEW_MIME],
  defaultRank: -20,
  createRenderer: options => new ViewRenderer(options.mimeType)
};

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [GRAPH_MIME],
  defaultRank: -20,
  createRenderer: options => new GraphRenderer(options.mimeType)
};

const extensions: IRenderMime.IExtension[] = [
  {
    id: 'attn-team:graph-renderer',
    description: 'Renders attn_team attention graphs (application/vnd.attn-team.graph+json), also with no kernel.',
    rendererFactory,
    // ahead of the widget-view renderer (-10): a saved output still draws with no kernel
    rank: -20,
    dataType: 'json'
  },
  {
    id: 'attn-team:view-renderer',
    description: 'Renders attn_team heatmaps and explorers live, or their stored fallback when the widget model is gone.',
    rendererFactory: viewRendererFactory,
    rank: -20,
    dataType: 'json'
  }
];

export default extensions;
