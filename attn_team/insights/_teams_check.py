"""Say so when the team rules leave nothing to compare across teams (one team, or none)."""

from __future__ import annotations

from ..model import Backlog

__all__ = ["TEAMS_FIX", "team_warning"]

#: what to do about it, in the words of the command line (and the notebook function)
TEAMS_FIX = ("run 'attn-team teams init' to propose teams from who works together (in Python: "
             "propose_teams), edit teams.toml, then 'attn-team import FILE --teams teams.toml'")


def team_warning(backlog: Backlog) -> str | None:
    """One line saying why no cross-team pair is possible, with the fix; ``None`` when one is.

    No cross-team pair is possible when the team rules put every item with a team in one
    team (a one-project export by the project rule, say), or give no item a team. Then
    cross-team suggestions, team coupling and coordination gaps are empty, and a caller
    should say so (and skip fitting for suggestions) instead of printing an empty result.

    Examples
    --------
    >>> from attn_team.model import Backlog
    >>> b = Backlog(items={"key": ["A-1", "A-2"], "summary": ["x", "y"], "team": ["A", "A"],
    ...                    "team_rule": ["project", "project"]})
    >>> print(team_warning(b))  # doctest: +ELLIPSIS
    all 2 items are in one team, 'A' (project rule), so no cross-team pair is possible; run 'attn-team teams init'...
    """
    items = backlog.items
    n = len(items)
    if n == 0:
        return "the backlog holds no items, so no pair of items is possible; import an export with issues"
    if n == 1:
        return "the backlog holds 1 item, so no pair of items is possible; import an export with more issues"
    placed = items[items["team"].notna()]
    teams = placed["team"].unique()
    if len(teams) >= 2:
        return None
    if len(teams) == 0:
        return f"none of the {n:,} items has a team, so no cross-team pair is possible; {TEAMS_FIX}"
    rules = placed["team_rule"].dropna().value_counts()
    rule = f" ({rules.index[0]} rule)" if len(rules) else ""
    rest = n - len(placed)
    others = f", {rest:,} have none" if rest else ""
    what = f"all {n:,} items are" if not rest else f"all {len(placed):,} items with a team are"
    return f"{what} in one team, {str(teams[0])!r}{rule}{others}, so no cross-team pair is possible; {TEAMS_FIX}"
