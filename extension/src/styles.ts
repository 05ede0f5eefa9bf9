/** One stylesheet, injected once per document (the widget bundle has no CSS file). */

export const CSS = `
.attn-team-view { position: relative; font: 12px var(--jp-ui-font-family, sans-serif);
  color: var(--jp-ui-font-color1, #222); box-sizing: border-box; }
.attn-team-view canvas { display: block; cursor: default; touch-action: none; }
.attn-team-bar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 2px 0 4px 0; }
.attn-team-bar label { display: inline-flex; gap: 4px; align-items: center; }
.attn-team-bar select, .attn-team-bar input { font: inherit; }
.attn-team-title { font-weight: 600; }
.attn-team-count { color: var(--jp-ui-font-color2, #666); }
.attn-team-legend { display: flex; flex-wrap: wrap; gap: 2px 10px; padding-top: 4px; color: var(--jp-ui-font-color2, #555); }
.attn-team-swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 3px; vertical-align: -1px; }
.attn-team-tip { position: absolute; pointer-events: none; z-index: 10; max-width: 340px; padding: 6px 8px;
  background: var(--jp-layout-color0, #fff); color: var(--jp-ui-font-color1, #222);
  border: 1px solid var(--jp-border-color1, #bbb); border-radius: 3px; box-shadow: 0 2px 6px rgba(0,0,0,.2);
  white-space: normal; overflow-wrap: anywhere; }
.attn-team-tip-title { font-weight: 600; margin-bottom: 2px; }
.attn-team-tip-heads td { padding: 0 8px 0 0; }
.attn-team-tip-top { font-weight: 600; }
.attn-team-error { color: var(--jp-error-color1, #b00); padding: 4px; }
.attn-team-heatmap { overflow: auto; }
.attn-team-heatmap table { border-collapse: collapse; }
.attn-team-heatmap th { font-weight: 500; padding: 2px 6px; text-align: left; white-space: nowrap; max-width: 180px;
  overflow: hidden; text-overflow: ellipsis; }
.attn-team-heatmap td { min-width: 44px; height: 24px; text-align: center; cursor: pointer; padding: 0 4px;
  border: 1px solid var(--jp-layout-color0, #fff); }
.attn-team-heatmap td.attn-team-selected { outline: 2px solid var(--jp-brand-color1, #1976d2); outline-offset: -2px; }
`;

export function injectStyles(doc: Document): void {
  if (doc.getElementById('attn-team-style')) {
    return;
  }
  const style = doc.createElement('style');
  style.id = 'attn-team-style';
  style.textContent = CSS;
  doc.head.appendChild(style);
}
