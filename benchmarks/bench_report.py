"""Import-to-report time: Jira export -> workspace -> fitted attention -> sprint report (HTML).

For the sample organisation (``sample_data/jira-json``, 2,000 items) and, with ``--big``, a
generated 20,000-item organisation (written as REST JSON pages first; generation is not
timed), it measures two runs:

- **cold**: a new workspace file (import, embeddings computed, fit, report);
- **warm**: the same workspace re-opened (re-import of unchanged files is a no-op; the item
  attention is read from the workspace, where the CLI caches it; report).

This is the path of ``attn-team import`` + ``attn-team report``. Stages are timed separately
(import, backlog load, attention = embed + fit + attend or the cache, insights + render, write). The baseline
measured in the same run is the plain parse of the same export (``read_jira``), and the report
prints each total as a ratio to it, and warm/cold.

Run:  python benchmarks/bench_report.py [--csv] [--big] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]


def _timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t


def run_once(ws_path: Path, exports: list[Path], teams: Path | None, out: Path) -> dict:
    from attn_team._commands.suggest import item_attention
    from attn_team.views._report import SprintReport
    from attn_team.workspace import Workspace

    stages = {}
    t0 = time.perf_counter()
    with Workspace(ws_path) as ws:
        _, stages["import"] = _timed(ws.import_files, [str(p) for p in exports], teams=str(teams) if teams else None)
        backlog, stages["backlog"] = _timed(ws.backlog)
        model, stages["attention"] = _timed(item_attention, backlog, ws, progress=False)
        report = SprintReport(backlog, attention=model)
        _, stages["insights+render"] = _timed(report.html)
        _, stages["write"] = _timed(report.write, out)
    stages["total"] = time.perf_counter() - t0
    stages["n_items"] = backlog.n_items
    stages["sprint"] = report.sprint_name
    return stages


def bench(name: str, exports: list[Path], teams: Path | None, tmp: Path) -> dict:
    from attn_team.io._detect import read_jira

    _, baseline = _timed(read_jira, [str(p) for p in exports], teams=str(teams) if teams else None)
    ws_path = tmp / f"{name}.duckdb"
    cold = run_once(ws_path, exports, teams, tmp / f"{name}-cold.html")
    warm = run_once(ws_path, exports, teams, tmp / f"{name}-warm.html")
    return {"name": name, "baseline_read_jira_s": baseline, "cold": cold, "warm": warm}


def show(r: dict) -> None:
    base = r["baseline_read_jira_s"]
    print(f"\n{r['name']}: {r['cold']['n_items']:,} items, sprint {r['cold']['sprint']!r}; "
          f"baseline read_jira {base:.2f} s")
    print(f"  {'stage':<16}{'cold s':>9}{'warm s':>9}")
    for stage in ("import", "backlog", "attention", "insights+render", "write", "total"):
        print(f"  {stage:<16}{r['cold'][stage]:>9.2f}{r['warm'][stage]:>9.2f}")
    print(f"  total / read_jira: cold {r['cold']['total'] / base:.1f}x, warm {r['warm']['total'] / base:.1f}x; "
          f"warm / cold {r['warm']['total'] / r['cold']['total']:.2f}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--big", action="store_true", help="also run the 20,000-item generated organisation (slow)")
    ap.add_argument("--n-big", type=int, default=20000)
    ap.add_argument("--csv", action="store_true", help="the sample as its CSV export (names, no sprint dates or history)")
    ap.add_argument("--json", type=Path, help="write the results as JSON")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench_report_"))
    results = []
    try:
        sample = REPO / "sample_data"
        exports = [sample / "jira-json"] if (sample / "jira-json").exists() and not args.csv else [sample / "jira-export.csv"]
        results.append(bench("sample-csv" if args.csv else "sample", exports, sample / "teams.toml" if (sample / "teams.toml").exists() else None, tmp))
        show(results[-1])
        if args.big:
            from attn_team.synthetic import generate, write_jira_json_pages, write_teams_file

            org = generate(n_items=args.n_big, n_people=max(48, args.n_big // 40), random_state=0)
            folder = tmp / "big-json"
            write_jira_json_pages(org, folder)
            teams = write_teams_file(org, tmp / "big-teams.toml")
            del org
            results.append(bench(f"generated-{args.n_big}", [folder], teams, tmp))
            show(results[-1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
