"""Notebook 01 in a real JupyterLab and Chromium: render, click, threshold, save, reopen, XSS.

One JupyterLab session drives the whole story (the tests run in order and share the page),
so the suite stays at a few minutes.
"""

from __future__ import annotations

import json
import time

import pytest

pytestmark = [pytest.mark.browser]

NOTEBOOK = "notebooks/01-explore-backlog.ipynb"
XSS = "<img src=x onerror=alert(1)>"

JS_NOTEBOOK_STATE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!w || !w.content || !w.sessionContext) return null;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  const cells = w.content.widgets.filter(c => c.model.type === 'code');
  const errors = [];
  for (const c of cells) {
    for (let i = 0; i < c.model.outputs.length; i++) {
      const o = c.model.outputs.get(i).toJSON();
      if (o.output_type === 'error') errors.push(o.ename + ': ' + o.evalue);
    }
  }
  return {kernel: k ? k.status : null, done: cells.filter(c => c.model.executionCount !== null).length,
          total: cells.length, errors};
}"""

JS_EXEC = """async (code) => {
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const f = k.requestExecute({code, store_history: false});
  let out = '';
  f.onIOPub = msg => {
    const t = msg.header.msg_type;
    if (t === 'stream') out += msg.content.text;
    else if (t === 'execute_result') out += msg.content.data['text/plain'];
    else if (t === 'error') out += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
  };
  await f.done;
  return out;
}"""

JS_GRAPH = """(sel) => {
  const el = document.querySelector(sel);
  if (!el) return null;
  return {...el.dataset};
}"""

# the node whose nearest drawn neighbour is farthest away: a click there cannot hit another
JS_PICK_NODE = """(sel) => {
  const view = document.querySelector(sel).attnTeam;
  const ids = view.visibleNodeIds();
  const pos = ids.map(id => view.nodePosition(id));
  const r = view.canvas.getBoundingClientRect();
  let best = null, bestD = -1;
  ids.forEach((id, i) => {
    const p = pos[i];
    if (p.x < 20 || p.y < 20 || p.x > r.width - 20 || p.y > r.height - 20) return;
    let d = Infinity;
    pos.forEach((q, j) => { if (j !== i) d = Math.min(d, Math.hypot(p.x - q.x, p.y - q.y)); });
    if (d > bestD) { bestD = d; best = {id, x: r.left + p.x, y: r.top + p.y, gap: d}; }
  });
  return best;
}"""


def wait_for(page, fn, arg=None, timeout=120, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = page.evaluate(fn, arg) if arg is not None else page.evaluate(fn)
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}; last value {last!r}")


def py(page, code: str) -> str:
    return page.evaluate(JS_EXEC, code).strip()


def run_all(page, timeout=900):
    wait_for(page, "() => { const s = (" + JS_NOTEBOOK_STATE + ")(); return s && s.kernel === 'idle'; }",
             timeout=180, what="an idle kernel")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = page.evaluate(JS_NOTEBOOK_STATE)
        if s["errors"]:
            raise AssertionError(f"notebook cell failed: {s['errors']}")
        if s["done"] == s["total"] and s["kernel"] == "idle":
            return s
        time.sleep(0.5)
    raise AssertionError(f"notebook did not finish: {page.evaluate(JS_NOTEBOOK_STATE)}")


def add_cell_and_run(page, source: str):
    page.evaluate("""async (src) => {
      const app = window.jupyterapp, nb = app.shell.currentWidget;
      nb.content.activeCellIndex = nb.content.widgets.length - 1;
      await app.commands.execute('notebook:insert-cell-below');
      nb.content.activeCell.model.sharedModel.setSource(src);
      await app.commands.execute('notebook:run-cell');
    }""", source)


@pytest.fixture(scope="module")
def page(lab, browser_context):
    page = browser_context.new_page()
    dialogs = []
    def on_dialog(d):
        if d.type == "beforeunload":  # leaving the page on purpose (reopen test)
            d.accept()
        else:  # alert/confirm/prompt: nothing may open one
            dialogs.append(d.message)
            d.dismiss()

    page.on("dialog", on_dialog)
    page.dialogs = dialogs
    page.goto(lab.url(f"lab/tree/{NOTEBOOK}"))
    wait_for(page, "() => !!(window.jupyterapp && window.jupyterapp.shell.currentWidget && "
                   "window.jupyterapp.shell.currentWidget.content && window.jupyterapp.shell.currentWidget.content.widgets)",
             timeout=120, what="the notebook")
    run_all(page)
    yield page
    page.close()


GRAPH = ".jp-OutputArea .attn-team-graph"


def test_graph_renders_with_expected_node_count(page, shot):
    state = wait_for(page, JS_GRAPH, GRAPH + "[data-attn-ready='1']", what="a drawn graph")
    expected = int(py(page, "print(len(graph.nodes))"))
    assert int(state["attnNodes"]) == expected > 0
    assert int(state["attnEdges"]) == int(py(page, "print(len(graph.visible_edges()))"))
    assert state["attnSource"] == "widget"   # the live widget, bound through the MIME renderer
    page.locator(GRAPH).first.scroll_into_view_if_needed()
    shot(page, "graph")


def test_lab_loads_this_checkouts_extension(page):
    # the view renderer is new in this checkout: the lab serves the worktree's build, not an installed one
    assert page.evaluate("() => window.jupyterapp.hasPlugin('attn-team:view-renderer')")


def test_default_graph_is_cross_team_with_pairs_beside_it(page, shot):
    state = wait_for(page, JS_GRAPH, GRAPH + "[data-attn-ready='1']", what="a drawn graph")
    assert state["attnScope"] == "cross-team" and state["attnFocus"] == ""
    counts = py(page, "print(len(graph.visible_edges()), len(graph.edges), len(graph.team_pairs()))").split()
    drawn, total, n_pairs = map(int, counts)
    assert int(state["attnEdges"]) == drawn < total      # within-team edges are not drawn by default
    assert int(state["attnPairs"]) == n_pairs > 0
    # the list beside the canvas names the same pairs as Python, heaviest first
    heads = page.evaluate("(sel) => Array.from(document.querySelector(sel).querySelectorAll('.attn-team-pair-title'))"
                          ".map(e => e.firstChild.textContent)", GRAPH)
    expected = py(page, "print('|'.join(f'{a} \u2194 {b}' for a, b in zip(graph.team_pairs()['team_a'], "
                        "graph.team_pairs()['team_b'])))").split("|")
    assert heads == expected[:30]
    # every label fits in the canvas (nothing clipped at the right edge)
    box = page.evaluate("""(sel) => { const v = document.querySelector(sel).attnTeam;
        const w = v.canvas.getBoundingClientRect().width;
        const xs = v.visibleNodeIds().map(id => v.nodePosition(id).x); return {w, max: Math.max(...xs)}; }""", GRAPH)
    assert box["max"] < box["w"] - 20
    page.locator(GRAPH).first.scroll_into_view_if_needed()
    shot(page, "cross-team")


FOCUS = ".jp-OutputArea .attn-team-graph[data-attn-focus='Payments']"


def test_team_focus_shows_the_team_and_whom_it_attends_to(page, shot):
    state = wait_for(page, JS_GRAPH, FOCUS + "[data-attn-ready='1']", what="the focus graph")
    nodes, edges = map(int, py(page, "print(len(focus.visible_nodes()), len(focus.visible_edges()))").split())
    assert int(state["attnNodes"]) == nodes < int(state["attnTotalNodes"])
    assert int(state["attnEdges"]) == edges > 0
    teams = set(py(page, "print(' '.join(sorted(set(focus.visible_nodes()['team']))))").split())
    assert "Payments" in teams and len(teams) > 1
    # re-fitted: the drawn nodes spread over the canvas, none outside it
    fit = page.evaluate("""(sel) => { const v = document.querySelector(sel).attnTeam;
        const r = v.canvas.getBoundingClientRect(); const ps = v.visibleNodeIds().map(id => v.nodePosition(id));
        const xs = ps.map(p => p.x), ys = ps.map(p => p.y);
        return {w: r.width, h: r.height, x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys)}; }""",
                        FOCUS)
    assert 0 <= fit["x0"] and fit["x1"] <= fit["w"] and 0 <= fit["y0"] and fit["y1"] <= fit["h"]
    assert (fit["x1"] - fit["x0"]) > 0.5 * fit["w"] or (fit["y1"] - fit["y0"]) > 0.5 * fit["h"]
    # the focus menu shows the team
    assert page.evaluate("(sel) => document.querySelector(sel + ' select.attn-team-team').value", FOCUS) == "Payments"
    page.locator(FOCUS).scroll_into_view_if_needed()
    shot(page, "focus")


def test_click_selects_in_python(page, shot):
    page.locator(GRAPH).first.scroll_into_view_if_needed()
    time.sleep(0.3)
    target = page.evaluate(JS_PICK_NODE, GRAPH)
    assert target and target["gap"] > 6, target
    page.mouse.move(target["x"], target["y"])
    tip = wait_for(page, "(sel) => { const t = document.querySelector(sel + ' .attn-team-tip');"
                         " return t && t.style.display === 'block' ? t.textContent : null; }", GRAPH, timeout=10,
                   what="the hover tooltip")
    assert target["id"] in tip
    shot(page, "hover")
    page.mouse.click(target["x"], target["y"])
    wait_for(page, f"(sel) => document.querySelector(sel).dataset.attnSelected === {json.dumps(target['id'])}",
             GRAPH, timeout=10, what="the selection in the view")
    deadline = time.time() + 15
    while py(page, "print(graph.selected)") != target["id"]:
        assert time.time() < deadline, "Python never saw the click"
        time.sleep(0.3)
    shot(page, "selected")


def test_threshold_from_python_redraws(page, shot):
    before = int(page.evaluate(JS_GRAPH, GRAPH)["attnEdges"])
    out = py(page, "import numpy as _np\n"
                   "graph.threshold = float(_np.quantile(graph.edges['weight'], 0.75))\n"
                   "print(len(graph.visible_edges()))")
    expected = int(out)
    assert expected < before
    wait_for(page, f"(sel) => Number(document.querySelector(sel).dataset.attnEdges) === {expected}", GRAPH,
             timeout=15, what="fewer edges drawn")
    shot(page, "threshold")


def test_heatmap_click_lists_edges_in_python(page, shot):
    cell = page.locator(".jp-OutputArea .attn-team-heatmap td[data-row='0'][data-col='1']").first
    cell.scroll_into_view_if_needed()
    cell.click()
    deadline = time.time() + 15
    while True:
        out = py(page, "print(heatmap.selected_cell, len(heatmap.cell_edges()))")
        if out.startswith("("):
            break
        assert time.time() < deadline, f"Python never saw the heatmap click: {out}"
        time.sleep(0.3)
    expected = py(page, "print(heatmap.matrix.index[0], heatmap.matrix.columns[1])").split(" ")
    assert out.startswith(f"({expected[0]!r}, {expected[1]!r})")
    # the click lists the edges behind the cell in the widget, the strongest first
    n = int(py(page, "print(min(len(heatmap.cell_edges()), heatmap.CELL_EDGES))"))
    hm = ".jp-OutputArea .attn-team-heatmap[data-attn-source='widget']"
    listed = wait_for(page, "(sel) => { const h = document.querySelector(sel);"
                            " return h && h.dataset.attnCellEdges ? Number(h.dataset.attnCellEdges) : null; }", hm,
                      timeout=10, what="the cell's edge list")
    assert listed == n > 0
    first = page.locator(hm + " tr.attn-team-cell-edge").first.inner_text().split("\t")[:2]
    top = py(page, "e = heatmap.cell_edges(); print(e['source'].iloc[0], e['target'].iloc[0])").split()
    assert [x.strip() for x in first] == top
    # the diagonal is shown apart, and the scale is the cross-team cells' own
    assert page.locator(hm + " td.attn-team-apart").count() == int(py(page, "print(len(heatmap.matrix))"))
    scale_max = float(page.evaluate("(sel) => document.querySelector(sel).dataset.attnScaleMax", hm))
    assert scale_max == pytest.approx(float(py(page, "print(heatmap.matrix.to_numpy().max())")), rel=1e-4)
    page.locator(hm).scroll_into_view_if_needed()
    shot(page, "heatmap")
    explorer = page.locator(".jp-OutputArea .widget-vbox").last
    explorer.scroll_into_view_if_needed()
    assert explorer.locator("select option").count() > 0   # the search run by the notebook
    shot(page, "explorer")


def test_untrusted_text_renders_as_text(page, shot):
    add_cell_and_run(page, f"""
