"""How the CSV reader turns Jira's columns into issue fields: one declarative table and small steps.

:data:`FIELDS` says, for every plain field of a :class:`~attn_team.io._assemble.RawExport`
issue, which CSV field it comes from and how it is read; the fields that need more than one
column or a rule of their own (the key, the project, the description, people lists, story
points, parent and epic, links) are the named steps below. :class:`Columns` is the tokenised
body with the helpers every step shares (pick a column, name the row of an error).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import AttnTeamWarning, JiraFormatError
from ._csv_text import _line_of_row
from ._dates import parse_jira_dates
from ._locale import EPIC_TYPE_NAMES

__all__ = ["FIELDS", "Columns"]

#: issue field -> (how it is read, the CSV field it comes from). Kinds: ``string`` (one cell,
#: stripped, empty is None), ``text`` (the same, Windows line ends made Unix ones), ``first``
#: (the first non-empty of repeated columns), ``person`` (account id, else display name),
#: ``lists`` (every non-empty cell of repeated columns), ``date`` (Jira's dates, any locale, UTC).
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("type", "string", "type"),
    ("status", "string", "status"),
    ("status_category", "string", "status_category"),
    ("priority", "string", "priority"),
    ("summary", "text", "summary"),
    ("team_field", "first", "team_field"),
    ("assignee", "person", "assignee"),
    ("reporter", "person", "reporter"),
    ("labels", "lists", "labels"),
    ("components", "lists", "components"),
    ("fix_versions", "lists", "fix_versions"),
    ("sprints", "lists", "sprints"),
    ("created", "date", "created"),
    ("updated", "date", "updated"),
    ("resolved", "date", "resolved"),
)


def _stripped(a: np.ndarray) -> np.ndarray:
    """``str.strip`` of every cell (cells read with ``na_filter=False`` are all str)."""
    return np.array([v.strip() for v in a.tolist()], dtype=object)


def _stripped_few(a: np.ndarray) -> np.ndarray:
    """:func:`_stripped` of a column with few distinct values (people): each distinct value stripped once."""
    codes, uniq = pd.factorize(a)
    return np.array([u.strip() for u in uniq.tolist()] + [""], dtype=object)[codes]


def _nonempty(a: np.ndarray) -> np.ndarray:
    """Cells that are not the empty string (cells read with ``na_filter=False`` are all str)."""
    return a != ""


def _none_if_empty(a: np.ndarray) -> list:
    a = np.asarray(a, dtype=object)
    return np.where(_nonempty(a), a, None).tolist()


def _lists(cols: list[np.ndarray], n: int) -> list[list[str]]:
    """Per row, the non-empty cells of the repeated columns ``cols``, in column order."""
    if not cols:
        return [[] for _ in range(n)]
    out = [[v] if v else [] for v in cols[0].tolist()]
    if len(cols) > 1:  # most rows fill only the first of the repeated columns
        more = np.logical_or.reduce([_nonempty(c) for c in cols[1:]])
        cells = [c.tolist() for c in cols]
        for i in np.flatnonzero(more).tolist():
            out[i] = [c[i] for c in cells if c[i]]
    return out


def _comment_author(cell: str) -> str:
    """The author of a CSV comment cell ``date;author;body`` ("" when there is none)."""
    i = cell.find(";")
    j = cell.find(";", i + 1) if i >= 0 else -1
    return cell[i + 1:j].strip() if j >= 0 else ""  # (no copy of the body, unlike split)


def _merge_people(people: dict[str, str], ids: np.ndarray, names: np.ndarray) -> None:
    both = _nonempty(ids) & _nonempty(names)
    if both.any():
        # the first row's display name of an id wins; duplicates dropped in C, few people are left
        found = pd.DataFrame({"id": ids[both], "name": names[both]}, dtype=object).drop_duplicates("id")
        for i, nm in zip(found["id"].tolist(), found["name"].tolist()):
            people.setdefault(i.strip(), nm.strip())


class Columns:
    """The tokenised CSV body (one column per header position) and what every step shares."""

    def __init__(self, df: pd.DataFrame, *, single: dict, multi: dict, header: list[str], file, body_text,
                 header_lines: int, key_re, people: dict[str, str]):
        self.df, self.single, self.multi, self.header = df, single, multi, header
        self.file, self.body_text, self.header_lines, self.key_re = file, body_text, header_lines, key_re
        self.people = people
        self.n = len(df)

    # -- picking columns ---------------------------------------------------------------------
    def col(self, field: str) -> np.ndarray | None:
        ps = self.single.get(field)
        return None if not ps else self.df[ps[0]].to_numpy(dtype=object)

    def first_nonempty(self, field: str) -> np.ndarray | None:
        ps = self.single.get(field)
        if not ps:
            return None
        out = self.df[ps[0]].to_numpy(dtype=object).copy()
        for p in ps[1:]:
            other = self.df[p].to_numpy(dtype=object)
            take = ~_nonempty(out) & _nonempty(other)
            out[take] = other[take]
        return out

    def mcols(self, field: str) -> list[np.ndarray]:
        return [self.df[p].to_numpy(dtype=object) for p in self.multi.get(field, [])]

    def fail(self, msg: str, row: int, field: str) -> JiraFormatError:
        line = _line_of_row(self.body_text(), row)
        return JiraFormatError(msg, file=self.file, line=None if line is None else line + self.header_lines,
                               row=row, field=field)

    # -- the kinds of FIELDS -------------------------------------------------------------------
    def read(self, kind: str, field: str):
        return getattr(self, f"_{kind}")(field)

    def _string(self, field: str) -> list:
        c = self.col(field)
        return [None] * self.n if c is None else _none_if_empty(c)

    def _text(self, field: str) -> list:
        c = self.col(field)
        if c is None:
            return [None] * self.n
        return _none_if_empty(np.array([v.replace("\r\n", "\n") for v in c.tolist()], dtype=object))

    def _first(self, field: str) -> list:
        c = self.first_nonempty(field)
        return [None] * self.n if c is None else _none_if_empty(c)

    def _person(self, kind: str) -> list:
        ids, names_ = self.col(f"{kind}_id"), self.col(f"{kind}_name")
        ids = None if ids is None else _stripped_few(ids)
        names_ = None if names_ is None else _stripped_few(names_)
        if ids is None and names_ is None:
            return [None] * self.n
        if ids is None:
            return _none_if_empty(names_)
        if names_ is None:
            return _none_if_empty(ids)
        _merge_people(self.people, ids, names_)
        return _none_if_empty(np.where(_nonempty(ids), ids, names_))

    def _lists(self, field: str) -> list[list[str]]:
        return _lists(self.mcols(field), self.n)

    def _date(self, field: str) -> pd.Series:
        c = self.col(field)
        if c is None:
            return pd.Series(np.full(self.n, np.datetime64("NaT"), dtype="datetime64[ns]")).dt.tz_localize("UTC")
        hname = self.header[self.single[field][0]]
        try:
            return parse_jira_dates(c, file=self.file, field=hname)
        except JiraFormatError as exc:
            raise self.fail(exc.reason, exc.row, hname) from None

    # -- the named steps -------------------------------------------------------------------------
    def project(self, keys: np.ndarray) -> list:
        """``Project key``, else the key's prefix."""
        project = self.col("project")
        if project is None or not _nonempty(project).all():
            prefix = np.array([k.rsplit("-", 1)[0] for k in keys.tolist()], dtype=object)
            project = prefix if project is None else np.where(_nonempty(project), project, prefix)
        return project.tolist()

    def description(self) -> list:
        """Wiki markup to plain text, each distinct description once."""
        from ._markup import wiki_to_text

        desc = self.col("description")
        if desc is None:
            return [None] * self.n
        codes, uniq = pd.factorize(desc)
        uniq = [u.replace("\r\n", "\n") if "\r" in u else u for u in uniq.tolist()]
        conv = [(wiki_to_text(u) or None) if u else None for u in uniq]
        return [conv[c] for c in codes.tolist()]

    def watchers(self) -> list[list[str]]:
        """``Watchers Id`` (account ids) where the export has them, else ``Watchers`` (names)."""
        w_ids, w_names = self.mcols("watchers_id"), self.mcols("watchers_name")
        if not w_ids:
            return _lists(w_names, self.n)
        for a, b in zip(w_ids, w_names):
            _merge_people(self.people, a, b)
        w = [np.where(_nonempty(a), a, b) if b is not None else a
             for a, b in zip(w_ids, w_names + [None] * (len(w_ids) - len(w_names)))]
        return _lists(w, self.n)

    def commenters(self) -> list[list[str]]:
        """The author of each ``date;author;body`` comment, each author once per item."""
        authors = [np.array([_comment_author(v) if v else "" for v in c.tolist()], dtype=object)
                   for c in self.mcols("comments")]
        return [list(dict.fromkeys(w)) if len(w) > 1 else w for w in _lists(authors, self.n)]

    def story_points(self):
        """The first non-empty story-point column, as finite numbers (a comma decimal point is read)."""
        sp = self.first_nonempty("story_points")
        if sp is None:
            return [None] * self.n
        codes, uniq = pd.factorize(sp)  # a handful of distinct values: each converted once
        s = [u.strip() for u in uniq.tolist()]
        num = pd.to_numeric(pd.Series([u.replace(",", ".") for u in s], dtype=object),
                            errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(((np.array(s, dtype=object) != "") & np.isnan(num)) | np.isinf(num))
        if len(bad):
            row = int(np.flatnonzero(np.isin(codes, bad))[0]) + 1
            shown = s[codes[row - 1]]
            what = "not a finite number" if np.isinf(num[codes[row - 1]]) else "not a number"
            raise self.fail(f"story points {shown[:30]!r} is {what}; expected e.g. '3' or '0.5'", row, "Story Points")
        return pd.Series(num[codes] if len(num) else np.full(self.n, np.nan)).astype("Float64")

    def _warn(self, raw, msg: str) -> None:
        raw.warnings.append(msg)
        warnings.warn(msg, AttnTeamWarning, stacklevel=6)

    def parents(self, keys: np.ndarray, raw) -> list:
        """``Parent key``, else ``Parent`` (a key, or an issue id of this export)."""
        n = self.n
        parent = [None] * n
        has_parent = np.zeros(n, dtype=bool)
        pk = self.col("parent_key")
        if pk is not None:
            pk = _stripped(pk)
            has_parent = _nonempty(pk)
            parent = _none_if_empty(pk)
        pid = self.col("parent")
        if pid is None:
            return parent
        by_id = None
        unresolved = 0
        for i in np.flatnonzero(_nonempty(pid) & ~has_parent).tolist():
            v = pid[i].strip()
            if not v:
                continue
            if self.key_re.match(v):
                parent[i] = v
                continue
            if by_id is None:  # built only when some parent is named by id
                ids = self.col("issue_id")
                by_id = {} if ids is None else {str(x).strip(): k for x, k in zip(ids.tolist(), keys.tolist()) if x}
            if v in by_id:
                parent[i] = by_id[v]
            else:
                unresolved += 1
        if unresolved:
            self._warn(raw, f"{self.file}: {unresolved} row(s) name a parent by id that is not in this export "
                            f"and there is no 'Parent key' column; their parent is left empty")
        return parent

    def epics(self, keys: np.ndarray, parent: list, raw) -> list:
        """``Epic Link`` (a key, or an epic's id or Epic Name), else the nearest epic ancestor through ``Parent``."""
        n = self.n
        types = self.col("type")
        if types is None:
            is_epic = np.zeros(n, dtype=bool)
        else:
            codes, uniq = pd.factorize(types)
            is_epic = np.array([t.strip().casefold() in EPIC_TYPE_NAMES for t in uniq.tolist()] + [False],
                               dtype=bool)[codes]
        el = self.col("epic_link")
        epic = [None] * n if el is None else _none_if_empty(_stripped(el))
        if el is not None:  # Epic Link holds a key, or (some Server exports) the epic's id or Epic Name
            odd = [i for i, v in enumerate(epic) if v and not self.key_re.match(v)]
            if odd:
                names_col = self.col("epic_name")
                by_name = {} if names_col is None else {v.strip(): k for v, k in zip(names_col.tolist(), keys.tolist())
                                                        if v.strip()}
                ids_col = self.col("issue_id")
                by_id = {} if ids_col is None else {v.strip(): k for v, k in zip(ids_col.tolist(), keys.tolist())
                                                    if v.strip()}
            unknown = 0
            for i in odd:
                epic[i] = by_id.get(epic[i]) or by_name.get(epic[i])
                unknown += epic[i] is None
            if unknown:
                self._warn(raw, f"{self.file}: {unknown} row(s) have an Epic Link that is neither an issue key nor "
                                f"the id or Epic Name of an epic in this export; their epic is left empty")
        todo = [i for i in range(n) if parent[i] and not epic[i] and not is_epic[i]]
        index = {k: i for i, k in enumerate(keys.tolist())} if todo else {}
        for _ in range(3):  # epic > story > sub-task: a few hops are enough
            changed = False
            for i in todo:
                if epic[i]:
                    continue
                p = parent[i]
                j = index.get(p)
                if j is None:
                    continue
                e = p if is_epic[j] else epic[j]
                if e:
                    epic[i] = e
                    changed = True
            if not changed:
                break
        return epic

    def links(self, links: dict, keys: np.ndarray, outward_phrases: dict) -> list[dict]:
        """``Inward/Outward issue link (<type>)`` cells as links in Jira's outward direction."""
        out = []
        for (direction, ltype), ps in links.items():
            label = outward_phrases.get(ltype.casefold())
            for p in ps:
                c = self.df[p].to_numpy(dtype=object)
                for i in np.flatnonzero(_nonempty(c)).tolist():
                    other = c[i].strip()
                    if not other:
                        continue
                    src, dst = (keys[i], other) if direction == "outward" else (other, keys[i])
                    out.append({"source_key": src, "target_key": dst, "link_type": ltype, "label": label})
        return out
