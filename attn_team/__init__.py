"""attn_team: cross-attention over Jira backlogs to surface cross-team dependencies.

``import attn_team`` is light: pandas only. torch, sentence-transformers and
ipywidgets load on first use of the names that need them.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._lazy import attach
from .errors import AttnTeamWarning, JiraFormatError
from .model import Backlog

try:
    __version__ = version("attn-team")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

# public name -> module that defines it (loaded lazily)
_LAZY = {
    "read_jira": "attn_team.io._detect",
    "read_tables": "attn_team.io._tables",
    "TeamRules": "attn_team.io._teams",
    "Workspace": "attn_team.workspace",
    "Embedder": "attn_team.embed",
    "CrossAttention": "attn_team.attention._model",
    "Attention": "attn_team.attention._result",
    "attend": "attn_team.attention._model",
    "BacklogAttention": "attn_team.attention._fitted",
    "evaluate_links": "attn_team.insights._evaluate",
    "suggest_dependencies": "attn_team.insights._dependencies",
    "who_to_involve": "attn_team.insights._people",
    "similar_history": "attn_team.insights._history",
    "team_coupling": "attn_team.insights._coupling",
    "sprint_metrics": "attn_team.insights._sprints",
    "at_risk_dependencies": "attn_team.insights._sprints",
    "flow_metrics": "attn_team.insights._flow",
    "forecast": "attn_team.insights._forecast",
    "SprintReport": "attn_team.views._report",
    "AttentionGraph": "attn_team.views._graph",
    "AttentionHeatmap": "attn_team.views._heatmap",
    "BacklogExplorer": "attn_team.views._explorer",
}

_getattr, __dir__, _names = attach(__name__, _LAZY)
__all__ = ["Backlog", "JiraFormatError", "AttnTeamWarning", "__version__", *_names]


def __getattr__(name: str):
    return _getattr(name)


def _jupyter_labextension_paths():
    """Where the prebuilt JupyterLab extension lives (for ``jupyter labextension develop``)."""
    return [{"src": "labextension", "dest": "attn-team"}]
