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
.attn-team-body { display: flex; flex-direction: column; gap: 8px; }
.attn-team-body.attn-team-wide { flex-direction: row; align-items: flex-start; }
.attn-team-pairs { overflow: auto; box-sizing: border-box; border-left: 1px solid var(--jp-border-color2, #e0e0e0);
  padding: 0 6px; font-size: 11.5px; }
.attn-team-pairs-title { font-weight: 600; margin-bottom: 4px; }
.attn-team-pair { margin: 0 0 6px 0; }
.attn-team-pair-title { font-weight: 600; }
.attn-team-pair-edge { display: block; border: 0; background: none; padding: 1px 0 1px 8px; text-align: left;
  font: inherit; color: var(--jp-content-link-color, #1565c0); cursor: pointer; overflow-wrap: anywhere; }
.attn-team-pair-edge:hover { text-decoration: underline; }
.attn-team-edge-swatch { display: inline-block; width: 18px; height: 0; margin-right: 4px; vertical-align: 3px; }
.attn-team-scale { display: flex; align-items: center; gap: 6px; margin-top: 6px; color: var(--jp-ui-font-color2, #555); }
.attn-team-scale-bar { width: 160px; height: 10px; border: 1px solid var(--jp-border-color2, #ddd); }
.attn-team-cell-edges { margin-top: 6px; }
.attn-team-cell-title { font-weight: 600; margin-bottom: 2px; }
.attn-team-heatmap .attn-team-cell-edges table { border-collapse: collapse; }
.attn-team-heatmap .attn-team-cell-edges td, .attn-team-heatmap .attn-team-cell-edges th { padding: 1px 10px 1px 0;
  text-align: left; vertical-align: top; min-width: 0; height: auto; cursor: default; border: 0; font-weight: normal; }
.attn-team-heatmap .attn-team-cell-edges th { color: var(--jp-ui-font-color2, #666); }
.attn-team-heatmap td.attn-team-apart { background: repeating-linear-gradient(45deg, #f4f4f4, #f4f4f4 4px, #e8e8e8 4px, #e8e8e8 8px) !important;
  color: var(--jp-ui-font-color2, #777) !important; }
.attn-team-fallback table { border-collapse: collapse; margin: 4px 0 8px 0; }
.attn-team-fallback td, .attn-team-fallback th { padding: 1px 8px 1px 0; text-align: left; vertical-align: top; }
.attn-team-fallback-note { color: var(--jp-ui-font-color2, #666); font-style: italic; }
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
