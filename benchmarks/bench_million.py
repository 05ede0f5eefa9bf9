"""Organisations of 10k, 100k and 1M items end to end: time and peak memory per stage.

Stages, each run **in its own subprocess** (so a stage's peak RSS is its own process's
``ru_maxrss``, measured by ``resource.getrusage(RUSAGE_SELF)`` at its end; it includes Python,
pandas and the libraries the stage imports, and the time to load the stage's inputs from the
workspace, which is reported apart as ``load_s``):

- ``generate``: :func:`attn_team.synthetic.write_large_org` writes the organisation as REST
  search pages (``DIR/org/jira-json``), streamed division by division;
- ``import``: ``Workspace.import_files`` of those pages (the path of ``attn-team import``):
  read, assemble, DuckDB writes;
- ``embed``: the item features (text embeddings through the workspace's vector cache, and
  the structure / people / time features) of ``--embedder``;
- ``attention``: ``workspace_attention`` (fit, then top-``k`` item attention, kept in the
  workspace), the path of every CLI command; above ``--fit-max`` items (default 10,000) with
  ``max_epochs=0``: the untrained weights through the same path (the fit's 40 epochs take
  about 35 ms per item at 4,000 items on this machine, growing with n);
- ``suggestions``: ``suggest_dependencies`` on the kept attention (reloaded, no fit);
- ``report``: the sprint report (metrics, at-risk, suggestions, coupling; HTML written);
- ``flow``: ``flow_metrics`` and ``team_coupling`` (the analyses after attention that the
  report does not run in full).

``--attention-mode standin`` replaces the attention stage by random attention-shaped edges (20 per
item, a quarter of them cross-team, kept in the workspace) so that the stages after attention can
be measured at sizes where exact attention takes hours on this machine (it is O(n^2)).

Above ``--attention-max`` items (default 100,000) the embed, attention and suggestions stages
are skipped and the report and flow run on links only (``attention=False``): exact attention
at 1M items needs the candidate index of the ``scale`` work; raise the limit once it is there.

Options given to the model (``--embedder``, ``--candidates``, ``--engine``) are passed through to
:class:`attn_team.CrossAttention` as they are: an option this build of attn_team does not know
makes its stage fail with the error recorded (not the run). ``--embedder minilm`` is the packaged
MiniLM; ``--embedder hash`` is a stand-in of this benchmark (a hashing vectoriser with a fixed
random projection to 384 dimensions, about 1000x faster than MiniLM and much worse at meaning),
so that the stages after embedding can be measured at 100k without the hours MiniLM takes on
two shared cores; any other value (``static``) is passed to ``embedder=``.

The baseline, measured in the same run, is the smallest size (default 10,000): every stage
prints its time per item against the baseline's, so a ratio of 1.0x is linear scaling.

Run:  nice -n 10 python benchmarks/bench_million.py --sizes 10000 100000 --dir /tmp/million/bench
      [--stages generate import embed attention suggestions report flow] [--embedder hash]
      [--k 20] [--candidates usearch] [--engine dask] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import traceback
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
STAGES = ("generate", "import", "embed", "attention", "suggestions", "report", "flow")


class HashEmbedder:
    """A fast stand-in text encoder (hashing vectoriser + fixed random projection): benchmark only."""

    name = "bench-hash-384"

    def __init__(self, dim: int = 384):
        self.dim = dim
        self._hv = self._proj = None

    def __repr__(self) -> str:  # stable: the workspace keys its kept attention by the parameters' repr
        return f"HashEmbedder(dim={self.dim})"

    def encode(self, texts, batch_size=None, **_):
        import numpy as np

        if self._proj is None:
            from sklearn.feature_extraction.text import HashingVectorizer

            self._hv = HashingVectorizer(n_features=1 << 14, alternate_sign=True, norm="l2", ngram_range=(1, 2))
            rng = np.random.default_rng(0)
            self._proj = rng.standard_normal((1 << 14, self.dim)).astype(np.float32) / np.sqrt(self.dim)
        return np.asarray(self._hv.transform(list(texts)) @ self._proj, dtype=np.float32)


def standin_edges(backlog, k: int = 20, cross: float = 0.25, seed: int = 0):
    """Attention-shaped edges for the stages after attention, without attention: benchmark only.

    Each item gets ``k`` targets: a share ``cross`` from other teams, the rest from its own team,
    with random weights (summing to at most 1 per query), scores and head contributions, and an
    empty reason. What the insights do with 20 edges per item is measured; nothing about their
    quality is.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    items = backlog.items
    keys = items["key"].to_numpy(dtype=object)
    team = items["team"].astype(object).where(items["team"].notna(), "?").to_numpy(dtype=object)
    codes, uniq = pd.factorize(team)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(uniq)))
    ends = np.searchsorted(codes[order], np.arange(len(uniq)), side="right")
    n = len(keys)
    n_cross = int(round(k * cross))
    src = np.repeat(np.arange(n), k)
    tgt = np.empty(n * k, dtype=np.int64)
    for c in range(len(uniq)):
        members = order[starts[c]:ends[c]]
        rows = np.flatnonzero(codes == c)
        own = members[rng.integers(0, len(members), size=(len(rows), k - n_cross))]
        other = rng.integers(0, n, size=(len(rows), n_cross))
        tgt.reshape(n, k)[rows] = np.concatenate([own, other], axis=1)
    keep = tgt != src
    w = rng.dirichlet(np.ones(k), size=n).reshape(-1) * 0.8
    heads = rng.dirichlet(np.ones(4), size=n * k) * rng.uniform(0.1, 1.0, size=(n * k, 1))
    edges = pd.DataFrame({"source": keys[src], "target": keys[tgt], "weight": w,
                          "score": heads.sum(axis=1), "text": heads[:, 0], "structure": heads[:, 1],
                          "people": heads[:, 2], "time": heads[:, 3], "reason": ""})[keep]
    return edges.drop_duplicates(["source", "target"]).reset_index(drop=True)


