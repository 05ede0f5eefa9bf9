"""One-line explanations of attention edges, from the per-head contributions and group similarities.

:class:`Explainer` takes what scoring computed for the kept pairs and returns the reasons;
nothing is stored on the model. People are named by their display names, shared
words are distinctive terms only (see :func:`~attn_team.attention._features.shared_terms`).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..model import is_missing as _isna
from ._features import ItemFeatures, shared_terms_at

__all__ = ["Explainer", "display_names"]


def display_names(backlog) -> dict[str, str]:
    """Person id -> display name (the id where no name is known)."""
    p = backlog.people
    return {str(a): (str(b) if not _isna(b) and str(b) else str(a)) for a, b in zip(p["person"], p["display_name"])}


def _quoted(values, limit: int = 2) -> str:
    return ", ".join(f"'{v}'" for v in list(values)[:limit])


def _shared_in_order(a, b) -> list:
    """The values of ``a`` that are also in ``b``, in ``a``'s order (both short lists)."""
    return [x for x in a if x in b] if len(a) and len(b) else []


class Explainer:
    """Reasons for pairs of one backlog, a batch of pairs at a time.

    The per-backlog lookups (components, labels, epics, sprints, creation dates, who was involved,
    display names) are made once here, so that the kept edges can be explained in batches: the
    per-pair lists and flags of a batch are all that a call holds, whatever the number of edges
    (5 million at 1M items, k = 5).
    """

    def __init__(self, backlog, qf: ItemFeatures, kf: ItemFeatures, to: str):
        self.qf, self.kf, self.to = qf, kf, to
        if to == "members":
            return
        items = backlog.items
        self.comps = items["components"].tolist()
        self.labels = items["labels"].tolist()
        self.epics = items["epic_key"].tolist()
        self.parents = items["parent_key"].tolist()
        self.sprints = items["sprints"].tolist()
        self.created = items["created"].tolist()  # Timestamps (NaT where missing): no pandas indexing per pair
        people: dict[str, set] = defaultdict(set)
        for k_, p_ in zip(backlog.involvement["key"], backlog.involvement["person"]):
            people[str(k_)].add(str(p_))
        self.people = people
        self.names = display_names(backlog)

    def __call__(self, qi: np.ndarray, kj: np.ndarray, contrib: dict[str, np.ndarray],
                 sims: dict[str, np.ndarray]) -> list[str]:
        """Reasons for the pairs ``(qi[t], kj[t])`` (row positions in ``qf`` / ``kf``).

        ``contrib`` holds each head's contribution to the score, ``sims`` each sparse group's raw
        similarity (both aligned with the pairs). Every test that needs only the scores is done on
        whole arrays first; the per-pair Python work runs only where a reason can be given.
        """
        qf, kf, to = self.qf, self.kf, self.to
        n = len(qi)
        if n == 0:
            return []
        zeros = np.zeros(n)

        def sim(g):
            return np.asarray(sims.get(g, zeros))

        def pos(h):
            return np.asarray(contrib[h]) > 0

        text = pos("text")
        tq, tk = np.asarray(qi)[text], np.asarray(kj)[text]
        terms_at = shared_terms_at(qf.groups["lex"], kf.groups["lex"], tq, tk, qf.vocabulary,
                                   term_df=qf.term_df, n_items=qf.n)
        terms: list = [None] * n
        for t, w in zip(np.flatnonzero(text).tolist(), terms_at):
            terms[t] = w
        text_l = text.tolist()
        qi_l, kj_l = np.asarray(qi).tolist(), np.asarray(kj).tolist()
        if to == "members":
            on_item = (sim("people") > 0).tolist()
            on_comp = (sim("component") > 0.05).tolist()
            flags_per_pair = zip(on_item, on_comp)
        else:
            comps, labels, epics, parents = self.comps, self.labels, self.epics, self.parents
            sprints, created, people, names = self.sprints, self.created, self.people, self.names
            keys = qf.keys
            structure = pos("structure")
            gq, gk = qf.groups["neighbour"], kf.groups["neighbour"]
            time_pos = pos("time")
            graph = ((sim("neighbour") > 0) & pos("graph")).tolist()
            same_h = (sim("hierarchy") > 0).tolist()
            mention = ((sim("mention") > 0) & structure).tolist()
            ppl = pos("people").tolist()
            created_near = ((sim("created") > 0.25) & time_pos).tolist()
            seq_near = ((sim("sequence") > 0.25) & time_pos).tolist()
            flags_per_pair = zip(structure.tolist(), same_h, mention, graph, ppl, time_pos.tolist(), created_near,
                                 seq_near)
        out = []
        for t, flags in enumerate(flags_per_pair):
            i, j = qi_l[t], kj_l[t]
            parts = []
            if to == "members":
                if flags[0]:
                    parts.append("already on this item")
                if flags[1]:
                    parts.append("works on its components")
            else:
                structure_t, same_h_t, mention_t, graph_t, ppl_t, time_t, created_t, seq_t = flags
                if structure_t:
                    shared = _shared_in_order(comps[i], comps[j])
                    if shared:
                        parts.append("shared component " + _quoted(shared))
                    sl = _shared_in_order(labels[i], labels[j])
                    if sl:
                        parts.append("shared label " + _quoted(sl))
                if same_h_t:
                    hi = [x for x in (epics[i], parents[i], keys[i]) if isinstance(x, str)]
                    if any(x in hi for x in (epics[j], parents[j], keys[j]) if isinstance(x, str)):
                        parts.append("same epic/parent")
                if mention_t:
                    parts.append("text mentions the other item")
                if graph_t:
                    via = np.intersect1d(gq.indices[gq.indptr[i]:gq.indptr[i + 1]],
                                         gk.indices[gk.indptr[j]:gk.indptr[j + 1]])
                    if len(via):
                        parts.append("both linked to " + _quoted(sorted(str(keys[v]) for v in via)))
                if ppl_t:
                    common = people.get(str(keys[i]), set()) & people.get(str(kf.keys[j]), set())
                    if common:
                        parts.append("shared people " + _quoted(sorted(names.get(p, p) for p in common)))
                if time_t and _shared_in_order(sprints[i], sprints[j]):
                    parts.append("same sprint")
                elif created_t:
                    d = abs((created[i] - created[j]).total_seconds()) / 86400
                    parts.append("created the same day" if d < 1 else
                                 f"created {d:.0f} day{'s' if round(d) != 1 else ''} apart")
                elif seq_t:
                    parts.append("filed around the same time (nearby issue numbers)")
            if text_l[t]:
                if terms[t]:
                    parts.append("text: " + ", ".join(f"'{w}'" for w in terms[t]))
                elif not parts:
                    parts.append("similar text")
            out.append("; ".join(parts))
        return out

