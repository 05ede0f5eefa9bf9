"""Render speed of the attention graph in headless Chromium (Debian's, via Playwright).

Measures, for synthetic graphs of 200 nodes / 2,000 edges and 2,000 nodes / 20,000 edges:

- first frame: from ``render()`` of the widget bundle to the first drawn frame (seeded
  force layout included; pixels read back, so the drawing has really completed);
- threshold change: from setting ``threshold`` on the model to the redrawn, read-back frame.

Each graph is measured with the default scope (``cross-team``: within-team edges not drawn)
and with ``scope="all"`` (every edge drawn, the heavier case).

A baseline is measured in the same run and page: drawing the same edges once as raw canvas
lines (no layout, no filtering). Targets (issue 5): 2k/20k first frame <= 2 s, threshold
change <= 100 ms; 200/2k first frame well under 1 s.

Run:  python benchmarks/bench_render.py [--repeat 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import statistics
import tempfile
import threading
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
BUNDLE = REPO / "attn_team" / "static" / "widget.js"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
TEAMS = ["Payments", "Identity", "Mobile", "Data", "Platform", "Web"]
HEADS = ["text", "structure", "people", "time"]

PAGE = """<!doctype html><html><head><meta charset="utf-8"></head>
<body style="margin:0"><div id="host" style="width:1200px"></div>
<script type="module">
import widget from './widget.js';
class FakeModel {
  constructor(state) { this.state = state; this.handlers = {}; }
  get(k) { return this.state[k]; }
  set(k, v) { this.state[k] = v; (this.handlers['change:' + k] || []).forEach(f => f()); }
  save_changes() {}
  on(ev, f) { (this.handlers[ev] = this.handlers[ev] || []).push(f); }
  off(ev, f) { if (this.handlers[ev]) this.handlers[ev] = this.handlers[ev].filter(g => g !== f); }
}
window.bench = async (payload, thresholds, keep, scope) => {
  const host = document.getElementById('host');
  host.replaceChildren();
  const model = new FakeModel({_view_kind: 'graph', payload, threshold: 0, head: null, team: null, scope: scope || 'cross-team',
                               highlight: [], selected: null, seed: 1, height: 700});
  const el = document.createElement('div');
  host.appendChild(el);
  const t0 = performance.now();
  const cleanup = widget.render({model, el});
  const root = await new Promise(resolve => {
    const check = () => { const r = el.querySelector('.attn-team-graph'); if (r && r.dataset.attnReady === '1') resolve(r); else requestAnimationFrame(check); };
    check();
  });
  const canvas2d = root.querySelector('canvas').getContext('2d');
  canvas2d.getImageData(0, 0, 1, 1);  // force the drawing to complete (rasterised pixels)
  const first = performance.now() - t0;
  await new Promise(r => requestAnimationFrame(() => r()));
  const changes = [];
  for (const th of thresholds) {
    const t1 = performance.now();
    model.set('threshold', th);
    canvas2d.getImageData(0, 0, 1, 1);
    changes.push({threshold: th, ms: performance.now() - t1, edges: Number(root.dataset.attnEdges)});
  }
  // baseline: the same edges as raw canvas lines, once, no layout
  const c = document.createElement('canvas'); c.width = 1200; c.height = 700; host.appendChild(c);
  const ctx = c.getContext('2d');
  const pos = new Map(payload.nodes.map((n, i) => [n.id, [(i * 7919) % 1200, (i * 104729) % 700]]));
  const tb = performance.now();
  ctx.beginPath();
  for (const e of payload.edges) { const a = pos.get(e.source), b = pos.get(e.target); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); }
  ctx.stroke();
  ctx.getImageData(0, 0, 1, 1);
  const baseline = performance.now() - tb;
  const out = {first_frame_ms: first, layout_and_draw_ms: Number(root.dataset.attnFirstFrameMs),
               threshold_changes: changes, baseline_raw_lines_ms: baseline,
               nodes: Number(root.dataset.attnNodes), edges: Number(root.dataset.attnTotalEdges)};
  if (!keep) cleanup(); else c.remove();
  return out;
};
window.benchReady = true;
</script></body></html>
"""


def synthetic_payload(n_nodes: int, n_edges: int, *, seed: int = 0) -> dict:
    """A clustered graph: most edges stay inside a team, some cross; a few member/team/sprint nodes."""
    rng = np.random.default_rng(seed)
    team = rng.integers(0, len(TEAMS), n_nodes)
    kinds = rng.choice(["item", "member", "team", "sprint"], n_nodes, p=[0.9, 0.06, 0.02, 0.02])
    nodes = [{"id": f"N-{i}", "label": f"N-{i}", "kind": str(kinds[i]), "team": TEAMS[team[i]],
              "summary": f"synthetic item {i}", "status": "To Do"} for i in range(n_nodes)]
    by_team = [np.flatnonzero(team == t) for t in range(len(TEAMS))]
    src = rng.integers(0, n_nodes, n_edges)
    same = rng.random(n_edges) < 0.8
    dst = np.where(same, [rng.choice(by_team[team[s]]) for s in src], rng.integers(0, n_nodes, n_edges))
    dst = np.where(dst == src, (dst + 1) % n_nodes, dst)
    w = rng.beta(1.2, 6, n_edges)
    edges = []
    for s, d, wi in zip(src, dst, w):
        h = rng.dirichlet(np.ones(len(HEADS))) * wi * 2
        edges.append({"source": f"N-{s}", "target": f"N-{d}", "weight": round(float(wi), 5), "kind": "suggested",
                      "heads": {k: round(float(v), 5) for k, v in zip(HEADS, h)}, "reason": "synthetic"})
    return {"version": 1, "nodes": nodes, "edges": edges, "meta": {"title": "bench", "threshold": 0, "heads": HEADS}}


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, httpd.server_address[1]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--screenshots", type=Path, help="save a picture of each graph in this folder")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    if not BUNDLE.is_file():
        raise SystemExit(f"{BUNDLE} missing: build the extension first (npm run build:prod in extension/)")
    tmp = Path(tempfile.mkdtemp(prefix="attn-bench-"))
    shutil.copy(BUNDLE, tmp / "widget.js")
    (tmp / "index.html").write_text(PAGE)
    httpd, port = serve(tmp)
    results = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/index.html")
            page.wait_for_function("window.benchReady === true")
            for (n, m), scope in [((200, 2_000), "cross-team"), ((2_000, 20_000), "cross-team"),
                                  ((200, 2_000), "all"), ((2_000, 20_000), "all")]:
                payload = synthetic_payload(n, m)
                qs = [float(np.quantile([e["weight"] for e in payload["edges"]], q)) for q in (0.5, 0.8, 0.2, 0.0)]
                runs = [page.evaluate("([p, t, s]) => window.bench(p, t, false, s)", [payload, qs, scope])
                        for _ in range(args.repeat)]
                if args.screenshots:
                    args.screenshots.mkdir(parents=True, exist_ok=True)
                    page.evaluate("([p, s]) => window.bench(p, [], true, s)", [payload, scope])
                    page.screenshot(path=str(args.screenshots / f"graph-{n}-{m}-{scope}.png"))
                first = [r["first_frame_ms"] for r in runs]
                change = [c["ms"] for r in runs for c in r["threshold_changes"]]
                base = [r["baseline_raw_lines_ms"] for r in runs]
                key = f"{n}/{m} {scope}"
                results[key] = {
                    "first_frame_ms_median": statistics.median(first), "first_frame_ms_all": first,
                    "threshold_change_ms_median": statistics.median(change), "threshold_change_ms_max": max(change),
                    "baseline_raw_lines_ms_median": statistics.median(base),
                    "threshold_change_vs_baseline": statistics.median(change) / max(statistics.median(base), 1e-3),
                    "edges_after_changes": [c["edges"] for c in runs[0]["threshold_changes"]],
                }
                r = results[key]
                print(f"{n:>5} nodes / {m:>6} edges, {scope:>10}: first frame {r['first_frame_ms_median']:7.0f} ms "
                      f"(runs {', '.join(f'{x:.0f}' for x in first)}), threshold change median "
                      f"{r['threshold_change_ms_median']:6.1f} ms (max {r['threshold_change_ms_max']:.1f}), "
                      f"raw-lines baseline {r['baseline_raw_lines_ms_median']:.1f} ms "
                      f"(change/baseline {r['threshold_change_vs_baseline']:.1f}x)")
            browser.close()
    finally:
        httpd.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