def _model_params(args) -> dict:
    params = {}
    if args.embedder == "hash":
        params["embedder"] = HashEmbedder()
    elif args.embedder not in (None, "minilm"):
        params["embedder"] = args.embedder
    if args.candidates:
        params["candidates"] = args.candidates
    if args.engine:
        params["engine"] = args.engine
    if args.n > args.fit_max:
        params["max_epochs"] = 0  # untrained weights, through the same path (kept in the workspace)
    return params


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ---------------------------------------------------------------------------
# one stage, in this process
# ---------------------------------------------------------------------------

def _stage(args) -> dict:
    d = Path(args.dir) / f"n{args.n}"
    org, ws_path = d / "org", d / "ws.duckdb"
    out: dict = {"stage": args.stage, "n": args.n}
    t0 = time.perf_counter()
    if args.stage == "generate":
        from attn_team.synthetic import write_large_org

        files = write_large_org(org, n_items=args.n, progress=False)
        out["pages"] = len(files) - 3
        out["json_mb"] = round(sum(f.stat().st_size for f in files) / 1e6, 1)
        out["seconds"] = time.perf_counter() - t0
        return out
    from attn_team.workspace import Workspace

    if args.stage == "import":
        if ws_path.exists():
            ws_path.unlink()
        with Workspace(ws_path) as ws:
            ws.import_files([str(org / "jira-json")])
            out["seconds"] = time.perf_counter() - t0
        out["db_mb"] = round(ws_path.stat().st_size / 1e6, 1)
        return out
    with Workspace(ws_path) as ws:
        backlog = ws.backlog()
        out["load_s"] = time.perf_counter() - t0
        out["items"] = backlog.n_items
        params = _model_params(args)
        t1 = time.perf_counter()
        if args.stage == "embed":
            from attn_team.attention._model import item_features

            emb = params.get("embedder")
            if isinstance(emb, str):  # a named embedder of a newer build: let the model resolve it
                from attn_team import CrossAttention

                CrossAttention(embedder=emb, cache=ws, progress=False).item_features(backlog)
            else:
                item_features(backlog, embedder=emb, cache=ws)
        elif args.stage == "attention" and args.attention_mode == "standin":
            edges = standin_edges(backlog, args.k)
            ws.store_frame("bench_standin_edges", str(args.k), edges)
            out["edges"] = len(edges)
            out["attention"] = "stand-in edges"
        elif args.stage == "attention":
            from attn_team.attention._fitted import workspace_attention

            res = workspace_attention(ws, backlog, k=args.k, progress=False, refit=True, **params)
            out["edges"] = len(res.attend("items", args.k).edges)
            out["fitted"] = "max_epochs" not in params
        else:
            from attn_team.attention._fitted import workspace_attention

            if args.n > args.attention_max:  # links only: no attention at this size in this run
                res = False
                out["attention"] = "none (links only)"
            elif args.attention_mode == "standin":
                res = ws.load_frame("bench_standin_edges", str(args.k))
                out["attention"] = "stand-in edges"
                out["reload_s"] = time.perf_counter() - t1
            else:
                res = workspace_attention(ws, backlog, k=args.k, progress=False, **params)
                out["reload_s"] = time.perf_counter() - t1
            t1 = time.perf_counter()
            if args.stage == "suggestions":
                from attn_team.insights import suggest_dependencies

                out["rows"] = len(suggest_dependencies(backlog, attention=res, top=None, k=args.k))
            elif args.stage == "report":
                from attn_team.views._report import SprintReport

                report = SprintReport(backlog, attention=res)
                path = report.write(d / "report.html")
                out["html_kb"] = round(path.stat().st_size / 1e3, 1)
            elif args.stage == "flow":
                from attn_team.insights import flow_metrics, team_coupling

                fm = flow_metrics(backlog, attention=res if res is not False else None)
                out["cycle_times"] = len(fm.cycle_times)
                if res is not False:
                    tc = team_coupling(backlog, attention=res)
                    out["team_pairs"] = len(tc.pairs)
            else:
                raise SystemExit(f"unknown stage {args.stage!r}; expected one of {STAGES}")
        out["seconds"] = time.perf_counter() - t1
    return out


