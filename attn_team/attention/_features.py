"""Per-head feature spaces of the cross-attention model.

Every head of :class:`~attn_team.CrossAttention` is a scaled dot product in its
own feature space, so that every score can be explained.  A head is made of
*groups* (one signal each); the head's score for a query ``i`` and a key ``j`` is
``sum_g c_g <q_g(i), k_g(j)>`` with learned non-negative group weights ``c_g``.

Groups (all vectors are L2-normalised per group unless said otherwise):

``text``
    ``emb``: sentence embedding of the item text (dense, the embedder's width: 384-d
    for MiniLM; goes through the learned projections ``W_q``, ``W_k`` of the model);
    ``lex``: TF-IDF over the same text (sublinear tf, English stop words), so that
    rare shared words ("token refresh") count: a lexical half of the text head.
``structure``
    ``component``, ``label``, ``hierarchy`` (epic, parent and the item's own key, so
    parent-child and siblings match), ``project``, ``version`` (fix versions):
    IDF-weighted multi-hot vectors (a shared rare component counts more than
    a shared catch-all one);
    ``mention``: the item's own key plus the keys of backlog items its text
    mentions ("see FCREPO-123"), unnormalised: 1 when one item mentions the
    other, 2 when both mention each other, +1 per item both mention.
``people``
    ``people``: IDF-weighted multi-hot of assignee, reporter, commenters, watchers.
``graph``
    ``neighbour``: the backlog's known links (every category, clones included), with each
    linked item ``z`` weighted ``1 / sqrt(log(1 + degree(z)))``, so that the dot product of two
    items is their Adamic-Adar score: the items both are linked to, a widely linked hub counting
    less. Two steps through known links: the links that are missing are often the third side of
    a triangle. Built from links, not from the items, so it is left empty here and filled by
    :func:`with_links` with the links a model may see (never the ones held out).
``time``
    ``created``: closeness of creation dates (two items created ``d`` days apart
    score ``max(0, 1 - d / 30)`` on average over four shifted 30-day grids; a
    triangular kernel written as a dot product of sparse one-hot vectors);
    ``sequence``: the same kernel on issue numbers inside one project (Jira
    numbers issues in creation order, so this is closeness in time where dates
    are missing), width 20 numbers;
    ``sprint``: sprint co-occurrence (IDF-weighted multi-hot of sprints).

All groups except ``emb`` are sparse matrices; corpus statistics (vocabulary,
IDF) come from the backlog being attended, so an untrained model works on any
backlog.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._heads import GROUPS, HEAD_GROUPS

__all__ = [
    "HEADS",
    "GROUPS",
    "ItemFeatures",
    "build_item_features",
    "pool_matrix",
    "pooled_features",
    "item_texts",
    "shared_terms",
    "shared_terms_at",
    "link_graph",
    "with_links",
]

log = logging.getLogger(__name__)

#: head -> its groups, in order (the table lives in :mod:`attn_team._heads`).
HEADS = HEAD_GROUPS

_CREATED_WIDTH_DAYS = 30.0
_SEQUENCE_WIDTH = 20.0
_N_SHIFTS = 4
_TOKEN = re.compile(r"(?u)\b[a-zA-Z][a-zA-Z0-9_]{2,}\b")


@dataclasses.dataclass
class ItemFeatures:
    """Feature matrices of the items of one backlog (rows in ``backlog.items`` order).

    Attributes
    ----------
    keys : ndarray of str, shape (n,)
    embeddings : ndarray of shape (n, d), float32
        L2-normalised text embeddings (the ``emb`` group and the attention values).
    groups : dict of str -> scipy.sparse.csr_matrix of shape (n, d_g)
        The sparse groups (every group but ``emb``).
    has_text : ndarray of bool, shape (n,)
    vocabulary : ndarray of str
        Terms of the ``lex`` group's columns.
    people_vocab : dict of str -> int
        Person -> column of the ``people`` group.
    term_df : ndarray of int, shape (len(vocabulary),)
        Number of items whose text has each term (document frequency).
    """

    keys: np.ndarray
    embeddings: np.ndarray
    groups: dict
    has_text: np.ndarray
    vocabulary: np.ndarray
    people_vocab: dict = dataclasses.field(default_factory=dict)
    term_df: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.keys)

    def take(self, rows: np.ndarray) -> ItemFeatures:
        """The features of a subset of rows."""
        rows = np.asarray(rows, dtype=np.int64)
        return ItemFeatures(
            keys=self.keys[rows], embeddings=self.embeddings[rows],
            groups={g: m[rows] for g, m in self.groups.items()}, has_text=self.has_text[rows],
            vocabulary=self.vocabulary, people_vocab=self.people_vocab, term_df=self.term_df,
        )


def item_texts(items: pd.DataFrame) -> list[str]:
    """Summary and description of each item as one string (the text both text groups read).

    The same text the embedder reads (:func:`attn_team.embed.item_text`), so the lexical and
    embedding halves of the text head see one text.
    """
    from ..embed import item_text

    return [str(t) for t in item_text(items)]


def _idf_multihot(lists: Sequence[Iterable[str]], n: int, *, idf: bool = True, vocab: dict | None = None) -> sp.csr_matrix:
    """IDF-weighted, L2-normalised multi-hot rows; ``vocab`` (if given) is filled with value -> column."""
    vocab = {} if vocab is None else vocab
    rows, cols = [], []
    for i, lst in enumerate(lists):
        for v in set(lst):
            if v is None or v == "":
                continue
            rows.append(i)
            cols.append(vocab.setdefault(str(v), len(vocab)))
    X = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, max(len(vocab), 1)))
    if idf and len(vocab):
        df = np.asarray((X > 0).sum(axis=0)).ravel()
        # smoothed IDF without the +1: a value every item shares weighs 0
        w = np.log((1.0 + n) / (1.0 + df)).astype(np.float32)
        X = X @ sp.diags(w)
    return _l2(X)


def _l2(X: sp.spmatrix) -> sp.csr_matrix:
    X = sp.csr_matrix(X, dtype=np.float32)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    out = sp.csr_matrix(sp.diags(1.0 / norms) @ X, dtype=np.float32)
    out.sum_duplicates()  # canonical (sorted indices): the pair kernels then never need a sorted copy
    return out


def _shifted_bins(values: np.ndarray, width: float, prefix: np.ndarray | None = None) -> sp.csr_matrix:
    """Sparse vectors whose dot product is a triangular kernel of width ``width``.

    Each value falls into one bin of each of ``_N_SHIFTS`` grids shifted by
    ``width / _N_SHIFTS``; the dot product of two such vectors (scaled by
    ``1/sqrt(_N_SHIFTS)``) is the share of grids where both share a bin, about
    ``max(0, 1 - |a - b| / width)``.  NaN values give a zero vector.  With
    ``prefix`` (e.g. project), only values with the same prefix can match.
    """
    n = len(values)
    lists: list[list[str]] = [[] for _ in range(n)]
    ok = np.isfinite(values)
    for s in range(_N_SHIFTS):
        b = np.floor((values + s * width / _N_SHIFTS) / width)
        for i in np.flatnonzero(ok):
            p = "" if prefix is None else str(prefix[i])
            lists[i].append(f"{s}|{p}|{int(b[i])}")
    X = _idf_multihot(lists, n, idf=False)
    return X


def _days(series: pd.Series) -> np.ndarray:
    s = pd.to_datetime(series, utc=True)
    out = (s - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds() / 86400.0
    return out.to_numpy(dtype=float, na_value=np.nan)


def _issue_numbers(keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    proj, num = [], []
    for k in keys:
        head, _, tail = str(k).rpartition("-")
        proj.append(head)
        num.append(float(tail) if tail.isdigit() else np.nan)
    return np.array(proj, dtype=object), np.array(num, dtype=float)


def _str_lists(items: pd.DataFrame, cols: Sequence[str]) -> list[list[str]]:
    n = len(items)
    out: list[list[str]] = [[] for _ in range(n)]
    for c in cols:
        col = items[c]
        if col.dtype == object and len(col) and isinstance(col.iloc[0], list):
            for i, v in enumerate(col):
                out[i].extend(str(x) for x in v)
        else:
            for i, v in enumerate(col):
                if v is not None and not (isinstance(v, float) and v != v) and v is not pd.NA:
                    out[i].append(str(v))
    return out


_KEY = re.compile(r"\b[A-Z][A-Z0-9_]+-\d+\b")


def _mentions(items: pd.DataFrame, keys: np.ndarray) -> sp.csr_matrix:
    """Own key + mentioned backlog keys, as a 0/1 matrix over the item keys."""
    pos = {k: i for i, k in enumerate(keys)}
    rows, cols = [], []
    for i, (s, d) in enumerate(zip(items["summary"].fillna(""), items["description"].fillna(""))):
        found = {pos[m] for m in _KEY.findall(f"{s} {d}") if m in pos and pos[m] != i}
        if not found:
            continue
        rows.append(i)
        cols.append(i)
        for j in found:
            rows.append(i)
            cols.append(j)
    own = set(rows)
    for j in set(cols):  # a mentioned item carries its own key too
        if j not in own:
            rows.append(j)
            cols.append(j)
    X = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(keys), len(keys)))
    X.data[:] = 1.0
    return X


def build_item_features(items: pd.DataFrame, embeddings: np.ndarray, *, texts: list[str] | None = None) -> ItemFeatures:
    """All feature groups of ``items`` (see the module docstring).

    Parameters
    ----------
    items : DataFrame
        ``backlog.items``.
    embeddings : ndarray of shape (n_items, d)
        Text embeddings in the same row order (L2-normalised).
    texts : list of str, optional
        Item texts (default :func:`item_texts`).

    Returns
    -------
    ItemFeatures
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(items)
    E = np.require(embeddings, dtype=np.float32, requirements=["C", "W"])  # torch needs writable memory
    if E.shape[0] != n:
        raise ValueError(f"embeddings have {E.shape[0]} rows for {n} items")
    texts = item_texts(items) if texts is None else texts
    has_text = np.array([bool(t.strip()) for t in texts], dtype=bool)
    groups: dict[str, sp.csr_matrix] = {}
    vocab = np.array([], dtype=object)
    if has_text.any():
        try:
            vec = TfidfVectorizer(sublinear_tf=True, stop_words="english", token_pattern=_TOKEN.pattern,
                                  lowercase=True, dtype=np.float32)
            groups["lex"] = sp.csr_matrix(vec.fit_transform(texts), dtype=np.float32)
            groups["lex"].sum_duplicates()  # sklearn leaves column indices unsorted; every group is canonical
            vocab = vec.get_feature_names_out()
        except ValueError:  # only stop words
            groups["lex"] = sp.csr_matrix((n, 1), dtype=np.float32)
    else:
        groups["lex"] = sp.csr_matrix((n, 1), dtype=np.float32)
    keys = items["key"].astype(str).to_numpy()
    groups["component"] = _idf_multihot(_str_lists(items, ["components"]), n)
    groups["label"] = _idf_multihot(_str_lists(items, ["labels"]), n)
    hier = _str_lists(items, ["epic_key", "parent_key"])
    for i, k in enumerate(keys):
        if hier[i]:
            hier[i].append(k)
    # an item that is somebody's parent/epic also belongs to its own group
    parents = {p for lst in hier for p in lst}
    for i, k in enumerate(keys):
        if k in parents and k not in hier[i]:
            hier[i].append(k)
    groups["hierarchy"] = _idf_multihot(hier, n)
    groups["mention"] = _mentions(items, keys)
    groups["project"] = _idf_multihot(_str_lists(items, ["project"]), n)
    groups["version"] = _idf_multihot(_str_lists(items, ["fix_versions"]), n)
    people_vocab: dict[str, int] = {}
    groups["people"] = _idf_multihot(_str_lists(items, ["assignee", "reporter", "commenters", "watchers"]), n,
                                     vocab=people_vocab)
    groups["created"] = _shifted_bins(_days(items["created"]), _CREATED_WIDTH_DAYS)
    proj, num = _issue_numbers(keys)
    groups["sequence"] = _shifted_bins(num, _SEQUENCE_WIDTH, prefix=proj)
    groups["sprint"] = _idf_multihot(_str_lists(items, ["sprints"]), n)
    groups["neighbour"] = sp.csr_matrix((n, n), dtype=np.float32)  # filled by with_links
    df = np.diff(sp.csc_matrix(groups["lex"]).indptr) if len(vocab) else np.zeros(0)
    return ItemFeatures(keys=keys, embeddings=E, groups=groups, has_text=has_text, vocabulary=np.asarray(vocab),
                        people_vocab=people_vocab, term_df=np.asarray(df, dtype=np.int64))


