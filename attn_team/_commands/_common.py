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


def item_attention(backlog, ws, *, refit: bool = False, progress: bool = True, k: int | None = None):
    """The workspace's fitted attention result (:func:`attn_team.attention.workspace_attention`).

    Fitted once and kept in the workspace (model weights and item attention); an unchanged
    workspace reloads it. ``None`` for a backlog of fewer than two items.
    """
    from ..attention._fitted import DEFAULT_K, workspace_attention

    if backlog.n_items < 2:
        return None
    return workspace_attention(ws, backlog, refit=refit, progress=progress, k=DEFAULT_K if k is None else k)
