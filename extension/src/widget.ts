/** anywidget entry (bundled by esbuild to attn_team/static/widget.js). */

import { AnyModel, bindGraph, bindHeatmap, registerLiveModel } from './render';
import { injectStyles } from './styles';

export default {
  initialize({ model }: { model: AnyModel }) {
    const uid = model.get('_uid');
    if (uid) {
      return registerLiveModel(String(uid), model);
    }
    return undefined;
  },
  render({ model, el }: { model: AnyModel; el: HTMLElement }) {
    injectStyles(el.ownerDocument);
    return model.get('_view_kind') === 'heatmap' ? bindHeatmap(model, el) : bindGraph(model, el);
  }
};
