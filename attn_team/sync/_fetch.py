"""What the sync fetches from Jira, page by page, into a staging folder.

The staging folder holds each page as Jira returned it (a changelog completed through the
issue changelog endpoint where the search cut it short), plus ``manifest.json`` saying where
each stream stopped; a sync that is interrupted picks up from there on the next run with the
same URL and (effective) JQL. Files are written atomically (temporary file, then rename), and
never hold credentials.

Endpoints: ``/rest/api/2/serverInfo``; ``/rest/api/{2,3}/myself`` (the user's time zone, for
the incremental JQL) and ``/field``; search: v2 ``/rest/api/2/search`` (``startAt``/``total``,
``expand=changelog``), v3 ``/rest/api/3/search/jql`` (``nextPageToken``/``isLast``) with
``/rest/api/3/search/approximate-count`` for the progress total; changelogs
``/rest/api/{v}/issue/{key}/changelog``; Agile ``/rest/agile/1.0/board?projectKeyOrId=`` and
``/rest/agile/1.0/board/{id}/sprint`` (``startAt``/``isLast``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

from ._http import JiraHTTP, SyncError

__all__ = ["Fetcher", "Staging", "split_order_by"]

log = logging.getLogger(__name__)

#: System fields the importer reads (custom fields are added by schema from the field list).
SYSTEM_FIELDS = ("summary", "issuetype", "status", "project", "priority", "description", "labels", "components",
                 "fixVersions", "assignee", "reporter", "created", "updated", "resolutiondate", "resolution",
                 "issuelinks", "parent", "comment", "watches")
_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)


def split_order_by(jql: str) -> tuple[str, str]:
    """``(condition, "ORDER BY ...")`` of a JQL query; quoted text is not searched."""
    masked = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', lambda m: "x" * len(m.group()), jql)
    found = list(_ORDER_BY.finditer(masked))
    if not found:
        return jql.strip(), ""
    i = found[-1].start()
    return jql[:i].strip(), jql[i:].strip()


class Staging:
    """A folder of fetched pages and a manifest; reused only for the same ``ident``."""

    def __init__(self, folder: Path, ident: dict) -> None:
        self.folder = Path(folder)
        self.ident = ident
        self.state: dict[str, Any] = {}
        man = self.folder / "manifest.json"
        if man.is_file():
            try:
                old = json.loads(man.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                old = {}
            if old.get("ident") == ident:
                self.state = old.get("state", {})
                log.info("resuming the sync staged in %s", self.folder)
            else:
                shutil.rmtree(self.folder, ignore_errors=True)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SyncError(f"{self.folder}: cannot create the staging folder ({exc.strerror}); pass another staging=") from None
        self.resumed = bool(self.state)

    def _write(self, name: str, text: str) -> None:
        tmp = self.folder / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.folder / name)

    def put(self, name: str, obj: Any) -> None:
        self._write(name, json.dumps(obj, ensure_ascii=False, separators=(",", ":")))

    def get(self, name: str) -> Any:
        return json.loads((self.folder / name).read_text(encoding="utf-8"))

    def save(self) -> None:
        self._write("manifest.json", json.dumps({"ident": self.ident, "state": self.state}, indent=1))

    def files(self) -> list[str]:
        return sorted(p.name for p in self.folder.glob("*.json") if p.name != "manifest.json")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class Fetcher:
    """Fetches one sync's documents into a :class:`Staging` folder."""

    def __init__(self, http: JiraHTTP, staging: Staging, *, api: int, page_size: int = 100, progress: bool = True,
                 on_page=None) -> None:
        self.http, self.st, self.api = http, staging, int(api)
        self.page_size = max(1, int(page_size))
        self.progress = progress
        self.on_page = on_page  # called after each staged page (a seam for tests)
        self.warnings: list[str] = []

    # -- metadata ----------------------------------------------------------------------
    def fields(self) -> list:
        if "fields" not in self.st.state:
            doc = self.http.get(f"/rest/api/{self.api}/field", what="the field list")
            if not isinstance(doc, list):
                raise SyncError(f"{self.http.url}/rest/api/{self.api}/field: expected a list of fields, got {type(doc).__name__}")
            self.st.put("fields.json", doc)
            self.st.state["fields"] = "fields.json"
            self.st.save()
        return self.st.get("fields.json")

    def field_param(self, fields: list) -> str:
        """The ``fields=`` of the search: the system fields read, and custom fields found by their schema."""
        from ..io._json import (
            COMMON_EPIC_LINK_IDS,
            COMMON_STORY_POINT_IDS,
            COMMON_TEAM_IDS,
            _FieldMap,
        )

        fmap = _FieldMap()
        fmap.add_list(fields)
        roles = fmap.roles()
        wanted = list(SYSTEM_FIELDS)
        for role, common in (("sprint", ()), ("story_points", COMMON_STORY_POINT_IDS), ("team", COMMON_TEAM_IDS),
                             ("epic", COMMON_EPIC_LINK_IDS)):
            wanted += roles[role] or list(common)
        if not roles["sprint"]:
            wanted.append("*navigable")  # the sprint field is then found by the shape of its values
        return ",".join(dict.fromkeys(wanted))

    # -- search --------------------------------------------------------------------------
    def search(self, jql: str, fields: str, *, stream: str = "search", keys_only: bool = False) -> list[str]:
        """Stage every page of ``jql``; returns the staged file names in order."""
        s = self.st.state.setdefault(stream, {"pages": [], "next": None, "done": False, "fetched": 0})
        if s["done"]:
            return list(s["pages"])
        size = [1000 if keys_only else self.page_size]

        def shrink():
            size[0] = max(1, size[0] // 2)
            log.info("%s: page size down to %d", stream, size[0])
            return params(size[0])

        if self.api == 3:
            def params(n):
                p = {"jql": jql, "maxResults": n, "fields": fields}
                if not keys_only:
                    p["expand"] = "changelog"
                if s["next"]:
                    p["nextPageToken"] = s["next"]
                return p
            total = s.get("total")
            if total is None and not keys_only:
                try:
                    total = int(self.http.post("/rest/api/3/search/approximate-count", {"jql": jql},
                                               what="the issue count").get("count"))
                except (SyncError, TypeError, ValueError, AttributeError):
                    total = None
                s["total"] = total
        else:
            def params(n):
                p = {"jql": jql, "startAt": s["next"] or 0, "maxResults": n, "fields": fields}
                if not keys_only:
                    p["expand"] = "changelog"
                return p
            total = s.get("total")
        bar = None
        if self.progress and not keys_only:
            from tqdm.auto import tqdm

            bar = tqdm(total=total, initial=s["fetched"], unit="issue", desc="sync", leave=False)
        path = f"/rest/api/{self.api}/search/jql" if self.api == 3 else "/rest/api/2/search"
        try:
            while True:
                try:
                    doc = self.http.get(path, params=params(size[0]), shrink=shrink, what="the search")
                except SyncError as exc:
                    if not (self.api == 3 and s["next"] and "(400)" in str(exc)):
                        raise
                    log.info("%s: the saved page token was refused (expired?); starting the search again", stream)
                    s.update(pages=[], next=None, fetched=0)
                    if bar is not None:
                        bar.reset(total=bar.total)
                    continue
                issues = doc.get("issues") if isinstance(doc, dict) else None
                if not isinstance(issues, list):
                    raise SyncError(f"{self.http.url}{path}: page {len(s['pages']) + 1} of the search is not a search "
                                    "page (no 'issues' list); check the URL and --api")
                if not keys_only:
                    for issue in issues:
                        self._complete_changelog(issue)
                name = f"{stream}-{len(s['pages']) + 1:04d}.json"
                if keys_only:
                    self.st.put(name, {"keys": [i.get("key") for i in issues if isinstance(i, dict)]})
                else:
                    self.st.put(name, doc)
                s["pages"].append(name)
                s["fetched"] += len(issues)
                if self.api == 3:
                    s["next"] = doc.get("nextPageToken")
                    s["done"] = bool(doc.get("isLast")) or not s["next"] or not issues
                else:
                    t = doc.get("total")
                    if isinstance(t, int):
                        if bar is not None and bar.total != t:
                            bar.total = t
                        s["total"] = t
                    s["next"] = int(doc.get("startAt") or 0) + len(issues)
                    s["done"] = not issues or (isinstance(t, int) and s["next"] >= t)
                self.st.save()
                if bar is not None:
                    bar.update(len(issues))
                if self.on_page is not None:
                    self.on_page(stream, name)
                if s["done"]:
                    break
        finally:
            if bar is not None:
                bar.close()
        return list(s["pages"])

    def _complete_changelog(self, issue: Any) -> None:
        """Fetch the rest of an issue's changelog where the search returned only part of it."""
        if not isinstance(issue, dict) or not isinstance(issue.get("changelog"), dict):
            return
        cl = issue["changelog"]
        hist = cl.get("histories")
        total = cl.get("total")
        if not isinstance(hist, list) or not isinstance(total, int) or total <= len(hist):
            return
        key = issue.get("key")
        got, start = [], 0
        while True:
            try:
                page = self.http.get(f"/rest/api/{self.api}/issue/{key}/changelog",
                                     params={"startAt": start, "maxResults": 100}, what=f"the changelog of {key}")
            except SyncError as exc:
                if "(404)" in str(exc):  # Data Center has no changelog endpoint (and gives it whole in the search)
                    self.warnings.append(f"{key}: {len(hist)} of {total} changelog entries (no changelog endpoint)")
                    return
                raise
            if not isinstance(page, dict):
                raise SyncError(f"{self.http.url}: the changelog of {key} is not a changelog page")
            values = page.get("values") or page.get("histories") or []
            got.extend(values)
            start += len(values)
            if not values or page.get("isLast") is True or start >= int(page.get("total") or start):
                break
        cl.update({"histories": got, "startAt": 0, "maxResults": len(got), "total": len(got)})

    # -- Agile boards and sprints ---------------------------------------------------------
    def _values(self, path: str, params: dict, what: str) -> list:
        out, start = [], 0
        while True:
            doc = self.http.get(path, params={**params, "startAt": start, "maxResults": 50}, what=what)
            values = doc.get("values") if isinstance(doc, dict) else None
            if not isinstance(values, list):
                raise SyncError(f"{self.http.url}{path}: {what} is not an Agile list (no 'values')")
            out.extend(values)
            start += len(values)
            if not values or doc.get("isLast", True) is True:
                return out

    def boards_and_sprints(self, projects: list[str]) -> list[str]:
        """Stage ``boards.json`` (the boards of ``projects``) and ``sprints-{board}.json``; returns file names."""
        s = self.st.state.setdefault("agile", {"boards": None, "sprints": {}})
        if s["boards"] is None:
            boards: dict[str, dict] = {}
            for p in projects:
                try:
                    for b in self._values("/rest/agile/1.0/board", {"projectKeyOrId": p}, f"the boards of {p}"):
                        if isinstance(b, dict) and b.get("id") is not None:
                            boards[str(b["id"])] = b
                except SyncError as exc:
                    if "(404)" in str(exc) or "(403" in str(exc) or "(400)" in str(exc):
                        self.warnings.append(f"no Agile boards for {p}: {exc}")
                        continue
                    raise
            self.st.put("boards.json", {"isLast": True, "values": list(boards.values())})
            s["boards"] = sorted(boards, key=lambda x: (len(x), x))
            self.st.save()
        names = ["boards.json"]
        for bid in s["boards"]:
            name = f"sprints-{bid}.json"
            if bid not in s["sprints"]:
                try:
                    values = self._values(f"/rest/agile/1.0/board/{bid}/sprint", {}, f"the sprints of board {bid}")
                except SyncError as exc:  # kanban boards have no sprints (400); a board may be hidden (403/404)
                    if any(c in str(exc) for c in ("(400)", "(403", "(404)")):
                        log.info("board %s: no sprints (%s)", bid, str(exc)[:80])
                        values = None
                    else:
                        raise
                if values:
                    self.st.put(name, {"isLast": True, "values": values})
                s["sprints"][bid] = bool(values)
                self.st.save()
            if s["sprints"][bid]:
                names.append(name)
        return names
