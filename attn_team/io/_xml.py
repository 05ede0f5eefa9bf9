"""Jira XML/RSS (``SearchRequest.xml``) -> :class:`~attn_team.io.RawExport`.

Jira's "Export XML" is RSS 0.92: one ``<item>`` per issue, with ``<key>``,
``<summary>``, ``<type>``, ``<status>``/``<statusCategory key=..>``,
``<assignee accountid=..>`` (``-1`` = unassigned), RFC 822 dates, an HTML
``<description>``, ``<labels>``, ``<component>``, ``<fixVersion>``, ``<parent>``,
``<customfields>`` (Sprint, Story Points, Team, Epic Link), ``<issuelinks>`` and
``<comments>``.

Jira's own quirks are tolerated: a browser banner line ("This XML file does
not appear to have any style information ...") or any other junk before the
XML, CRLF line ends, comments before the root. The XML is parsed with expat
with DTD entity declarations and external entities refused, so untrusted files
cannot expand entities ("billion laughs") or read local files.
"""

from __future__ import annotations

import email.utils
import logging
import math
import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from xml.parsers import expat

import pandas as pd

from ..errors import AttnTeamWarning, JiraFormatError
from ._dates import RANGE, in_range
from ._files import read_export_bytes, shown
from ._assemble import RawExport
from ._json import SPRINT_SCHEMA, STORY_POINT_NAMES, EPIC_LINK_SCHEMA, TEAM_SCHEMAS, STORY_POINTS_SCHEMA, epics_from_parents, parse_legacy_sprint
from ._markup import html_to_text

__all__ = ["parse_jira_xml", "read_jira_xml"]

log = logging.getLogger(__name__)

_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-\d+$")
# Where the XML starts: a declaration, a comment, a doctype or the <rss> root.
_XML_START = re.compile(r"<(?:\?xml\b|!--|!DOCTYPE\b|rss\b)", re.I)


class _Forbidden(Exception):
    pass


class _Tree:
    """Element tree built by expat, remembering the line of every element."""

    def __init__(self) -> None:
        self.lines: dict[int, int] = {}

    def line(self, el: ET.Element) -> int | None:
        return self.lines.get(id(el))


def _parse(text: str, *, source: str, line_offset: int) -> tuple[ET.Element, _Tree]:
    tree = _Tree()
    stack: list[ET.Element] = []
    root: list[ET.Element] = []
    texts: list[list[str]] = []
    p = expat.ParserCreate()
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def start(tag, attrs):
        el = ET.Element(tag, attrs)
        tree.lines[id(el)] = p.CurrentLineNumber + line_offset
        if stack:
            parent = stack[-1]
            if len(parent):
                parent[-1].tail = None
            parent.append(el)
        else:
            root.append(el)
        stack.append(el)
        texts.append([])

    def end(tag):
        el = stack.pop()
        el.text = "".join(texts.pop()) or None

    def data(s):
        if texts:
            texts[-1].append(s)

    def forbid_entity(name, *args):
        raise _Forbidden(f"entity declaration {name!r} (DTD entities are refused for safety)")

    def forbid_external(*args):
        raise _Forbidden("external entity reference (refused for safety)")

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = data
    p.EntityDeclHandler = forbid_entity
    p.UnparsedEntityDeclHandler = forbid_entity
    p.ExternalEntityRefHandler = forbid_external
    try:
        p.Parse(text, True)
    except expat.ExpatError as exc:
        line = (exc.lineno or 1) + line_offset
        code = expat.ErrorString(exc.code) if exc.code else str(exc)
        what = "truncated XML" if exc.code == expat.errors.codes.get(expat.errors.XML_ERROR_NO_ELEMENTS) or "no element found" in code else "invalid XML"
        raise JiraFormatError(f"{what} at column {exc.offset + 1}: {code}; expected Jira's XML/RSS export (SearchRequest.xml)", file=source, line=line) from None
    except _Forbidden as exc:
        raise JiraFormatError(f"{exc}; expected Jira's XML/RSS export", file=source, line=p.CurrentLineNumber + line_offset) from None
    except RecursionError:
        raise JiraFormatError("XML nested too deeply; expected Jira's XML/RSS export", file=source) from None
    if not root:
        raise JiraFormatError("no XML element found; expected Jira's XML/RSS export", file=source)
    return root[0], tree