def _child(args) -> int:
    try:
        out = _stage(args)
    except Exception as exc:  # record the failure of this stage, keep the run going
        out = {"stage": args.stage, "n": args.n, "error": f"{type(exc).__name__}: {exc}"[:400],
               "trace": traceback.format_exc()[-1500:]}
    out["peak_rss_mb"] = round(_peak_mb(), 1)
    sys.stdout.write("RESULT " + json.dumps(out) + "\n")
    return 0


# ---------------------------------------------------------------------------
# the run: every stage of every size in its own process
# ---------------------------------------------------------------------------

def _run_stage(stage: str, n: int, args) -> dict:
    cmd = [sys.executable, __file__, "--child", stage, "--n", str(n), "--dir", args.dir, "--k", str(args.k),
           "--fit-max", str(args.fit_max), "--attention-max", str(args.attention_max),
           "--attention-mode", args.attention_mode]
    for opt in ("embedder", "candidates", "engine"):
        if getattr(args, opt):
            cmd += [f"--{opt}", getattr(args, opt)]
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if not lines:
        return {"stage": stage, "n": n, "error": f"exit {proc.returncode}: {proc.stderr[-600:]}", "wall_s": wall}
    out = json.loads(lines[-1][len("RESULT "):])
    out["wall_s"] = wall
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    ap.add_argument("--dir", default="/tmp/bench_million")
    ap.add_argument("--embedder", default="hash", help="minilm, hash (benchmark stand-in), or a name passed through (static)")
    ap.add_argument("--candidates", default=None, help="passed to CrossAttention(candidates=) when given")
    ap.add_argument("--engine", default=None, help="passed to CrossAttention(engine=) when given")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--attention-mode", choices=("model", "standin"), default="model",
                    help="model: workspace_attention (exact top-k, or whatever the options select); standin: "
                         "random attention-shaped edges (20 per item, a quarter cross-team) for the stages after it")
    ap.add_argument("--attention-max", type=int, default=100_000,
                    help="above this many items: no embed / attention / suggestions stages; report and flow on links only")
    ap.add_argument("--fit-max", type=int, default=10_000,
                    help="fit the model (40 epochs) up to this many items; above, max_epochs=0 (untrained weights)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        args.stage = args.child
        return _child(args)
    sizes = sorted(args.sizes)
    rows = []
    base: dict[str, float] = {}
    print(f"{'items':>9} {'stage':<12} {'seconds':>9} {'us/item':>9} {'vs base':>8} {'peak MB':>8}  notes", flush=True)
    for n in sizes:
        for stage in args.stages:
            if n > args.attention_max and stage in ("embed", "attention", "suggestions"):
                print(f"{n:>9,} {stage:<12} {'skipped':>9}  above --attention-max {args.attention_max:,}", flush=True)
                continue
            r = _run_stage(stage, n, args)
            rows.append(r)
            if "error" in r:
                print(f"{n:>9,} {stage:<12} {'failed':>9}  {r['error'][:160]}", flush=True)
                continue
            per = r["seconds"] / n * 1e6
            if n == sizes[0]:
                base[stage] = per
            ratio = per / base[stage] if base.get(stage) else float("nan")
            notes = ", ".join(f"{k}={v}" for k, v in r.items()
                              if k not in ("stage", "n", "seconds", "peak_rss_mb", "wall_s", "trace"))
            print(f"{n:>9,} {stage:<12} {r['seconds']:>9.1f} {per:>9.1f} {ratio:>7.2f}x {r['peak_rss_mb']:>8.0f}  {notes}",
                  flush=True)
            if args.json:
                args.json.write_text(json.dumps({"args": {k: v for k, v in vars(args).items() if k != "json"},
                                                 "rows": rows}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
