/**
 * MIME renderer for application/vnd.attn-team.graph+json: saved notebooks show their
 * graphs with no kernel. When the output belongs to a live AttentionGraph widget
 * (payload meta.widget), the renderer binds to that widget's model instead, so
 * selection and filters stay two-way.
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { bindGraph, liveModels, LIVE_EVENT, renderStaticGraph } from './render';
import { GRAPH_MIME } from './types';

export class GraphRenderer extends Widget implements IRenderMime.IRenderer {
  private cleanup: (() => void) | null = null;
  private onLive: ((e: Event) => void) | null = null;

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
      // the widget's model may still be loading: upgrade when it registers
      this.onLive = (e: Event) => {
        if ((e as CustomEvent).detail === uid) {
          const m = liveModels().get(uid);
          if (m) {
            this.reset();
            this.cleanup = bindGraph(m, this.node);
          }
        }
      };
      window.addEventListener(LIVE_EVENT, this.onLive);
    }
    return Promise.resolve();
  }

  private reset(): void {
    this.cleanup?.();
    this.cleanup = null;
    if (this.onLive) {
      window.removeEventListener(LIVE_EVENT, this.onLive);
      this.onLive = null;
    }
  }

  dispose(): void {
    this.reset();
    super.dispose();
  }
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [GRAPH_MIME],
  defaultRank: -20,
  createRenderer: options => new GraphRenderer(options.mimeType)
};

const extension: IRenderMime.IExtension = {
  id: 'attn-team:graph-renderer',
  description: 'Renders attn_team attention graphs (application/vnd.attn-team.graph+json), also with no kernel.',
  rendererFactory,
  // ahead of the widget-view renderer (-10): a saved output still draws with no kernel
  rank: -20,
  dataType: 'json'
};

export default extension;
