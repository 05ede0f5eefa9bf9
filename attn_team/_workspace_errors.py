"""Opening a workspace file: checks before DuckDB sees the path, waiting for a lock, clear errors.

Part of the workspace layer (:mod:`attn_team.workspace` uses it). DuckDB's own messages
("IO Error: Cannot open file ...", "Could not set lock ...") name neither the cause in
words a user knows nor the fix; every failure to open becomes one
:class:`WorkspaceError` whose message names the file, says what is wrong and what to do,
and whose ``reason`` tells callers (the CLI) which case it is.
"""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

log = logging.getLogger("attn_team.workspace")

#: ``WorkspaceError.reason`` values.
REASONS = ("missing", "folder", "parent", "permission", "locked", "damaged", "not_workspace", "newer", "closed",
           "read_only", "other")


class WorkspaceError(RuntimeError):
    """A workspace file that cannot be used; the message names the file and what to do.

    Attributes
    ----------
    path : str or None
        The workspace file.
    reason : str
        One of :data:`REASONS` (``"other"`` when not told).
    detail : str or None
        The underlying error's own words (DuckDB's message), for verbose output.
    """

    def __init__(self, message: str, *, path: str | None = None, reason: str = "other", detail: str | None = None):
        super().__init__(message)
        self.path = path
        self.reason = reason
        self.detail = detail


def nearest_existing(folder: Path) -> Path:
    """``folder`` or its nearest ancestor that exists (a file, when a part of the path is one)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_path(path: str, *, read_only: bool, example: str) -> None:
    """Refuse, with a clear message, a path DuckDB would fail on or mislabel.

    A folder, a missing file opened read-only, a parent folder that is missing, is a file or
    is not writable (for a new file), and a file that cannot be read or written.
    """
    p = Path(path)
    if p.is_dir():
        raise WorkspaceError(f"{path}: is a folder; give the path of a workspace file, e.g. {p / example}",
                             path=path, reason="folder")
    if p.exists():
        if not os.access(p, os.R_OK):
            raise WorkspaceError(f"{path}: permission denied (cannot read the file); fix its permissions "
                                 "or give another workspace file", path=path, reason="permission")
        if not read_only and not os.access(p, os.W_OK):
            raise WorkspaceError(f"{path}: the file is read-only; open it read-only, fix its permissions, "
                                 "or copy it to a writable place", path=path, reason="permission")
        return
    if read_only:
        raise WorkspaceError(f"{path}: no such workspace file; import an export first to create it",
                             path=path, reason="missing")
    parent = p.absolute().parent
    probe = nearest_existing(parent)
    if probe.exists() and not probe.is_dir():
        raise WorkspaceError(f"{path}: cannot create the workspace: {probe} is a file, not a folder; "
                             "give a path inside a folder", path=path, reason="parent")
    if not parent.exists():
        raise WorkspaceError(f"{path}: cannot create the workspace: folder {parent} does not exist; "
                             "create it first or give another path", path=path, reason="parent")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise WorkspaceError(f"{path}: cannot create the workspace: folder {parent} is not writable "
                             "(permission denied); give a path in a folder you can write to",
                             path=path, reason="permission")


def connect(path: str, *, read_only: bool, wait: float = 0.0):
    """``duckdb.connect(path)``; while another process holds the file, retry for up to ``wait`` seconds."""
    import duckdb

    deadline = time.monotonic() + max(float(wait or 0), 0.0)
    delay = 0.1
    told = False
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.Error as exc:
            left = deadline - time.monotonic()
            if _is_lock(exc) and left > 0:
                if not told:
                    log.warning("%s: open in another process; waiting up to %.0f s for it", path, left)
                    told = True
                time.sleep(min(delay, left))
                delay = min(delay * 2, 1.0)
                continue
            raise translate(exc, path, wait=wait) from None


def _is_lock(exc: BaseException) -> bool:
    return "lock" in str(exc).lower()


_DAMAGED = ("could not read enough bytes", "corrupt", "checksum", "truncat", "invalid block", "malformed",
            "failed to read", "internal error", "serialization error", "deserializ")


def translate(exc: BaseException, path: str, *, wait: float = 0.0) -> WorkspaceError:
    """A :class:`WorkspaceError` for a DuckDB error met while opening or reading workspace ``path``."""
    msg = str(exc)
    first = msg.splitlines()[0] if msg else type(exc).__name__
    low = msg.lower()
    if _is_lock(exc):
        pid = re.search(r"PID (\d+)", msg)
        who = f" (process {pid.group(1)})" if pid else ""
        waited = f", still after waiting {wait:g} s" if wait else ""
        return WorkspaceError(
            f"{path}: the workspace is open in another process{who}{waited}; close it there (end that command or "
            "notebook kernel, or call Workspace.close()) and try again, or use another path",
            path=path, reason="locked", detail=first)
    if "not a valid duckdb database" in low:
        return WorkspaceError(
            f"{path}: not a DuckDB workspace file (or damaged beyond recognition); give a new file name, "
            "or the path of a workspace created by attn_team", path=path, reason="not_workspace", detail=first)
    if any(s in low for s in _DAMAGED):
        return WorkspaceError(
            f"{path}: the workspace file is damaged or truncated; restore it from a backup, or import your "
            "exports again into a new workspace file", path=path, reason="damaged", detail=first)
    if "permission denied" in low or "read-only file system" in low:
        return WorkspaceError(f"{path}: permission denied; give a workspace file in a folder you can write to",
                              path=path, reason="permission", detail=first)
    if "no such file or directory" in low:
        return WorkspaceError(f"{path}: its folder does not exist; create it first or give another path",
                              path=path, reason="parent", detail=first)
    if "wal" in low:
        return WorkspaceError(f"{path}: the workspace's write-ahead log ({path}.wal) cannot be replayed; "
                              "the file is damaged: restore it from a backup or import again into a new file",
                              path=path, reason="damaged", detail=first)
    return WorkspaceError(f"{path}: cannot use the workspace ({first})", path=path, reason="other", detail=first)
