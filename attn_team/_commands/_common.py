"""Helpers shared by subcommands."""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path

from .._workspace_errors import nearest_existing
from ._errors import CommandError, UsageError

DEFAULT_WORKSPACE = "attn_team.duckdb"


def add_workspace_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workspace", "-w", default=DEFAULT_WORKSPACE, type=Path,
        help=f"workspace file (DuckDB) to use (default: ./{DEFAULT_WORKSPACE})",
    )
    add_wait_arg(p)


def add_wait_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wait", type=seconds, default=0.0, metavar="SECONDS",
                   help="wait up to SECONDS while another process holds the workspace (default: 0, fail at once)")


def seconds(text: str) -> float:
    """An argparse type: a number of seconds, 0 or more."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not v >= 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds (0 or more), got {text!r}")
    return v


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v


def add_attention_args(p: argparse.ArgumentParser) -> None:
    """``--no-progress``, ``--refit``, ``--embedder`` and the engine options, for subcommands that compute item attention."""
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.add_argument("--refit", action="store_true", help="ignore the attention cached in the workspace and fit again")
    p.add_argument("--untrained", action="store_true",
                   help="use the untrained head weights, no fit: the quickest first answer on a large backlog "
                        "(with --embedder static, 100,000 items in about 3 minutes; benchmarks/RESULTS.md)")
    from ..attention._fitted import DEFAULT_K

    p.add_argument("--k", type=positive_int, default=None, metavar="K",
                   help=f"keys each item keeps in its attention, the top k (default: {DEFAULT_K}); memory grows "
                        "as items x K, so lower it for a very large backlog (5 at 1,000,000 items)")
    add_embedder_arg(p)
    add_engine_args(p)


def add_embedder_arg(p: argparse.ArgumentParser) -> None:
    """``--embedder {minilm,static,auto}``, for every subcommand that embeds item texts."""
    from .._static_embed import AUTO_STATIC_ITEMS, EMBEDDER_CHOICES

    p.add_argument("--embedder", choices=EMBEDDER_CHOICES, default="minilm",
                   help="text embeddings: minilm (the packaged MiniLM, default), static (a static model distilled "
                        "once from it and adapted to the backlog: much faster on large backlogs, somewhat weaker; "
                        "needs pip install attn-team[scale]), auto (static from "
                        f"{AUTO_STATIC_ITEMS:,} items on)")


def embedder_param(args) -> dict:
    """``{"embedder": ...}`` for ``args.embedder`` (nothing for the default, so earlier fits stay valid)."""
    choice = getattr(args, "embedder", "minilm")
    return {} if choice in (None, "minilm") else {"embedder": choice}


def add_engine_args(p: argparse.ArgumentParser) -> None:
    """``--engine {local,dask}`` and ``--scheduler ADDRESS``: where embedding and top-k run."""
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="run embedding and top-k here (local, the default) or on a Dask cluster "
                        "(dask; needs pip install 'attn-team[scale]')")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="Dask scheduler address with --engine dask, e.g. tcp://10.0.0.5:8786 "
                        "(default: a LocalCluster on this machine); the workspace stays here")


def engine_params(args) -> dict:
    """``{"engine": ..., "scheduler": ...}`` of the command line, checked (one clear line when dask is missing)."""
    engine = getattr(args, "engine", "local")
    scheduler = getattr(args, "scheduler", None)
    if scheduler is not None and engine != "dask":
        raise UsageError("--scheduler is for the Dask engine: add --engine dask")
    if engine == "dask":
        from .. import _dask

        if not _dask.available():
            raise CommandError(_dask.MISSING.replace("engine='dask'", "--engine dask"))
    return {"engine": engine, "scheduler": scheduler} if engine != "local" else {}


def open_workspace(args, *, read_only: bool = False, must_exist: bool = True):
    """The :class:`~attn_team.workspace.Workspace` of ``args.workspace`` (waiting ``args.wait`` seconds for a lock)."""
    from ..workspace import Workspace

    path = Path(args.workspace)
    if must_exist and not path.exists():
        raise CommandError(f"no workspace at {path}; run 'attn-team import FILE' first, or pass --workspace PATH")
    return Workspace(path, read_only=read_only, wait=getattr(args, "wait", 0.0))


@contextlib.contextmanager
def workspace_backlog(args):
    """``(backlog, workspace)`` of ``args.workspace``; the workspace doubles as the embedding cache."""
    with open_workspace(args) as ws:
        yield ws.backlog(), ws


def print_team_note(backlog) -> str | None:
    """Print, on stderr, the one line saying no cross-team pair is possible (and the fix); return it."""
    import sys

    from ..insights._teams_check import team_warning

    note = team_warning(backlog)
    if note:
        print(f"attn-team: note: {note}", file=sys.stderr)
    return note


def output_file(path, *, flag: str = "--out", example: str = "report.html") -> Path:
    """Check, before any work, that ``path`` can be written as a file (its missing folders are created later)."""
    p = Path(path)
    if p.is_dir():
        raise CommandError(f"{flag} {p}: is a folder; give a file name, e.g. {flag} {p / example}")
    probe = nearest_existing(p.absolute().parent)
    if not probe.is_dir():
        raise CommandError(f"{flag} {p}: {probe} is a file, not a folder; give a path inside a folder")
    if p.exists() and not os.access(p, os.W_OK):
        raise CommandError(f"{flag} {p}: the file is read-only; choose another file or fix its permissions")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise CommandError(f"{flag} {p}: cannot write into folder {probe} (permission denied); "
                           "choose a folder you can write to")
    return p


def item_attention(backlog, ws, *, refit: bool = False, progress: bool = True, k: int | None = None,
                   embedder: str | None = None, args=None):
    """The workspace's fitted attention result (:func:`attn_team.attention.workspace_attention`).

    Fitted once and kept in the workspace (model weights and item attention); an unchanged
    workspace reloads it (per embedder: switching ``embedder`` fits again). ``None`` for a backlog
    of fewer than two items. ``args`` brings the command line's ``--engine``/``--scheduler``
    (:func:`engine_params`).
    """
    from ..attention._fitted import DEFAULT_K, workspace_attention

    if backlog.n_items < 2:
        return None
    if k is None:
        k = getattr(args, "k", None)
    params = {} if embedder in (None, "minilm") else {"embedder": embedder}
    if getattr(args, "untrained", False):
        params["max_epochs"] = 0  # kept in the workspace under its own key, apart from a fitted result
    return workspace_attention(ws, backlog, refit=refit, progress=progress, k=DEFAULT_K if k is None else k,
                               **params, **engine_params(args))
