"""The workspace: one embedded DuckDB file that keeps every import as a snapshot.

A :class:`Workspace` accumulates a backlog over successive Jira exports:

* every :meth:`Workspace.import_files` is one **snapshot** (time, files, their
  sha256, counts); importing the same files again changes nothing;
* items are updated in place, and every new or changed item state is kept in
  ``item_history`` (one row per item and snapshot in which it changed);
* where an export carries no changelog (CSV, XML), the changes of status,
  sprints, assignee and story points between the previous and the new state
  become ``events`` with ``origin = "snapshot"``, so sprint history builds up
  over weekly exports; exports with changelogs (REST JSON) add their own events;
* an import is **one transaction**: if it fails, or the process dies half way,
  the file is exactly as before; input files are only read;
* snapshots are ordered by the **data's own time** (the export's latest ``updated``),
  not the order of import, so importing an older file later never rolls an item back;
  items of a project that a later snapshot covers but that are missing from it are
  **marked removed** (kept, with their history) and left out of :meth:`~Workspace.backlog`
  unless ``include_removed=True``; a :meth:`~Workspace.sync` covers its JQL instead
  (see :mod:`attn_team._snapshots`);
* caches for later layers: sentence vectors by model and text hash
  (:meth:`~Workspace.load_vectors` / :meth:`~Workspace.store_vectors`, stored
  as float16) and small result tables (:meth:`~Workspace.store_frame` /
  :meth:`~Workspace.load_frame`).

Lists are stored as ``VARCHAR[]``, times as ``TIMESTAMPTZ`` in UTC.

Examples
--------
>>> import attn_team
>>> with attn_team.Workspace("team.duckdb") as ws:  # doctest: +SKIP
...     ws.import_files(["sample_data/jira-export.csv"], teams="sample_data/teams.toml")
...     backlog = ws.backlog()
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import warnings
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _snapshots
from . import _workspace_errors as _errors
from . import _workspace_frames as _frames
from ._memory import release_memory
from ._workspace_errors import WorkspaceError
from .model import SCHEMA, Backlog, conform

__all__ = ["Workspace", "WorkspaceError", "SCHEMA_VERSION", "DEFAULT_PATH"]

log = logging.getLogger(__name__)

#: Version of the tables' layout; a file written by a newer layout is refused.
SCHEMA_VERSION = 2
#: File used when no path is given (in the working directory).
DEFAULT_PATH = "attn_team.duckdb"
#: Item columns whose change between snapshots becomes an event (item column -> event field).
TRACKED_FIELDS = _snapshots.TRACKED_FIELDS

_SQL_TYPE = {"string": "VARCHAR", "list": "VARCHAR[]", "datetime64[ns, UTC]": "TIMESTAMPTZ", "Float64": "DOUBLE", "Int64": "BIGINT"}
_KEYS = {"items": ["key"], "people": ["person"], "sprints": ["sprint_id"], "teams": ["team"]}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns_sql(table: str) -> str:
    return ", ".join(f"{_q(c)} {_SQL_TYPE[t]}" for c, t in SCHEMA[table].items())


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _state_hashes(items: pd.DataFrame, *, chunk: int = 50_000) -> list[str]:
    """One 64-bit hash (hex) per item over every column but ``source``: equal states, equal hashes.

    Rows are hashed ``chunk`` at a time: the text form of a row is as long as its description,
    and a million of them at once would hold the backlog's text twice more.
    """
    if len(items) == 0:
        return []
    if len(items) > chunk:
        out: list[str] = []
        for start in range(0, len(items), chunk):
            out += _state_hashes(items.iloc[start:start + chunk], chunk=chunk)
        return out
    parts = []
    for col, dtype in SCHEMA["items"].items():
        if col == "source":
            continue
        s = items[col]
        if dtype == "list":
            txt = pd.Series(["\x1f".join(map(str, v)) if len(v) else "" for v in s], dtype=object)
        elif dtype == "datetime64[ns, UTC]":
            txt = s.astype(str).astype(object)  # "NaT" when missing
        else:
            txt = s.astype(object).where(s.notna(), "\x00").astype(str).reset_index(drop=True)
        parts.append(txt.reset_index(drop=True))
    joined = parts[0].str.cat(parts[1:], sep="\x1e", na_rep="\x00")
    hashed = pd.util.hash_pandas_object(joined, index=False).to_numpy()
    return [f"{int(h):016x}" for h in hashed]


class Workspace:
    """An embedded DuckDB file holding snapshots of Jira exports, their history and caches.

    Parameters
    ----------
    path : str or Path, optional
        The DuckDB file (created if missing, unless ``read_only``). Default:
        ``attn_team.duckdb`` in the working directory.
    read_only : bool, default=False
        Open without write access (imports and cache writes then raise).
    wait : float, default=0
        Seconds to wait while another process holds the file (DuckDB allows one writer).

    Notes
    -----
    Two rules decide what :meth:`backlog` holds. **Order**: snapshots follow the data's own
    time (an export's latest ``updated``; a sync's latest fetched ``updated``), not the order
    of import; an older export imported later adds its states to the history but never rolls
    an item back. **Removed items**: an item of a project that a later snapshot covers, but
    missing from it, is marked removed as of that snapshot; it is kept with its history (see
    :meth:`removed`, :meth:`history`) and left out of :meth:`backlog`, with its events and
    links, unless ``include_removed=True``. A sync marks the items that left its JQL's scope
    the same way. A workspace file of an older schema is upgraded in place when opened writable.

    Raises
    ------
    WorkspaceError
        When the file is not a DuckDB database or is damaged, was written by a newer
        attn_team, is locked by another process (after ``wait`` seconds), is a folder,
        cannot be created in its folder, or (read-only) does not exist. Its ``reason``
        says which (see :mod:`attn_team._workspace_errors`).

    Examples
    --------
    >>> from attn_team.workspace import Workspace
    >>> from attn_team.synthetic import generate
    >>> ws = Workspace(":memory:")
    >>> row = ws.import_backlog(generate(n_items=200, n_people=24).backlog, label="demo")
    >>> row["n_items"], row["n_new"]
    (200, 200)
    >>> ws.backlog().n_items
    200
    >>> ws.close()
    """

    def __init__(self, path: str | os.PathLike | None = None, *, read_only: bool = False, wait: float = 0.0):
        import duckdb

        self.path = os.path.expanduser(str(path)) if path is not None else DEFAULT_PATH
        self.read_only = read_only
        self._con = None
        if self.path != ":memory:":
            _errors.check_path(self.path, read_only=read_only, example=DEFAULT_PATH)
        self._con = _errors.connect(self.path, read_only=read_only, wait=wait)
        self._con.execute("SET TimeZone = 'UTC'")
        self._con.execute("SET enable_progress_bar = false")
        try:
            self._check_or_create()
        except duckdb.Error as exc:
            self.close()
            raise _errors.translate(exc, self.path) from None
        except BaseException:
            self.close()
            raise

    # -- life cycle --------------------------------------------------------------
    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __repr__(self) -> str:
        state = "closed" if self._con is None else ("read-only" if self.read_only else "open")
        return f"Workspace({self.path!r}, {state})"

    @property
    def con(self):
        """The DuckDB connection (for ad-hoc SQL; prefer the methods)."""
        if self._con is None:
            raise WorkspaceError(f"{self.path}: the workspace is closed; open a new Workspace({self.path!r})")
        return self._con

    def _writable(self) -> None:
        if self.read_only:
            raise WorkspaceError(f"{self.path}: opened read_only=True; open it with read_only=False to write")

    def _check_or_create(self) -> None:
        con = self.con
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        if "attn_meta" in tables:
            row = _one(con, "SELECT value FROM attn_meta WHERE key = 'schema_version'")
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise WorkspaceError(
                    f"{self.path}: written by a newer attn_team (workspace schema {version}, this version reads "
                    f"up to {SCHEMA_VERSION}); upgrade attn_team (pip install -U attn-team) or use another file"
                )
            if version < SCHEMA_VERSION:
                if self.read_only:
                    raise WorkspaceError(f"{self.path}: written by an older attn_team (workspace schema {version}); "
                                         "open it once with read_only=False to upgrade it in place")
                _snapshots.migrate(con, version, SCHEMA_VERSION)
            return
        if tables:
            raise WorkspaceError(
                f"{self.path}: a DuckDB file but not an attn_team workspace (it has tables {sorted(tables)[:5]}); "
                "use a new file name"
            )
        if self.read_only:
            raise WorkspaceError(f"{self.path}: empty file opened read_only=True; open it writable once to create the workspace")
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("CREATE TABLE attn_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
            con.execute("INSERT INTO attn_meta VALUES ('schema_version', ?), ('created_at', ?)",
                        [str(SCHEMA_VERSION), _utcnow().isoformat()])
            _snapshots.create_tables(con, _columns_sql)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    # -- reading -------------------------------------------------------------------
    def snapshots(self) -> pd.DataFrame:
        """One row per import or sync, in the order of the data's own time: ``snapshot_id``, ``imported_at``,
        ``label``, ``files``, ``file_hashes`` (sha256), ``source_format``, ``n_items``, ``n_new``, ``n_changed``,
        ``n_events``, ``data_time`` (the latest ``updated`` of its data), ``scope`` (a sync's JQL),
        ``changelog``, ``n_removed`` (items it marked removed), ``n_older`` (items it held in an older state),
        ``projects`` (those a file snapshot covers)."""
        df = _df(self.con, f"SELECT * EXCLUDE (content_hash) FROM snapshots s ORDER BY {_snapshots.TIME}, snapshot_id")
        for c in ("files", "file_hashes", "projects"):
            df[c] = [list(v) if isinstance(v, (list, tuple, np.ndarray)) else [] for v in df[c]]
        return df

    def _table(self, name: str, live: bool = False) -> pd.DataFrame:
        cols = ", ".join(_q(c) for c in SCHEMA[name])
        where = _snapshots.live_filter(name) if live else ""
        order = {"items": " ORDER BY first_snapshot, rowid", "events": " ORDER BY \"key\", \"at\", rowid",
                 "links": " ORDER BY rowid", "people": " ORDER BY person", "sprints": " ORDER BY rowid",
                 "teams": " ORDER BY team"}[name]
        return conform(name, _frames.load_shared(self.con, f"SELECT {cols} FROM {name}{where}{order}", SCHEMA[name]))

    def backlog(self, *, include_removed: bool = False) -> Backlog:
        """The accumulated backlog: the latest state (in data order) of every item, and its events.

        Items marked removed (see the class notes), their events and their links are left out
        unless ``include_removed=True``.
        """
        tables = {name: self._table(name, live=not include_removed)
                  for name in ("items", "people", "teams", "sprints", "links", "events")}
        return Backlog(**tables)

    def removed(self) -> pd.DataFrame:
        """Items marked removed: ``key``, ``project``, ``summary``, ``status`` (last known), ``removed_snapshot``,
        ``removed_at`` (that snapshot's data time) and ``last_seen_snapshot``."""
        return _df(self.con, _snapshots.REMOVED_SQL)

    def history(self, key: str | None = None) -> pd.DataFrame:
        """Item states per snapshot, in data order (rows where an item was new or changed), optionally for one key."""
        cols = "h.snapshot_id, " + ", ".join("h." + _q(c) for c in SCHEMA["items"])
        sql = f"SELECT {cols} FROM item_history h JOIN snapshots s USING (snapshot_id)"
        order = f" ORDER BY {_snapshots.TIME}, h.snapshot_id, h.key"
        if key is None:
            return _df(self.con, sql + order)
        return _df(self.con, sql + " WHERE h.key = ?" + order, [key])

    # -- importing ----------------------------------------------------------------------
    def import_files(self, paths, *, teams: Any = None) -> dict:
        """Import Jira exports (read with :func:`attn_team.read_jira`) as one snapshot.

        Parameters
        ----------
        paths : path, list of paths, or folder
            What :func:`attn_team.read_jira` accepts. Files are only read.
        teams : None, path, mapping or TeamRules, optional
            Team rules, as for :func:`attn_team.read_jira`.

        Returns
        -------
        dict
            The snapshot row (``snapshot_id``, ``imported_at``, ``files``, ``file_hashes``,
            ``source_format``, ``n_items``, ``n_new``, ``n_changed``, ``n_events``), plus
            ``unchanged=True`` when the same files (same sha256) were imported before and
            nothing was done.
        """
        from .io._detect import detect_format, expand_paths, read_jira

        self._writable()
        files = expand_paths(paths)
        hashes = [_sha256(f) for f in files]
        formats = []
        for f in files:
            with open(f, "rb") as fh:
                formats.append(detect_format(fh.read(4096)))
        fmt = "+".join(sorted(set(formats)))
        content = hashlib.sha256(("files:" + ",".join(sorted(hashes)) + f"|teams:{_teams_key(teams)}").encode()).hexdigest()
        seen = self._snapshot_by_content(content)
        if seen is not None:
            log.info("%s: already imported as snapshot %s; nothing to do", [str(f) for f in files], seen["snapshot_id"])
            return {**seen, "unchanged": True}
        backlog = read_jira(files, teams=teams)
        out = self._import(backlog, files=[str(Path(f).resolve()) for f in files], hashes=hashes,
                           fmt=fmt, content=content, label=None)
        del backlog  # the parsed export (1M issues: gigabytes of small objects) is stored now
        release_memory("import")
        return out

    def import_backlog(self, backlog: Backlog, *, label: str | None = None) -> dict:
        """Import an in-memory :class:`~attn_team.Backlog` as a snapshot (same rules as :meth:`import_files`)."""
        self._writable()
        if not isinstance(backlog, Backlog):
            raise TypeError(f"import_backlog() expects a Backlog, not {type(backlog).__name__}")
        states = _state_hashes(backlog.items)
        h = hashlib.sha256()
        for s in states:
            h.update(s.encode())
        h.update(str(len(backlog.links)).encode() + str(len(backlog.events)).encode())
        content = "backlog:" + h.hexdigest()
        seen = self._snapshot_by_content(content)
        if seen is not None:
            return {**seen, "unchanged": True}
        return self._import(backlog, files=[], hashes=[], fmt="backlog", content=content, label=label, states=states)

    def sync(self, url: str, *, jql: str, **options: Any) -> dict:
        """Fetch the issues of ``jql`` (with changelogs), fields, boards and sprints from Jira as one snapshot.

        Incremental after the first sync of the same URL and JQL; options and errors as for
        :func:`attn_team.sync.sync` (credentials from ``JIRA_EMAIL``/``JIRA_API_TOKEN`` or ``JIRA_TOKEN``).
        """
        from .sync import sync

        return sync(self, url, jql=jql, **options)

    def _snapshot_by_content(self, content: str) -> dict | None:
        df = _df(self.con, "SELECT * EXCLUDE (content_hash) FROM snapshots WHERE content_hash = ? "
                 "ORDER BY snapshot_id LIMIT 1", [content])
        if df.empty:
            return None
        return _row(df)

    def _checkpoint(self, stage: str) -> None:
        """Called inside the import transaction after each stage (a seam for tests that kill the process)."""

    def _import(self, backlog: Backlog, *, files, hashes, fmt, content, label, states=None, scope=None) -> dict:
        """One snapshot, in one transaction. ``scope`` (a sync): an object with ``name``, ``present`` (keys its
        JQL returns now), ``gone`` (keys that left it), ``data_time`` (lower bound), ``write(con, sid)`` and
        ``touch(con)``; a repeated sync (``known``) that would change nothing makes no snapshot (returns ``None``)."""
        con = self.con
        unified = self._unify_sprints(backlog)
        if unified is not backlog:
            backlog, states = unified, None
        items = backlog.items
        new_hashes = _state_hashes(items) if states is None else states
        con.execute("BEGIN TRANSACTION")
        try:
            before = _snapshots.fingerprint(con) if scope is not None else None
            sid = _one(con, "SELECT coalesce(max(snapshot_id), 0) + 1 FROM snapshots")[0]
            imported_at = _utcnow()
            first = sid == 1
            times = [x for x in (_snapshots.data_time(items), getattr(scope, "data_time", None)) if x is not None]
            t = max(times) if times else pd.Timestamp(imported_at)  # the snapshot's place in order
            # -- previous states of the items in this export; items the workspace knows in a newer state
            keys = pd.DataFrame({"key": items["key"].astype(object), "state_hash": new_hashes})
            con.register("_attn_keys", keys)
            prev = _df(con, "SELECT i.key, i.state_hash, i.status, i.sprints, i.assignee, i.story_points, "
                            "i.removed_snapshot FROM items i JOIN _attn_keys k ON i.key = k.key")
            con.unregister("_attn_keys")
            prev_by_key = {r["key"]: r for r in prev.to_dict("records")}
            older = _snapshots.older_keys(con, list(prev_by_key), t)
            is_new = [k not in prev_by_key for k in items["key"]]
            changed = [not n and k not in older and prev_by_key[k]["state_hash"] != h
                       for k, n, h in zip(items["key"], is_new, new_hashes)]
            touched = [n or c for n, c in zip(is_new, changed)]
            # -- events: the export's changelog, or derived from the snapshot difference
            if len(backlog.events):
                ev = backlog.events.copy(deep=False)
            else:
                ev = _snapshots.derive_events(items, changed, prev_by_key, imported_at)
            self._checkpoint("read")
            # -- items: replace the touched ones, keep history
            cols = list(SCHEMA["items"])
            # (pandas copies on write: a first import, where every item is new, shares the columns)
            up = items.copy(deep=False) if all(touched) else items.loc[touched].copy()
            up["state_hash"] = [h for h, t in zip(new_hashes, touched) if t]
            first_seen = {r[0]: r[1] for r in con.execute("SELECT key, first_snapshot FROM items").fetchall()} if not first else {}
            up["first_snapshot"] = [first_seen.get(k, sid) for k in up["key"]]
            up["last_snapshot"] = up["seen_snapshot"] = sid
            up["removed_snapshot"] = [_snapshots.plain(prev_by_key.get(k, {}).get("removed_snapshot")) for k in up["key"]]
            self._insert("_attn_up", up)
            con.execute("DELETE FROM items WHERE key IN (SELECT key FROM _attn_up)")
            sel = ", ".join(_cast(c) for c in cols)
            con.execute(f"INSERT INTO items SELECT {sel}, state_hash, first_snapshot, last_snapshot, seen_snapshot, "
                        "CAST(removed_snapshot AS INTEGER) FROM _attn_up")
            con.execute(f"INSERT INTO item_history SELECT {sid}, {sel}, state_hash FROM _attn_up")
            con.unregister("_attn_up")
            is_older = items["key"].isin(older).to_numpy()
            old_rows = items.loc[is_older].assign(state_hash=[h for h, o in zip(new_hashes, is_older) if o])
            rebuild = _snapshots.record_older(con, self._insert, sid, t, old_rows, sel)
            present = getattr(scope, "present", None) or items["key"].tolist()
            covers = None if scope is not None else sorted(items["project"].dropna().unique().tolist())
            n_removed = _snapshots.apply(con, sid, t, present=present, gone=getattr(scope, "gone", None), projects=covers,
                                         new_keys=[k for k, n in zip(items["key"], is_new) if n])
            self._checkpoint("items")
            # -- people, sprints (upsert, keeping known values where the export has none)
            self._upsert("people", backlog.people)
            self._upsert("sprints", backlog.sprints)
            self._merge_placeholder_sprints()
            # -- links: this export is authoritative for the links of its items
            self._insert("_attn_keys2", pd.DataFrame({"key": items["key"].astype(object)}))
            self._insert("_attn_links", backlog.links)
            con.execute("DELETE FROM links WHERE source_key IN (SELECT key FROM _attn_keys2) "
                        "OR target_key IN (SELECT key FROM _attn_keys2)")
            lc = ", ".join(_q(c) for c in SCHEMA["links"])
            con.execute(f"INSERT INTO links SELECT DISTINCT {lc}, {sid} FROM _attn_links l WHERE NOT EXISTS "
                        "(SELECT 1 FROM links x WHERE x.source_key = l.source_key AND x.target_key = l.target_key "
                        "AND x.link_type = l.link_type)")
            con.unregister("_attn_keys2")
            con.unregister("_attn_links")
            # -- events: add the ones not known yet
            n_before = _one(con, "SELECT count(*) FROM events")[0]
            ev = conform("events", ev)
            self._insert("_attn_ev", ev)
            ec = ", ".join(_cast(c, "events") for c in SCHEMA["events"])
            con.execute(
                f"INSERT INTO events SELECT {ec}, {sid} FROM (SELECT DISTINCT * FROM _attn_ev) e WHERE NOT EXISTS "
                '(SELECT 1 FROM events x WHERE x.key = e.key AND x."at" IS NOT DISTINCT FROM e."at" AND x.field = e.field '
                'AND x."from" IS NOT DISTINCT FROM e."from" AND x."to" IS NOT DISTINCT FROM e."to")'
            )
            con.unregister("_attn_ev")
            n_events = _one(con, "SELECT count(*) FROM events")[0] - n_before
            self._checkpoint("events")
            # -- teams: recomputed from all items
            con.execute("DELETE FROM teams")
            con.execute(
                "INSERT INTO teams SELECT team, arg_max(team_rule, n) AS rule, sum(n)::BIGINT FROM "
                "(SELECT team, team_rule, count(*) AS n FROM items WHERE team IS NOT NULL AND removed_snapshot IS NULL "
                "GROUP BY team, team_rule) "
                "GROUP BY team"
            )
            row = {
                "snapshot_id": int(sid), "imported_at": imported_at, "label": label, "files": list(files),
                "file_hashes": list(hashes), "source_format": fmt, "content_hash": content,
                "n_items": int(len(items)), "n_new": int(sum(is_new)), "n_changed": int(sum(changed)),
                "n_events": int(n_events), "data_time": t, "scope": getattr(scope, "name", None),
                "changelog": bool(len(backlog.events)), "n_removed": n_removed, "n_older": len(older), "projects": covers,
            }
            con.execute(f"INSERT INTO snapshots ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
            row["n_events"] += _snapshots.rebuild_events(con, sid, rebuild)
            if getattr(scope, "known", False) and not (row["n_new"] or row["n_changed"] or n_removed or n_events) \
                    and _snapshots.fingerprint(con) == before:  # a sync that found nothing new: no snapshot
                con.execute("ROLLBACK")
                scope.touch(con)
                return None
            if scope is not None:
                scope.write(con, sid)
            self._checkpoint("snapshot")
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            finally:
                for name in ("_attn_keys", "_attn_up", "_attn_keys2", "_attn_links", "_attn_ev"):
                    try:
                        con.unregister(name)
                    except Exception:  # noqa: BLE001 - cleaning up after the real error
                        pass
            raise
        row.pop("content_hash")
        row["imported_at"], row["data_time"] = pd.Timestamp(imported_at), pd.Timestamp(t)
        log.info("snapshot %s: %d items (%d new, %d changed), %d events", sid, row["n_items"], row["n_new"],
                 row["n_changed"], row["n_events"])
        return row

    def _unify_sprints(self, backlog: Backlog) -> Backlog:
        """Refer to sprints by their Jira id where one is known.

        CSV exports name sprints only (their ``sprint_id`` is the name); REST JSON gives
        ids. A sprint named in this export whose id is known (from this export or an
        earlier snapshot) is referred to by that id, so mixing formats does not split a
        sprint in two or make unchanged items look changed.
        """
        sp = backlog.sprints
        known = {n: i for i, n in _one_col(self.con, "SELECT sprint_id, name FROM sprints WHERE sprint_id <> name")}
        known.update({n: i for i, n in zip(sp["sprint_id"], sp["name"]) if isinstance(n, str) and i != n})
        placeholders = {i for i, n in zip(sp["sprint_id"], sp["name"]) if i == n and n in known}
        if not placeholders:
            return backlog
        items = backlog.items.copy()
        items["sprints"] = [[known[s] if s in placeholders else s for s in lst] for lst in items["sprints"]]
        return backlog.replace(items=items, sprints=sp[~sp["sprint_id"].isin(placeholders)].reset_index(drop=True))

    def _merge_placeholder_sprints(self) -> None:
        """Inside an import: sprints known so far only by name that now have an id are merged into it."""
        con = self.con
        pairs = con.execute("SELECT a.sprint_id, b.sprint_id FROM sprints a JOIN sprints b ON a.name = b.name "
                            "WHERE a.sprint_id = a.name AND b.sprint_id <> b.name").fetchall()
        if not pairs:
            return
        mapping = dict(pairs)
        old = _df(con, "SELECT * FROM items WHERE list_has_any(sprints, ?::VARCHAR[])", [list(mapping)])
        if len(old):
            fixed = conform("items", old)
            fixed["sprints"] = [[mapping.get(s, s) for s in lst] for lst in fixed["sprints"]]
            fixed["state_hash"] = _state_hashes(fixed)
            fixed["first_snapshot"] = old["first_snapshot"].to_numpy()
            for c in ("last_snapshot", "seen_snapshot", "removed_snapshot"):
                fixed[c] = old[c].to_numpy()
            self._insert("_attn_fix", fixed)
            con.execute("DELETE FROM items WHERE key IN (SELECT key FROM _attn_fix)")
            sel = ", ".join(_cast(c) for c in SCHEMA["items"])
            con.execute(f"INSERT INTO items SELECT {sel}, state_hash, first_snapshot, last_snapshot, seen_snapshot, "
                        "CAST(removed_snapshot AS INTEGER) FROM _attn_fix")
            con.unregister("_attn_fix")
        con.execute("DELETE FROM sprints WHERE sprint_id = name AND sprint_id IN (SELECT unnest(?::VARCHAR[]))", [list(mapping)])

    def _insert(self, name: str, df: pd.DataFrame) -> None:
        """Register ``df`` for SQL, with list columns that DuckDB reads as VARCHAR[]."""
        df = df.copy(deep=False)  # pandas copies on write: the caller's frame is never changed
        for c in df.columns:
            if df[c].dtype == object and any(isinstance(v, list) for v in df[c].head(50)):
                # cells that already are non-empty lists are passed as they are (not copied)
                df[c] = [(v if type(v) is list else list(v)) if v else None for v in df[c]]
        self.con.register(name, df)

    def _upsert(self, table: str, df: pd.DataFrame) -> None:
        if df is None or df.empty:
            return
        con = self.con
        key = _KEYS[table][0]
        self._insert("_attn_new", df)
        cols = list(SCHEMA[table])
        merged = ", ".join(
            (f"n.{_q(c)}" if c == key else f"coalesce(n.{_q(c)}, o.{_q(c)}) AS {_q(c)}") for c in cols
        )
        con.execute(f"CREATE TEMP TABLE _attn_merged AS SELECT {merged} FROM _attn_new n "
                    f"LEFT JOIN {table} o ON o.{_q(key)} = n.{_q(key)}")
        con.execute(f"DELETE FROM {table} WHERE {_q(key)} IN (SELECT {_q(key)} FROM _attn_new)")
        sel = ", ".join(_cast(c, table) for c in cols)
        con.execute(f"INSERT INTO {table} SELECT {sel} FROM _attn_merged")
        con.execute("DROP TABLE _attn_merged")
        con.unregister("_attn_new")

    # -- vector cache ---------------------------------------------------------------------
    def load_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors of ``model`` for the given text hashes (missing ones are left out).

        Vectors are stored as float16 and returned as float32 arrays of shape ``(dim,)``.
        """
        hashes = [str(h) for h in hashes]
        if not hashes:
            return {}
        self.con.register("_attn_h", pd.DataFrame({"hash": list(dict.fromkeys(hashes))}))
        try:
            rows = self.con.execute(
                "SELECT v.hash, v.dim, v.vec FROM vectors v JOIN _attn_h h ON v.hash = h.hash WHERE v.model = ?", [str(model)]
            ).fetchall()
        finally:
            self.con.unregister("_attn_h")
        return {h: np.frombuffer(blob, dtype="<f2", count=dim).astype(np.float32) for h, dim, blob in rows}

    def store_vectors(self, model: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Store (upsert) vectors of ``model`` under their text hashes; ``vectors`` has shape ``(len(hashes), dim)``."""
        self._writable()
        vectors = np.asarray(vectors)
        hashes = [str(h) for h in hashes]
        if vectors.ndim != 2 or vectors.shape[0] != len(hashes):
            raise ValueError(f"store_vectors: expected an array of shape ({len(hashes)}, dim), got {vectors.shape}")
        if not hashes:
            return
        dim = int(vectors.shape[1])
        blobs = [row.tobytes() for row in vectors.astype("<f2")]
        df = pd.DataFrame({"model": str(model), "hash": hashes, "dim": dim, "vec": blobs}).drop_duplicates("hash", keep="last")
        with _registered_transaction(self.con, "_attn_vec", df) as con:
            con.execute("DELETE FROM vectors WHERE model = ? AND hash IN (SELECT hash FROM _attn_vec)", [str(model)])
            con.execute("INSERT INTO vectors SELECT model, hash, dim::INTEGER, vec::BLOB FROM _attn_vec")

    # -- results cache ------------------------------------------------------------------
    def store_frame(self, name: str, key: str, df: pd.DataFrame) -> None:
        """Keep a result table under ``(name, key)`` (replacing an older one)."""
        self._writable()
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"store_frame() expects a DataFrame, not {type(df).__name__}")
        if df.shape[1] == 0:
            raise ValueError(f"store_frame({name!r}, {key!r}): the DataFrame has no columns; nothing to keep")
        table = "frame_" + hashlib.sha1(f"{name}\x00{key}".encode()).hexdigest()[:20]
        data = df.reset_index(drop=True)  # a new frame: the columns replaced below never touch ``df``
        for c in data.columns:
            if data[c].dtype == object and any(isinstance(v, list) for v in data[c].head(50)):
                data[c] = [list(v) if v else None for v in data[c]]
        data.columns = [str(c) for c in data.columns]
        with _registered_transaction(self.con, "_attn_frame", data) as con:
            con.execute(f"DROP TABLE IF EXISTS {table}")
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM _attn_frame")
            con.execute("DELETE FROM frames WHERE name = ? AND key = ?", [str(name), str(key)])
            con.execute("INSERT INTO frames VALUES (?, ?, ?, ?)", [str(name), str(key), table, _utcnow()])

    def load_frame(self, name: str, key: str) -> pd.DataFrame | None:
        """The table stored under ``(name, key)``, or ``None``."""
        row = _one(self.con, "SELECT table_name FROM frames WHERE name = ? AND key = ?", [str(name), str(key)])
        if row is None:
            return None
        df = _frames.load_shared(self.con, f"SELECT * FROM {row[0]}")  # kept edges: keys repeat k times
        for c in df.columns:
            if df[c].dtype == object and any(isinstance(v, np.ndarray) for v in df[c].head(50)):
                df[c] = [list(v) if isinstance(v, (np.ndarray, list)) else [] for v in df[c]]
        return df


def _df(con, sql: str, params: list | None = None) -> pd.DataFrame:
    """A query's result as a DataFrame (DuckDB's own pandas conversion warns under pandas 3: silenced)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword")
        return con.execute(sql, params or []).df()


def _one_col(con, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def _one(con, sql: str, params: list | None = None):
    """First row of a query (the result is consumed whole, as DuckDB wants before the next statement)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _cast(col: str, table: str = "items") -> str:
    t = _SQL_TYPE[SCHEMA[table][col]]
    return f"CAST({_q(col)} AS {t}) AS {_q(col)}"


def _row(df: pd.DataFrame) -> dict:
    rec = df.iloc[0].to_dict()
    for c in ("files", "file_hashes", "projects"):
        if c in rec:
            rec[c] = list(rec[c]) if isinstance(rec[c], (list, tuple, np.ndarray)) else []
    for c in ("snapshot_id", "n_items", "n_new", "n_changed", "n_events", "n_removed", "n_older"):
        if c in rec and rec[c] is not None:
            rec[c] = int(rec[c])
    return rec


def _teams_key(teams: Any) -> str:
    """A stable description of the ``teams=`` argument (part of what makes an import 'the same')."""
    if teams is None:
        return "none"
    if isinstance(teams, (str, os.PathLike)):
        p = Path(teams)
        return "file:" + (_sha256(p) if p.is_file() else str(p))
    try:
        return "obj:" + json.dumps(teams, sort_keys=True, default=str)
    except TypeError:
        return "obj:" + repr(teams)


@contextlib.contextmanager
def _registered_transaction(con, name: str, df: pd.DataFrame):
    """One transaction with ``df`` visible as view ``name``: committed on success, rolled back on any error."""
    con.register(name, df)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.unregister(name)
