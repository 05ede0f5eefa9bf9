"""Widgets from Python, without a browser: trait state, payloads, filtering, escaping, packaging."""

from __future__ import annotations

import json
import os
import re

import numpy as np
import pandas as pd
import pytest
import traitlets

import attn_team
from attn_team._display import GRAPH_MIME
from attn_team.model import Backlog
from attn_team.views._explorer import BacklogExplorer, query_attention
from attn_team.views._graph import AttentionGraph
from attn_team.views._heatmap import AttentionHeatmap
from attn_team.views._widget_base import BUNDLE

XSS = "<img src=x onerror=alert(1)>"
HEADS = ("text", "structure", "people", "time")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _edges(rows):
    df = pd.DataFrame(rows, columns=["source", "target", "weight", "dominant"])
    for h in HEADS:
        df[h] = [0.5 if d == h else 0.1 for d in df["dominant"]]
    df["score"] = df[list(HEADS)].sum(axis=1)
    df["reason"] = [f"because {s}->{t}" for s, t in zip(df["source"], df["target"])]
    return df.drop(columns="dominant")


@pytest.fixture
def backlog() -> Backlog:
    items = pd.DataFrame([
        ("P-1", "Pay", "Done", "Refresh payment tokens", "p1"),
        ("P-2", "Pay", "In Progress", XSS, "p2"),
        ("I-1", "Id", "Done", "Token refresh endpoint", "i1"),
        ("I-2", "Id", "To Do", "Password reset flow", "i2"),
        ("M-1", "Mobile", "To Do", "Mobile login screen", "m1"),
    ], columns=["key", "team", "status", "summary", "assignee"])
    items["project"] = items["key"].str[0]
    people = pd.DataFrame([("p1", "Pat", "Pay"), ("p2", "Pia", "Pay"), ("i1", "Ida", "Id"), ("i2", "Ivo", "Id"),
                           ("m1", "Mo", "Mobile")], columns=["person", "display_name", "team"])
    return Backlog(items=items, people=people).validate()


@pytest.fixture
def item_edges():
    return _edges([("P-1", "I-1", 0.6, "text"), ("I-1", "P-1", 0.5, "text"), ("P-2", "I-2", 0.3, "structure"),
                   ("M-1", "I-2", 0.2, "people"), ("P-2", "P-1", 0.05, "time")])


@pytest.fixture
def fake_attention(item_edges):
    members = _edges([("P-1", "i1", 0.7, "people"), ("P-2", "m1", 0.2, "text")])
    history = _edges([("P-2", "P-1", 0.4, "text"), ("M-1", "I-1", 0.3, "text")])
    return {"items": item_edges, "members": members, "history": history}


# ---- packaging ---------------------------------------------------------------

def test_bundle_is_built_and_versions_agree(repo_root):
    assert BUNDLE.is_file() and BUNDLE.stat().st_size > 1000
    assert "export" in BUNDLE.read_text(encoding="utf-8")
    pkg = json.loads((repo_root / "extension" / "package.json").read_text())
    assert pkg["name"] == "attn-team"
    assert pkg["version"] == attn_team.__version__


def test_public_names_resolve():
    assert attn_team.AttentionGraph is AttentionGraph
    assert attn_team.AttentionHeatmap is AttentionHeatmap
    assert attn_team.BacklogExplorer is BacklogExplorer


# ---- AttentionGraph -------------------------------------------------------------

def test_graph_payload_nodes_carry_item_details(item_edges, backlog):
    g = AttentionGraph(item_edges, backlog=backlog)
    p = g.payload
    assert p["version"] == 1
    ids = {n["id"] for n in p["nodes"]}
    assert ids == {"P-1", "P-2", "I-1", "I-2", "M-1"}
    node = {n["id"]: n for n in p["nodes"]}
    assert node["P-1"] == {**node["P-1"], "team": "Pay", "status": "Done", "summary": "Refresh payment tokens",
                           "kind": "item"}
    assert len(p["edges"]) == len(item_edges)
    e = next(e for e in p["edges"] if (e["source"], e["target"]) == ("P-1", "I-1"))
    assert e["weight"] == pytest.approx(0.6)
    assert e["reason"] == "because P-1->I-1"
    assert set(e["heads"]) == set(HEADS) and e["heads"]["text"] == pytest.approx(0.5)
    assert p["meta"]["heads"] == list(HEADS)


def test_graph_threshold_head_team_filter(item_edges, backlog):
    g = AttentionGraph(item_edges, backlog=backlog, threshold=0.25)
    assert g.widget.threshold == 0.25
    assert sorted(g.visible_edges()["weight"]) == [0.3, 0.5, 0.6]
    g.threshold = 0.55
    assert g.widget.threshold == 0.55
    assert list(g.visible_edges()["source"]) == ["P-1"]
    g.threshold = 0.0
    g.head = "structure"
    assert g.widget.head == "structure"
    assert list(zip(g.visible_edges()["source"], g.visible_edges()["target"])) == [("P-2", "I-2")]
    g.head = None
    g.team = "Mobile"
    assert list(g.visible_edges()["source"]) == ["M-1"]
    g.team = None
    assert len(g.visible_edges()) == 4  # issue 11: cross-team by default, P-2 -> P-1 (within Pay) not drawn
    g.scope = "all"
    assert len(g.visible_edges()) == len(item_edges)


