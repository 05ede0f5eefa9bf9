"""Organisations of 100,000s of items, streamed to disk as Jira REST search pages: :func:`write_large_org`.

A large organisation is a chain of **divisions**, each a complete organisation of
:func:`generate` (8 teams with their own projects, people, sprints, vocabulary, changelogs and
in-division cross-team links, planted pairs and coordination gap), renamed so that project keys,
team names, sprint ids and issue ids stay unique (``Payments 7``, ``PAY7-123``). Neighbouring
divisions are coupled by **cross-division links** (Blocks, Depends, Relates) between items that
also share a cross-team topic in their descriptions, so links and text cross teams at every scale.

Only two divisions are in memory at a time: division ``d`` is simulated, linked to ``d - 1``, and
then ``d - 1`` is written out, page by page, so memory does not grow with the number of items.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import numpy as np

from ._build import _build
from ._catalogue import CODENAMES, CROSS_TOPICS, TEAMS
from ._simulate import _Gen
from ._writers import _dump, json_documents, search_page, write_json_metadata

log = logging.getLogger(__name__)

__all__ = ["write_large_org"]

_TEAMS_PER_DIVISION = 8
_PEOPLE_PER_TEAM = 8
_STANDARD = ("Story", "Task", "Bug")


def _division_teams(d: int) -> list[tuple]:
    """Division ``d``'s teams: the catalogue's, with ``d + 1`` appended to names and keys (none for ``d = 0``)."""
    if d == 0:
        return list(TEAMS)
    return [(f"{name} {d + 1}", f"{key}{d + 1}", comps, labels) for name, key, comps, labels in TEAMS]


def _sizes(n_items: int, per_division: int) -> list[int]:
    n_div = max(1, math.ceil(n_items / per_division))
    base, extra = divmod(n_items, n_div)
    return [base + (1 if d < extra else 0) for d in range(n_div)]


class _Division:
    """One simulated division: its issue documents (by key), sprints and truth."""

    def __init__(self, d: int, n_items: int, *, n_sprints: int, seed, now, id_base: int):
        g = _Gen(n_items, _TEAMS_PER_DIVISION, _TEAMS_PER_DIVISION * _PEOPLE_PER_TEAM, n_sprints, seed, now)
        g.teams = _division_teams(d)
        g.sprint_base = d * _TEAMS_PER_DIVISION * n_sprints
        g.run()
        g.issue_ids = {k: str(int(v) + id_base) for k, v in g.issue_ids.items()}
        org = _build(g)
        board_ids = {t[0]: 1 + d * _TEAMS_PER_DIVISION + i for i, t in enumerate(g.teams)}
        self.issues, self.sprints = json_documents(org.backlog, {**org.extras, "board_ids": board_ids})
        self.index = {doc["key"]: i for i, doc in enumerate(self.issues)}
        items = org.backlog.items
        self.standard_by_team: dict[str, list[str]] = {}
        for key, kind, team in zip(items["key"].tolist(), items["type"].tolist(), items["team"].tolist()):
            if kind in _STANDARD:
                self.standard_by_team.setdefault(team, []).append(key)
        self.teams = [t[0] for t in g.teams]
        self.truth = {
            "planted_pairs": org.truth["planted_pairs"],
            "linked_cross_team": org.truth["linked_cross_team"],
            "coordination_gap": list(org.truth["coordination_gap"]),
        }
        self.n_events = len(org.backlog.events)
        self.n_links = len(org.backlog.links)

    def doc(self, key: str) -> dict:
        return self.issues[self.index[key]]


def _link_entry(lt: str, other: dict, direction: str) -> dict:
    phrases = {"Blocks": ("blocks", "is blocked by"), "Depends": ("depends on", "is a dependency of"),
               "Relates": ("relates to", "relates to")}
    out_p, in_p = phrases[lt]
    return {"id": f"9{other['id']}", "type": {"name": lt, "inward": in_p, "outward": out_p},
            f"{direction}Issue": {"id": other["id"], "key": other["key"],
                                  "fields": {"summary": other["fields"]["summary"]}}}


def _cross_link(rng: np.random.Generator, new: _Division, old: _Division, n_links: int) -> list[tuple]:
    """Link ``n_links`` item pairs across two divisions (both sides of each link, as Jira writes them)."""
    made = []
    for _ in range(n_links):
        ta, tb = new.teams[int(rng.integers(len(new.teams)))], old.teams[int(rng.integers(len(old.teams)))]
        if not new.standard_by_team.get(ta) or not old.standard_by_team.get(tb):
            continue
        ka = new.standard_by_team[ta][int(rng.integers(len(new.standard_by_team[ta])))]
        kb = old.standard_by_team[tb][int(rng.integers(len(old.standard_by_team[tb])))]
        a, b = new.doc(ka), old.doc(kb)
        lt = ("Blocks", "Depends", "Relates")[int(rng.choice(3, p=[0.45, 0.35, 0.2]))]
        provider, consumer, _label = CROSS_TOPICS[int(rng.integers(len(CROSS_TOPICS)))]
        code = CODENAMES[int(rng.integers(len(CODENAMES)))]
        a["fields"]["description"] = ((a["fields"]["description"] or "")
                                      + f"\n\nNeeds {provider} from {tb} for {code}.").lstrip()
        b["fields"]["description"] = ((b["fields"]["description"] or "")
                                      + f"\n\nProvides {provider} to {ta} ({consumer}) for {code}.").lstrip()
        a["fields"]["issuelinks"].append(_link_entry(lt, b, "outward"))
        b["fields"]["issuelinks"].append(_link_entry(lt, a, "inward"))
        made.append((ka, kb, lt))
    return made


class _PageWriter:
    """Buffers issue documents and writes a ``search-NNNN.json`` page each time ``page_size`` are in."""

    def __init__(self, folder: Path, page_size: int, total: int):
        self.folder, self.page_size, self.total = folder, page_size, total
        self.width = max(3, len(str(max(1, -(-total // page_size)))))
        self.buffer: list[dict] = []
        self.start = 0
        self.paths: list[Path] = []

    def add(self, docs: list[dict]) -> None:
        for doc in docs:
            self.buffer.append(doc)
            if len(self.buffer) == self.page_size:
                self.flush()

    def flush(self) -> None:
        if not self.buffer and self.paths:
            return
        path = self.folder / f"search-{len(self.paths) + 1:0{self.width}d}.json"
        _dump(search_page(self.buffer, self.start, self.page_size, self.total), path)
        self.paths.append(path)
        self.start += len(self.buffer)
        self.buffer = []


def write_large_org(folder, *, n_items: int = 100_000, items_per_division: int = 10_000, page_size: int = 1000,
                    n_sprints: int = 26, random_state: int = 0, now=None, progress: bool = True) -> list[Path]:
    """Write a large, deterministic Jira organisation as REST search pages, streamed to disk.

    The organisation is ``ceil(n_items / items_per_division)`` divisions of 8 teams and 64 people
    each (see the module docstring); each division is simulated like :func:`generate`, then its
    issues are written page by page, so memory stays that of two divisions whatever ``n_items``.
    The layout is the sample's: ``folder/jira-json/`` holds what :func:`write_jira_json_pages`
    writes for a small organisation (``search-0001.json``, ... with ``expand=changelog``
    histories, ``fields.json``, ``sprints.json``) and ``folder/truth.json`` what was planted, per
    division, and the cross-division links. Import with ``attn_team.read_jira(folder /
    "jira-json")`` or ``attn-team import folder/jira-json``: the Jira Team field decides each
    item's team.

    Parameters
    ----------
    folder : str or Path
        Created if missing; existing ``jira-json/search-*.json`` pages in it are removed first.
    n_items : int, default=100_000
        Number of work items in all.
    items_per_division : int, default=10_000
        Items per division (at least 160: 20 per team).
    page_size : int, default=1000
        Issues per search page (Jira Cloud's own maximum is 100; Server and Data Center allow 1000).
    n_sprints : int, default=26
        Two-week sprints per team (a year): all closed but the last two.
    random_state : int, default=0
        The same seed gives the same files, byte for byte.
    now : datetime-like, optional
        The moment of the export (default as in :func:`generate`).
    progress : bool, default=True
        Show a progress bar over the items (tqdm).

    Returns
    -------
    list of Path
        The files written: the pages, ``fields.json`` and ``sprints.json`` (in ``jira-json/``), ``truth.json``.

    Examples
    --------
    >>> from attn_team.synthetic import write_large_org
    >>> files = write_large_org("big-org", n_items=1_000_000)  # doctest: +SKIP

    or ``python -m attn_team.synthetic --items 1000000 --format json-pages big-org``.
    """
    if n_items < 1 or items_per_division < 20 * _TEAMS_PER_DIVISION or page_size < 1:
        raise ValueError(f"expected n_items >= 1, items_per_division >= {20 * _TEAMS_PER_DIVISION} and page_size >= 1, "
                         f"got n_items={n_items}, items_per_division={items_per_division}, page_size={page_size}")
    sizes = _sizes(int(n_items), int(items_per_division))
    if sizes[-1] < 20 * _TEAMS_PER_DIVISION:
        raise ValueError(f"n_items must be at least {20 * _TEAMS_PER_DIVISION} (20 per team of a division), got {n_items}")
    root = Path(folder)
    folder = root / "jira-json"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("search-*.json"):
        old.unlink()
    seeds = np.random.SeedSequence(int(random_state)).spawn(len(sizes) + 1)
    rng = np.random.default_rng(seeds[-1])
    writer = _PageWriter(folder, int(page_size), int(n_items))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=int(n_items), desc="generate", unit="item", unit_scale=True)
    sprints: list[dict] = []
    truth: dict = {"divisions": [], "cross_division_links": []}
    counts = {"items": 0, "events": 0, "links": 0}
    previous: _Division | None = None
    id_base = 0
    for d, size in enumerate(sizes):
        div = _Division(d, size, n_sprints=int(n_sprints), seed=seeds[d], now=now, id_base=id_base)
        id_base += size
        if previous is not None:
            made = _cross_link(rng, div, previous, max(4, size // 100))
            truth["cross_division_links"] += [list(m) for m in made]
            counts["links"] += len(made)
            writer.add(previous.issues)
            if bar is not None:
                bar.update(len(previous.issues))
        sprints += div.sprints
        truth["divisions"].append({"teams": div.teams, **div.truth})
        counts["items"] += size
        counts["events"] += div.n_events
        counts["links"] += div.n_links
        previous = div
    writer.add(previous.issues)
    writer.flush()
    if bar is not None:
        bar.update(len(previous.issues))
        bar.close()
    files = list(writer.paths) + write_json_metadata(folder, sprints)
    doc = {"generator": "attn_team.synthetic.write_large_org",
           "params": {"n_items": int(n_items), "items_per_division": int(items_per_division), "page_size": int(page_size),
                      "n_sprints": int(n_sprints), "random_state": int(random_state),
                      "now": None if now is None else str(now)},
           "counts": {**counts, "divisions": len(sizes), "teams": len(sizes) * _TEAMS_PER_DIVISION,
                      "people": len(sizes) * _TEAMS_PER_DIVISION * _PEOPLE_PER_TEAM, "sprints": len(sprints),
                      "pages": len(writer.paths)},
           **truth}
    path = root / "truth.json"
    path.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    files.append(path)
    log.info("wrote %d items in %d page(s), %d divisions, to %s", n_items, len(writer.paths), len(sizes), folder)
    return files