def _text(el: ET.Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    s = el.text.strip()
    return s or None


# The year of an RFC 822 date: email.utils reads a year below 100 as 19xx/20xx, also when written "0001".
_RFC822_YEAR = re.compile(r"\b\d{1,2}\s+[A-Za-z]{3,}\.?\s+(\d{3,})\b")


def _rfc822(value: str | None, *, source: str, line: int | None, field: str, key: str | None) -> pd.Timestamp | None:
    if not value:
        return None
    where = f"issue {key}: " if key else ""
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        dt = None
    year = _RFC822_YEAR.search(value) if dt is not None else None
    if year is not None and int(year.group(1)) != dt.year:
        raise JiraFormatError(f"{where}invalid date {shown(value)} (year {year.group(1)}): expected a date {RANGE}", file=source, line=line, field=field)
    try:
        if dt is None:  # some exports write ISO dates
            ts = pd.Timestamp(value) if re.match(r"^\d{4}-\d{2}-\d{2}", value) else None
        else:
            ts = pd.Timestamp(dt)
        if ts is not None:
            ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
            if not in_range(ts):
                raise ValueError("out of range")
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        raise JiraFormatError(f"{where}invalid date {shown(value)} ({exc}): expected a date {RANGE}", file=source, line=line, field=field) from None
    if ts is None:
        raise JiraFormatError(f"{where}invalid date {shown(value)}: expected an RFC 822 date like 'Sun, 8 Sep 2024 17:43:07 +0300'", file=source, line=line, field=field)
    return ts


def _person(el: ET.Element | None, people: dict[str, str]) -> str | None:
    """``<assignee accountid=".." username="..">Display</assignee>`` -> person id (None if unassigned)."""
    if el is None:
        return None
    display = _text(el)
    pid = None
    for attr in ("accountid", "username", "key", "name"):
        v = (el.get(attr) or "").strip()
        if v:
            pid = v
            break
    if pid == "-1":
        return None
    if pid is None:
        if not display or display.lower() in ("unassigned", "anonymous"):
            return None
        pid = display
    if pid not in people or people[pid] == pid:
        people[pid] = display or pid
    return pid


def _customfields(item: ET.Element) -> list[tuple[str, str, str, list[ET.Element]]]:
    out = []
    for cf in item.iterfind("customfields/customfield"):
        name = _text(cf.find("customfieldname")) or ""
        values = list(cf.iterfind("customfieldvalues/customfieldvalue"))
        out.append((cf.get("id") or "", cf.get("key") or "", name, values))
    return out


def _item(item: ET.Element, index: int, raw: RawExport, tree: _Tree, source: str) -> dict:
    line = tree.line(item)
    key = _text(item.find("key"))
    if key is None or not _KEY.match(key):
        raise JiraFormatError(f"item {index}: expected an issue key like 'ABC-12' in <key>, got {shown(key)}", file=source, line=line, field="key")

    def t(tag: str) -> str | None:
        return _text(item.find(tag))

    def when(tag: str) -> pd.Timestamp | None:
        el = item.find(tag)
        return _rfc822(_text(el), source=source, line=tree.line(el) if el is not None else line, field=tag, key=key)

    people = raw.people
    project = item.find("project")
    cat = item.find("statusCategory")
    rec: dict[str, Any] = {
        "key": key,
        "project": (project.get("key") if project is not None else None) or key.rsplit("-", 1)[0],
        "type": t("type"),
        "status": t("status"),
        "status_category": (cat.get("key") or cat.get("name")) if cat is not None else None,
        "priority": t("priority"),
        "summary": t("summary"),
        "description": html_to_text(item.findtext("description") or "") or None,
        "labels": [s for s in (_text(el) for el in item.iterfind("labels/label")) if s],
        "components": [s for s in (_text(el) for el in item.iterfind("component")) if s],
        "fix_versions": [s for s in (_text(el) for el in item.iterfind("fixVersion")) if s],
        "assignee": _person(item.find("assignee"), people),
        "reporter": _person(item.find("reporter"), people),
        "watchers": [],
        "parent_key": t("parent"),
        "epic_key": None,
        "story_points": None,
        "team_field": None,
        "created": when("created"),
        "updated": when("updated"),
        "resolved": when("resolved"),
        "sprints": [],
    }
    commenters: list[str] = []
    for c in item.iterfind("comments/comment"):
        author = (c.get("author") or "").strip()
        if author and author != "-1" and author not in commenters:
            commenters.append(author)
            people.setdefault(author, author)
    rec["commenters"] = commenters
    for w in item.iterfind("watchers/watcher"):  # only in some plugin exports
        pid = _person(w, people)
        if pid and pid not in rec["watchers"]:
            rec["watchers"].append(pid)

    for fid, ckey, name, values in _customfields(item):
        lname = name.strip().lower()
        vals = [(v, _text(v)) for v in values]
        if ckey == SPRINT_SCHEMA or lname == "sprint":
            for v, s in vals:
                if not s:
                    continue
                legacy = parse_legacy_sprint(s)
                if legacy:
                    sid, sname = legacy["sprint_id"], legacy["name"]
                    raw.sprints.append({"sprint_id": sid, "name": sname, "state": legacy["state"]})
                else:
                    sid, sname = (v.get("id") or "").strip() or None, s
                    if sid:
                        raw.sprints.append({"sprint_id": sid, "name": sname})
                ref = sid or sname
                if ref not in rec["sprints"]:
                    rec["sprints"].append(ref)
        elif ckey == STORY_POINTS_SCHEMA or lname in STORY_POINT_NAMES:
            s = vals[0][1] if vals else None
            if s:
                try:
                    rec["story_points"] = points = float(s)
                except ValueError:
                    points = None
                if points is None or math.isinf(points):
                    what = "a finite number" if points is not None else "a number"
                    raise JiraFormatError(f"issue {key}: expected {what} of story points, got {shown(s)}", file=source, line=tree.line(vals[0][0]), field=name)
        elif ckey in TEAM_SCHEMAS or lname == "team":
            s = vals[0][1] if vals else None
            rec["team_field"] = s
        elif ckey == EPIC_LINK_SCHEMA or lname == "epic link":
            s = vals[0][1] if vals else None
            if s and _KEY.match(s):
                rec["epic_key"] = s

    for lt in item.iterfind("issuelinks/issuelinktype"):
        ltype = _text(lt.find("name"))
        if not ltype:
            continue
        out_el, in_el = lt.find("outwardlinks"), lt.find("inwardlinks")
        outward = out_el.get("description") if out_el is not None else None
        for el in lt.iterfind("outwardlinks/issuelink/issuekey"):
            target = _text(el)
            if target:
                raw.links.append({"source_key": key, "target_key": target, "link_type": ltype, "label": outward})
        for el in lt.iterfind("inwardlinks/issuelink/issuekey"):
            other = _text(el)
            if other:
                raw.links.append({"source_key": other, "target_key": key, "link_type": ltype, "label": outward})
    return rec


def parse_jira_xml(text: str, *, source: str) -> RawExport:
    """Parse Jira's XML/RSS export (``SearchRequest.xml``).

    Parameters
    ----------
    text : str
        The file's text; junk before the XML (a browser banner) is skipped.
    source : str
        File name, for ``items.source`` and error messages.

    Returns
    -------
    RawExport

    Raises
    ------
    JiraFormatError
        Not XML, truncated XML, not Jira's RSS (no ``<rss>``/``<channel>``), an item
        without a key, a duplicate key, an invalid date; naming the file and line.

    Examples
    --------
    >>> xml = ('<rss version="0.92"><channel><item><key id="1">PAY-1</key>'
    ...        '<summary>Refresh tokens</summary><assignee accountid="-1">Unassigned</assignee>'
    ...        '<created>Sun, 8 Sep 2024 17:43:07 +0300</created></item></channel></rss>')
    >>> raw = parse_jira_xml(xml, source="x.xml")
    >>> raw.issues[0]["key"], raw.issues[0]["assignee"], str(raw.issues[0]["created"])
    ('PAY-1', None, '2024-09-08 14:43:07+00:00')
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise JiraFormatError("empty file: expected Jira's XML/RSS export (SearchRequest.xml)", file=source)
    m = _XML_START.search(text)
    if m is None:
        raise JiraFormatError("no XML found: expected Jira's XML/RSS export starting with '<rss' (or '<?xml')", file=source, line=1)
    skipped = text[: m.start()]
    offset = skipped.count("\n")
    if skipped.strip():
        log.info("%s: skipped %d line(s) before the XML (%r)", source, offset or 1, skipped.strip()[:60])
    body = text[m.start():]
    if body.startswith("<?xml"):
        # the text is already decoded: drop the declaration so its encoding= cannot contradict it
        decl_end = body.find("?>")
        if decl_end > 0:
            body = " " * (decl_end + 2) + body[decl_end + 2:]
    root, tree = _parse(body, source=source, line_offset=offset)
    if root.tag != "rss":
        raise JiraFormatError(f"root element <{root.tag}>: expected Jira's RSS export with root <rss>", file=source, line=tree.line(root))
    channel = root.find("channel")
    if channel is None:
        raise JiraFormatError("no <channel> in <rss>: expected Jira's RSS export", file=source, line=tree.line(root))
    raw = RawExport(source=source)
    seen: dict[str, int] = {}
    for i, item in enumerate(channel.iterfind("item"), start=1):
        rec = _item(item, i, raw, tree, source)
        if rec["key"] in seen:
            raise JiraFormatError(f"duplicate issue key {rec['key']} (also item {seen[rec['key']]}): expected each key once", file=source, line=tree.line(item), field="key")
        seen[rec["key"]] = i
        raw.issues.append(rec)
    epics_from_parents([raw])
    declared = channel.find("issue")
    if declared is not None:
        for attr in ("start", "end", "total"):
            v = declared.get(attr)
            if v is not None and not (v.strip().isascii() and v.strip().isdigit()):
                raise JiraFormatError(f"<issue {attr}={shown(v)}>: expected a whole number of issues", file=source, line=tree.line(declared), field=f"issue.{attr}")
    if declared is not None and (declared.get("total") or "").strip().isdigit() and int(declared.get("end") or declared.get("total")) > len(raw.issues):
        msg = f"{source}: <issue total={declared.get('total')} end={declared.get('end')}> but {len(raw.issues)} item(s) found: the export is incomplete"
        raw.warnings.append(msg)
        log.info("%s", msg)
        warnings.warn(msg, AttnTeamWarning, stacklevel=2)
    log.info("%s: %d item(s), %d sprint(s), %d link(s)", source, len(raw.issues), len(raw.sprints), len(raw.links))
    return raw


def read_jira_xml(path: Path | str) -> RawExport:
    """Read a Jira XML/RSS export file; see :func:`parse_jira_xml`.

    The file is UTF-8 (with or without BOM) or in the encoding its XML declaration names.
    """
    path = Path(path)
    name = str(path)
    data = read_export_bytes(path, expected="Jira's XML/RSS export (SearchRequest.xml)")
    enc = "utf-8-sig"
    decl = re.search(rb"<\?xml[^>]*encoding=[\"']([A-Za-z0-9._\-]+)[\"']", data[:4096])
    if decl:
        enc = decl.group(1).decode("ascii").lower()
        enc = "utf-8-sig" if enc in ("utf-8", "utf8") else enc
    try:
        text = data.decode(enc)
    except LookupError:
        raise JiraFormatError(f"unknown encoding {enc!r} in the XML declaration", file=name, line=1) from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise JiraFormatError(f"not {enc} text (byte {exc.start}): expected Jira's XML/RSS export", file=name, line=line) from None
    return parse_jira_xml(text, source=name)