def test_graph_rejects_bad_values_and_unknown_kwargs(item_edges):
    g = AttentionGraph(item_edges)
    with pytest.raises(traitlets.TraitError, match="threshold"):
        g.threshold = -1
    with pytest.raises(traitlets.TraitError, match="head must be one of"):
        g.head = "nonsense"
    with pytest.raises(traitlets.TraitError, match="team must be one of"):
        g.team = "Nobody"
    with pytest.raises(TypeError, match="colour"):
        AttentionGraph(item_edges, colour="red")
    with pytest.raises(TypeError, match="Attention result"):
        AttentionGraph(42)
    with pytest.raises(ValueError, match="weight"):
        AttentionGraph(pd.DataFrame({"source": ["a"], "target": ["b"]}))


def test_graph_selection_from_the_front_end_reaches_python(item_edges):
    g = AttentionGraph(item_edges)
    seen = []
    g.observe(lambda ch: seen.append(ch["new"]), names="selected")
    # what the comm does when the user clicks a node
    g.widget.set_state({"selected": "I-2"})
    assert g.selected == "I-2"
    assert seen == ["I-2"]
    g.selected = None
    assert g.widget.selected is None
    g.highlight = ("P-1", "I-1")
    assert g.widget.highlight == ["P-1", "I-1"]
    assert g.widget.get_state()["highlight"] == ["P-1", "I-1"]


def test_graph_mimebundle_has_widget_graph_and_escaped_html(item_edges, backlog):
    edges = item_edges.copy()
    edges.loc[0, "reason"] = XSS
    g = AttentionGraph(edges, backlog=backlog, title=XSS, threshold=0.1)
    b = g._repr_mimebundle_()
    assert WIDGET_VIEW in b and b[WIDGET_VIEW]["model_id"] == g.widget.model_id
    payload = b[GRAPH_MIME]
    assert payload["meta"]["widget"] == g.widget._uid
    assert payload["meta"]["threshold"] == 0.1
    # raw text in the JSON payload (the front end sets it with textContent) ...
    assert payload["meta"]["title"] == XSS
    assert any(n.get("summary") == XSS for n in payload["nodes"])
    # ... and escaped in every HTML fallback
    assert "<img" not in b["text/html"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in b["text/html"]
    assert b["text/plain"].startswith("AttentionGraph(5 nodes, 5 edges")


def test_graph_from_backlog_attends(monkeypatch, backlog, item_edges):
    calls = []

    class Result:
        to = "items"
        heads = HEADS

        def __init__(self):
            self.edges = item_edges

    def fake_attend(self, bl, to="items", k=20, **kw):
        calls.append((to, k))
        return Result()

    import attn_team.attention._model as m

    # a view given a Backlog attends with the untrained model (views never fit)
    monkeypatch.setattr(m.CrossAttention, "attend", fake_attend)
    g = AttentionGraph(backlog, k=3)
    assert calls == [("items", 3)]
    assert {n["id"]: n.get("summary") for n in g.payload["nodes"]}["I-2"] == "Password reset flow"


def test_graph_same_data_same_payload(item_edges, backlog):
    a = AttentionGraph(item_edges, backlog=backlog, seed=3)
    b = AttentionGraph(item_edges, backlog=backlog, seed=3)
    assert a.payload == b.payload and a.widget.seed == b.widget.seed == 3


def test_graph_keeps_heaviest_edges(item_edges):
    g = AttentionGraph(item_edges, max_edges=2)
    assert sorted(g.edges["weight"]) == [0.5, 0.6]


# ---- AttentionHeatmap -----------------------------------------------------------

def test_heatmap_team_by_team_sums_and_cell_edges(item_edges, backlog):
    h = AttentionHeatmap(item_edges, backlog=backlog, diagonal=True)  # issue 11: the default is now diagonal=False
    m = h.matrix
    assert list(m.index) == list(m.columns) == ["Id", "Mobile", "Pay"]
    assert m.loc["Pay", "Id"] == pytest.approx(0.9)   # P-1->I-1 0.6 + P-2->I-2 0.3
    assert m.loc["Pay", "Pay"] == pytest.approx(0.05)
    assert m.loc["Mobile", "Id"] == pytest.approx(0.2)
    assert h.widget.matrix["values"][2][0] == pytest.approx(0.9)
    assert h.selected_cell is None and h.cell_edges().empty
    h.widget.set_state({"selected_cell": ["Pay", "Id"]})  # a click in the front end
    assert h.selected_cell == ("Pay", "Id")
    behind = h.cell_edges()
    assert list(zip(behind["source"], behind["target"])) == [("P-1", "I-1"), ("P-2", "I-2")]
    with pytest.raises(KeyError):
        h.selected_cell = ("Pay", "Nope")
    h.selected_cell = None
    assert h.widget.selected_cell == []


def test_heatmap_item_by_member_and_ready_matrix(fake_attention, backlog):
    h = AttentionHeatmap(fake_attention["members"], by="member", backlog=backlog)
    assert h.matrix.loc["P-1", "i1"] == pytest.approx(0.7)
    assert h.widget.matrix["row_label"] == "item"
    ready = pd.DataFrame([[0.0, XSS and 1.0], [2.0, 0.0]], index=[XSS, "B"], columns=["A", "B"])
    h2 = AttentionHeatmap(ready, title=XSS)
    b = h2._repr_mimebundle_()
    assert WIDGET_VIEW in b
    assert "<img" not in b["text/html"] and "&lt;img" in b["text/html"]
    assert h2.widget.matrix["rows"][0] == XSS
    with pytest.raises(ValueError, match="by must be"):
        AttentionHeatmap(ready, by="sprint")
    with pytest.raises(TypeError):
        AttentionHeatmap(ready, colour="red")


# ---- BacklogExplorer ------------------------------------------------------------

class BagOfWords:
    """A deterministic stand-in embedder: hashed word counts, L2-normalised."""

    max_chars = 1500

    def encode(self, texts):
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"[a-z]+", str(t).lower()):
                out[i, sum(map(ord, w)) % 64] += 1
        n = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(n == 0, 1, n)