import types as _types
import pandas as _pd
_x = {XSS!r}
_e = _pd.DataFrame({{"source": ["X-1", "X-2"], "target": ["X-2", "X-3"], "weight": [0.5, 0.4],
                    "text": [0.3, 0.2], "structure": [0.1, 0.1], "reason": [_x, _x]}})
_n = _pd.DataFrame({{"id": ["X-1", "X-2", "X-3"], "summary": [_x] * 3, "team": [_x, "B", "B"], "kind": "item"}})
display(attn_team.AttentionGraph(_types.SimpleNamespace(edges=_e, nodes=_n), title=_x))
display(attn_team.AttentionHeatmap(_types.SimpleNamespace(edges=_e, nodes=_n)))
""".strip())
    sel = ".jp-OutputArea .attn-team-graph[data-attn-total-nodes='3']"
    wait_for(page, JS_GRAPH, sel + "[data-attn-ready='1']", what="the XSS graph")
    wait_for(page, "() => !!document.querySelector('.jp-OutputArea .attn-team-heatmap')", what="the heatmap")
    assert page.locator(".jp-OutputArea img[src='x']").count() == 0
    assert XSS in page.locator(sel).inner_text()
    assert XSS in page.locator(".jp-OutputArea .attn-team-heatmap").last.inner_text()
    # hover an edge end: the tooltip shows the node's fields as text
    page.locator(sel).scroll_into_view_if_needed()
    time.sleep(0.3)
    p = page.evaluate("(sel) => { const v = document.querySelector(sel).attnTeam;"
                      " const r = v.canvas.getBoundingClientRect(); const q = v.nodePosition('X-1');"
                      " return {x: r.left + q.x, y: r.top + q.y}; }", sel)
    page.mouse.move(p["x"], p["y"])
    tip = wait_for(page, "(sel) => { const t = document.querySelector(sel + ' .attn-team-tip');"
                         " return t && t.style.display === 'block' ? t.innerHTML : null; }", sel, timeout=10,
                   what="the tooltip")
    assert "<img" not in tip and "&lt;img" in tip
    time.sleep(0.5)
    assert page.dialogs == []
    assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
    shot(page, "xss")


def test_new_exploration_notebook_command(page, lab):
    before = {p.name for p in (lab.root).glob("*.ipynb")}
    # the commands resolve to the opened widget: await it, return nothing (Playwright cannot serialise a widget)
    page.evaluate("async () => { await window.jupyterapp.commands.execute('attn-team:new-exploration-notebook'); }")
    info = wait_for(page, """() => { const w = window.jupyterapp.shell.currentWidget;
        if (!w || !w.context || !w.content || !w.content.widgets) return null;
        const src = w.content.widgets.map(c => c.model.sharedModel.getSource()).join('\\n');
        return src.includes('BacklogExplorer') ? {path: w.context.path, n: w.content.widgets.length} : null; }""",
                    timeout=30, what="the new exploration notebook")
    assert info["n"] == 5
    assert info["path"].endswith(".ipynb") and info["path"] not in before


def test_saved_notebook_renders_without_kernel(page, lab, shot):
    page.evaluate("async (path) => { await window.jupyterapp.commands.execute('docmanager:open', {path}); }", NOTEBOOK)
    wait_for(page, "(path) => window.jupyterapp.shell.currentWidget.context.path === path", NOTEBOOK, timeout=20,
             what="notebook 01 in front")
    expected = int(py(page, "print(len(graph.nodes))"))
    page.evaluate("async () => { await window.jupyterapp.commands.execute('docmanager:save'); }")
    time.sleep(1.0)
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    wait_for(page, "() => { const w = window.jupyterapp.shell.currentWidget;"
                   " return !w.sessionContext.session || !w.sessionContext.session.kernel; }",
             timeout=30, what="the kernel to shut down")
    for kernel in lab.api("kernels"):  # e.g. the new exploration notebook's
        lab.api(f"kernels/{kernel['id']}", method="DELETE")
    assert lab.api("kernels") == []
    # a copy whose kernelspec does not exist: opening it cannot start any kernel
    saved = json.loads((lab.root / NOTEBOOK).read_text())
    assert any(o.get("data", {}).get("application/vnd.attn-team.graph+json")
               for c in saved["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))
    saved["metadata"]["kernelspec"] = {"name": "no-such-kernel", "display_name": "none", "language": "no-such-language"}
    saved["metadata"].pop("language_info", None)
    (lab.root / "notebooks" / "reopened.ipynb").write_text(json.dumps(saved))
    # reload the page on the copy: a fresh JavaScript realm, no widget models, no kernel
    fresh = page
    fresh.goto(lab.url("lab/tree/notebooks/reopened.ipynb?reset"))  # reset: no restored documents
    sel = ".jp-OutputArea .attn-team-graph[data-attn-ready='1']"
    # the kernel picker dialog appears: leave it without choosing a kernel
    deadline = time.time() + 90
    state = None
    while time.time() < deadline and not state:
        if fresh.locator(".jp-Dialog").count():
            fresh.keyboard.press("Escape")
        state = fresh.evaluate(JS_GRAPH, sel)
        time.sleep(0.3)
    assert state, "the saved graph did not render"
    assert state["attnSource"] == "static"
    assert int(state["attnNodes"]) == expected
    no_kernel = fresh.locator(".jp-Dialog button", has_text="No Kernel")
    try:
        no_kernel.wait_for(timeout=10_000)
        no_kernel.click()
    except Exception:  # the picker did not show: nothing to dismiss
        pass
    assert lab.api("kernels") == []
    fresh.locator(sel).first.scroll_into_view_if_needed()
    shot(fresh, "reopened")
    # the saved XSS graph also draws statically, its text still inert
    xss = ".jp-OutputArea .attn-team-graph[data-attn-total-nodes='3']"
    fresh.locator(xss).scroll_into_view_if_needed()
    wait_for(fresh, JS_GRAPH, xss + "[data-attn-ready='1']", timeout=30, what="the saved XSS graph")
    # outputs above may still change height and the notebook's windowing hide the cell: scroll, then read
    deadline = time.time() + 15
    while True:
        fresh.locator(xss).scroll_into_view_if_needed()
        text = fresh.locator(xss).inner_text()
        if XSS in text or time.time() > deadline:
            break
        time.sleep(0.5)
    assert XSS in text
    assert fresh.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
    shot(fresh, "reopened-xss")
    # the heatmap and the explorer show their stored fallback, not "model not found"
    hm = ".jp-OutputArea .attn-team-heatmap[data-attn-source='static']"
    wait_for(fresh, f"() => document.querySelectorAll(\"{hm}\").length >= 2", timeout=30,
             what="the saved heatmaps")  # notebook 01's and the XSS one
    fresh.locator(hm).first.scroll_into_view_if_needed()
    fresh.locator(hm + " td[data-row='1'][data-col='0']").first.click()  # stored edges list with no kernel
    assert int(fresh.evaluate(f"() => document.querySelector(\"{hm}\").dataset.attnCellEdges")) > 0
    shot(fresh, "reopened-heatmap")
    ex = ".jp-OutputArea .attn-team-fallback[data-attn-source='static']"
    wait_for(fresh, f"() => !!document.querySelector(\"{ex}\")", timeout=30, what="the saved explorer")
    assert int(fresh.evaluate(f"() => document.querySelector(\"{ex}\").dataset.attnTables")) >= 2
    wait_for(fresh, JS_GRAPH, ex + " .attn-team-graph[data-attn-ready='1']", timeout=30, what="the explorer's graph")
    fresh.locator(ex).scroll_into_view_if_needed()
    shot(fresh, "reopened-explorer")
    assert "model not found" not in fresh.locator(".jp-Notebook").inner_text()
    assert page.dialogs == []
