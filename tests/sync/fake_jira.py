"""A small Jira on loopback (pytest-httpserver) that speaks the endpoints the sync uses.

It serves issues, a field list, Agile boards and sprints from documents given to it (built
from the sample organisation or recorded real responses), with REST v2 (``startAt``/``total``)
or v3 (``/search/jql``, ``nextPageToken``) paging, a server cap on ``maxResults``, changelogs
cut short in the v3 search (the rest from ``/issue/{key}/changelog``), ``updated >= "..."``
in the JQL (in the user's time zone), and scripted faults per route.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from zoneinfo import ZoneInfo

import pandas as pd
from werkzeug import Request, Response

_UPDATED = re.compile(r'updated\s*>=\s*"(\d{4}/\d{2}/\d{2} \d{2}:\d{2})"')


class FakeJira:
    def __init__(self, server, *, issues, fields, sprints=(), boards=None, board_sprints=None, deployment="Cloud", max_results=50,
                 v3_histories=2, token="s3cr3t-TOKEN-value", email="lead@example.com", timezone="Europe/Madrid"):
        self.server = server
        self.issues = list(issues)
        self.fields = fields
        self.deployment = deployment
        self.max_results = max_results
        self.v3_histories = v3_histories
        self.token, self.email, self.timezone = token, email, timezone
        self.sprints = list(sprints)
        self.boards = boards if boards is not None else self._boards_from_sprints()
        self.board_sprints = board_sprints or {b["id"]: [s for s in self.sprints if s.get("originBoardId") == b["id"]]
                                               for b in self.boards}
        self.faults: dict[str, list] = {}  # route -> list of faults, popped one per request
        self.log: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        server.expect_request(re.compile(r"^/rest/.*")).respond_with_handler(self.handle)
        server.expect_request(re.compile(r".*")).respond_with_json({"errorMessages": ["Not found"]}, status=404)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def _boards_from_sprints(self) -> list[dict]:
        boards = {}
        for s in self.sprints:
            bid = s.get("originBoardId")
            if bid is not None and bid not in boards:
                project = str(s.get("name", "")).split(" ")[0]
                boards[bid] = {"id": bid, "name": f"{project} board", "type": "scrum", "location": {"projectKey": project}}
        return list(boards.values())

    # -- documents as a folder of files would hold them -----------------------------------
    def documents(self, page_size: int = 100) -> dict[str, object]:
        docs = {"fields.json": self.fields, "boards.json": {"isLast": True, "values": self.boards}}
        for b in self.boards:
            vals = self.board_sprints.get(b["id"])
            if vals:
                docs[f"sprints-{b['id']}.json"] = {"isLast": True, "values": vals}
        for i in range(0, max(1, len(self.issues)), page_size):
            docs[f"search-{i // page_size + 1:03d}.json"] = {"startAt": i, "maxResults": page_size, "total": len(self.issues),
                                                            "issues": self.issues[i:i + page_size]}
        return docs

    def write(self, folder, page_size: int = 100):
        folder.mkdir(parents=True, exist_ok=True)
        for name, doc in self.documents(page_size).items():
            (folder / name).write_text(json.dumps(doc), encoding="utf-8")
        return folder

    # -- serving ----------------------------------------------------------------------------
    def _json(self, obj, code=200, headers=None) -> Response:
        return Response(json.dumps(obj), status=code, headers=headers or {}, content_type="application/json")

    def _authorised(self, req: Request) -> bool:
        got = req.headers.get("Authorization", "")
        basic = "Basic " + base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        return got in (basic, f"Bearer {self.token}")

    def _fault(self, route: str) -> Response | None:
        with self.lock:
            queue = self.faults.get(route)
            fault = queue.pop(0) if queue else None
        if fault is None:
            return None
        kind, _, arg = str(fault).partition(":")
        if kind == "429":
            return Response("slow down", status=429, headers={"Retry-After": arg or "0"})
        if kind in ("500", "502", "503", "504"):
            return Response("<html>Internal error</html>", status=int(kind), content_type="text/html")
        if kind == "timeout":
            time.sleep(float(arg or 1.0))
            return None
        if kind == "malformed":
            return Response('{"startAt": 0, "issues": [{"key": "PAY-1", "fie', status=200, content_type="application/json")
        if kind == "401":
            return self._json({"errorMessages": ["You are not authenticated."]}, 401)
        if kind == "hang-up":
            raise ConnectionAbortedError
        raise ValueError(fault)

    def _select(self, jql: str) -> list[dict]:
        m = _UPDATED.search(jql)
        if not m:
            return self.issues
        since = pd.Timestamp(m.group(1).replace("/", "-")).tz_localize(ZoneInfo(self.timezone)).tz_convert("UTC")
        return [i for i in self.issues if pd.Timestamp(i["fields"]["updated"]) >= since]

    def _issue_out(self, issue: dict, v3: bool, keys_only: bool) -> dict:
        if keys_only:
            return {"id": issue.get("id"), "key": issue["key"]}
        if not v3 or not self.v3_histories or not isinstance(issue.get("changelog"), dict):
            return issue
        hist = issue["changelog"].get("histories") or []
        if len(hist) <= self.v3_histories:
            return issue
        cut = {**issue["changelog"], "histories": hist[:self.v3_histories], "maxResults": self.v3_histories, "total": len(hist)}
        return {**issue, "changelog": cut}

    def handle(self, req: Request) -> Response:
        path = req.path
        args = {k: v for k, v in req.args.items()}
        with self.lock:
            self.log.append((path, args))
        if path == "/rest/api/2/serverInfo":
            return self._json({"baseUrl": self.url, "version": "1001.0.0" if self.deployment == "Cloud" else "9.12.0",
                               "deploymentType": self.deployment, "serverTime": "2026-12-01T10:00:00.000+0000"})
        if not self._authorised(req):
            return self._json({"errorMessages": ["You are not authenticated. Authentication required to perform this operation."]}, 401)
        route = ("search" if "/search" in path else "changelog" if path.endswith("/changelog")
                 else "field" if path.endswith("/field") else "agile" if "/agile/" in path else "other")
        fault = self._fault(route)
        if fault is not None:
            return fault
        if re.fullmatch(r"/rest/api/[23]/myself", path):
            return self._json({"accountId": "712020:x", "displayName": "Team Lead", "timeZone": self.timezone})
        if re.fullmatch(r"/rest/api/[23]/field", path):
            return self._json(self.fields)
        if path == "/rest/api/3/search/approximate-count":
            return self._json({"count": len(self._select(json.loads(req.data or b"{}").get("jql", "")))})
        if path in ("/rest/api/2/search", "/rest/api/3/search/jql"):
            jql = args.get("jql", "")
            if "BAD" in jql:
                return self._json({"errorMessages": ["Error in the JQL Query: Expecting operator but got 'BAD'. (line 1, character 9)"],
                                   "errors": {}}, 400)
            keys_only = args.get("fields") == "key"
            selected = self._select(jql)
            n = min(int(args.get("maxResults", 50)), self.max_results if not keys_only else 1000)
            v3 = path.endswith("/jql")
            start = int(args.get("nextPageToken", "0").removeprefix("tok-") or 0) if v3 else int(args.get("startAt", 0))
            page = [self._issue_out(i, v3, keys_only) for i in selected[start:start + n]]
            if v3:
                nxt = start + len(page)
                body = {"issues": page, "isLast": nxt >= len(selected)}
                if nxt < len(selected):
                    body["nextPageToken"] = f"tok-{nxt}"
                return self._json(body)
            return self._json({"startAt": start, "maxResults": n, "total": len(selected), "issues": page})
        m = re.fullmatch(r"/rest/api/[23]/issue/([^/]+)/changelog", path)
        if m:
            issue = next((i for i in self.issues if i["key"] == m.group(1)), None)
            if issue is None:
                return self._json({"errorMessages": ["Issue does not exist"]}, 404)
            hist = issue["changelog"]["histories"]
            start, n = int(args.get("startAt", 0)), min(int(args.get("maxResults", 100)), 3)
            return self._json({"startAt": start, "maxResults": n, "total": len(hist), "isLast": start + n >= len(hist),
                               "values": hist[start:start + n]})
        if path == "/rest/agile/1.0/board":
            proj = args.get("projectKeyOrId")
            vals = [b for b in self.boards if proj is None or b.get("location", {}).get("projectKey", proj) == proj]
            return self._paged(vals, args)
        m = re.fullmatch(r"/rest/agile/1.0/board/(\d+)/sprint", path)
        if m:
            board = next((b for b in self.boards if str(b["id"]) == m.group(1)), None)
            if board is None:
                return self._json({"errorMessages": ["Board does not exist"]}, 404)
            return self._paged(self.board_sprints.get(board["id"]) or [], args)
        return self._json({"errorMessages": [f"no such endpoint {path}"]}, 404)

    def _paged(self, vals, args) -> Response:
        start, n = int(args.get("startAt", 0)), min(int(args.get("maxResults", 50)), 2)  # small pages: paging is exercised
        return self._json({"startAt": start, "maxResults": n, "isLast": start + n >= len(vals), "values": vals[start:start + n]})

    def searches(self) -> list[dict]:
        return [a for p, a in self.log if "/search" in p and "approximate" not in p]
