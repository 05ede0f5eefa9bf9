"""Jira link-type names -> attn_team link categories.

Covers the link types of ``shared/data/links-dev`` and of the 16 public Jira
instances in ``shared/data/jira-metadata`` (MSR'22 data set). Names are
matched case-insensitively after stripping spaces, ``-`` and ``_``; unknown
types become ``"relation"`` with a warning (see :func:`link_category`).
To extend: add entries to :data:`LINK_CATEGORY_TABLE` (or pass ``extra=``).
"""

from __future__ import annotations

import re

__all__ = ["LINK_CATEGORY_TABLE", "link_category", "normalise_link_type"]

_DEPENDENCY = [
    "blocks", "blocked", "blocker", "block", "depends", "depend", "dependency", "dependent",
    "gantt dependency", "requires", "required", "require", "precedes", "preceded by", "precede",
    "follows", "follow", "sequence", "trigger", "triggers", "causality", "cause", "caused", "causes",
    "problem/incident", "regression", "breaks", "finish-to-finish link (wbsgantt)", "gantt end to end",
    "gantt: finish-finish", "finish-finish [gantt]", "gantt end to start", "gantt: finish-start",
    "finish-start [gantt]", "gantt start to start", "gantt: start-finish", "gantt: start-start",
    "implement", "implements", "implementation", "completes", "fixes", "fix", "resolve",
    "bonfire testing", "git code review", "testing", "test", "tested", "tests",
]
_RELATION = [
    "relates", "related", "relate", "relationship", "reference", "references", "addresses",
    "documented", "documentation", "detail", "derived", "derive", "backports", "backport",
    "replacement", "replaces", "supersedes", "supersede", "supercedes", "supersession",
    "issue split", "split", "work breakdown", "mentioned", "mentions", "linked",
]
_DUPLICATE = ["duplicate", "duplicates", "duplicated", "is duplicated by"]
_CLONE = ["cloners", "cloners (old)", "clone", "clones", "cloned"]
_HIERARCHY = [
    "child-issue", "parent feature", "parent/child", "multi-level hierarchy [gantt]", "parent-relation",
    "parent", "child", "subtask", "sub-task", "epic", "epic-relation", "incorporates", "incorporate",
    "collection", "container", "contains(wbsgantt)", "part", "partof", "superset", "contains",
]


def normalise_link_type(name: str) -> str:
    """Lower-case ``name`` and drop spaces, hyphens and underscores for lookup."""
    return re.sub(r"[\s_\-]+", "", str(name).strip().lower())


#: normalised link-type name -> category
LINK_CATEGORY_TABLE: dict[str, str] = {}
for _cat, _names in (
    ("dependency", _DEPENDENCY),
    ("relation", _RELATION),
    ("duplicate", _DUPLICATE),
    ("clone", _CLONE),
    ("hierarchy", _HIERARCHY),
):
    for _n in _names:
        LINK_CATEGORY_TABLE[normalise_link_type(_n)] = _cat


def link_category(link_type: str, extra: dict[str, str] | None = None) -> str | None:
    """Category of a Jira link type, or ``None`` when the type is unknown."""
    key = normalise_link_type(link_type)
    if extra:
        for k, v in extra.items():
            if normalise_link_type(k) == key:
                return v
    return LINK_CATEGORY_TABLE.get(key)
