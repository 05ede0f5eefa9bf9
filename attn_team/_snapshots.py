"""Snapshot order and removed items: the rules the workspace applies inside an import.

The workspace (:mod:`attn_team.workspace`) keeps every import or sync as a snapshot. Two rules
decide what the accumulated backlog says; they live here so ``workspace.py`` stays an index.

**Order.** Snapshots are ordered by the data's own time, ``data_time``: the latest ``updated``
of the items in the export (a sync: of the issues it fetched, and never earlier than the
previous sync of the same JQL), not by the time of import. A snapshot without any ``updated``
is placed at its import time. An import whose data is older than what the workspace already
holds for an item never rolls that item back: the older state is kept in ``item_history``
(where it differs from the state before it), the item keeps its newer state. Ties go to the
later import.

**Removed items.** An item of a project that a later snapshot covers (the projects of the
export's items) but that is missing from it is marked removed as of that snapshot: it stays in
the file with its history, but :meth:`Workspace.backlog` leaves it out (with its events and
links) unless ``include_removed=True``. A sync covers its JQL instead of projects: items that
an earlier sync of the same JQL returned and that the JQL no longer returns are removed. An
item seen again in a snapshot at or after its removal is live again; an older snapshot neither
removes nor revives anything newer, and an item it brings that a later file snapshot of the same
project lacked is removed as of that one. Snapshot-derived events are rebuilt from the history in
data order when an older snapshot adds states in the middle, so the import order of the files does
not change the backlog.

The functions run inside the import transaction, on the workspace's DuckDB connection.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .model import conform

__all__ = ["REMOVED_SQL", "TIME", "TRACKED_FIELDS", "apply", "create_tables", "data_time", "derive_events", "fingerprint",
           "live_filter", "migrate", "older_keys", "rebuild_events", "record_older"]

log = logging.getLogger(__name__)

#: Item columns whose change between snapshots becomes an event (item column -> event field).
TRACKED_FIELDS = {"status": "status", "sprints": "sprint", "assignee": "assignee", "story_points": "story_points"}
#: A snapshot's place in order (SQL over ``snapshots``, alias ``s``).
TIME = "coalesce(s.data_time, s.imported_at)"

_ITEM_EXTRA = "state_hash VARCHAR, first_snapshot INTEGER, last_snapshot INTEGER, seen_snapshot INTEGER, removed_snapshot INTEGER"
_SNAPSHOT_COLS = ("snapshot_id INTEGER PRIMARY KEY, imported_at TIMESTAMPTZ, label VARCHAR, files VARCHAR[], "
                  "file_hashes VARCHAR[], source_format VARCHAR, content_hash VARCHAR, n_items INTEGER, n_new INTEGER, "
                  "n_changed INTEGER, n_events INTEGER, data_time TIMESTAMPTZ, scope VARCHAR, changelog BOOLEAN, "
                  "n_removed INTEGER, n_older INTEGER, projects VARCHAR[]")
_SYNCS = ("CREATE TABLE syncs (scope VARCHAR PRIMARY KEY, url VARCHAR, jql VARCHAR, api VARCHAR, snapshot_id INTEGER, "
          "data_time TIMESTAMPTZ, synced_at TIMESTAMPTZ, keys VARCHAR[])")


def plain(v: Any) -> Any:
    """A JSON-able, comparable form of one cell (for state hashes and diffs)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, (list, tuple, np.ndarray)):
        return [str(x) for x in v]
    if isinstance(v, (np.floating, float)):
        return float(v)
    return str(v)


def event_value(field: str, v: Any) -> str | None:
    v = plain(v)
    if v is None:
        return None
    if field == "sprints":
        return ", ".join(v) if v else None
    if field == "story_points":
        f = float(v)
        return str(int(f)) if f.is_integer() else str(f)
    return v


def derive_events(items: pd.DataFrame, changed, prev_by_key, imported_at) -> pd.DataFrame:
    """Events (origin "snapshot") for the tracked fields that differ from the previous snapshot."""
    rows = []
    cols = {c: items[c].tolist() for c in ("key", "updated", *TRACKED_FIELDS)}
    for i, ch in enumerate(changed):
        if not ch:
            continue
        key = cols["key"][i]
        old = prev_by_key[key]
        upd = cols["updated"][i]
        at = upd if upd is not None and upd is not pd.NaT else pd.Timestamp(imported_at)
        for col, field in TRACKED_FIELDS.items():
            a, b = event_value(col, old[col]), event_value(col, cols[col][i])
            if a != b:
                rows.append({"key": key, "at": at, "field": field, "from": a, "to": b, "author": None,
                             "origin": "snapshot"})
    return conform("events", pd.DataFrame(rows) if rows else None)


