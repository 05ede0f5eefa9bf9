"""Jira REST JSON -> :class:`~attn_team.io.RawExport`.

Reads what Jira's REST and Agile APIs return, as saved to files:

* search pages of REST v2 (``startAt``/``maxResults``/``total``) and v3 ``/search/jql``
  (``nextPageToken``/``isLast``), and Agile "issues of a board/sprint" pages;
* single issues (``GET /issue/{key}``), or a plain list of issues;
* Agile sprint lists (``values`` of sprints) and single sprints, board lists;
* issue-link-type lists (``issueLinkTypes``) and field lists (``GET /field``).

Documents are read together: a field list (or a page's ``names``/``schema``) tells
which custom field holds the sprints, story points, team and epic link; without
one these fields are recognised by the shape of their values. Descriptions in
Atlassian Document Format (v3) and wiki markup (v2) become plain text;
``changelog.histories`` become ``events`` rows.

The pure parser :func:`parse_jira_json` takes decoded documents;
:func:`read_jira_json` reads files. Bad input raises
:class:`~attn_team.errors.JiraFormatError` naming the file, the JSON line or the
issue index and field, and what was expected: also a number longer than 4,300
digits, ``Infinity`` or ``1e999`` as story points or a sprint id, and a date outside
1677-09-22..2262-04-11. Half of a UTF-16 pair (``"\ud800x"``: text cut inside an
emoji) is replaced by U+FFFD when the file is read, with a warning naming the file
and line, so it cannot fail later when the text is stored.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any



from ..errors import AttnTeamWarning, JiraFormatError
from ._locale import EPIC_TYPE_NAMES
from ._assemble import RawExport
from ._files import shown
from ._json_files import _compact, _load, _looks_like_page
from ._json_fields import _KEY, _Ctx, _get, _is_sprint_value, _name, _names, _person, _sprint_record, _str, _time, parse_legacy_sprint, sprint_number, story_points
from ._markup import adf_to_text, wiki_to_text

__all__ = ["parse_jira_json", "read_jira_json", "parse_legacy_sprint", "normalise_event_field", "epics_from_parents"]

log = logging.getLogger(__name__)

SPRINT_SCHEMA = "com.pyxis.greenhopper.jira:gh-sprint"
EPIC_LINK_SCHEMA = "com.pyxis.greenhopper.jira:gh-epic-link"
STORY_POINTS_SCHEMA = "com.pyxis.greenhopper.jira:jsw-story-points"
TEAM_SCHEMAS = (
    "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team",
    "com.atlassian.teams:rm-teams-custom-field-team",
)
STORY_POINT_NAMES = ("story points", "story point estimate")
#: Custom-field ids Jira commonly uses when no field list says otherwise (numeric values only).
COMMON_STORY_POINT_IDS = ("customfield_10016", "customfield_10026", "customfield_10028", "customfield_10106", "customfield_10004")
COMMON_EPIC_LINK_IDS = ("customfield_10014", "customfield_10008", "customfield_10100")
COMMON_TEAM_IDS = ("customfield_10001",)


#: changelog field names (lower case) -> events.field
_EVENT_FIELDS = {
    "status": "status",
    "sprint": "sprint",
    "assignee": "assignee",
    "reporter": "reporter",
    "story points": "story_points",
    "story point estimate": "story_points",
    "story_points": "story_points",
    "epic link": "epic",
    "parent": "parent",
    "issueparentassociation": "parent",
    "parent link": "parent",
    "resolution": "resolution",
    "priority": "priority",
    "issuetype": "type",
    "type": "type",
    "fix version": "fix_versions",
    "fixversions": "fix_versions",
    "component": "components",
    "components": "components",
    "labels": "labels",
    "summary": "summary",
    "description": "description",
    "team": "team",
    "link": "link",
    "rank": "rank",
    "flagged": "flagged",
}


def normalise_event_field(name: str) -> str:
    """Changelog field name -> ``events.field`` (``Sprint`` -> ``sprint``, ``Story point estimate`` -> ``story_points``)."""
    s = str(name).strip().lower()
    return _EVENT_FIELDS.get(s) or re.sub(r"[^\w]+", "_", s).strip("_") or "unknown"


# ----------------------------------------------------------------------------------------
# document kinds
# ----------------------------------------------------------------------------------------


def _kind(obj: Any) -> str:
    if isinstance(obj, dict):
        if isinstance(obj.get("issues"), list):
            return "search"
        if isinstance(obj.get("fields"), dict) and "key" in obj:
            return "issue"
        if isinstance(obj.get("issueLinkTypes"), list):
            return "linktypes"
        if isinstance(obj.get("values"), list):
            vals = obj["values"]
            if not vals:
                return "empty_values"
            if all(isinstance(v, dict) and "id" in v and "name" in v and ("state" in v or "originBoardId" in v) for v in vals):
                return "sprints"
            if all(isinstance(v, dict) and "id" in v and "name" in v and ("type" in v or "location" in v) for v in vals):
                return "boards"
            if all(isinstance(v, dict) and "id" in v and "name" in v and "schema" in v for v in vals):
                return "fields"
            return "unknown"
        if "id" in obj and "name" in obj and "state" in obj and "fields" not in obj:
            return "sprint"
        return "unknown"
    if isinstance(obj, list) and obj:
        if all(isinstance(v, dict) and "id" in v and "name" in v and ("schema" in v or "clauseNames" in v or "custom" in v) for v in obj):
            return "fields"
        if all(isinstance(v, dict) and isinstance(v.get("fields"), dict) and "key" in v for v in obj):
            return "issue_list"
        if all(isinstance(v, dict) and "id" in v and "name" in v and "state" in v for v in obj):
            return "sprint_list"
    return "unknown"


_EXPECTED = (
    "expected a Jira REST document: a search page {'issues': [...]}, an issue {'key', 'fields'}, "
    "an Agile sprint or board list {'values': [...]}, a sprint {'id', 'name', 'state'}, "
    "{'issueLinkTypes': [...]} or a field list [{'id', 'name', 'schema'}]"
)


def _describe(obj: Any) -> str:
    if isinstance(obj, dict):
        keys = sorted(map(str, obj))[:8]
        return f"an object with keys {keys}" if keys else "an empty object"
    if isinstance(obj, list):
        return f"a list of {len(obj)} element(s)" if obj else "an empty list"
    return f"a JSON {type(obj).__name__} ({shown(obj, 40)})"


class FieldMap:
    """Which field id plays which role (sprint, story points, team, epic link)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.custom: dict[str, str] = {}

    def add(self, fid: Any, name: Any = None, custom: Any = None) -> None:
        fid = _str(fid)
        if not fid:
            return
        if _str(name):
            self.names[fid] = _str(name)
        if _str(custom):
            self.custom[fid] = _str(custom)

    def add_list(self, fields: list) -> None:
        for f in fields:
            if isinstance(f, dict):
                self.add(f.get("id"), f.get("name"), _get(f, "schema", "custom"))

    def roles(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {"sprint": [], "story_points": [], "team": [], "epic": []}
        for fid in sorted(set(self.names) | set(self.custom)):
            name = (self.names.get(fid) or "").strip().lower()
            custom = self.custom.get(fid) or ""
            if custom == SPRINT_SCHEMA or (not custom and name == "sprint"):
                out["sprint"].append(fid)
            elif custom == STORY_POINTS_SCHEMA or name in STORY_POINT_NAMES:
                out["story_points"].append(fid)
            elif custom in TEAM_SCHEMAS or (name == "team" and fid.startswith("customfield_")):
                out["team"].append(fid)
            elif custom == EPIC_LINK_SCHEMA or name == "epic link":
                out["epic"].append(fid)
        return out

    def __bool__(self) -> bool:
        return bool(self.names or self.custom)




# ----------------------------------------------------------------------------------------
# issues
# ----------------------------------------------------------------------------------------


class _IssueReader:
    def __init__(self, fmap: FieldMap, boards: dict[str, str], link_phrases: dict[str, str]) -> None:
        self.roles = fmap.roles()
        self.known = bool(fmap)
        self.boards = boards
        self.link_phrases = link_phrases

    def _field_ids(self, fields: dict, role: str, common: Sequence[str]) -> list[str]:
        ids = [f for f in self.roles[role] if f in fields]
        if ids or self.roles[role]:
            return ids
        return [f for f in common if f in fields]

    def read(self, issue: Any, raw: RawExport, ctx: _Ctx) -> dict:
        if not isinstance(issue, dict):
            raise ctx.error(f"expected an issue object {{'key', 'fields'}}, got {_describe(issue)}")
        key = issue.get("key")
        if not isinstance(key, str) or not _KEY.match(key.strip()):
            raise ctx.error(f"expected an issue key like 'ABC-12', got {shown(key)}", "key")
        key = key.strip()
        ctx.key = key
        fields = issue.get("fields")
        if not isinstance(fields, dict):
            raise ctx.error(f"expected an object of fields, got {_describe(fields)}", "fields")
        people = raw.people
        rec: dict[str, Any] = {"key": key}
        rec["project"] = _get(fields, "project", "key") or key.rsplit("-", 1)[0]
        rec["type"] = _name(fields.get("issuetype"))
        status = fields.get("status")
        rec["status"] = _name(status)
        rec["status_category"] = _str(_get(status, "statusCategory", "key")) or _str(_get(status, "statusCategory", "name"))
        rec["priority"] = _name(fields.get("priority"))
        summary = fields.get("summary")
        if summary is not None and not isinstance(summary, str):
            raise ctx.error(f"expected text, got {_describe(summary)}", "summary")
        rec["summary"] = summary.strip() if summary else None
        desc = fields.get("description")
        if isinstance(desc, dict):
            rec["description"] = adf_to_text(desc) or None
        elif isinstance(desc, str):
            rec["description"] = wiki_to_text(desc) or None
        elif desc is None:
            rec["description"] = None
        else:
            raise ctx.error(f"expected wiki-markup text or an ADF document, got {_describe(desc)}", "description")
        rec["labels"] = _names(fields.get("labels"), ctx, "labels")
        rec["components"] = _names(fields.get("components"), ctx, "components")
        rec["fix_versions"] = _names(fields.get("fixVersions"), ctx, "fixVersions")
        rec["assignee"] = _person(fields.get("assignee"), people)
        rec["reporter"] = _person(fields.get("reporter"), people)
        watchers = _get(fields, "watches", "watchers") or fields.get("watchers") or []
        rec["watchers"] = [p for p in (_person(w, people) for w in watchers if isinstance(watchers, list)) if p]
        comments = _get(fields, "comment", "comments") or []
        commenters: list[str] = []
        if isinstance(comments, list):
            for c in comments:
                p = _person(_get(c, "author"), people)
                if p and p not in commenters:
                    commenters.append(p)
        rec["commenters"] = commenters
        parent = fields.get("parent")
        rec["parent_key"] = _str(_get(parent, "key")) if isinstance(parent, dict) else _str(parent)
        epic = None
        for fid in self._field_ids(fields, "epic", COMMON_EPIC_LINK_IDS):
            v = fields.get(fid)
            v = _get(v, "key") if isinstance(v, dict) else v
            if isinstance(v, str) and _KEY.match(v.strip()):
                epic = v.strip()
                break
        if epic is None and isinstance(parent, dict):
            ptype = _str(_get(parent, "fields", "issuetype", "name"))
            level = _get(parent, "fields", "issuetype", "hierarchyLevel")
            if (ptype and ptype.lower() == "epic") or level == 1:
                epic = rec["parent_key"]
        rec["epic_key"] = epic
        rec["story_points"] = None
        for fid in self._field_ids(fields, "story_points", COMMON_STORY_POINT_IDS):
            v = fields.get(fid)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v:
                rec["story_points"] = story_points(v, ctx, fid)
                break
            if isinstance(v, str) and v.strip():
                rec["story_points"] = story_points(v, ctx, fid)
                break
        rec["team_field"] = None
        team_ids = self._field_ids(fields, "team", COMMON_TEAM_IDS)
        for fid in team_ids:
            v = fields.get(fid)
            t = _name(v) if isinstance(v, (dict, str)) else None
            if t:
                rec["team_field"] = t
                break
        rec["created"] = _time(fields.get("created"), ctx, "created")
        rec["updated"] = _time(fields.get("updated"), ctx, "updated")
        rec["resolved"] = _time(fields.get("resolutiondate"), ctx, "resolutiondate")
        rec["sprints"] = self._sprints(fields, raw, ctx)
        self._links(key, fields.get("issuelinks"), raw, ctx)
        self._changelog(key, issue.get("changelog"), raw, ctx)
        return rec

    def _sprints(self, fields: dict, raw: RawExport, ctx: _Ctx) -> list[str]:
        if self.roles["sprint"]:
            candidates = [f for f in self.roles["sprint"] if f in fields]
        else:
            candidates = [f for f, v in fields.items() if str(f).startswith("customfield_") and _is_sprint_value(v)]
        refs: list[str] = []
        for fid in candidates:
            value = fields.get(fid)
            if value is None:
                continue
            if isinstance(value, (dict, str)):
                value = [value]
            if not isinstance(value, list):
                raise ctx.error(f"expected a list of sprints, got {_describe(value)}", fid)
            for v in value:
                if isinstance(v, dict):
                    rec = _sprint_record(v, ctx, fid, self.boards)
                elif isinstance(v, str):
                    rec = parse_legacy_sprint(v)
                    if rec is None:  # a plain sprint name
                        name = v.strip()
                        if not name:
                            continue
                        rec = {"sprint_id": None, "name": name}
                    else:
                        board = rec.pop("board")
                        rec["team"] = self.boards.get(board) if board else None
                        for k in ("start", "end", "complete"):
                            rec[k] = _time(rec[k], ctx, f"{fid}.{k}Date")
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    rec = {"sprint_id": sprint_number(v, ctx, fid), "name": None}
                else:
                    raise ctx.error(f"expected a sprint object or Jira's sprint string, got {_describe(v)}", fid)
                if rec.get("sprint_id"):
                    raw.sprints.append({k: v for k, v in rec.items() if v is not None})
                ref = rec.get("sprint_id") or rec.get("name")
                if ref and ref not in refs:
                    refs.append(ref)
        return refs

    def _links(self, key: str, links: Any, raw: RawExport, ctx: _Ctx) -> None:
        if links is None:
            return
        if not isinstance(links, list):
            raise ctx.error(f"expected a list of links, got {_describe(links)}", "issuelinks")
        for i, ln in enumerate(links):
            if not isinstance(ln, dict):
                raise ctx.error(f"link {i + 1}: expected a link object, got {_describe(ln)}", "issuelinks")
            ltype = ln.get("type") if isinstance(ln.get("type"), dict) else {}
            name = _str(ltype.get("name"))
            outward = _str(ltype.get("outward")) or (self.link_phrases.get(name) if name else None)
            out_key = _str(_get(ln, "outwardIssue", "key"))
            in_key = _str(_get(ln, "inwardIssue", "key"))
            if not out_key and not in_key:
                raw.warnings.append(f"{ctx.file}: issue {key}: link {_str(ln.get('id')) or i + 1} names no linked issue; skipped")
                continue
            if not name:
                raw.warnings.append(f"{ctx.file}: issue {key}: link {_str(ln.get('id')) or i + 1} has no link type; kept as 'untyped'")
                name = "untyped"
            if out_key:
                raw.links.append({"source_key": key, "target_key": out_key, "link_type": name, "label": outward})
            if in_key:
                raw.links.append({"source_key": in_key, "target_key": key, "link_type": name, "label": outward})

    def _changelog(self, key: str, changelog: Any, raw: RawExport, ctx: _Ctx) -> None:
        if changelog is None:
            return
        histories = changelog.get("histories") if isinstance(changelog, dict) else changelog
        if histories is None:
            return
        if not isinstance(histories, list):
            raise ctx.error(f"expected a list of histories, got {_describe(histories)}", "changelog.histories")
        sprint_ids = set(self.roles["sprint"])
        sp_ids = set(self.roles["story_points"])
        for h in histories:
            if not isinstance(h, dict):
                raise ctx.error(f"expected a history object, got {_describe(h)}", "changelog.histories")
            at = _time(h.get("created"), ctx, "changelog.created")
            author = _person(h.get("author"), raw.people)
            items = h.get("items") or []
            if not isinstance(items, list):
                raise ctx.error(f"expected a list of changed items, got {_describe(items)}", "changelog.items")
            for it in items:
                if not isinstance(it, dict):
                    continue
                fid = _str(it.get("fieldId"))
                fname = _str(it.get("field")) or fid or ""
                if fid in sprint_ids:
                    field = "sprint"
                elif fid in sp_ids:
                    field = "story_points"
                else:
                    field = normalise_event_field(fname)
                frm_id, to_id = _str(it.get("from")), _str(it.get("to"))
                frm_s, to_s = _str(it.get("fromString")), _str(it.get("toString"))
                if field in ("assignee", "reporter"):
                    frm, to = frm_id or frm_s, to_id or to_s
                    for pid, disp in ((frm_id, frm_s), (to_id, to_s)):
                        if pid and disp and (pid not in raw.people or raw.people[pid] == pid):
                            raw.people[pid] = disp
                elif field == "sprint":
                    frm, to = self._sprint_change(frm_id, frm_s, raw), self._sprint_change(to_id, to_s, raw)
                else:
                    frm, to = (frm_s if frm_s is not None else frm_id), (to_s if to_s is not None else to_id)
                raw.events.append({"key": key, "at": at, "field": field, "from": frm, "to": to, "author": author, "origin": "changelog"})

    @staticmethod
    def _sprint_change(ids: str | None, names: str | None, raw: RawExport) -> str | None:
        """Sprint changelog value as ``", "``-joined sprint ids (names learnt on the way)."""
        id_list = [s.strip() for s in ids.split(",") if s.strip()] if ids else []
        if not id_list:
            return names
        if names:
            name_list = [s.strip() for s in names.split(",") if s.strip()]
            if len(name_list) == len(id_list):
                for sid, name in zip(id_list, name_list):
                    raw.sprints.append({"sprint_id": sid, "name": name})
        return ", ".join(id_list)


# ----------------------------------------------------------------------------------------
# the parser
# ----------------------------------------------------------------------------------------


def _warn(raw: RawExport, msg: str) -> None:
    raw.warnings.append(msg)
    log.info("%s", msg)
    warnings.warn(msg, AttnTeamWarning, stacklevel=4)


def _page_summary(obj: dict) -> dict:
    """What :func:`_check_pages` needs of a search page (so the page itself need not be kept)."""
    out = {k: obj[k] for k in ("startAt", "total", "nextPageToken", "isLast") if k in obj}
    out["n_issues"] = len(obj["issues"])
    return out


def _check_pages(pages: list[tuple[str, dict, RawExport]]) -> None:
    """Warn when REST v2 pages of one search do not fit together, or a v3 chain lacks its last page.

    ``pages`` holds ``(name, summary, raw)`` with the summary of :func:`_page_summary`.
    """
    v2: dict[Any, list[tuple[int, int, str, RawExport]]] = {}
    v3: list[tuple[str, dict, RawExport]] = []
    for name, obj, raw in pages:
        start, total = obj.get("startAt"), obj.get("total")
        if isinstance(start, int) and isinstance(total, int) and not isinstance(start, bool):
            v2.setdefault(total, []).append((start, obj["n_issues"], name, raw))
        elif "nextPageToken" in obj or "isLast" in obj:
            v3.append((name, obj, raw))
    for total, group in v2.items():
        group.sort(key=lambda g: (g[0], g[2]))
        expect = 0
        first_raw = group[0][3]
        for start, n, name, raw in group:
            if start > expect:
                _warn(first_raw, f"{name}: search pages do not fit together: issues {expect}..{start - 1} of {total} are missing (this page starts at {start})")
            elif start < expect:  # the same search saved twice, or overlapping pages: assemble keeps the latest
                log.info("%s: search page starts at %d, pages overlap up to %d", name, start, expect - 1)
            expect = max(expect, start + n)
        if expect < total:
            names = ", ".join(g[2] for g in group)
            _warn(first_raw, f"{names}: pages hold {expect} of {total} issues (startAt/total): later pages are missing")
    if v3 and not any(obj.get("isLast") is True for _, obj, _ in v3):
        _warn(v3[0][2], f"{', '.join(n for n, _, _ in v3)}: no page has isLast=true: the last /search/jql page(s) are missing")


def parse_jira_json(docs: Iterable[tuple[str, Any]]) -> list[RawExport]:
    """Parse decoded Jira REST documents into raw exports, one per document.

    Parameters
    ----------
    docs : iterable of (str, object)
        ``(source name, decoded JSON)`` pairs. Documents are read together:
        field lists, board lists and link-type lists inform the issues of the
        other documents, and search pages are checked to fit together.

    Returns
    -------
    list of RawExport
        In the order given. Metadata-only documents (fields, link types) give
        exports without issues; sprint and board lists give exports with sprints.

    Raises
    ------
    JiraFormatError
        A document that is not a Jira REST document, an issue without a valid key,
        a duplicate key within one page, an invalid date or a field of the wrong shape.

    Examples
    --------
    >>> page = {"startAt": 0, "maxResults": 50, "total": 1, "issues": [
    ...     {"key": "PAY-1", "fields": {"summary": "Refresh tokens", "status": {"name": "Done",
    ...      "statusCategory": {"key": "done"}}, "created": "2024-03-05T10:00:00.000+0100"}}]}
    >>> [raw] = parse_jira_json([("page.json", page)])
    >>> raw.issues[0]["key"], raw.issues[0]["status_category"], str(raw.issues[0]["created"])
    ('PAY-1', 'done', '2024-03-05 09:00:00+00:00')
    """
    docs = list(docs)
    kinds = [_kind(obj) for _, obj in docs]
    for (name, obj), kind in zip(docs, kinds):
        _check_known(name, obj, kind)
    meta = _Metadata()
    for (name, obj), kind in zip(docs, kinds):
        meta.add(obj, kind)
    reader = meta.reader()
    out: list[RawExport] = []
    pages: list[tuple[str, dict, RawExport]] = []
    for (name, obj), kind in zip(docs, kinds):
        raw, summary = _parse_document(name, obj, kind, reader)
        if summary is not None:
            pages.append((str(name), summary, raw))
        out.append(raw)
    _check_pages(pages)
    epics_from_parents(out)
    return out


def _check_known(name: Any, obj: Any, kind: str) -> None:
    if kind == "unknown":
        raise JiraFormatError(f"not a Jira REST document: {_EXPECTED}; found {_describe(obj)}", file=name)


class _Metadata:
    """What documents tell about the others: field roles, board names, link phrases."""

    def __init__(self) -> None:
        self.fmap = FieldMap()
        self.boards: dict[str, str] = {}
        self.phrases: dict[str, str] = {}

    def add(self, obj: Any, kind: str) -> None:
        if kind == "fields":
            self.fmap.add_list(obj if isinstance(obj, list) else obj["values"])
        elif kind == "boards":
            for b in obj["values"]:
                if _str(b.get("id")) and _str(b.get("name")):
                    self.boards[_str(b["id"])] = _str(b["name"])
        elif kind == "linktypes":
            for lt in obj["issueLinkTypes"]:
                if isinstance(lt, dict) and _str(lt.get("name")):
                    self.phrases[_str(lt["name"])] = _str(lt.get("outward"))
        elif kind in ("search", "issue"):  # ?expand=names,schema
            names, schema = obj.get("names"), obj.get("schema")
            if isinstance(names, dict):
                for fid, fname in names.items():
                    self.fmap.add(fid, fname)
            if isinstance(schema, dict):
                for fid, sch in schema.items():
                    self.fmap.add(fid, None, _get(sch, "custom"))

    def signature(self) -> tuple:
        """Everything the issue reader depends on: equal signatures read issues alike."""
        return (repr(self.fmap.roles()), bool(self.fmap), tuple(sorted(self.boards.items())),
                tuple(sorted(self.phrases.items())))

    def reader(self) -> _IssueReader:
        return _IssueReader(self.fmap, dict(self.boards), dict(self.phrases))


def _parse_document(name: Any, obj: Any, kind: str, reader: _IssueReader) -> tuple[RawExport, dict | None]:
    """One decoded document -> its raw export, and its page summary when it is a search page."""
    raw = RawExport(source=str(name))
    ctx = _Ctx(str(name))
    summary = None
    try:
        if kind in ("search", "issue", "issue_list"):
            issues = obj["issues"] if kind == "search" else ([obj] if kind == "issue" else obj)
            seen: dict[str, int] = {}
            for i, issue in enumerate(issues):
                ctx.row, ctx.key = (i + 1 if kind != "issue" else None), None
                rec = reader.read(issue, raw, ctx)
                if rec["key"] in seen:
                    raise ctx.error(f"duplicate issue key (also issue {seen[rec['key']]} of this page): expected each key once per page", "key")
                seen[rec["key"]] = i + 1
                raw.issues.append(rec)
            if kind == "search":
                summary = _page_summary(obj)
        elif kind in ("sprints", "sprint", "sprint_list"):
            items = obj["values"] if kind == "sprints" else ([obj] if kind == "sprint" else obj)
            for i, s in enumerate(items):
                ctx.row = i + 1 if kind != "sprint" else None
                raw.sprints.append(_sprint_record(s, ctx, "values" if kind == "sprints" else "sprint", reader.boards))
    except JiraFormatError:
        raise
    except (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError) as exc:  # shape we did not foresee
        raise ctx.error(f"unexpected structure ({type(exc).__name__}: {exc}); {_EXPECTED}") from None
    log.info("%s: %s, %d issue(s), %d sprint(s), %d event(s)", name, kind, len(raw.issues), len(raw.sprints), len(raw.events))
    return raw, summary


def epics_from_parents(raws: Sequence[RawExport]) -> None:
    """Set ``epic_key`` to ``parent_key`` where the parent is an epic of these exports (in place).

    Jira Cloud's new hierarchy replaces "Epic Link" by ``parent``; an export only
    says whether the parent is an epic when the epic itself is in the export.
    """
    types = {rec["key"]: str(rec.get("type") or "").strip().lower() for r in raws for rec in r.issues}
    for r in raws:
        for rec in r.issues:
            parent = rec.get("parent_key")
            if parent and not rec.get("epic_key") and types.get(parent) in EPIC_TYPE_NAMES:
                rec["epic_key"] = parent


def read_jira_json(paths: Path | str | Sequence[Path | str], *, progress: bool = False,
                   compact: bool = False) -> list[RawExport]:
    """Read Jira REST JSON files (pages, issues, sprints, fields, ...) into raw exports.

    Parameters
    ----------
    paths : path or sequence of paths
        Files, or folders whose ``*.json`` files are read in name order.
    progress : bool, default=False
        Show a progress bar (tqdm) over the files.
    compact : bool, default=False
        Keep each page's issues and events column-wise (an :class:`~attn_team.io.IssueColumns`
        and a DataFrame) as soon as the page is read, and its sprint records once each, so a
        million issues fit in memory; :func:`~attn_team.io.assemble` reads them alike. Epics are
        then found from parents by ``assemble`` (as it does for every source), not here.

    Returns
    -------
    list of RawExport
        One per file; pass them to :func:`attn_team.io.assemble`.

    Raises
    ------
    JiraFormatError
        Naming the file and the JSON line, or the issue index and field.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(sorted(p.glob("*.json")) if p.is_dir() else [p])
    # Search pages are read one at a time and dropped once parsed, so memory holds the parsed
    # records, never all the decoded JSON at once. The other documents (field, sprint, board and
    # link-type lists: small) are read first, since they tell how to read the issues.
    is_page = [_looks_like_page(p) for p in files]
    notes: list[list[str]] = [[] for _ in files]
    meta = _Metadata()
    others: dict[int, tuple[Any, str]] = {}
    for i, p in enumerate(files):
        if not is_page[i]:
            obj = _load(p, notes[i])
            kind = _kind(obj)
            _check_known(str(p), obj, kind)
            meta.add(obj, kind)
            others[i] = (obj, kind)
    order: Iterable[int] = [i for i in range(len(files)) if is_page[i]]
    if progress:
        from tqdm.auto import tqdm

        order = tqdm(order, desc="JSON", unit="file")
    results: dict[int, tuple[RawExport, dict | None]] = {}
    pool: dict[str, str] = {}  # (compact) one string per distinct person, status, name
    reader, signature = meta.reader(), meta.signature()
    for i in order:
        obj = _load(files[i], notes[i])
        kind = _kind(obj)
        _check_known(str(files[i]), obj, kind)
        meta.add(obj, kind)
        if meta.signature() != signature:  # a page's names/schema changed how issues read: read the earlier ones again
            reader, signature = meta.reader(), meta.signature()
            for j in list(results):
                again = _load(files[j])
                results[j] = _parse_document(str(files[j]), again, _kind(again), reader)
                del again
        results[i] = _parse_document(str(files[i]), obj, kind, reader)
        del obj
        if compact:
            _compact(results[i][0], pool)
    for i, (obj, kind) in others.items():
        results[i] = _parse_document(str(files[i]), obj, kind, reader)
    others.clear()
    out = [results[i][0] for i in range(len(files))]
    _check_pages([(str(files[i]), results[i][1], results[i][0]) for i in range(len(files)) if results[i][1] is not None])
    if not compact:
        epics_from_parents(out)
    for raw, said in zip(out, notes):
        for msg in said:
            _warn(raw, msg)
    return out
