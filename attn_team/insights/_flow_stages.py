"""Workflow stages: every status mapped to backlog, committed, in progress or done (see :mod:`._flow`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model import Backlog

__all__ = ["STAGES", "stage_map", "load_stages"]

STAGES = ("backlog", "committed", "in_progress", "done")
_BACKLOG, _COMMITTED, _IN_PROGRESS, _DONE = range(4)
_COMMITTED_NAMES = {"selected for development", "ready for development", "ready", "committed", "planned"}
_DONE_WORDS = ("done", "closed", "resolved", "released", "complete", "cancel", "rejected", "won't", "wont", "fixed")
_TODO_WORDS = ("to do", "todo", "open", "backlog", "new", "reopened", "selected")


def _lower_codes(values: pd.Series, lookup: Mapping[str, Any], default: Any) -> np.ndarray:
    """``lookup[value.lower()]`` for every value (``default`` when missing or unknown), lower-casing only the distinct values."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    lut = np.array([lookup.get(str(u).lower(), default) for u in uniq] + [default])
    return lut[codes] if len(values) else np.zeros(0, dtype=lut.dtype)


def _is_status(events: pd.DataFrame) -> np.ndarray:
    return _lower_codes(events["field"], {"status": True}, False).astype(bool)


def _norm_stage(value: Any) -> int:
    s = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {"todo": "backlog", "to_do": "backlog", "inprogress": "in_progress", "started": "in_progress",
               "wip": "in_progress", "selected": "committed"}
    s = aliases.get(s, s)
    if s not in STAGES:
        raise ValueError(f"unknown stage {value!r}: use one of {', '.join(STAGES)}")
    return STAGES.index(s)


def load_stages(path: str | os.PathLike) -> dict[str, str]:
    """The ``[stages]`` table (status name -> stage) of a TOML or YAML teams file (empty when absent)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text) or {}
    else:
        import tomllib

        data = tomllib.loads(text)
    table = data.get("stages", {}) if isinstance(data, Mapping) else {}
    if not isinstance(table, Mapping):
        raise ValueError(f"{path.name}: [stages] must map status names to stages ({', '.join(STAGES)})")
    return {str(k): str(v) for k, v in table.items()}


def _guess_by_name(name: str) -> int:
    n = name.strip().lower()
    if n in _COMMITTED_NAMES:
        return _COMMITTED
    if any(w in n for w in _DONE_WORDS):
        return _DONE
    if any(n == w or n.startswith(w) for w in _TODO_WORDS):
        return _BACKLOG
    return _IN_PROGRESS


def stage_map(backlog: Backlog, stages: Mapping[str, str] | str | os.PathLike | None = None) -> pd.DataFrame:
    """Every status of ``backlog`` (current and in its history) with its stage and why.

    Returns
    -------
    DataFrame
        ``status, stage, rule``; ``rule`` is ``"mapping"``, ``"category"`` or ``"name"``.
    """
    if isinstance(stages, (str, os.PathLike)):
        stages = load_stages(stages)
    user = {str(k).strip().lower(): _norm_stage(v) for k, v in (stages or {}).items()}
    items = backlog.items
    cats = (items.dropna(subset=["status"]).groupby("status", observed=True)["status_category"]
            .agg(lambda s: s.mode().iloc[0] if s.notna().any() else pd.NA))
    names: dict[str, None] = dict.fromkeys(str(s) for s in items["status"].dropna().unique())
    ev = backlog.events
    st = ev[_is_status(ev)] if len(ev) else ev
    for col in ("from", "to"):
        names.update(dict.fromkeys(str(s) for s in st[col].dropna().unique()))
    rows = []
    for name in names:
        low = name.strip().lower()
        cat = cats.get(name, pd.NA)
        if low in user:
            rows.append((name, STAGES[user[low]], "mapping"))
        elif isinstance(cat, str):
            code = {"todo": _BACKLOG, "in_progress": _IN_PROGRESS, "done": _DONE}.get(cat, _IN_PROGRESS)
            if code == _BACKLOG and low in _COMMITTED_NAMES:
                code = _COMMITTED
            rows.append((name, STAGES[code], "category"))
        else:
            rows.append((name, STAGES[_guess_by_name(name)], "name"))
    return pd.DataFrame(rows, columns=["status", "stage", "rule"]).astype("string")
