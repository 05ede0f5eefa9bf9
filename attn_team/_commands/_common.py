"""Helpers shared by subcommands."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

DEFAULT_WORKSPACE = "attn_team.duckdb"


def add_workspace_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workspace", "-w", default=DEFAULT_WORKSPACE, type=Path,
        help=f"workspace file (DuckDB) to use (default: ./{DEFAULT_WORKSPACE})",
    )


def add_attention_args(p: argparse.ArgumentParser) -> None:
    """``--no-progress`` and ``--refit``, for subcommands that compute item attention."""
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.add_argument("--refit", action="store_true", help="ignore the attention cached in the workspace and fit again")


@contextlib.contextmanager
def workspace_backlog(args):
    """``(backlog, workspace)`` of ``args.workspace``; the workspace doubles as the embedding cache."""
    from ..workspace import Workspace

    path = Path(args.workspace)
    if not path.exists():
        raise FileNotFoundError(f"no workspace at {path}; run 'attn-team import FILE' first or pass --workspace")
    with Workspace(path) as ws:
        yield ws.backlog(), ws


ATTENTION_FRAME = "attention_items"


def item_attention(backlog, ws, *, refit: bool = False, progress: bool = True, k: int = 20):
    """Item-to-item attention edges for ``backlog``, cached in workspace ``ws``.

    The cache key is the workspace's import history (snapshot ids and file hashes), the library
    version and the model settings, so any new import, upgrade or setting change recomputes.
    Without a workspace (``ws=None``) the model is simply fitted. Returns a DataFrame of edges,
    or ``None`` for a backlog of fewer than two items.
    """
    import hashlib

    from .. import __version__
    from ..insights._dependencies import default_model

    if backlog.n_items < 2:
        return None
    key = None
    if ws is not None and hasattr(ws, "load_frame"):
        snaps = ws.snapshots()
        ident = repr((__version__, "CrossAttention(random_state=0)", k, backlog.n_items,
                      [(int(r.snapshot_id), list(r.file_hashes)) for r in snaps.itertuples()]))
        key = hashlib.sha1(ident.encode("utf-8")).hexdigest()
        if not refit:
            cached = ws.load_frame(ATTENTION_FRAME, key)
            if cached is not None:
                return cached
    model = default_model(backlog, cache=ws, progress=progress)
    edges = model.attend(backlog, to="items", k=k).edges
    if key is not None:
        ws.store_frame(ATTENTION_FRAME, key, edges)
    return edges
