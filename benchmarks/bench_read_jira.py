"""Benchmark: ``read_jira`` on a 100,000-row Jira "all fields" CSV against ``pandas.read_csv``.

Run from the repository root::

    python benchmarks/bench_read_jira.py                 # 100,000 rows, 3 repeats
    python benchmarks/bench_read_jira.py --rows 20000 --repeat 1

The CSV is generated once with :mod:`attn_team.synthetic` (``generate`` +
``write_jira_csv``) and cached in ``benchmarks/out/``. Every measurement runs in
a fresh subprocess, so peak memory is that process's own: the peak resident set
size (``ru_maxrss``) minus the resident size after imports, plus the
``tracemalloc`` peak (Python and NumPy allocations only). Time is the best of
``--repeat`` runs, as wall-clock and as CPU time of the process (``time.process_time``:
steadier on a shared machine). Ratios are against ``pandas.read_csv(path)`` measured in the
same run. Results are printed as a table and written to
``benchmarks/out/bench_read_jira.json`` and ``.md``.

Measured:

- ``pandas.read_csv``: the baseline, default arguments (dtype inference, mangled duplicate names;
  ``low_memory=True``, which is also the faster setting here: about 1.1 s against 1.3 s);
- ``pandas.read_csv, every cell as text``: the same tokeniser, no type inference, empty cells kept
  as ``""`` (what our parser asks of pandas, for all 87 columns instead of the 75 it uses): the
  part of our time that is pandas' own;
- ``parse, markup off``: the CSV parser with descriptions left as wiki markup (what the
  conversion to plain text costs is the difference to the next line);
- ``parse (read_jira_csv)``: the CSV parser alone (file -> ``RawExport``);
- ``read_jira``: the whole public call (parse + ``assemble`` + ``Backlog`` validation).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

MODES = {
    "pandas.read_csv": "pandas",
    "pandas.read_csv, every cell as text": "pandas_text",
    "parse, markup off": "parse_nomarkup",
    "parse (read_jira_csv)": "parse",
    "read_jira": "read_jira",
}


def _rss_now() -> int:
    """Resident set size of this process in bytes (Linux), else 0."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _child(mode: str, path: str, trace: bool) -> dict:
    """Run one measurement in this (fresh) process and return its figures."""
    import tracemalloc

    import pandas as pd

    from attn_team.io._csv import read_jira_csv
    from attn_team.io._detect import read_jira

    if mode == "parse_nomarkup":  # descriptions kept as wiki markup: shows what the conversion costs
        import attn_team.io._markup as markup

        markup.wiki_to_text = lambda s: s
    fn = {
        "pandas": lambda: pd.read_csv(path),  # default arguments, as documented above
        "pandas_text": lambda: pd.read_csv(path, dtype=object, na_filter=False),
        "parse": lambda: read_jira_csv(path),
        "parse_nomarkup": lambda: read_jira_csv(path),
        "read_jira": lambda: read_jira(path),
    }[mode]
    base = _rss_now()
    if trace:
        tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_traced = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    n = len(result) if mode.startswith("pandas") else (result.n_items if mode == "read_jira" else len(result.issues))
    return {"seconds": seconds, "cpu": cpu, "peak_rss_delta": max(0, peak_rss - base), "peak_traced": peak_traced, "rows": n}


def _run_child(mode: str, path: Path, trace: bool) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(path)] + (["--trace"] if trace else [])
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _make_csv(rows: int, seed: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"jira_all_fields_{rows}_seed{seed}.csv"
    if path.exists():
        return path
    from attn_team.synthetic import generate, write_jira_csv

    t0 = time.perf_counter()
    org = generate(n_items=rows, random_state=seed)
    tmp = path.with_suffix(".tmp")
    write_jira_csv(org, tmp)
    tmp.replace(path)
    print(f"generated {path.name} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f} s", flush=True)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000, help="rows of the generated CSV (default 100000)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the generator (default 0)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per reader; the best is kept (default 3)")
    ap.add_argument("--csv", type=Path, help="benchmark this CSV instead of a generated one")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    ap.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        print(json.dumps(_child(args.child[0], args.child[1], args.trace)))
        return 0

    path = args.csv or _make_csv(args.rows, args.seed)
    size_mb = path.stat().st_size / 1e6
    results = {}
    for label, mode in MODES.items():
        times, cpus, rss = [], [], []
        for _ in range(args.repeat):
            r = _run_child(mode, path, trace=False)
            times.append(r["seconds"])
            cpus.append(r["cpu"])
            rss.append(r["peak_rss_delta"])
        traced = _run_child(mode, path, trace=True)
        results[label] = {
            "seconds": min(times),
            "all_seconds": times,
            "cpu_seconds": min(cpus),
            "peak_rss_mb": min(rss) / 1e6,
            "peak_traced_mb": traced["peak_traced"] / 1e6,
            "rows": traced["rows"],
        }
        print(f"  measured {label}: {min(times):.2f} s wall, {min(cpus):.2f} s cpu", flush=True)

    base = results["pandas.read_csv"]
    lines = [
        f"read_jira benchmark: {path.name}, {base['rows']:,} rows, {size_mb:.1f} MB, best of {args.repeat}",
        f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpu(s) (shared machine: timings are noisy)",
        "",
        "| reader | wall (s) | x pandas | cpu (s) | x pandas | peak RSS (MB) | x pandas | traced peak (MB) | x pandas |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in results.items():
        r["time_ratio"] = r["seconds"] / base["seconds"]
        r["cpu_ratio"] = r["cpu_seconds"] / base["cpu_seconds"]
        r["rss_ratio"] = r["peak_rss_mb"] / base["peak_rss_mb"] if base["peak_rss_mb"] else None
        r["traced_ratio"] = r["peak_traced_mb"] / base["peak_traced_mb"] if base["peak_traced_mb"] else None
        lines.append(
            f"| {label} | {r['seconds']:.2f} | {r['time_ratio']:.2f} | {r['cpu_seconds']:.2f} | {r['cpu_ratio']:.2f} | {r['peak_rss_mb']:.0f} | "
            f"{r['rss_ratio'] or 0:.2f} | {r['peak_traced_mb']:.0f} | {r['traced_ratio'] or 0:.2f} |"
        )
    lines.append("")
    lines.append("target: read_jira at most 1.5x pandas.read_csv")
    table = "\n".join(lines)
    print(table)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_read_jira.md").write_text(table + "\n", encoding="utf-8")
    (OUT / "bench_read_jira.json").write_text(
        json.dumps({"file": path.name, "size_mb": size_mb, "repeat": args.repeat, "results": results}, indent=2),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