def _undirected(pairs) -> set:
    return {tuple(sorted((str(a), str(b)))) for a, b in pairs}


def link_graph(keys: Sequence[str], links: pd.DataFrame | None, *, exclude=None) -> sp.csr_matrix:
    """The ``neighbour`` group: Adamic-Adar rows of the known links between ``keys``.

    Parameters
    ----------
    keys : sequence of str
        Item keys, in feature row order (columns of the result are the same rows).
    links : DataFrame or None
        ``source_key``, ``target_key`` (the backlog's ``links`` table); links whose ends are not
        both in ``keys``, and self-links, are ignored.
    exclude : DataFrame or iterable of (key, key), optional
        Links the graph must not contain (either direction): the ones held out for evaluation
        or model selection.

    Returns
    -------
    csr_matrix of shape (n, n), float32
        Row ``i`` has ``1 / sqrt(log(1 + deg(z)))`` at every item ``z`` linked to ``i``.
    """
    n = len(keys)
    if links is None or not len(links):
        return sp.csr_matrix((n, n), dtype=np.float32)
    pos = {str(k): i for i, k in enumerate(keys)}
    if exclude is None:
        ex: set = set()
    elif isinstance(exclude, pd.DataFrame):
        ex = _undirected(zip(exclude["source_key"], exclude["target_key"]))
    else:
        ex = _undirected(exclude)
    rows, cols = [], []
    for a, b in zip(links["source_key"], links["target_key"]):
        if not isinstance(a, str) or not isinstance(b, str) or a == b:
            continue
        i, j = pos.get(a), pos.get(b)
        if i is None or j is None or (tuple(sorted((a, b))) in ex):
            continue
        rows += [i, j]
        cols += [j, i]
    A = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, n))
    A.data[:] = 1.0  # duplicate links count once
    deg = np.asarray(A.sum(axis=0)).ravel()
    w = np.zeros(n, dtype=np.float32)
    nz = deg > 0
    w[nz] = 1.0 / np.sqrt(np.log1p(deg[nz]))
    return sp.csr_matrix(A @ sp.diags(w), dtype=np.float32)