def data_time(items: pd.DataFrame):
    """The latest ``updated`` of ``items`` (a UTC Timestamp), or ``None``."""
    if len(items) == 0 or "updated" not in items:
        return None
    t = items["updated"].max()
    return None if pd.isna(t) else pd.Timestamp(t)


def create_tables(con, columns_sql) -> None:
    """The tables of a new workspace (inside the caller's transaction); ``columns_sql(table)`` gives model columns."""
    con.execute(f"CREATE TABLE snapshots ({_SNAPSHOT_COLS})")
    con.execute(f"CREATE TABLE items ({columns_sql('items')}, {_ITEM_EXTRA}, PRIMARY KEY (key))")
    con.execute(f"CREATE TABLE item_history (snapshot_id INTEGER, {columns_sql('items')}, state_hash VARCHAR)")
    con.execute(f"CREATE TABLE people ({columns_sql('people')}, PRIMARY KEY (person))")
    con.execute(f"CREATE TABLE teams ({columns_sql('teams')})")
    con.execute(f"CREATE TABLE sprints ({columns_sql('sprints')}, PRIMARY KEY (sprint_id))")
    con.execute(f"CREATE TABLE links ({columns_sql('links')}, snapshot_id INTEGER)")
    con.execute(f"CREATE TABLE events ({columns_sql('events')}, snapshot_id INTEGER)")
    con.execute("CREATE TABLE vectors (model VARCHAR, hash VARCHAR, dim INTEGER, vec BLOB, PRIMARY KEY (model, hash))")
    con.execute("CREATE TABLE frames (name VARCHAR, key VARCHAR, table_name VARCHAR, stored_at TIMESTAMPTZ, "
                "PRIMARY KEY (name, key))")
    con.execute(_SYNCS)


