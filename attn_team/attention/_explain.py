"""One-line explanations of attention edges, from the per-head contributions and group similarities.

:func:`explain` is pure: it takes what scoring computed for the kept pairs and returns the
reasons; nothing is stored on the model. People are named by their display names, shared
words are distinctive terms only (see :func:`~attn_team.attention._features.shared_terms`).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..model import is_missing as _isna
from ._features import ItemFeatures, shared_terms

__all__ = ["explain", "display_names"]


def display_names(backlog) -> dict[str, str]:
    """Person id -> display name (the id where no name is known)."""
    p = backlog.people
    return {str(a): (str(b) if not _isna(b) and str(b) else str(a)) for a, b in zip(p["person"], p["display_name"])}


def _quoted(values, limit: int = 2) -> str:
    return ", ".join(f"'{v}'" for v in list(values)[:limit])


def explain(backlog, qf: ItemFeatures, kf: ItemFeatures, qi: np.ndarray, kj: np.ndarray,
            contrib: dict[str, np.ndarray], sims: dict[str, np.ndarray], to: str) -> list[str]:
    """Reasons for the pairs ``(qi[t], kj[t])`` (row positions in ``qf`` / ``kf``).

    ``contrib`` holds each head's contribution to the score, ``sims`` each sparse group's raw
    similarity (both aligned with the pairs).
    """
    n = len(qi)
    if n == 0:
        return []
    items = backlog.items
    zeros = np.zeros(n)

    def sim(g):
        return sims.get(g, zeros)

    terms = shared_terms(qf.groups["lex"][qi], kf.groups["lex"][kj], qf.vocabulary,
                         term_df=qf.term_df, n_items=qf.n)
    names = display_names(backlog)
    comps = items["components"].tolist()
    labels = items["labels"].tolist()
    epics = items["epic_key"].tolist()
    parents = items["parent_key"].tolist()
    keys = qf.keys
    sprints = items["sprints"].tolist()
    created = items["created"].tolist()  # Timestamps (NaT where missing): no pandas indexing per pair
    people: dict[str, set] = defaultdict(set)
    for k, p in zip(backlog.involvement["key"], backlog.involvement["person"]):
        people[str(k)].add(str(p))
    out = []
    for t, (i, j) in enumerate(zip(qi, kj)):
        parts = []
        if to == "members":
            if sim("people")[t] > 0:
                parts.append("already on this item")
            if sim("component")[t] > 0.05:
                parts.append("works on its components")
        else:
            structure = contrib["structure"][t] > 0
            shared = [c for c in comps[i] if c in set(comps[j])]
            if shared and structure:
                parts.append("shared component " + _quoted(shared))
            sl = [x for x in labels[i] if x in set(labels[j])]
            if sl and structure:
                parts.append("shared label " + _quoted(sl))
            hi = {x for x in (epics[i], parents[i], keys[i]) if isinstance(x, str)}
            hj = {x for x in (epics[j], parents[j], keys[j]) if isinstance(x, str)}
            if sim("hierarchy")[t] > 0 and (hi & hj):
                parts.append("same epic/parent")
            if sim("mention")[t] > 0 and structure:
                parts.append("text mentions the other item")
            if sim("neighbour")[t] > 0 and contrib["graph"][t] > 0:
                gq, gk = qf.groups["neighbour"], kf.groups["neighbour"]
                via = np.intersect1d(gq.indices[gq.indptr[i]:gq.indptr[i + 1]],
                                     gk.indices[gk.indptr[j]:gk.indptr[j + 1]])
                if len(via):
                    parts.append("both linked to " + _quoted(sorted(str(keys[v]) for v in via)))
            if contrib["people"][t] > 0:
                common = sorted(people.get(str(keys[i]), set()) & people.get(str(kf.keys[j]), set()))
                if common:
                    parts.append("shared people " + _quoted(sorted(names.get(p, p) for p in common)))
            ss = [s for s in sprints[i] if s in set(sprints[j])]
            if ss and contrib["time"][t] > 0:
                parts.append("same sprint")
            elif sim("created")[t] > 0.25 and contrib["time"][t] > 0:
                d = abs((created[i] - created[j]).total_seconds()) / 86400
                parts.append("created the same day" if d < 1 else
                             f"created {d:.0f} day{'s' if round(d) != 1 else ''} apart")
            elif sim("sequence")[t] > 0.25 and contrib["time"][t] > 0:
                parts.append("filed around the same time (nearby issue numbers)")
        if terms[t] and contrib["text"][t] > 0:
            parts.append("text: " + ", ".join(f"'{w}'" for w in terms[t]))
        elif contrib["text"][t] > 0 and not parts:
            parts.append("similar text")
        out.append("; ".join(parts))
    return out