def with_links(feats: ItemFeatures, links: pd.DataFrame | None, *, exclude=None) -> ItemFeatures:
    """``feats`` with the ``neighbour`` group built from ``links`` minus ``exclude`` (arrays shared)."""
    G = link_graph(feats.keys, links, exclude=exclude)
    return dataclasses.replace(feats, groups={**feats.groups, "neighbour": G})


def pool_matrix(owner_items: dict[str, list[int]], embeddings: np.ndarray, *, temperature: float = 0.1) -> tuple[list[str], sp.csr_matrix]:
    """Attention-pooling weights of each owner (a person) over their items.

    The pooling query of an owner is the mean embedding of their items; each
    item gets ``softmax_i(<mean, e_i> / temperature)``, so items typical of the
    person's work weigh more than one-off items.

    Returns
    -------
    names : list of str
    P : csr_matrix of shape (n_owners, n_items)
        Rows sum to one.
    """
    names, rows, cols, vals = [], [], [], []
    for r, (name, idx) in enumerate(owner_items.items()):
        idx = np.asarray(sorted(set(idx)), dtype=np.int64)
        names.append(name)
        e = embeddings[idx]
        q = e.mean(axis=0)
        s = e @ q / temperature
        w = np.exp(s - s.max())
        w /= w.sum()
        rows.extend([r] * len(idx))
        cols.extend(idx.tolist())
        vals.extend(w.tolist())
    P = sp.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(len(names), len(embeddings)))
    return names, P