def migrate(con, version: int, target: int) -> None:
    """Upgrade a workspace written with schema ``version`` to ``target``, in place, in one transaction.

    Version 1 -> 2: snapshots get ``data_time`` (the latest ``updated`` of the item states they
    recorded, never earlier than the snapshot before, so the old import order is kept),
    ``scope``, ``changelog``, ``n_removed``, ``n_older``, ``projects`` (of the item states they recorded); items get ``seen_snapshot`` and
    ``removed_snapshot``; the ``syncs`` table is added.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        if version < 2:
            for col in ("data_time TIMESTAMPTZ", "scope VARCHAR", "changelog BOOLEAN", "n_removed INTEGER", "n_older INTEGER",
                        "projects VARCHAR[]"):
                con.execute(f"ALTER TABLE snapshots ADD COLUMN {col}")
            con.execute(
                "UPDATE snapshots SET data_time = t.dt, n_removed = 0, n_older = 0, changelog = t.cl FROM ("
                "  SELECT s.snapshot_id, coalesce(max(h.mx) OVER (ORDER BY s.snapshot_id ROWS UNBOUNDED PRECEDING), "
                "         s.imported_at) AS dt, "
                "         EXISTS (SELECT 1 FROM events e WHERE e.snapshot_id = s.snapshot_id AND e.origin = 'changelog') AS cl "
                "  FROM snapshots s LEFT JOIN (SELECT snapshot_id, max(updated) AS mx FROM item_history GROUP BY snapshot_id) h "
                "  ON h.snapshot_id = s.snapshot_id) t WHERE snapshots.snapshot_id = t.snapshot_id")
            con.execute("UPDATE snapshots SET projects = p.projects FROM (SELECT snapshot_id, list(DISTINCT project) AS projects "
                        "FROM item_history WHERE project IS NOT NULL GROUP BY snapshot_id) p "
                        "WHERE snapshots.snapshot_id = p.snapshot_id")
            con.execute("ALTER TABLE items ADD COLUMN seen_snapshot INTEGER")
            con.execute("ALTER TABLE items ADD COLUMN removed_snapshot INTEGER")
            con.execute("UPDATE items SET seen_snapshot = last_snapshot")
            con.execute(_SYNCS)
        con.execute("UPDATE attn_meta SET value = ? WHERE key = 'schema_version'", [str(target)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    log.info("workspace upgraded in place from schema %d to %d", version, target)


_REMOVED = "(SELECT key FROM items WHERE removed_snapshot IS NOT NULL)"


def live_filter(table: str) -> str:
    """SQL ``WHERE`` clause keeping rows of ``table`` that belong to live (not removed) items."""
    return {
        "items": " WHERE removed_snapshot IS NULL",
        "events": f" WHERE key NOT IN {_REMOVED}",
        "links": f" WHERE source_key NOT IN {_REMOVED} AND target_key NOT IN {_REMOVED}",
    }.get(table, "")


def fingerprint(con) -> tuple:
    """A cheap summary of what a snapshot can change besides new and changed items and new events."""
    return tuple(con.execute(
        "SELECT (SELECT (count(*), bit_xor(hash(sprint_id, name, state, start, \"end\", complete, team, goal))) FROM sprints), "
        "(SELECT (count(*), bit_xor(hash(person, display_name, team))) FROM people), "
        "(SELECT (count(*), bit_xor(hash(source_key, target_key, link_type, label))) FROM links), "
        "(SELECT (count(*), bit_xor(hash(key, state_hash, removed_snapshot))) FROM items)").fetchall()[0])


def older_keys(con, keys: list[str], t) -> set[str]:
    """Keys whose latest sighting is in a snapshot later in order than time ``t``."""
    if not keys:
        return set()
    rows = con.execute(
        f"SELECT i.key FROM items i JOIN snapshots s ON s.snapshot_id = i.seen_snapshot "
        f"WHERE i.key IN (SELECT unnest(?::VARCHAR[])) AND {TIME} > ?", [list(keys), t]).fetchall()
    return {r[0] for r in rows}


def record_older(con, register, sid: int, t, older: pd.DataFrame, select_sql: str) -> int:
    """History rows for items of an older snapshot whose state differs from the state before it in order.

    ``older`` has the item columns plus ``state_hash``; ``select_sql`` selects the item columns cast.
    Returns the keys whose rows were written (their snapshot-derived events need rebuilding).
    """
    if older.empty:
        return []
    register("_attn_old", older)
    try:
        con.execute(
            f"INSERT INTO item_history SELECT {sid}, {select_sql}, state_hash FROM _attn_old o WHERE NOT EXISTS ("
            f"  SELECT 1 FROM (SELECT h.key, h.state_hash, row_number() OVER (PARTITION BY h.key ORDER BY {TIME} DESC, "
            f"    h.snapshot_id DESC) AS rn FROM item_history h JOIN snapshots s ON s.snapshot_id = h.snapshot_id "
            f"    WHERE h.key IN (SELECT key FROM _attn_old) AND {TIME} <= ?) p "
            "  WHERE p.rn = 1 AND p.key = o.key AND p.state_hash = o.state_hash)", [t])
        return [r[0] for r in con.execute("SELECT key FROM item_history WHERE snapshot_id = ? AND key IN "
                                          "(SELECT key FROM _attn_old)", [sid]).fetchall()]
    finally:
        con.unregister("_attn_old")


def apply(con, sid: int, t, *, present: Iterable[str], projects: Iterable[str] | None = None,
          gone: Iterable[str] | None = None, new_keys: Iterable[str] = ()) -> int:
    """Sightings and removals of snapshot ``sid`` (its row not written yet; its place in order is ``t``).

    ``present``: keys the snapshot confirms (its items; a sync: every key its JQL returns).
    ``projects``: the projects a file snapshot covers; their live items not in ``present``
    whose last sighting is not later than ``t`` are removed. ``gone``: for a sync, the keys
    that left its JQL's scope (removed under the same conditions). ``new_keys``: keys first seen in this
    snapshot; where it is older than a file snapshot already imported that covers their project (and so
    lacked them), they are removed as of that one. Returns the number this snapshot removed.
    """
    present = list(dict.fromkeys(present))
    con.execute("CREATE TEMP TABLE _attn_present AS SELECT unnest(?::VARCHAR[]) AS key", [present])
    try:
        seen_time = f"(SELECT {TIME} FROM snapshots s WHERE s.snapshot_id = items.seen_snapshot)"
        removed_time = f"(SELECT {TIME} FROM snapshots s WHERE s.snapshot_id = items.removed_snapshot)"
        # seen again at or after the removal: live again; the latest sighting moves forward
        con.execute(f"UPDATE items SET removed_snapshot = CASE WHEN removed_snapshot IS NOT NULL AND {removed_time} > ? "
                    f"THEN removed_snapshot END, seen_snapshot = {sid} "
                    f"WHERE key IN (SELECT key FROM _attn_present) AND (seen_snapshot IS NULL OR seen_snapshot = {sid} "
                    f"OR {seen_time} <= ?)", [t, t])
        if projects is not None:
            cand = ("project IN (SELECT unnest(?::VARCHAR[])) AND key NOT IN (SELECT key FROM _attn_present)",
                    [sorted(set(projects))])
        else:
            cand = ("key IN (SELECT unnest(?::VARCHAR[])) AND key NOT IN (SELECT key FROM _attn_present)",
                    [sorted(set(gone or ()))])
        cond = (f"{cand[0]} AND {seen_time} <= ? AND seen_snapshot <> {sid} "
                f"AND (removed_snapshot IS NULL OR {removed_time} > ?)")
        params = [*cand[1], t, t]
        n = con.execute(f"SELECT count(*) FROM items WHERE {cond} AND removed_snapshot IS NULL", params).fetchall()[0][0]
        con.execute(f"UPDATE items SET removed_snapshot = {sid} WHERE {cond}", params)
        _removed_later(con, t, list(new_keys))
    finally:
        con.execute("DROP TABLE _attn_present")
    if n:
        log.info("snapshot %s: %d item(s) marked removed (missing from a later snapshot that covers them)", sid, n)
    return int(n)


def _removed_later(con, t, new_keys: list[str]) -> None:
    """New items of an older snapshot that a later file snapshot of their project lacked: removed as of it."""
    if not new_keys:
        return
    later = con.execute(f"SELECT s.snapshot_id, s.projects FROM snapshots s WHERE s.projects IS NOT NULL AND {TIME} > ? "
                        f"ORDER BY {TIME}, s.snapshot_id", [t]).fetchall()
    first: dict[str, int] = {}
    for sid, projects in later:
        for p in projects or ():
            first.setdefault(p, sid)
    if not first:
        return
    rows = con.execute("SELECT key, project FROM items WHERE key IN (SELECT unnest(?::VARCHAR[]))", [new_keys]).fetchall()
    marks = [(first[p], k) for k, p in rows if p in first]
    if marks:
        con.executemany("UPDATE items SET removed_snapshot = ? WHERE key = ?", marks)
        log.info("%d new item(s) of an older snapshot marked removed as of later snapshots that lack them", len(marks))


def rebuild_events(con, sid: int, keys: list[str]) -> int:
    """Snapshot-derived events of ``keys`` again from their history in data order (after an older snapshot
    added states in the middle). Returns the change in the number of events; updates the snapshot's count."""
    if not keys:
        return 0
    cols = ", ".join(f"h.{c}" for c in ("key", "updated", *TRACKED_FIELDS))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword")
        hist = con.execute(f"SELECT h.snapshot_id, {cols}, s.changelog, s.imported_at FROM item_history h JOIN snapshots s "
                           f"ON s.snapshot_id = h.snapshot_id WHERE h.key IN (SELECT unnest(?::VARCHAR[])) "
                           f"ORDER BY h.key, {TIME}, h.snapshot_id", [list(keys)]).df()
    rows, prev = [], None
    for r in hist.to_dict("records"):
        if prev is not None and prev["key"] == r["key"] and not r["changelog"]:
            at = r["updated"] if not pd.isna(r["updated"]) else r["imported_at"]
            for col, fld in TRACKED_FIELDS.items():
                a, b = event_value(col, prev[col]), event_value(col, r[col])
                if a != b:
                    rows.append({"key": r["key"], "at": at, "field": fld, "from": a, "to": b, "author": None,
                                 "origin": "snapshot", "snapshot_id": r["snapshot_id"]})
        prev = r
    n0 = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    con.execute("DELETE FROM events WHERE origin = 'snapshot' AND key IN (SELECT unnest(?::VARCHAR[]))", [list(keys)])
    if rows:
        ev = conform("events", pd.DataFrame(rows)).assign(snapshot_id=[r["snapshot_id"] for r in rows])
        con.register("_attn_rebuilt", ev)
        try:
            con.execute('INSERT INTO events SELECT DISTINCT key, "at", field, "from", "to", author, origin, snapshot_id '
                        'FROM _attn_rebuilt e WHERE NOT EXISTS (SELECT 1 FROM events x WHERE x.key = e.key AND '
                        'x."at" IS NOT DISTINCT FROM e."at" AND x.field = e.field AND x."from" IS NOT DISTINCT FROM e."from" '
                        'AND x."to" IS NOT DISTINCT FROM e."to")')
        finally:
            con.unregister("_attn_rebuilt")
    delta = con.execute("SELECT count(*) FROM events").fetchall()[0][0] - n0
    con.execute("UPDATE snapshots SET n_events = n_events + ? WHERE snapshot_id = ?", [delta, sid])
    return int(delta)


#: Items marked removed, with the data time of the snapshot that removed them.
REMOVED_SQL = (f"SELECT i.key, i.project, i.summary, i.status, i.removed_snapshot, {TIME} AS removed_at, "
               "i.seen_snapshot AS last_seen_snapshot FROM items i JOIN snapshots s ON s.snapshot_id = i.removed_snapshot "
               "ORDER BY removed_at, i.key")
