"""Readers for Jira exports (CSV, REST JSON, XML/RSS) and tidy tables, plus the sample generator.

Pure parsers (``parse_*``, taking text or decoded objects) are split from thin
file wrappers (``read_*``, taking paths), as in ``networkx.readwrite``.
"""

from ._assemble import IssueColumns, RawExport, assemble, status_category
from ._links import LINK_CATEGORY_TABLE, link_category
from ._teams import DEFAULT_RULE_ORDER, TeamRules, load_team_rules

__all__ = [
    "RawExport",
    "IssueColumns",
    "assemble",
    "status_category",
    "LINK_CATEGORY_TABLE",
    "link_category",
    "TeamRules",
    "DEFAULT_RULE_ORDER",
    "load_team_rules",
    "read_jira",
    "read_tables",
]


def __getattr__(name):  # read_jira / read_tables live in modules written per format
    if name == "read_jira":
        from ._detect import read_jira

        return read_jira
    if name == "read_tables":
        from ._tables import read_tables

        return read_tables
    raise AttributeError(f"module 'attn_team.io' has no attribute {name!r}")