def pooled_features(feats: ItemFeatures, P: sp.csr_matrix, names: list[str]) -> ItemFeatures:
    """Key features of pooled keys (members): ``P @ features`` for every group, re-normalised."""
    E = np.asarray(P @ feats.embeddings, dtype=np.float32)
    En = np.linalg.norm(E, axis=1, keepdims=True)
    En[En == 0] = 1.0
    groups = {g: _l2(P @ m) for g, m in feats.groups.items()}
    return ItemFeatures(keys=np.asarray(names, dtype=object), embeddings=E / En, groups=groups,
                        has_text=np.asarray((P @ feats.has_text.astype(np.float32)) > 0).ravel(),
                        vocabulary=feats.vocabulary, term_df=feats.term_df)


#: a term is distinctive for an explanation when it weighs at least this much in both texts ...
MIN_TERM_WEIGHT = 0.1
#: ... and appears in at most this share of the backlog's items (filler words are everywhere)
MAX_TERM_SHARE = 0.05


def shared_terms(q_lex: sp.csr_matrix, k_lex: sp.csr_matrix, vocabulary: np.ndarray, top: int = 3, *,
                 term_df: np.ndarray | None = None, n_items: int | None = None, min_weight: float = MIN_TERM_WEIGHT,
                 max_share: float = MAX_TERM_SHARE) -> list[list[str]]:
    """For aligned rows of two TF-IDF matrices, the distinctive terms they share, strongest first.

    A term is kept when its TF-IDF weight is at least ``min_weight`` in *both* rows (it matters
    to both texts, not a word said once in passing) and, given ``term_df`` and ``n_items``, it
    appears in at most ``max_share`` of the items (or in at most two items of a small backlog). At most
    ``top`` terms per pair, by the product of the two weights.
    """
    q = sp.csr_matrix(q_lex)
    k = sp.csr_matrix(k_lex)
    qm = q.copy()
    qm.data = np.where(qm.data >= min_weight, qm.data, 0)
    km = k.copy()
    km.data = np.where(km.data >= min_weight, km.data, 0)
    prod = sp.csr_matrix(qm.multiply(km))
    prod.eliminate_zeros()
    n = prod.shape[0]
    if prod.nnz == 0 or len(vocabulary) == 0:
        return [[] for _ in range(n)]
    rows = np.repeat(np.arange(n), np.diff(prod.indptr))
    idx, val = prod.indices, prod.data
    keep = val > 0
    if term_df is not None and n_items:
        keep &= ((term_df <= max_share * n_items) | (term_df <= 2))[idx]
    rows, idx, val = rows[keep], idx[keep], val[keep]
    # per row, strongest first (ties: the order of the row's stored terms), at most ``top``
    order = np.lexsort((np.arange(len(val)), -val, rows))
    rows, idx = rows[order], idx[order]
    start = np.searchsorted(rows, np.arange(n))
    rank = np.arange(len(rows)) - start[rows]
    sel = rank < top
    rows, words = rows[sel], np.asarray(vocabulary, dtype=object)[idx[sel]].tolist()
    out: list[list[str]] = [[] for _ in range(n)]
    bounds = np.searchsorted(rows, np.arange(n + 1)).tolist()
    for r in np.flatnonzero(np.diff(bounds)).tolist():
        out[r] = [str(w) for w in words[bounds[r]:bounds[r + 1]]]
    return out


