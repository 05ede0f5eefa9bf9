"""Team rules: which team an item belongs to, decided by an explicit, ordered rule list.

A teams file (TOML or YAML) maps people and/or components to teams and may
reorder the rules::

    # teams.toml
    [rules]
    order = ["mapping_person", "mapping_component", "team_field", "component", "project"]

    [people]            # person id or display name -> team
    "Person 007" = "Payments"

    [components]        # component -> team
    auth = "Identity"

Rules: ``mapping_person`` (the assignee, else the reporter, in ``[people]``),
``mapping_component`` (first component in ``[components]``), ``team_field``
(Jira's Team field), ``component`` (first component, as a team name),
``project`` (the project key). The first rule that gives a team decides, and
the item records it in ``team_rule``; an item that no rule places gets
``team_rule = "none"``. Nothing is guessed silently.

Teams files are UTF-8. A YAML teams file may not use anchors and aliases (``&a``,
``*a``): nested aliases expand a 1 KB file into gigabytes, so they are refused
before anything is built. Wrong types (``order = 5``, ``rules = "abc"``) are a
:class:`~attn_team.errors.JiraFormatError` naming the file and the field.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import JiraFormatError
from ._files import shown

__all__ = ["TeamRules", "DEFAULT_RULE_ORDER", "load_team_rules"]

DEFAULT_RULE_ORDER = ("mapping_person", "mapping_component", "team_field", "component", "project")
_KNOWN = set(DEFAULT_RULE_ORDER)


@dataclasses.dataclass(frozen=True)
class TeamRules:
    """Ordered rules that place items in teams.

    Parameters
    ----------
    order : sequence of str, default=DEFAULT_RULE_ORDER
        Rules to try, first match wins.
    people : mapping of str to str
        Person id or display name -> team.
    components : mapping of str to str
        Component name -> team (case-insensitive).
    source : str or None
        File the rules came from, for reports.
    """

    order: tuple = DEFAULT_RULE_ORDER
    people: Mapping[str, str] = dataclasses.field(default_factory=dict)
    components: Mapping[str, str] = dataclasses.field(default_factory=dict)
    source: str | None = None

    def __post_init__(self):
        order = tuple(self.order)
        bad = [r for r in order if r not in _KNOWN]
        if bad:
            where = f"{self.source}: " if self.source else ""
            raise ValueError(f"{where}unknown team rule(s) {bad}; expected some of {list(DEFAULT_RULE_ORDER)}")
        object.__setattr__(self, "order", order)
        object.__setattr__(self, "components", {str(k).lower(): str(v) for k, v in dict(self.components).items()})
        object.__setattr__(self, "people", {str(k): str(v) for k, v in dict(self.people).items()})

    def describe(self) -> str:
        """One line saying how teams were decided, for reports."""
        src = f" from {self.source}" if self.source else ""
        return "team = first of " + " > ".join(self.order) + src

    def decide(self, issue: Mapping[str, Any], display_names: Mapping[str, str] | None = None) -> tuple[str | None, str]:
        """(team, rule) for one raw issue record."""
        display_names = display_names or {}
        comps = [c for c in (issue.get("components") or []) if c]
        for rule in self.order:
            if rule == "mapping_person" and self.people:
                for who in (issue.get("assignee"), issue.get("reporter")):
                    if not who:
                        continue
                    for name in (who, display_names.get(who)):
                        if name and name in self.people:
                            return self.people[name], rule
            elif rule == "mapping_component" and self.components:
                for c in comps:
                    t = self.components.get(str(c).lower())
                    if t:
                        return t, rule
            elif rule == "team_field":
                t = issue.get("team_field")
                if t:
                    return str(t), rule
            elif rule == "component":
                if comps:
                    return str(comps[0]), rule
            elif rule == "project":
                p = issue.get("project")
                if p:
                    return str(p), rule
        return None, "none"


def load_team_rules(teams: Any) -> TeamRules:
    """Turn the ``teams=`` argument of the importers into :class:`TeamRules`.

    Accepts ``None`` (default rules), a :class:`TeamRules`, a mapping with keys
    ``rules``/``order``, ``people``, ``components``, or a path to a TOML or YAML file.
    """
    if teams is None:
        return TeamRules()
    if isinstance(teams, TeamRules):
        return teams
    if isinstance(teams, (str, os.PathLike)):
        path = Path(teams)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise JiraFormatError(f"cannot read teams file: {exc.strerror}", file=path) from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JiraFormatError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}): expected a UTF-8 teams file "
                                  "(save it as UTF-8)", file=path, line=raw.count(b"\n", 0, exc.start) + 1) from None
        try:
            data = _load_yaml(text, path) if path.suffix.lower() in (".yaml", ".yml") else _load_toml(text)
        except JiraFormatError:
            raise
        except Exception as exc:  # noqa: BLE001 - re-raised with the file named
            raise JiraFormatError(f"not a valid TOML/YAML teams file ({str(exc)[:200]})", file=path) from None
        if not isinstance(data, Mapping):
            raise JiraFormatError("expected a table with [people], [components] and/or [rules]", file=path)
        return _from_mapping(data, source=str(path))
    if isinstance(teams, Mapping):
        return _from_mapping(teams, source=None)
    raise TypeError(f"teams must be None, a path, a mapping or TeamRules, not {type(teams).__name__}")


def _load_toml(text: str) -> Any:
    import tomllib

    return tomllib.loads(text)


def _load_yaml(text: str, path: Path) -> Any:
    """``yaml.safe_load`` refusing anchors and aliases: a teams file needs none, and nested aliases
    ("billion laughs") expand a 1 KB file into gigabytes."""
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):  # noqa: D102
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise JiraFormatError(f"YAML alias *{event.anchor[:40]}: expected a teams file without anchors and aliases (&name, *name)",
                                      file=path, line=event.start_mark.line + 1)
            return super().compose_node(parent, index)

    loader = NoAliasLoader(text)
    try:
        return loader.get_single_data() or {}
    finally:
        loader.dispose()


def _from_mapping(data: Mapping[str, Any], source: str | None) -> TeamRules:
    where = source or "teams"
    rules = data.get("rules", {})
    if not isinstance(rules, (Mapping, list, tuple)):
        raise JiraFormatError(f"rules = {shown(rules)}: expected a table [rules] with order = [...], or a list of rule names",
                              file=where, field="rules")
    order: Any = data.get("order") or (rules.get("order") if isinstance(rules, Mapping) else rules) or DEFAULT_RULE_ORDER
    if not isinstance(order, (list, tuple)) or not all(isinstance(r, str) for r in order):
        raise JiraFormatError(f"order = {shown(order)}: expected a list of rule names, some of {list(DEFAULT_RULE_ORDER)}",
                              file=where, field="rules.order")
    bad = [r for r in order if r not in _KNOWN]
    if bad:
        raise JiraFormatError(f"unknown team rule(s) {shown(bad)}: expected some of {list(DEFAULT_RULE_ORDER)}", file=where, field="rules.order")
    for name in ("people", "components"):
        if name in data and not isinstance(data[name], Mapping):
            raise JiraFormatError(f"[{name}] must map names to team names", file=where, field=name)
        for k, v in (data.get(name) or {}).items():
            if not isinstance(v, (str, int, float)) or isinstance(v, bool):
                raise JiraFormatError(f"[{name}] {shown(str(k))} = {shown(v)}: expected a team name", file=where, field=name)
    return TeamRules(order=tuple(order), people=dict(data.get("people", {})), components=dict(data.get("components", {})), source=source)