def test_query_attention_ranks_and_normalises():
    items = np.eye(4, dtype=np.float32)
    q = np.array([0.1, 0.9, 0.3, 0.0], dtype=np.float32)
    rows, w, sims = query_attention(q, items, top=2)
    assert list(rows) == [1, 2]
    assert w[0] > w[1] and 0 < w.sum() <= 1
    assert sims[0] == pytest.approx(0.9)
    with pytest.raises(ValueError, match="temperature"):
        query_attention(q, items, temperature=0)


def test_explorer_search_select_and_graph_link(backlog, fake_attention):
    ex = BacklogExplorer(backlog, attention=fake_attention, embedder=BagOfWords(), top=3)
    res = ex.search("token refresh")
    assert len(res) == 3
    assert set(res["key"][:2]) == {"P-1", "I-1"}
    assert ex.graph.highlight == list(res["key"])
    assert [v for _, v in ex.result_list.options] == list(res["key"])
    ex.result_list.value = "P-1"   # picking a result selects it everywhere
    assert ex.selected == "P-1" and ex.graph.selected == "P-1"
    assert list(ex.details["people"]["person"])[:1] == ["i1"]
    ex.graph.widget.set_state({"selected": "P-2"})  # a click on the graph
    assert ex.selected == "P-2"
    assert "P-1" in set(ex.details["history"]["key"])
    assert set(ex.details) == {"dependencies", "people", "history"}
    html_out = ex.detail_html.value
    assert "<img" not in html_out and "&lt;img src=x onerror=alert(1)&gt;" in html_out
    assert ex.search("").empty and ex.graph.highlight == []
    with pytest.raises(KeyError):
        ex.select("NOPE-1")
    assert WIDGET_VIEW in ex._repr_mimebundle_()


def test_explorer_option_labels_are_text(backlog, fake_attention):
    ex = BacklogExplorer(backlog, attention=fake_attention, embedder=BagOfWords(), top=5)
    ex.search("img onerror")
    labels = [lab for lab, _ in ex.result_list.options]
    assert any(XSS in lab for lab in labels)  # Select renders labels as text, never HTML


# ---- the wheel (npm install + build from a clean checkout, about a minute) -----------------

def test_wheel_from_clean_checkout_ships_the_extension(repo_root, tmp_path):
    import shutil
    import subprocess
    import sys
    import zipfile

    if not shutil.which("npm") or not shutil.which("git"):
        pytest.skip("npm and git are needed to build the wheel")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo_root), str(clone)], check=True)
    assert not (clone / "attn_team" / "static" / "widget.js").exists()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(clone)],
                   check=True)
    wheel = next((tmp_path / "dist").glob("attn_team-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    data = f"attn_team-{attn_team.__version__}.data/data/share/jupyter/labextensions/attn-team/"
    assert "attn_team/static/widget.js" in names
    assert {data + "package.json", data + "install.json", data + "static/style.js"} <= set(names)
    assert not any(n.startswith("attn_team/labextension/") for n in names)  # shipped once
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    subprocess.run([str(env_dir / "bin" / "pip"), "install", "-q", "--no-deps", str(wheel)], check=True)
    out = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True, text=True,
                         env={**os.environ, "JUPYTER_PATH": str(env_dir / "share" / "jupyter")})
    listing = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)
    # the section listing the fresh environment's labextensions names attn-team, enabled and OK
    section = listing.split(str(env_dir / "share" / "jupyter" / "labextensions"), 1)[1].split("\n\n", 1)[0]
    assert re.search(r"attn-team v\S+ enabled\s+OK", section), listing


def test_heatmap_without_diagonal(item_edges, backlog):
    h = AttentionHeatmap(item_edges, backlog=backlog, diagonal=False)
    assert h.matrix.loc["Pay", "Pay"] == 0.0
    assert h.matrix.loc["Pay", "Id"] == pytest.approx(0.9)
    assert h.cell_edges("Pay", "Pay").empty
