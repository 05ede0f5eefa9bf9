"""Monte Carlo forecasts from sampled throughput, with cross-team waiting drawn from its own cycle times.

Two questions, as in ActionableAgile and jira-agile-metrics:

- **When** will these items be done? Each run draws one past day's throughput per future day
  (days sampled with replacement from the last ``window`` days of the team, or of the whole
  organisation) until the items are done. Items that wait now on an unfinished item of another
  team (dependency link, or strong attention when ``attention`` is given) are not left to
  throughput: each run draws each such item's remaining time from the cycle times of past items
  that waited on another team (minus the time it already spent in progress, redrawn among
  longer cycle times), and the set is done when both the throughput part and every waiting item
  are done.
- **How many** items will be done by a date? Each run sums the sampled throughput of the days
  until then.

Percentiles are read the way a plan is made: the 85th percentile of "when" is the date by which
85% of the runs were done; the 85th percentile of "how many" is the number that 85% of the runs
reached or beat (the 15th percentile of the counts). Runs are seeded (``random_state``) and
vectorised: 10,000 runs take milliseconds.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from ..model import Backlog
from ._flow import ALL_TEAMS, PERCENTILES, _now, flow_metrics

__all__ = ["forecast", "FORECAST_COLUMNS"]

log = logging.getLogger(__name__)

FORECAST_COLUMNS = ["question", "percentile", "date", "days", "items"]
_MAX_DAYS = 3650


def _open_items(backlog: Backlog, items: Any, team: str | None, cycle: pd.DataFrame) -> tuple[list[str], str]:
    """The keys the "when" question is about, and a description."""
    open_ct = cycle[cycle["stage"] != "done"]
    if team is not None:
        open_ct = open_ct[open_ct["team"] == team]
    if items is None:
        return open_ct["key"].tolist(), f"the {len(open_ct):,} open item(s)" + (f" of {team}" if team else "")
    if isinstance(items, (int, np.integer)) and not isinstance(items, bool):
        if items < 0:
            raise ValueError(f"items must be a positive number of items, got {items}")
        return [f"#{i}" for i in range(int(items))], f"{int(items):,} item(s)"
    if isinstance(items, str):
        it = backlog.items
        open_keys = set(open_ct["key"])
        kids = it.loc[((it["epic_key"] == items) | (it["parent_key"] == items)).fillna(False), "key"]
        if len(kids):
            keys = [k for k in kids if k in open_keys]
            return keys, f"the {len(keys):,} open item(s) of {items}"
        in_version = it.loc[it["fix_versions"].map(lambda v: items in v).astype(bool), "key"]
        if len(in_version):
            keys = [k for k in in_version if k in open_keys]
            return keys, f"the {len(keys):,} open item(s) of fix version {items}"
        if items in set(cycle["key"]):
            return [items] if items in open_keys else [], f"item {items}"
        raise KeyError(f"no epic, item or fix version {items!r} in this backlog")
    keys = [str(k) for k in items]
    known = set(cycle["key"])
    missing = [k for k in keys if k not in known]
    if missing:
        raise KeyError(f"unknown (or not counted: epics and sub-tasks are left out) item key(s) {missing[:5]}")
    done = set(cycle.loc[cycle["stage"] == "done", "key"])
    return [k for k in keys if k not in done], f"{len(keys):,} given item(s)"


def _when(rng: np.random.Generator, history: np.ndarray, n: int, runs: int) -> np.ndarray:
    """Days until ``n`` items are done in each run (``inf`` past the horizon)."""
    out = np.full(runs, np.inf)
    if n <= 0:
        return np.zeros(runs)
    mean = history.mean()
    if mean <= 0:
        return out
    horizon = int(min(_MAX_DAYS, max(30, np.ceil(3 * n / mean) + 30)))
    todo = np.arange(runs)
    total = np.zeros(runs)
    day0 = 0
    while len(todo) and day0 < _MAX_DAYS:
        step = min(horizon, _MAX_DAYS - day0)
        draws = history[rng.integers(0, len(history), size=(len(todo), step))]
        cum = total[todo, None] + np.cumsum(draws, axis=1)
        reached = cum >= n
        hit = reached.any(axis=1)
        first = reached.argmax(axis=1)
        out[todo[hit]] = day0 + first[hit] + 1
        total[todo] = cum[:, -1]
        todo = todo[~hit]
        day0 += step
    return out


def _remaining_max(rng: np.random.Generator, cycle_days: np.ndarray, ages: np.ndarray, runs: int) -> np.ndarray:
    """Per run, the most days left of any waiting item: each item's draw is a past waiting cycle time
    longer than its age, minus its age.

    Only the running maximum is held (``runs`` values), not a runs x items table: with 10,000 runs
    and the tens of thousands of waiting items of a million-item backlog that table took 2 GB.
    """
    out = np.full(runs, -np.inf)
    srt = np.sort(cycle_days)
    for age in ages:
        longer = srt[np.searchsorted(srt, age, side="right"):]  # the past cycle times > age
        if not len(longer):  # older than every past one: assume it ends within a day of the oldest
            np.maximum(out, rng.random(runs), out=out)
            continue
        np.maximum(out, longer[rng.integers(0, len(longer), size=runs)] - age, out=out)
    return out


def forecast(backlog: Backlog, *, items: Any = None, until: Any = None, team: str | None = None, runs: int = 10_000,
             random_state: Any = None, now: Any = None, window: int = 84, stages: Any = None,
             attention: Any = None) -> pd.DataFrame:
    """Monte Carlo forecast: when will these items be done, or how many will be done by a date.

    Parameters
    ----------
    backlog : Backlog
    items : int, str, list of str or None
        What "when" is about: a number of items, an epic key (its open children), a fix version
        (its open items), a list of item keys, or ``None`` for every open item (of ``team``).
    until : datetime-like, optional
        Ask "how many items by this date" instead of "when".
    team : str, optional
        Throughput history and open items of this team (default: the whole organisation).
    runs : int, default=10_000
    random_state : int, optional
        Seed; the same seed gives the same forecast.
    now : datetime-like, optional
        Day 0 of the forecast (default: the latest time in the backlog).
    window : int, default=84
        Days of throughput history sampled: the last 12 weeks before the day of ``now``.
    stages, attention
        As in :func:`~attn_team.insights._flow.flow_metrics`; ``attention`` adds strong attention
        edges to the links when deciding which items wait on another team.

    Returns
    -------
    DataFrame
        One row per percentile (50, 85, 95): ``question`` (``"when"`` or ``"how many"``),
        ``percentile``, ``date``, ``days`` (from ``now``), ``items``. ``df.attrs`` holds ``runs``,
        ``n_items``, ``n_waiting`` (items drawn from the waiting cycle times), ``histogram``
        (``{"value": [...], "runs": [...]}``), ``description`` and ``notes``.

    Raises
    ------
    KeyError
        Unknown team, epic, fix version or item keys.
    ValueError
        ``runs`` or ``window`` is not positive, or ``until`` is before ``now``.

    Examples
    --------
    >>> from attn_team.model import Backlog
    >>> b = Backlog(items={"key": ["A-1", "A-2", "A-3"], "status": ["Done", "Done", "To Do"],
    ...                    "status_category": ["done", "done", "todo"],
    ...                    "created": ["2025-01-01"] * 3, "resolved": ["2025-01-02", "2025-01-04", None]})
    >>> forecast(b, items=1, random_state=0, window=4)["question"].tolist()
    ['when', 'when', 'when']
    """
    if int(runs) < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    if int(window) < 1:
        raise ValueError(f"window must be at least 1 day, got {window}")
    runs = int(runs)
    now = _now(backlog, now)
    fm = flow_metrics(backlog, team=team, stages=stages, attention=attention, now=now)
    tp = fm.throughput
    scope = team if team is not None else (ALL_TEAMS if (tp["team"] == ALL_TEAMS).any() else None)
    if scope is not None:
        tp = tp[tp["team"] == scope]
    day0 = now.normalize()
    # the last ``window`` whole days before today (today is not over yet)
    hist = tp[(tp["date"] >= day0 - pd.Timedelta(days=int(window))) & (tp["date"] < day0)]
    history = hist["items"].to_numpy(float) if len(hist) else np.zeros(1)
    rng = np.random.default_rng(random_state)
    notes = list(fm.notes)
    if history.sum() == 0:
        notes.append(f"No item was finished in the {int(window)} days before {day0:%Y-%m-%d}: throughput cannot forecast.")
    ct = fm.cycle_times
    rows = []
    if until is not None:
        end = pd.Timestamp(until)
        end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
        days = int(np.floor((end - now) / pd.Timedelta(days=1)))
        if days < 0:
            raise ValueError(f"until ({end:%Y-%m-%d}) is before now ({now:%Y-%m-%d})")
        counts = history[rng.integers(0, len(history), size=(runs, days))].sum(axis=1) if days else np.zeros(runs)
        for p in PERCENTILES:
            rows.append({"question": "how many", "percentile": p, "date": end, "days": float(days),
                         "items": float(np.floor(np.percentile(counts, 100 - p)))})
        values = counts
        n_items, n_wait, desc = int(counts.max()), 0, f"items done by {end:%Y-%m-%d}"
    else:
        keys, desc = _open_items(backlog, items, team, ct)
        waiting = ct[ct["key"].isin(set(keys)) & ct["waited"]]
        n_wait = len(waiting)
        plain = len(keys) - n_wait
        total = _when(rng, history, plain, runs)
        if n_wait:
            past = ct[ct["waited"] & ct["cycle_time_days"].notna()]["cycle_time_days"].to_numpy(float)
            if len(past) < 5:
                notes.append(f"Only {len(past)} finished item(s) ever waited on another team: the {n_wait} waiting "
                             "item(s) are forecast by throughput.")
                total = _when(rng, history, len(keys), runs)
                n_wait = 0
            else:
                ages = ((now - waiting["start"]) / pd.Timedelta(days=1)).fillna(0.0).clip(lower=0).to_numpy(float)
                total = np.maximum(total, _remaining_max(rng, past, ages, runs))
        finite = total[np.isfinite(total)]
        capped = np.where(np.isfinite(total), total, 10.0 * _MAX_DAYS)  # not done: beyond any horizon
        for p in PERCENTILES:
            d = float(np.percentile(capped, p))
            d = d if d <= _MAX_DAYS else np.nan
            rows.append({"question": "when", "percentile": p, "days": d,
                         "date": (day0 + pd.Timedelta(days=float(np.ceil(d)))) if d == d else pd.NaT,
                         "items": float(len(keys))})
        values = finite
        n_items = len(keys)
        if len(finite) < runs:
            notes.append(f"{runs - len(finite):,} of {runs:,} runs were not done within {_MAX_DAYS} days.")
    df = pd.DataFrame(rows, columns=FORECAST_COLUMNS)
    df["date"] = pd.to_datetime(df["date"], utc=True)
    if len(values):
        v = np.ceil(values).astype(np.int64)
        uniq, cnt = np.unique(v, return_counts=True)
        hist_out = {"value": uniq.tolist(), "runs": cnt.tolist()}
    else:
        hist_out = {"value": [], "runs": []}
    df.attrs.update({"runs": runs, "n_items": n_items, "n_waiting": n_wait, "histogram": hist_out,
                     "description": desc, "now": now, "team": team, "window_days": int(window), "notes": notes})
    log.info("forecast of %s: %d runs, %d item(s) drawn from waiting cycle times", desc, runs, n_wait)
    return df
