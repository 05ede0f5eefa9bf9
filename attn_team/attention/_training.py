"""Training: InfoNCE on the backlog's own links and assignment history.

``fit`` trains ``W_q``, ``W_k``, the head/group weights and ``tau`` with InfoNCE: for every
existing link (both directions) the linked item must win a softmax over itself, hard negatives
(the untrained model's top candidates for the query, known partners masked) and random items
drawn from the backlog; links held out with ``exclude_links`` never enter, neither as positives
nor as masks. A seeded share of the links is kept for validation and training stops early when
the validation loss stops improving.

Assignment history. With ``assignment_weight > 0`` pairs of items worked on by the same assignee
are a second, auxiliary source of positives (at most ``assignment_pairs_per_person`` per person,
seeded): the same InfoNCE, with the loss weighted by ``assignment_weight``. These examples train
the text projections only: the head/group weights and the temperature get no gradient from them
(same assignee also means same project, sprint and time, which say little about dependencies;
the links alone set the mixture), and the *people* group is removed from their scores, so the
shared assignee (true by construction) cannot explain them. The other items of the same assignee
are masked as negatives. Pairs that coincide with an excluded link are dropped. Early stopping
watches the link validation loss only (the assignment loss when the backlog has too few links).

Fitting cannot make things worse (:func:`train`).
- The head/group log-weights are pulled toward the untrained ones
  (``mixture_decay * (||log a - log a0||^2 + ||log b - log b0||^2)``), and no group's coefficient
  may grow past ``MAX_GROUP_GAIN`` times its untrained value: a group that is easy to fit
  (issue-number or date closeness, same project) cannot take over on a few links.
- Model choice on links the fit never saw: a seeded share ``selection_fraction`` of the links is
  set aside (also out of the graph head's links), a trial model is fitted on the rest, and three
  candidates rank every item for the set-aside links: the trial mixer, its text projections under
  the untrained mixture (``"projections"``), and the untrained mixer. A trained candidate replaces
  the untrained mixer only when its gain in reciprocal rank, paired link by link, is more than
  ``selection_margin`` standard errors above zero (ties and noise keep the untrained weights).
  The kept mixer is the candidate that was judged (no refit on all links: a refit would be a
  model the set-aside links never judged); ``selected_`` and ``selection_`` on the estimator
  record the choice and the scores.
- Coordinate ascent (``ascent=True``, :mod:`._ascent`): from the chosen mixer, the group weights
  are searched on every training link's reciprocal rank directly, and the search is judged by its
  own cross-fitting (each part of the links ranked with the weights searched on the others, paired
  against the chosen mixer); the searched weights replace the chosen ones only when that gain is
  more than ``selection_margin`` standard errors. ``selected_`` is then ``"ascent"`` (from the
  untrained mixer) or ``"fitted+ascent"`` / ``"projections+ascent"``.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import torch
from torch import nn

from .._heads import GROUPS, HEADS
from ._features import ItemFeatures, with_links
from ._metrics import paired_gain_se, ranks_from_scores
from ._mixer import Adam, HeadMixer, untrained_mixer
from ._pairs import pair_dots
from ._scoring import score_rows, topk

__all__ = ["TrainResult", "train", "link_pairs", "pair_set", "projections_only", "MAX_GROUP_GAIN"]

log = logging.getLogger(__name__)


@dataclasses.dataclass
class TrainResult:
    """What :func:`train` learned: the mixer and the bookkeeping ``fit`` exposes."""

    mixer: HeadMixer
    n_train_links: int
    n_assignment_pairs: int
    history: list
    best_epoch: int
    #: which mixer was kept ("fitted", "projections" or "untrained"; "fitted" without a selection)
    selected: str = "fitted"
    #: per candidate: MRR on the set-aside links and the paired gain over untrained in standard errors
    selection: dict = dataclasses.field(default_factory=dict)


def link_pairs(links: pd.DataFrame, keys: Iterable[str], *, exclude=None, categories_out=("clone",)) -> pd.DataFrame:
    """Undirected link pairs usable for training/evaluation.

    Drops links of the categories in ``categories_out``, self-links, links whose
    ends are not items, and (with ``exclude``) links present in ``exclude``
    (a DataFrame with ``source_key``/``target_key`` or an iterable of key
    pairs), in either direction.  Returns ``source_key, target_key, category``
    with one row per unordered pair.
    """
    keyset = set(keys)
    df = links[["source_key", "target_key", "category"]].dropna(subset=["source_key", "target_key"])
    df = df[df["source_key"].isin(keyset) & df["target_key"].isin(keyset) & (df["source_key"] != df["target_key"])]
    df = df[~df["category"].isin(list(categories_out))]
    ex = pair_set(exclude)
    und = [tuple(sorted((s, t))) for s, t in zip(df["source_key"], df["target_key"])]
    keep = np.array([u not in ex for u in und], dtype=bool)
    df = df[keep].copy()
    df["_u"] = [u for u, k in zip(und, keep) if k]
    df = df.drop_duplicates("_u").drop(columns="_u")
    return df.reset_index(drop=True)


def pair_set(exclude) -> set:
    if exclude is None:
        return set()
    if isinstance(exclude, pd.DataFrame):
        it = zip(exclude["source_key"], exclude["target_key"])
    else:
        it = exclude
    return {tuple(sorted((str(a), str(b)))) for a, b in it}



#: a group's coefficient never grows past this many times its untrained value
MAX_GROUP_GAIN = 5.0
#: fewest usable links for the model choice (below: fit once, keep the fitted mixer)
MIN_SELECTION_LINKS = 40
#: set-aside links for the model choice at most (each candidate ranks every item for them)
MAX_SELECTION_LINKS = 1_000
#: training links, and assignment pairs, used at most by one fit (a seeded sample above it). The
#: mixture has a score or so of weights and the projections are held near identity: a few thousand
#: examples settle them, while each example costs a hard-negative search over all items (at
#: 100,000 items and 12,000 links the uncapped fit ran for tens of minutes). The dev link sets
#: have at most 1,637 links and 905 assignment pairs: below the cap, nothing is sampled.
MAX_TRAIN_EXAMPLES = 2_000


def train(p, backlog, feats: ItemFeatures, *, exclude_links=None, rng: np.random.RandomState) -> TrainResult:
    """Train a mixer for estimator parameters ``p`` (a :class:`CrossAttention`) on ``backlog``, choosing safely.

    ``feats`` are the backlog's item features (graph group built without ``exclude_links``);
    ``rng`` seeds the splits, negatives and torch. See the module docstring for the model choice.
    """
    pairs = link_pairs(backlog.links, feats.keys, exclude=exclude_links)
    frac = float(getattr(p, "selection_fraction", 0.0))
    n_sel = min(int(round(frac * len(pairs))), MAX_SELECTION_LINKS)
    if p.max_epochs == 0 or len(pairs) < MIN_SELECTION_LINKS or n_sel < 10:
        return _fit_once(p, backlog, feats, exclude_links=exclude_links, rng=rng)
    sel_rng = np.random.RandomState(int(rng.randint(0, 2**31 - 1)))
    sel = pairs.iloc[np.sort(sel_rng.permutation(len(pairs))[:n_sel])]
    hidden = pair_set(exclude_links) | pair_set(sel)
    feats_sel = with_links(feats, backlog.links, exclude=hidden)
    trial = _fit_once(p, backlog, feats_sel, exclude_links=hidden, rng=np.random.RandomState(sel_rng.randint(0, 2**31 - 1)))
    untrained = untrained_mixer(feats.embeddings.shape[1], p.heads, p.head_weights)
    pos = {k: i for i, k in enumerate(feats.keys)}
    a = np.array([pos[x] for x in sel["source_key"]], dtype=np.int64)
    b = np.array([pos[x] for x in sel["target_key"]], dtype=np.int64)
    q, t = np.concatenate([a, b]), np.concatenate([b, a])
    cands = {"untrained": untrained, "fitted": trial.mixer, "projections": projections_only(trial.mixer, untrained)}
    rr = {}
    for name, m in cands.items():
        with torch.no_grad():
            S = score_rows(m, feats_sel, q, block_size=p.block_size)
        rr[name] = 1.0 / ranks_from_scores(S, q, t)
    margin = float(getattr(p, "selection_margin", 1.0))
    selection = {"untrained": {"mrr": float(rr["untrained"].mean()), "gain_se": 0.0}}
    chosen, best_gain = "untrained", 0.0
    for name in ("fitted", "projections"):
        d = rr[name] - rr["untrained"]
        z = paired_gain_se(d)
        selection[name] = {"mrr": float(rr[name].mean()), "gain_se": z}
        if z > margin and d.mean() > best_gain:
            chosen, best_gain = name, float(d.mean())
    log.info("model choice on %d set-aside links: %s (MRR %s)", len(sel), chosen,
             {k: round(v["mrr"], 4) for k, v in selection.items()})
    if chosen == "untrained":
        res = TrainResult(untrained, len(pairs), trial.n_assignment_pairs, trial.history, 0, "untrained", selection)
    else:
        # the kept mixer is the one that was checked: no refit on all links (a refit is another
        # model, which the set-aside links never judged)
        res = TrainResult(cands[chosen], trial.n_train_links, trial.n_assignment_pairs, trial.history,
                          trial.best_epoch, chosen, selection)
    if getattr(p, "ascent", True):
        res = _with_ascent(p, res, untrained, backlog, feats, pairs, exclude_links, margin,
                           np.random.RandomState(sel_rng.randint(0, 2**31 - 1)))
    return res


def _with_ascent(p, res: TrainResult, untrained: HeadMixer, backlog, feats: ItemFeatures, pairs: pd.DataFrame,
                 exclude_links, margin: float, rng: np.random.RandomState) -> TrainResult:
    """``res`` with its group weights refined by coordinate ascent (:mod:`._ascent`) when that gains.

    The search runs on every training link, from the chosen mixer; its own cross-fitting judges it
    (each part of the links ranked with the weights searched on the others, paired against the
    chosen mixer link by link), and the refined weights are kept only when that gain is more than
    ``margin`` standard errors, as for the choice above. ``selected`` becomes ``"ascent"`` (from
    the untrained mixer) or ``"<chosen>+ascent"``.
    """
    from ._ascent import ascent_mixer

    mixer, record = ascent_mixer(res.mixer, untrained, backlog, feats, pairs, exclude=pair_set(exclude_links),
                                 rng=rng, max_gain=MAX_GROUP_GAIN, block_size=p.block_size,
                                 candidates=getattr(p, "candidates", "exact"))
    selection = {**res.selection, "ascent": record}
    if not record["n_queries"] or not record["gain_se"] > margin:
        return dataclasses.replace(res, selection=selection)
    name = "ascent" if res.selected == "untrained" else f"{res.selected}+ascent"
    return dataclasses.replace(res, mixer=mixer, selected=name, selection=selection,
                               n_train_links=len(pairs))


def projections_only(fitted: HeadMixer, untrained: HeadMixer) -> HeadMixer:
    """The fitted text projections under the untrained head/group weights and temperature."""
    proj = copy.deepcopy(untrained)
    with torch.no_grad():
        proj.W_q.copy_(fitted.W_q)
        proj.W_k.copy_(fitted.W_k)
    proj.eval()
    return proj


def _fit_once(p, backlog, feats: ItemFeatures, *, exclude_links=None, rng: np.random.RandomState,
              init: HeadMixer | None = None, category: str | None = None) -> TrainResult:
    """One fit: InfoNCE with early stopping (the module docstring), no model choice.

    With ``init`` the fit begins from that mixer, keeps its text projections fixed and pulls the
    mixture toward its weights; with ``category`` only links of that category are positives (every
    link still masks its partners as negatives). Together: the per-category mixtures of
    :mod:`attn_team.attention._typed`.
    """
    torch_seed = int(rng.randint(0, 2**31 - 1))
    gen = torch.Generator().manual_seed(torch_seed)
    torch.manual_seed(torch_seed)
    dim = feats.embeddings.shape[1]
    if init is None:
        mixer = untrained_mixer(dim, p.heads, p.head_weights)
    else:
        mixer = copy.deepcopy(init)
        for t in mixer.parameters():
            t.requires_grad_(True)
    pairs = link_pairs(backlog.links, feats.keys, exclude=exclude_links)
    all_pairs = pairs
    if category is not None:
        pairs = pairs[pairs["category"] == category].reset_index(drop=True)
    key_index = {k: i for i, k in enumerate(feats.keys)}
    excluded = {(key_index[x], key_index[y]) for x, y in pair_set(exclude_links)
                if x in key_index and y in key_index}
    excluded |= {(y, x) for x, y in excluded}
    # assignment pairs are drawn from their own generator (derived from the torch seed, so
    # rng is not consumed): the link split and negatives stay the same whatever the
    # assignment settings
    aux_seed = (torch_seed * 7919 + 17) % (2**31 - 2)
    if p.assignment_weight > 0 and p.max_epochs:  # (no fit: the pairs would not be used)
        aa, ab, coassigned = _assignment_pairs(backlog.items, excluded, p.assignment_pairs_per_person,
                                               np.random.RandomState(aux_seed))
    else:
        aa, ab, coassigned = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), {}
    # above MAX_TRAIN_EXAMPLES, a seeded sample (its own generator: below the cap nothing changes)
    cap_rng = np.random.RandomState(aux_seed + 2)
    if len(pairs) > MAX_TRAIN_EXAMPLES:
        log.info("training on %d of %d links (a seeded sample)", MAX_TRAIN_EXAMPLES, len(pairs))
        pairs = pairs.iloc[np.sort(cap_rng.permutation(len(pairs))[:MAX_TRAIN_EXAMPLES])].reset_index(drop=True)
    if len(aa) > MAX_TRAIN_EXAMPLES:
        keep = np.sort(cap_rng.permutation(len(aa))[:MAX_TRAIN_EXAMPLES])
        aa, ab = aa[keep], ab[keep]
    use_links = len(pairs) >= 4
    use_aux = len(aa) >= 4
    n_train_links = len(pairs)
    n_assignment_pairs = int(len(aa)) if (use_links or use_aux) and p.max_epochs else 0
    history: list = []
    if p.max_epochs == 0 or not (use_links or use_aux):
        if p.max_epochs:
            log.warning("only %d usable links and %d assignment pairs: keeping the untrained weights",
                        len(pairs), len(aa))
        return TrainResult(mixer, n_train_links, n_assignment_pairs, history, 0)
    a = np.array([key_index[s] for s in pairs["source_key"]], dtype=np.int64)
    b = np.array([key_index[t] for t in pairs["target_key"]], dtype=np.int64)
    perm = rng.permutation(len(pairs))
    n_val = int(round(p.validation_fraction * len(pairs))) if len(pairs) >= 10 else 0
    val_links, tr_links = perm[:n_val], perm[n_val:]
    partners: dict[int, set] = {}
    for s, t in zip(all_pairs["source_key"], all_pairs["target_key"]):
        partners.setdefault(key_index[s], set()).add(key_index[t])
        partners.setdefault(key_index[t], set()).add(key_index[s])

    def rows(idx, x=a, y=b):
        return np.concatenate([x[idx], y[idx]]), np.concatenate([y[idx], x[idx]])

    q_tr, p_tr = rows(tr_links)
    q_va, p_va = rows(val_links)
    n_hard = p.n_negatives // 2
    n_rand = p.n_negatives - n_hard
    aux_rng = np.random.RandomState(aux_seed + 1)
    if use_aux:
        aux_perm = aux_rng.permutation(len(aa))
        # without links, a share of the assignment pairs is the validation set
        n_aux_val = 0 if use_links or len(aa) < 10 else int(round(p.validation_fraction * len(aa)))
        qa_tr, pa_tr = rows(aux_perm[n_aux_val:], aa, ab)
        qa_va, pa_va = rows(aux_perm[:n_aux_val], aa, ab)
    else:
        qa_tr = pa_tr = qa_va = pa_va = np.empty(0, dtype=np.int64)
    hard = _hard_negatives(mixer, feats, np.unique(np.concatenate([q_tr, q_va, qa_tr, qa_va])), n_hard,
                           partners, p.block_size, getattr(p, "candidates", "exact"))
    cand_tr = _candidates(q_tr, p_tr, hard, n_rand, feats.n, rng)
    cand_va = _candidates(q_va, p_va, hard, n_rand, feats.n, rng)
    data_tr = _pair_data(feats, q_tr, cand_tr, partners) if len(q_tr) else None
    data_va = _pair_data(feats, q_va, cand_va, partners) if len(q_va) else None
    aux_tr = aux_va = None
    if use_aux:
        # Negatives of an assignment example: neither the query, its linked partners nor the
        # other items of its assignee (they are positives of other examples).
        aux_partners = {q: partners.get(q, set()) | coassigned.get(q, set()) for q in np.unique(qa_tr).tolist()
                        + np.unique(qa_va).tolist()}
        aux_tr = _aux_data(feats, qa_tr, _candidates(qa_tr, pa_tr, hard, n_rand, feats.n, aux_rng),
                                aux_partners)
        if len(qa_va):
            aux_va = _aux_data(feats, qa_va, _candidates(qa_va, pa_va, hard, n_rand, feats.n, aux_rng),
                                    aux_partners)
    if not use_links:
        # training and early stopping on the assignment pairs alone
        data_tr, data_va, aux_tr, aux_va = aux_tr, aux_va, None, None
    aux_w = float(p.assignment_weight)
    n_main = len(data_tr["q"])
    n_aux = len(aux_tr["q"]) if aux_tr is not None else 0

    E = torch.from_numpy(feats.embeddings)
    groups = [([mixer.log_head, mixer.log_group, mixer.log_temperature], p.learning_rate)]
    if init is None:
        groups.append(([mixer.W_q, mixer.W_k], p.learning_rate / 10))
    else:  # the projections stay those of the start mixer
        mixer.W_q.requires_grad_(False)
        mixer.W_k.requires_grad_(False)
    opt = Adam(groups)
    eye = torch.eye(dim)
    log_head0, log_group0 = mixer.log_head.detach().clone(), mixer.log_group.detach().clone()
    mix_decay = float(getattr(p, "mixture_decay", 0.0))
    head_idx = torch.tensor([list(HEADS).index(GROUPS[g]) for g in GROUPS])
    base = untrained_mixer(dim, p.heads, p.head_weights)  # the cap is always relative to the untrained weights
    coef_cap = (base.log_head.detach()[head_idx] + base.log_group.detach() + math.log(MAX_GROUP_GAIN))
    best = (math.inf, copy.deepcopy(mixer.state_dict()), 0)
    bad = 0
    bar = None
    if p.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=p.max_epochs, desc="fit attention", unit="epoch")
    for epoch in range(1, p.max_epochs + 1):
        mixer.train()
        order = torch.randperm(n_main, generator=gen)
        aux_order = torch.randperm(n_aux, generator=gen) if n_aux else None
        tot, cnt = 0.0, 0
        for step, start in enumerate(range(0, len(order), p.batch_size)):
            bi = order[start:start + p.batch_size]
            loss = _loss(mixer, E, data_tr, bi, train_mix=use_links)
            total = loss
            if n_aux:
                # one batch of assignment pairs per link batch, cycling through them
                s0 = (step * p.batch_size) % n_aux
                ai = aux_order[s0:s0 + p.batch_size]
                total = total + aux_w * _loss(mixer, E, aux_tr, ai, train_mix=False)
            reg = (p.projection_decay * (((mixer.W_q - eye) ** 2).sum() + ((mixer.W_k - eye) ** 2).sum())
                   if init is None else 0.0)
            if mix_decay and use_links:
                reg = reg + mix_decay * (((mixer.log_head - log_head0) ** 2).sum()
                                         + ((mixer.log_group - log_group0) ** 2).sum())
            opt.zero_grad()
            (total + reg).backward()
            opt.step()
            with torch.no_grad():  # no group beyond MAX_GROUP_GAIN x its untrained coefficient
                over = (mixer.log_head[head_idx] + mixer.log_group - coef_cap).clamp(min=0)
                mixer.log_group.sub_(over)
            tot += float(loss.detach()) * len(bi)
            cnt += len(bi)
        mixer.eval()
        with torch.no_grad():
            val = (float(_loss(mixer, E, data_va, torch.arange(len(data_va["q"])))) if data_va
                   else tot / max(cnt, 1))
        history.append({"epoch": epoch, "train_loss": tot / max(cnt, 1), "val_loss": val})
        log.debug("epoch %d: train %.4f val %.4f", epoch, tot / max(cnt, 1), val)
        if bar is not None:
            bar.update(1)
        if val < best[0] - 1e-4:
            best = (val, copy.deepcopy(mixer.state_dict()), epoch)
            bad = 0
        else:
            bad += 1
            if bad >= p.patience:
                break
    if bar is not None:  # stopped early: the bar ends full, at the epochs run
        bar.total = bar.n
        bar.close()
    mixer.load_state_dict(best[1])
    log.info("fitted attention on %d links and %d assignment pairs (best epoch %d): heads %s", len(pairs),
             n_assignment_pairs, best[2], {h: round(float(torch.exp(mixer.log_head[i].detach())), 3) for i, h in enumerate(HEADS)})
    return TrainResult(mixer, n_train_links, n_assignment_pairs, history, best[2])


def _hard_negatives(mixer, feats, queries, n_hard, partners, block_size, candidates="exact") -> dict[int, np.ndarray]:
    """The ``n_hard`` best-scored items per query, its partners and itself left out (through the
    estimator's ``candidates`` mode: the index at large N, as for scoring)."""
    if n_hard == 0 or len(queries) == 0:
        return {int(q): np.empty(0, dtype=np.int64) for q in queries}
    excl = [(qi, t) for qi, q in enumerate(queries) for t in partners.get(int(q), ())]
    top = topk(mixer, feats, feats, queries, min(n_hard, feats.n - 1), block_size=block_size, self_index=queries,
               exclude_pairs=np.array(excl, dtype=np.int64).reshape(-1, 2), candidates=candidates)
    return {int(q): top[0][i][top[0][i] >= 0] for i, q in enumerate(queries)}

def _candidates(q, p, hard, n_rand, n, rng) -> np.ndarray:
    m = 1 + max((len(v) for v in hard.values()), default=0) + n_rand
    out = np.empty((len(q), m), dtype=np.int64)
    for r, (qi, pi) in enumerate(zip(q, p)):
        h = hard.get(int(qi), np.empty(0, dtype=np.int64))
        rand = rng.randint(0, n, size=m - 1 - len(h))
        out[r] = np.concatenate([[pi], h, rand])
    return out

def _pair_data(feats: ItemFeatures, q: np.ndarray, cand: np.ndarray, partners) -> dict:
    B, m = cand.shape
    qq = np.repeat(q, m)
    cc = cand.reshape(-1)
    sims = np.zeros((B * m, len(GROUPS) - 1), dtype=np.float32)
    for gi, g in enumerate(list(GROUPS)[1:]):
        M = feats.groups[g]
        sims[:, gi] = pair_dots(M, M, qq, cc)
    # mask: the query itself and its other true partners are not negatives
    mask = np.zeros((B, m), dtype=bool)
    for r in range(B):
        bad = partners.get(int(q[r]), set()) | {int(q[r])}
        mask[r, 1:] = np.isin(cand[r, 1:], list(bad))
    return {"q": torch.from_numpy(q), "cand": torch.from_numpy(cand),
            "sims": torch.from_numpy(sims.reshape(B, m, -1)), "mask": torch.from_numpy(mask)}

def _aux_data(feats: ItemFeatures, q: np.ndarray, cand: np.ndarray, partners) -> dict:
    """Training data of assignment pairs: as :meth:`_pair_data`, without the people group.

    The positive shares the query's assignee by construction, so the people
    group would "explain" every such pair: it would make the positive win
    without the text having to, and (if trained) its weight would grow
    without telling anything about dependencies.  Zeroing its similarities
    here leaves the people head out of these examples; in addition the
    assignment loss is computed with the head/group weights and temperature
    detached (``train_mix=False``), so it trains only the text projections,
    which learn which texts one person works on together.  Training the
    mixture on these pairs too (tried) moved weight to project/sprint, which
    is shared by construction as well, and cost up to 0.02 link MRR.
    """
    data = _pair_data(feats, q, cand, partners)
    data["sims"][:, :, list(GROUPS).index("people") - 1] = 0.0
    return data

def _loss(mixer, E, data, bi, *, train_mix: bool = True) -> torch.Tensor:
    q = data["q"][bi]
    cand = data["cand"][bi]
    logits = mixer(E[q], E, cand, data["sims"][bi], train_mix=train_mix)
    logits = logits.masked_fill(data["mask"][bi], float("-inf"))
    target = torch.zeros(len(bi), dtype=torch.long)
    return nn.functional.cross_entropy(logits, target)


class _Coassigned:
    """Per row, the other rows of its assignee (excluded pairs left out), made when asked for.

    Holding them as one set per row took memory quadratic in each assignee's items (10 GB at
    1M items); a fit asks for the rows of a few thousand examples only.
    """

    def __init__(self, excluded: set):
        self._excluded = excluded
        self._group: dict[int, frozenset] = {}

    def add_group(self, rows) -> None:
        g = frozenset(rows)
        for r in rows:
            self._group[r] = g

    def get(self, r, default=None):
        g = self._group.get(r)
        if g is None:
            return default
        return {x for x in g if x != r and (r, x) not in self._excluded}


def _assignment_pairs(items: pd.DataFrame, excluded: set, per_person: int, rng: np.random.RandomState):
    """Pairs of item rows with the same assignee, at most ``per_person`` per assignee.

    Pairs in ``excluded`` (row pairs, both orders) are never drawn.  Returns
    ``(a, b, coassigned)``: row arrays of the pairs and, per row, the other rows
    of its assignee (excluded pairs left out), used to mask negatives.
    """
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(items["assignee"]):
        if isinstance(p, str) and p:
            groups.setdefault(p, []).append(i)
    a, b = [], []
    coassigned = _Coassigned(excluded)
    for person in sorted(groups):
        rows = groups[person]
        if len(rows) < 2:
            continue
        coassigned.add_group(rows)
        n_all = len(rows) * (len(rows) - 1) // 2
        if n_all <= 4 * per_person:
            cand = [(x, y) for i, x in enumerate(rows) for y in rows[i + 1:]]
            cand = [cand[j] for j in rng.permutation(len(cand))]
        else:  # big groups: draw random pairs instead of listing them all
            cand = []
            for _ in range(8 * per_person):
                x, y = rng.choice(len(rows), size=2, replace=False)
                cand.append((rows[min(x, y)], rows[max(x, y)]))
        seen: set = set()
        for x, y in cand:
            if (x, y) in excluded or (x, y) in seen:
                continue
            seen.add((x, y))
            a.append(x)
            b.append(y)
            if len(seen) >= per_person:
                break
    return np.array(a, dtype=np.int64), np.array(b, dtype=np.int64), coassigned


