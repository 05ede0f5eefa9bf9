"""Benchmark: time of the markup converters against input size, on the adversarial patterns of issue 10.

Run from the repository root::

    python benchmarks/bench_markup_scaling.py                         # this checkout, 16 KB .. 1 MB
    python benchmarks/bench_markup_scaling.py --baseline ../main      # and another checkout, same run

Each pattern is repeated to a description of ``n`` characters, ``n`` doubling from ``--min``
to ``--max``, and converted by the public converter (``wiki_to_text``, ``html_to_text``,
``adf_to_text``) or by a whole parser (``parse_jira_xml`` with the HTML escaped in
``<description>``, ``parse_jira_json`` with the text split over 20 issues). The figure
is the ratio ``time(2n) / time(n)``: about 2 for linear time, about 4 for quadratic. Every
checkout is measured in its own subprocess (``PYTHONPATH`` set to it); a checkout stops
growing a pattern once one conversion takes longer than ``--budget`` seconds (the
quadratic ones would take hours at 1 MB). Time is the best of ``--repeat`` runs of
``time.process_time`` (CPU time of the process: steadier on a shared machine).
Results are printed as a Markdown table and written to ``benchmarks/out/bench_markup_scaling.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

# name -> (converter, repeated unit, prefix)
PATTERNS = {
    "{{": ("wiki", "{{", ""),
    "{code:": ("wiki", "{code:", ""),
    "{panel:": ("wiki", "{panel:", ""),
    "[~x": ("wiki", "[~x", ""),
    "\\n ": ("wiki", "\n ", ""),
    "h1. + newlines": ("wiki", "\n", "x h1."),
    "??x ": ("wiki", "??x ", ""),
    "<a  (html)": ("html", "<a ", ""),
    "&lt;a  (XML file)": ("xml", "&lt;a ", ""),
    "{code: (JSON, 20 issues)": ("json", "{code:", ""),
    "ADF paragraphs": ("adf", "word ", ""),
    "ADF, 95 nested table cells": ("adf_cells", "word ", ""),
    "plain words (wiki)": ("wiki", "word ", ""),
}

CHILD = r"""
import json, sys, time
import attn_team
print(attn_team.__file__, file=sys.stderr)
from attn_team.io._markup import adf_to_text, html_to_text, wiki_to_text
from attn_team.io._json import parse_jira_json
from attn_team.io._xml import parse_jira_xml

patterns, sizes, repeat, budget = json.loads(sys.argv[1])


def make(kind, unit, prefix, n):
    text = prefix + unit * ((n - len(prefix)) // len(unit))
    if kind == "wiki":
        return wiki_to_text, text
    if kind == "html":
        return html_to_text, text
    if kind == "xml":
        doc = ("<rss><channel><item><key>A-1</key><summary>s</summary><description>" + text
               + "</description></item></channel></rss>")
        return (lambda d: parse_jira_xml(d, source="bench.xml")), doc
    if kind == "json":
        part = len(text) // 20
        issues = [{"key": f"A-{i}", "fields": {"summary": "s", "description": text[i * part:(i + 1) * part]}} for i in range(20)]
        return (lambda d: parse_jira_json([("bench.json", d)])), {"issues": issues}
    if kind == "adf_cells":
        node = {"type": "text", "text": text}
        for _ in range(95):
            node = {"type": "tableCell", "content": [node]}
        return adf_to_text, {"type": "doc", "version": 1, "content": [node]}
    paragraphs = [{"type": "paragraph", "content": [{"type": "text", "text": text[i:i + 200]}, {"type": "hardBreak"}]}
                  for i in range(0, len(text), 200)]
    return adf_to_text, {"type": "doc", "version": 1, "content": paragraphs}


out = {}
for name, (kind, unit, prefix) in patterns.items():
    times = []
    for n in sizes:
        fn, arg = make(kind, unit, prefix, n)
        best = float("inf")
        for _ in range(repeat if n <= 262144 else 1):
            t = time.process_time()
            fn(arg)
            best = min(best, time.process_time() - t)
        times.append(best)
        if best > budget:
            break
    out[name] = times
print(json.dumps(out))
"""


def measure(checkout: Path, sizes: list[int], repeat: int, budget: float) -> dict[str, list[float]]:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    arg = json.dumps([PATTERNS, sizes, repeat, budget])
    # cwd too: "python -c" puts the working directory first on sys.path
    done = subprocess.run([sys.executable, "-c", CHILD, arg], env=env, cwd=checkout, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def ratios(times: list[float]) -> list[float]:
    return [b / a for a, b in zip(times, times[1:]) if a > 0]


def _size(n: int) -> str:
    return f"{n // 1024} KB" if n < 1 << 20 else f"{n / (1 << 20):g} MB"


def table(results: dict[str, dict[str, list[float]]], sizes: list[int]) -> str:
    head = "| pattern | code | " + " | ".join(_size(n) for n in sizes) + " | t(2n)/t(n), median (last) |"
    lines = [head, "|" + "---|" * (len(sizes) + 3)]
    for name in PATTERNS:
        for code, res in results.items():
            times = res[name]
            cells = [f"{t:.4f}" for t in times] + ["-"] * (len(sizes) - len(times))
            r = ratios(times)
            # ratios of very short times are noise: the median is over sizes with t(n) >= 1 ms when there are any
            steady = [b / a for a, b in zip(times, times[1:]) if a >= 1e-3] or r
            summary = f"{statistics.median(steady):.2f} ({r[-1]:.2f})" if r else "-"
            lines.append(f"| `{name}` | {code} | " + " | ".join(cells) + f" | {summary} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--min", type=int, default=16 * 1024, help="smallest description, characters")
    ap.add_argument("--max", type=int, default=1 << 20, help="largest description, characters")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--budget", type=float, default=2.0, help="stop a pattern after a conversion this slow (s)")
    ap.add_argument("--baseline", type=Path, action="append", default=[], help="another checkout to measure")
    args = ap.parse_args(argv)
    sizes = []
    n = args.min
    while n <= args.max:
        sizes.append(n)
        n *= 2
    results = {"this": measure(HERE.parent, sizes, args.repeat, args.budget)}
    for other in args.baseline:
        results[other.name] = measure(other.resolve(), sizes, args.repeat, args.budget)
    md = table(results, sizes)
    print(md)
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_markup_scaling.md").write_text(md + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
