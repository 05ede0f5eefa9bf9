"""Sync a workspace straight from Jira (Cloud and Data Center), incrementally, with nothing lost on failure.

:func:`sync` (also :meth:`attn_team.Workspace.sync` and ``attn-team sync``) fetches the issues
of a JQL query with their changelogs, the field list (the sprint, story-point, team and epic
fields are found by their schema), and the Agile boards and sprints of the projects involved,
and imports them as one workspace snapshot through the same path as a REST JSON export
(:func:`attn_team.io._json.parse_jira_json`, then :func:`attn_team.io.assemble`).

* **Both APIs**: REST v2 (Data Center / Server; ``startAt``/``total``) and v3 (Cloud;
  ``/search/jql`` with ``nextPageToken``), chosen from ``serverInfo.deploymentType`` unless
  ``api=`` says.
* **Credentials** from the environment (``JIRA_EMAIL`` + ``JIRA_API_TOKEN``: basic, Cloud;
  ``JIRA_TOKEN``: bearer personal access token, Data Center) or the system keyring; never
  stored, logged or shown. TLS is always verified; ``ca_bundle=`` for a private CA.
* **Failures**: bounded retries with exponential back-off for timeouts, 5xx and malformed
  pages (the page size halves after a timeout or 5xx), ``Retry-After`` honoured on 429.
  Pages are staged as they arrive; an interrupted sync resumes on the next run; the import
  is one transaction. 401/403/404 and JQL errors raise :class:`SyncError` with one line.
* **Incremental**: a later sync of the same URL and JQL asks only for
  ``updated >= last - margin`` (in the Jira user's time zone), plus the keys of the whole
  JQL, and items that left the JQL's scope are marked removed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from ._fetch import Fetcher, Staging, split_order_by
from ._http import Credentials, JiraHTTP, SyncError, clean_url, credentials_from_env

__all__ = ["Credentials", "SyncError", "credentials_from_env", "sync"]

log = logging.getLogger(__name__)


class _Scope:
    """What a sync snapshot covers (the workspace's ``_import`` reads these attributes)."""

    def __init__(self, name: str, url: str, jql: str, api: int, present: list[str], gone: list[str], data_time, keys_time):
        self.name, self.url, self.jql, self.api = name, url, jql, api
        self.present, self.gone, self.data_time, self._keys_time = present, gone, data_time, keys_time
        self.known = data_time is not None  # an earlier sync of this scope exists

    def touch(self, con) -> None:
        """Nothing new: only the time of this sync is kept."""
        con.execute("UPDATE syncs SET synced_at = ? WHERE scope = ?", [self._keys_time, self.name])

    def write(self, con, sid: int) -> None:
        t = con.execute("SELECT data_time FROM snapshots WHERE snapshot_id = ?", [sid]).fetchall()[0][0]
        con.execute("DELETE FROM syncs WHERE scope = ?", [self.name])
        con.execute("INSERT INTO syncs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [self.name, self.url, self.jql, f"v{self.api}", sid, t, self._keys_time, list(self.present)])


def _since(prev_time, margin: timedelta, tz: str | None) -> tuple[str, str]:
    """The JQL date (``yyyy/MM/dd HH:mm`` in the user's time zone) of ``prev_time - margin``, and the zone used."""
    import pandas as pd

    t = pd.Timestamp(prev_time)
    t = t.tz_localize("UTC") if t.tzinfo is None else t
    t = t - margin
    zone = "UTC"
    if tz:
        try:
            t = t.tz_convert(tz)
            zone = tz
        except Exception:  # noqa: BLE001 - an unknown zone name: fall back to a wide margin
            tz = None
    if not tz:
        t = t - timedelta(hours=14)  # the widest offset from UTC: never miss an update
    return t.floor("min").strftime("%Y/%m/%d %H:%M"), zone


def _default_staging(ws, scope_name: str) -> Path:
    ident = hashlib.sha256(scope_name.encode()).hexdigest()[:16]
    if ws.path == ":memory:":
        return Path(tempfile.gettempdir()) / "attn-team-sync" / ident
    return Path(ws.path).with_name(Path(ws.path).name + ".sync") / ident


def sync(ws, url: str, *, jql: str, api: int | None = None, teams: Any = None, credentials: Credentials | None = None,
         ca_bundle=None, staging=None, full: bool = False, margin: timedelta | float = timedelta(minutes=10),
         page_size: int = 100, timeout: float = 30.0, retries: int = 5, backoff: float = 1.0, progress: bool = True,
         transport=None, on_page=None) -> dict:
    """Fetch the issues of ``jql`` (with changelogs), fields, boards and sprints from Jira into one snapshot.

    Parameters
    ----------
    ws : Workspace
        Opened writable.
    url : str
        Jira's base URL (``https://your-site.atlassian.net``, ``https://jira.example.com/jira``).
    jql : str
        Which issues, e.g. ``'project in (PAY, IDN)'``; an ``ORDER BY`` is kept.
    api : {2, 3}, optional
        Force REST API 2 (Data Center / Server) or 3 (Cloud); default: from ``serverInfo``.
    teams : optional
        Team rules, as for :meth:`Workspace.import_files`.
    credentials : Credentials, optional
        Default: :func:`credentials_from_env`.
    ca_bundle : path, optional
        PEM file of a private certificate authority (TLS is always verified).
    staging : path, optional
        Folder for the pages as they arrive (default: ``<workspace>.sync/<id>`` beside the
        workspace file); removed after a successful import, kept for resuming otherwise.
    full : bool, default=False
        Fetch every issue of the JQL even when an earlier sync of it exists.
    margin : timedelta or float (minutes), default=10 minutes
        Overlap of an incremental sync with the previous one.
    page_size, timeout, retries, backoff
        Issues per search page (Jira may return fewer), seconds to wait for an answer,
        retries per request, and seconds before the first retry (doubled each time).
    progress : bool, default=True
        A tqdm bar of issues fetched of the total.
    transport, on_page : optional
        For tests: an httpx transport, and a callable ``(stream, file_name)`` run after each staged page.

    Returns
    -------
    dict
        The snapshot row (as :meth:`Workspace.import_files`), plus ``fetched`` (issues
        fetched), ``incremental``, ``api``, ``deployment``, ``resumed`` and ``warnings``.

    Raises
    ------
    SyncError
        One line naming what to fix (credentials, URL, permissions, JQL, TLS, or a server
        that keeps failing). The workspace is unchanged; fetched pages stay staged.
    """
    from .. import workspace as _ws
    from ..io._assemble import assemble
    from ..io._json import parse_jira_json

    ws._writable()
    if not isinstance(jql, str) or not jql.strip():
        raise SyncError("no JQL given: pass --jql (jql=), e.g. 'project in (PAY, IDN)'")
    base = clean_url(url)
    creds = credentials if credentials is not None else credentials_from_env(base)
    margin = margin if isinstance(margin, timedelta) else timedelta(minutes=float(margin))
    scope_name = f"{base} | {jql.strip()}"
    prev = ws.con.execute("SELECT data_time, keys FROM syncs WHERE scope = ?", [scope_name]).fetchall()
    prev = prev[0] if prev else None
    with JiraHTTP(base, creds, ca_bundle=ca_bundle, timeout=timeout, retries=retries, backoff=backoff,
                  transport=transport) as http:
        info = http.get("/rest/api/2/serverInfo", what="the server information")
        deployment = str(info.get("deploymentType") or "") if isinstance(info, dict) else ""
        if api is None:
            api = 3 if deployment.lower() == "cloud" else 2
        api = int(api)
        if api not in (2, 3):
            raise SyncError(f"--api {api}: expected 2 (Data Center / Server) or 3 (Cloud)")
        tz = None
        if creds.kind:
            me = http.get(f"/rest/api/{api}/myself", what="the current user")
            tz = me.get("timeZone") if isinstance(me, dict) else None
        cond, order = split_order_by(jql)
        order = order or "ORDER BY created ASC"
        incremental = prev is not None and not full and prev[0] is not None
        effective = f"{cond} {order}"
        if incremental:
            since, zone = _since(prev[0], margin, tz)
            effective = f'({cond}) AND updated >= "{since}" {order}'
            log.info("incremental sync: issues updated since %s (%s)", since, zone)
        st = Staging(Path(staging) if staging is not None else _default_staging(ws, scope_name),
                     {"url": base, "jql": effective, "api": api, "layout": 1})
        fetch = Fetcher(http, st, api=api, page_size=page_size, progress=progress, on_page=on_page)
        fields = fetch.fields()
        pages = fetch.search(effective, fetch.field_param(fields))
        fetched_keys = [i.get("key") for p in pages for i in st.get(p).get("issues", []) if isinstance(i, dict)]
        present = list(dict.fromkeys(fetched_keys))
        if incremental:
            key_pages = fetch.search(f"{cond} {order}", "key", stream="keys", keys_only=True)
            present = list(dict.fromkeys([*present, *(k for p in key_pages for k in st.get(p)["keys"])]))
        projects = sorted({str(k).rsplit("-", 1)[0] for k in present if k})
        agile = fetch.boards_and_sprints(projects)
    names = sorted([*(["fields.json"] if fields else []), *agile, *pages])  # the order a folder of these files is read in
    docs = [(f"{base} {n}", st.get(n)) for n in names]
    backlog = assemble(parse_jira_json(docs), teams=teams)
    gone = sorted(set(prev[1] or ()) - set(present)) if prev is not None else []
    h = hashlib.sha256()
    for n in names:
        h.update(n.encode() + b"\0" + (st.folder / n).read_bytes())
    h.update(f"|teams:{_ws._teams_key(teams)}|gone:{json.dumps(gone)}|scope:{scope_name}".encode())
    content = "sync:" + h.hexdigest()
    seen = ws._snapshot_by_content(content)
    extra = {"fetched": len(fetched_keys), "incremental": incremental, "api": api, "deployment": deployment or None,
             "resumed": st.resumed, "warnings": [*fetch.warnings, *backlog.warnings]}
    if seen is not None:
        st.remove()
        return {**seen, "unchanged": True, **extra}
    scope = _Scope(scope_name, base, jql.strip(), api, present, gone, prev[0] if prev else None, _ws._utcnow())
    row = ws._import(backlog, files=[], hashes=[], fmt=f"jira-rest-v{api}", content=content,
                     label=f"sync {base}", scope=scope)
    st.remove()
    if row is None:  # nothing new: the workspace keeps its latest snapshot (and its caches)
        last = ws.snapshots()
        last = last[last["scope"] == scope_name].iloc[-1].to_dict()
        return {**{k: (v.item() if hasattr(v, "item") else v) for k, v in last.items()}, "unchanged": True,
                "n_new": 0, "n_changed": 0, "n_removed": 0, **extra}
    log.info("sync of %s: %d issue(s) fetched, snapshot %s", base, len(fetched_keys), row["snapshot_id"])
    return {**row, **extra}
