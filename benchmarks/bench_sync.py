"""Benchmark: ``attn-team sync`` of the 2,000-item sample from a Jira on loopback, against importing
the same pages from disk, in the same run.

Run from the repository root (needs the ``test`` extra, for pytest-httpserver)::

    python benchmarks/bench_sync.py               # best of 3
    python benchmarks/bench_sync.py --repeat 1

The server is the fake Jira of the tests (``tests/sync/fake_jira.py``: a real HTTP server on
127.0.0.1, threaded werkzeug) serving the issues, fields and sprints of ``sample_data/jira-json``.
The baseline writes the documents the server serves (fields, boards, sprints per board, search
pages of 100) to a folder and imports it with ``Workspace.import_files`` into a new workspace.
Each sync runs into a new workspace too:

- ``sync, REST 2 (Data Center)``: ``startAt`` pages of 100 with ``expand=changelog``;
- ``sync, REST 3 (Cloud)``: ``nextPageToken`` pages; the server cuts changelogs to 2 entries in the
  search (as Cloud does beyond its own limit), so each issue with more history costs one or more
  ``/issue/{key}/changelog`` requests;
- ``incremental sync, nothing changed``: a second REST 2 sync of the same JQL into the same
  workspace (issues updated since the last sync, minus 10 minutes, plus the keys of the JQL).

Time is the best of ``--repeat`` runs (wall clock). Results go to ``benchmarks/out/bench_sync.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(ROOT / "tests" / "sync"))
TOKEN, EMAIL = "bench-token", "bench@example.com"


def _sample():
    d = ROOT / "sample_data" / "jira-json"
    issues = [i for p in sorted(d.glob("search-*.json")) for i in json.loads(p.read_text())["issues"]]
    return issues, json.loads((d / "fields.json").read_text()), json.loads((d / "sprints.json").read_text())["values"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from fake_jira import FakeJira
    from pytest_httpserver import HTTPServer

    from attn_team.workspace import Workspace

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    os.environ.update(JIRA_EMAIL=EMAIL, JIRA_API_TOKEN=TOKEN)
    issues, fields, sprints = _sample()
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    results: dict[str, dict] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            jira = FakeJira(server, issues=issues, fields=fields, sprints=sprints, token=TOKEN, email=EMAIL,
                            deployment="Server", max_results=100)
            folder = jira.write(tmp / "pages", page_size=100)
            n_files = len(list(folder.iterdir()))
            run = 0

            def timed(name, fn, requests=True):
                nonlocal run
                best, extra = None, {}
                for _ in range(args.repeat):
                    run += 1
                    jira.log.clear()
                    t0 = time.perf_counter()
                    row = fn(tmp / f"ws{run}.duckdb")
                    dt = time.perf_counter() - t0
                    if best is None or dt < best:
                        best = dt
                        extra = {"n_items": int(row["n_items"]), "requests": len(jira.log) if requests else 0}
                results[name] = {"seconds": round(best, 3), **extra}
                print(f"{name:<40} {best:7.2f} s  {extra}", flush=True)

            def from_disk(path):
                with Workspace(path) as ws:
                    return ws.import_files(folder)

            def sync(path, api):
                jira.deployment = "Cloud" if api == 3 else "Server"
                with Workspace(path) as ws:
                    return ws.sync(jira.url, jql="project in (PAY, IDN, DAT, MOB, WEB, PLT)", progress=False,
                                   page_size=100)

            def incremental(path):
                jira.deployment = "Server"
                with Workspace(path) as ws:
                    ws.sync(jira.url, jql="project in (PAY, IDN, DAT, MOB, WEB, PLT)", progress=False, page_size=100)
                    jira.log.clear()
                    t0 = time.perf_counter()
                    row = ws.sync(jira.url, jql="project in (PAY, IDN, DAT, MOB, WEB, PLT)", progress=False, page_size=100)
                    row["_t"] = time.perf_counter() - t0
                    return row

            timed(f"import_files ({n_files} files, baseline)", from_disk, requests=False)
            timed("sync, REST 2 (Data Center)", lambda p: sync(p, 2))
            timed("sync, REST 3 (Cloud)", lambda p: sync(p, 3))
            best = None
            for _ in range(args.repeat):
                run += 1
                row = incremental(tmp / f"ws{run}.duckdb")
                if best is None or row["_t"] < best[0]:
                    best = (row["_t"], {"n_items": int(row["n_items"]), "fetched": int(row["fetched"]), "requests": len(jira.log)})
            results["incremental sync, nothing changed"] = {"seconds": round(best[0], 3), **best[1]}
            print(f"{'incremental sync, nothing changed':<40} {best[0]:7.2f} s  {best[1]}", flush=True)
    finally:
        server.stop()
    base = next(v["seconds"] for k, v in results.items() if k.startswith("import_files"))
    for v in results.values():
        v["ratio"] = round(v["seconds"] / base, 2)
    OUT.mkdir(exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else None, "repeat": args.repeat}
    (OUT / "bench_sync.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
