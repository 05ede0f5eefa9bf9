"""Flow figures and forecasts at scale: 100,000 items and 1,000,000 status changes.

A seeded organisation of ``--items`` items in 20 teams is built directly as tables (no
generator, no parsing: only the flow computation is timed). Each item gets status changes
through To Do -> In Progress -> In Review -> Done with backward moves and reopenings, about
``--events / --items`` per item; 2% of the items are blocked by another team's item.

Measured in the same run:

- ``flow_metrics`` (every figure: stages, cycle and lead times, percentiles, throughput per day
  and week, WIP, cumulative flow, ageing WIP, net flow, dependency cost with bootstrap), and
  as baseline a plain pandas computation of the cycle times, daily throughput and a daily
  stage count (groupby first start / last done per key, ``value_counts`` per day, a pivot of
  the stage changes with ``cumsum``): the ratio says what the other figures cost on top;
- ``forecast`` of 10,000 runs for 500 items, the Monte Carlo part alone, and as baseline the
  same Monte Carlo written as a Python loop over runs (numpy per run).

Run:  python benchmarks/bench_flow.py [--items 100000] [--events 1000000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

STATUSES = ["To Do", "In Progress", "In Review", "Done"]
CATS = ["todo", "in_progress", "in_progress", "done"]


def build(n_items: int, n_events: int, seed: int = 0):
    from attn_team.model import Backlog

    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2023-01-01", tz="UTC").value
    day = 86_400 * 10**9
    keys = np.array([f"T{i % 20}-{i}" for i in range(n_items)], dtype=object)
    teams = np.array([f"team {i % 20}" for i in range(n_items)], dtype=object)
    created = t0 + rng.integers(0, 700 * day, n_items)
    per = max(1, int(np.ceil(1.7 * n_events / n_items)))  # some steps do not move (clipped at both ends)
    # each item walks a random path over the 4 statuses, mostly forward
    steps = rng.choice([1, 1, 1, -1], size=(n_items, per))
    level = np.zeros(n_items, np.int64)
    at = created.copy()
    ev_key, ev_at, ev_from, ev_to = [], [], [], []
    for j in range(per):
        new = np.clip(level + steps[:, j], 0, 3)
        moved = new != level
        at = at + rng.integers(day // 24, 4 * day, n_items)
        ev_key.append(keys[moved])
        ev_at.append(at[moved])
        ev_from.append(level[moved])
        ev_to.append(new[moved])
        level = new
    ev_from = np.concatenate(ev_from)[:n_events]
    ev_to = np.concatenate(ev_to)[:n_events]
    ev_key = [np.concatenate(ev_key)[:n_events]]
    ev_at = [np.concatenate(ev_at)[:n_events]]
    st = np.array(STATUSES, dtype=object)
    events = pd.DataFrame({"key": np.concatenate(ev_key), "at": pd.to_datetime(np.concatenate(ev_at), utc=True),
                           "field": "status", "from": st[ev_from], "to": st[ev_to], "origin": "changelog"})
    items = pd.DataFrame({"key": keys, "team": teams, "type": "Story", "status": st[level],
                          "status_category": np.array(CATS, dtype=object)[level],
                          "created": pd.to_datetime(created, utc=True), "summary": "item"})
    n_links = n_items // 50
    a, b = rng.integers(0, n_items, n_links), rng.integers(0, n_items, n_links)
    links = pd.DataFrame({"source_key": keys[a], "target_key": keys[b], "link_type": "Blocks",
                          "category": "dependency", "label": "blocks"})
    return Backlog(items=items, events=events, links=links)


def baseline_pandas(backlog) -> dict:
    """Cycle times, daily throughput and daily stage counts the plain pandas way."""
    stage = {"To Do": 0, "In Progress": 2, "In Review": 2, "Done": 3}
    ev = backlog.events[backlog.events["field"] == "status"].copy()
    ev["to_stage"] = ev["to"].map(stage)
    ev["from_stage"] = ev["from"].map(stage)
    ev = ev.sort_values(["key", "at"])
    start = ev[ev["to_stage"] >= 2].groupby("key")["at"].min()
    last = ev.groupby("key").tail(1).set_index("key")
    done = ev[(ev["to_stage"] == 3) & (ev["from_stage"] != 3)].groupby("key")["at"].max()
    done = done[last.loc[done.index, "to_stage"] == 3]
    ct = pd.DataFrame({"start": start, "end": done}).dropna()
    ct["days"] = (ct["end"] - ct["start"]) / pd.Timedelta(days=1)
    team = backlog.items.set_index("key")["team"]
    tp = ct.assign(team=team.reindex(ct.index).to_numpy(), date=ct["end"].dt.floor("D")).groupby(["team", "date"]).size()
    moves = ev[ev["to_stage"] != ev["from_stage"]]
    day = moves["at"].dt.floor("D")
    plus = pd.crosstab(day, moves["to_stage"])
    minus = pd.crosstab(day, moves["from_stage"])
    cfd = plus.sub(minus, fill_value=0).cumsum()
    return {"cycle": ct, "throughput": tp, "cfd": cfd}


def mc_loop(history: np.ndarray, n: int, runs: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty(runs)
    for r in range(runs):
        total, days = 0.0, 0
        while total < n:
            total += history[rng.integers(0, len(history))]
            days += 1
        out[r] = days
    return out


def timed(fn, *a, repeat: int = 3, **kw):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*a, **kw)
        best = min(best, time.perf_counter() - t)
    return out, best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    from attn_team.insights._flow import flow_metrics
    from attn_team.insights._forecast import _when, forecast

    t = time.perf_counter()
    b = build(args.items, args.events)
    print(f"built {b.n_items:,} items, {len(b.events):,} status changes in {time.perf_counter() - t:.1f}s (not timed)")
    res = {"items": b.n_items, "events": len(b.events)}
    fm, res["flow_metrics_s"] = timed(flow_metrics, b, repeat=2)
    _, res["baseline_pandas_s"] = timed(baseline_pandas, b, repeat=2)
    res["flow_vs_baseline"] = res["flow_metrics_s"] / res["baseline_pandas_s"]
    res["n_done"] = int(fm.cycle_times["cycle_time_days"].notna().sum())
    _, res["forecast_s"] = timed(forecast, b, items=500, runs=10_000, random_state=0, repeat=2)
    history = fm.throughput[fm.throughput["team"] == "(all)"]["items"].to_numpy(float)[-84:]
    _, res["mc_vectorised_s"] = timed(_when, np.random.default_rng(0), history, 500, 10_000, repeat=3)
    _, res["mc_python_loop_s"] = timed(mc_loop, history, 500, 10_000, repeat=1)
    res["mc_speedup"] = res["mc_python_loop_s"] / res["mc_vectorised_s"]
    for k, v in res.items():
        print(f"{k:>22}: {v:,.3f}" if isinstance(v, float) else f"{k:>22}: {v:,}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
