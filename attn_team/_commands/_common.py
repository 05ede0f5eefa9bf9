"""Helpers shared by subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_WORKSPACE = "attn_team.duckdb"


def add_workspace_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workspace", "-w", default=DEFAULT_WORKSPACE, type=Path,
        help=f"workspace file (DuckDB) to use (default: ./{DEFAULT_WORKSPACE})",
    )


def open_backlog(args):
    """The backlog of ``args.workspace`` (error if it does not exist)."""
    from ..workspace import Workspace

    path = Path(args.workspace)
    if not path.exists():
        raise FileNotFoundError(f"no workspace at {path}; run 'attn-team import FILE' first or pass --workspace")
    with Workspace(path, read_only=True) as ws:
        return ws.backlog()