def _distinctive(lex: sp.csr_matrix, keep_col: np.ndarray | None, min_weight: float) -> sp.csr_matrix:
    """``lex`` with only the entries :func:`shared_terms` may keep (weight and document share)."""
    m = sp.csr_matrix(lex, copy=True)
    ok = m.data >= min_weight
    if keep_col is not None:
        ok &= keep_col[m.indices]
    m.data = np.where(ok, m.data, 0).astype(m.data.dtype, copy=False)
    m.eliminate_zeros()
    return m


def shared_terms_at(q_lex: sp.csr_matrix, k_lex: sp.csr_matrix, qi: np.ndarray, kj: np.ndarray,
                    vocabulary: np.ndarray, top: int = 3, *, term_df: np.ndarray | None = None,
                    n_items: int | None = None, min_weight: float = MIN_TERM_WEIGHT,
                    max_share: float = MAX_TERM_SHARE, chunk: int = 262_144) -> list[list[str]]:
    """:func:`shared_terms` of the pairs ``(q_lex[qi[t]], k_lex[kj[t]])``, equal to it term for term.

    The weight and share filters are applied once to the two matrices before the pairs' rows are
    gathered (``chunk`` pairs at a time), so the gathered rows hold only terms that can be shown.
    """
    keep_col = None
    if term_df is not None and n_items:
        keep_col = (term_df <= max_share * n_items) | (term_df <= 2)
    q = _distinctive(q_lex, keep_col, min_weight)
    k = q if k_lex is q_lex else _distinctive(k_lex, keep_col, min_weight)
    qi, kj = np.asarray(qi, dtype=np.int64), np.asarray(kj, dtype=np.int64)
    out: list[list[str]] = []
    for s in range(0, len(qi), chunk):
        out.extend(shared_terms(q[qi[s:s + chunk]], k[kj[s:s + chunk]], vocabulary, top, min_weight=0.0))
    return out
