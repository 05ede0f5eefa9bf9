"""Writers for Jira's formats: CSV (all fields), REST JSON pages and a teams file; the truth as JSON."""

from __future__ import annotations

import csv
import json
import logging
import uuid
import zlib
from pathlib import Path

import pandas as pd

from ..model import Backlog
from ._catalogue import _STATUS_IDS, _STATUSES, LINK_TYPES, TEAMS
from ._types import SyntheticOrg

log = logging.getLogger(__name__)



_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _jira_date(ts) -> str:
    """Jira's CSV date format, e.g. ``25/Oct/25 12:53 PM``."""
    if ts is None or ts is pd.NaT or (isinstance(ts, float) and ts != ts):
        return ""
    h = ts.hour % 12 or 12
    return f"{ts.day:02d}/{_MONTHS[ts.month - 1]}/{ts.year % 100:02d} {h}:{ts.minute:02d} {'AM' if ts.hour < 12 else 'PM'}"


def _iso(ts) -> str | None:
    if ts is None or ts is pd.NaT:
        return None
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}+0000"


def _parts(org_or_backlog):
    if isinstance(org_or_backlog, SyntheticOrg):
        return org_or_backlog.backlog, org_or_backlog.extras
    if isinstance(org_or_backlog, Backlog):
        return org_or_backlog, {}
    raise TypeError(f"expected a SyntheticOrg or a Backlog, got {type(org_or_backlog).__name__}")


def _none(v):
    return None if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) else v


class _Tables:
    """Row-wise views of a backlog shared by the writers."""

    def __init__(self, backlog: Backlog, extras: dict):
        items = backlog.items
        self.cols = {c: items[c].tolist() for c in items.columns}
        self.n = len(items)
        self.keys = self.cols["key"]
        ppl = backlog.people
        self.name = dict(zip(ppl["person"].tolist(), ppl["display_name"].tolist()))
        sp = backlog.sprints
        self.sprints = {r["sprint_id"]: r for r in sp.to_dict("records")}
        ids = extras.get("issue_ids") or {}
        self.ids = {k: ids.get(k, str(10000 + i)) for i, k in enumerate(self.keys)}
        self.summary = dict(zip(self.keys, self.cols["summary"]))
        self.type = dict(zip(self.keys, self.cols["type"]))
        self.project_names = extras.get("project_names") or {}
        self.inward: dict[str, dict[str, list]] = {}
        self.outward: dict[str, dict[str, list]] = {}
        self.link_labels: dict[str, tuple] = {}
        lk = backlog.links
        for s, t, lt, lab in zip(lk["source_key"].tolist(), lk["target_key"].tolist(), lk["link_type"].tolist(), lk["label"].tolist()):
            self.outward.setdefault(s, {}).setdefault(lt, []).append(t)
            self.inward.setdefault(t, {}).setdefault(lt, []).append(s)
            out_phrase = _none(lab) or LINK_TYPES.get(lt, (lt.lower(), lt.lower()))[0]
            self.link_labels.setdefault(lt, (out_phrase, LINK_TYPES.get(lt, (out_phrase, out_phrase))[1]))
        self.comments: dict[str, list] = {}
        if "comments" in extras:
            for key, at, who, body in extras["comments"]:
                self.comments.setdefault(key, []).append((pd.Timestamp(at), who, body))
        else:  # a plain Backlog: one placeholder comment per commenter, at the update time
            for key, who_list, upd in zip(self.keys, self.cols["commenters"], self.cols["updated"]):
                for who in who_list:
                    self.comments.setdefault(key, []).append((upd, who, "(comment)"))

    def person_name(self, pid):
        pid = _none(pid)
        return "" if pid is None else self.name.get(pid, pid)


def write_jira_csv(org_or_backlog, path) -> Path:
    """Write a Jira Cloud "Export CSV (all fields)" file.

    Repeated columns (``Labels``, ``Components``, ``Fix versions``, ``Watchers``,
    ``Watchers Id``, ``Sprint``, ``Comment``) and ``Inward/Outward issue link
    (<type>)`` columns are as wide as the fullest row needs; dates use Jira's
    ``25/Oct/25 12:53 PM`` format (UTC); ``Comment`` cells are
    ``date;accountId;body``; ``Parent`` holds the parent's issue id and
    ``Parent key`` its key.

    Parameters
    ----------
    org_or_backlog : SyntheticOrg or Backlog
    path : str or Path

    Returns
    -------
    Path
        ``path``.
    """
    backlog, extras = _parts(org_or_backlog)
    tb = _Tables(backlog, extras)
    c = tb.cols
    n = tb.n

    def width(col):
        return max([1] + [len(v) for v in c[col]])

    nL, nCo, nF, nW, nS = width("labels"), width("components"), width("fix_versions"), width("watchers"), width("sprints")
    nCm = max([1] + [len(v) for v in tb.comments.values()])
    link_types = sorted(set(tb.link_labels))
    n_in = {lt: max([1] + [len(d.get(lt, [])) for d in tb.inward.values()]) for lt in link_types}
    n_out = {lt: max([1] + [len(d.get(lt, [])) for d in tb.outward.values()]) for lt in link_types}
    header = (["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Project name",
               "Project type", "Priority", "Resolution", "Assignee", "Assignee Id", "Reporter", "Reporter Id",
               "Creator", "Creator Id", "Created", "Updated", "Last Viewed", "Resolved"]
              + ["Fix versions"] * nF + ["Components"] * nCo + ["Due date", "Votes"] + ["Labels"] * nL
              + ["Description", "Environment"] + ["Watchers"] * nW + ["Watchers Id"] * nW
              + ["Original estimate", "Remaining Estimate", "Time Spent", "Security Level"])
    for lt in link_types:
        header += [f"Inward issue link ({lt})"] * n_in[lt] + [f"Outward issue link ({lt})"] * n_out[lt]
    header += (["Attachment", "Custom field (Rank)"] + ["Sprint"] * nS
               + ["Custom field (Start date)", "Custom field (Story Points)", "Custom field (Story point estimate)",
                  "Custom field (Team)"] + ["Comment"] * nCm
               + ["Parent", "Parent key", "Parent summary", "Status Category", "Status Category Changed"])

    def pad(values, k):
        return list(values) + [""] * (k - len(values))

    cat_name = {"todo": "To Do", "in_progress": "In Progress", "done": "Done"}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for i in range(n):
            key = c["key"][i]
            proj = _none(c["project"][i]) or ""
            assignee, reporter = _none(c["assignee"][i]), _none(c["reporter"][i])
            resolved = _none(c["resolved"][i])
            sp = _none(c["story_points"][i])
            parent = _none(c["parent_key"][i])
            row = [c["summary"][i] or "", key, tb.ids[key], c["type"][i] or "", c["status"][i] or "", proj,
                   tb.project_names.get(proj, proj), "software", _none(c["priority"][i]) or "",
                   "Done" if resolved is not None else "",
                   tb.person_name(assignee), assignee or "", tb.person_name(reporter), reporter or "",
                   tb.person_name(reporter), reporter or "",
                   _jira_date(c["created"][i]), _jira_date(c["updated"][i]), "", _jira_date(resolved)]
            row += pad(c["fix_versions"][i], nF) + pad(c["components"][i], nCo) + ["", "0"] + pad(c["labels"][i], nL)
            row += [_none(c["description"][i]) or "", ""]
            watchers = c["watchers"][i]
            row += pad([tb.person_name(p) for p in watchers], nW) + pad(watchers, nW) + ["", "", "", ""]
            for lt in link_types:
                row += pad(tb.inward.get(key, {}).get(lt, []), n_in[lt]) + pad(tb.outward.get(key, {}).get(lt, []), n_out[lt])
            row += ["", f"0|i{int(tb.ids[key]):05x}:"]
            row += pad([tb.sprints[s]["name"] if s in tb.sprints else s for s in c["sprints"][i]], nS)
            row += ["", "" if sp is None else repr(float(sp)), "", _none(c["team"][i]) or ""]
            row += pad([f"{_jira_date(at)};{who};{body}" for at, who, body in tb.comments.get(key, [])], nCm)
            row += [tb.ids.get(parent, "") if parent else "", parent or "", tb.summary.get(parent, "") if parent else "",
                    cat_name.get(_none(c["status_category"][i]), ""), _jira_date(c["updated"][i])]
            w.writerow(row)
    log.info("wrote %d items to %s", n, path)
    return path


_SPRINT_FIELD = "customfield_10020"
_POINTS_FIELD = "customfield_10016"
_TEAM_FIELD = "customfield_10001"
_SITE = "https://example.atlassian.net"
_CATEGORY_JSON = {"todo": (2, "new", "To Do"), "in_progress": (4, "indeterminate", "In Progress"), "done": (3, "done", "Done")}


def _dump(obj, path: Path) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def write_jira_json_pages(org_or_backlog, folder, *, page_size: int = 500) -> list[Path]:
    """Write REST v2 search pages (``expand=changelog``), a fields list and an Agile sprints list.

    Files written into ``folder``: ``search-001.json``, ... (``startAt``/``maxResults``/``total``
    pages of issues with ``changelog.histories``; the sprint field is a list of
    sprint objects, story points a number, the Team field an Atlassian team
    object), ``fields.json`` (the ``/rest/api/2/field`` list naming the sprint
    (``com.pyxis.greenhopper.jira:gh-sprint``), story-point and Team custom
    fields) and ``sprints.json`` (``/rest/agile/1.0/board/{id}/sprint`` shape,
    all boards' sprints with their dates).

    Parameters
    ----------
    org_or_backlog : SyntheticOrg or Backlog
    folder : str or Path
        Created if missing.
    page_size : int, default=500
        Issues per search page.

    Returns
    -------
    list of Path
        The files written, pages first.

    See Also
    --------
    write_large_org : an organisation of 100,000s of items, streamed to disk page by page.
    """
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    backlog, extras = _parts(org_or_backlog)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    issues, sprint_values = json_documents(backlog, extras)
    written = []
    total = len(issues)
    n_pages = max(1, -(-total // page_size))
    for p in range(n_pages):
        path = folder / f"search-{p + 1:03d}.json"
        _dump(search_page(issues[p * page_size:(p + 1) * page_size], p * page_size, page_size, total), path)
        written.append(path)
    written += write_json_metadata(folder, sprint_values)
    log.info("wrote %d issues in %d page(s) to %s", total, n_pages, folder)
    return written


def search_page(issues: list, start: int, page_size: int, total: int) -> dict:
    """One ``/rest/api/2/search`` response: ``startAt``, ``maxResults``, ``total`` and ``issues``."""
    return {"expand": "names,schema", "startAt": start, "maxResults": page_size, "total": total, "issues": issues}


def write_json_metadata(folder: Path, sprint_values: list) -> list[Path]:
    """Write ``fields.json`` (the ``/rest/api/2/field`` list) and ``sprints.json`` (Agile sprints) into ``folder``."""
    written = []
    path = folder / "fields.json"
    _dump(_FIELDS_DOC, path)
    written.append(path)
    path = folder / "sprints.json"
    _dump({"maxResults": max(50, len(sprint_values)), "startAt": 0, "isLast": True, "values": sprint_values}, path)
    written.append(path)
    return written


_FIELDS_DOC = [
    {"id": "summary", "key": "summary", "name": "Summary", "custom": False, "schema": {"type": "string", "system": "summary"}},
    {"id": "status", "key": "status", "name": "Status", "custom": False, "schema": {"type": "status", "system": "status"}},
    {"id": "issuelinks", "key": "issuelinks", "name": "Linked Issues", "custom": False,
     "schema": {"type": "array", "items": "issuelinks", "system": "issuelinks"}},
    {"id": _SPRINT_FIELD, "key": _SPRINT_FIELD, "name": "Sprint", "custom": True,
     "clauseNames": ["cf[10020]", "Sprint"],
     "schema": {"type": "array", "items": "json", "custom": "com.pyxis.greenhopper.jira:gh-sprint", "customId": 10020}},
    {"id": _POINTS_FIELD, "key": _POINTS_FIELD, "name": "Story Points", "custom": True,
     "clauseNames": ["cf[10016]", "Story Points"],
     "schema": {"type": "number", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float", "customId": 10016}},
    {"id": _TEAM_FIELD, "key": _TEAM_FIELD, "name": "Team", "custom": True, "clauseNames": ["cf[10001]", "Team"],
     "schema": {"type": "team", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team", "customId": 10001}},
]


def json_documents(backlog: Backlog, extras: dict) -> tuple[list[dict], list[dict]]:
    """The REST issue documents of ``backlog`` (with changelog, links, comments) and its Agile sprint values."""
    tb = _Tables(backlog, extras)
    c = tb.cols
    name_to_sprint = {str(r["name"]): sid for sid, r in tb.sprints.items()}
    board_ids = extras.get("board_ids") or {}

    def board(r):
        return board_ids.get(_none(r.get("team"))) or _board_id(r)

    def user(pid):
        pid = _none(pid)
        if pid is None:
            return None
        return {"accountId": pid, "displayName": tb.person_name(pid)}

    def sprint_obj(sid):
        r = tb.sprints.get(sid, {"name": sid})
        out = {"id": _int_or_str(sid), "name": r.get("name"), "state": _none(r.get("state")) or "future",
               "boardId": board(r)}
        if _none(r.get("goal")):
            out["goal"] = r["goal"]
        for k, jk in (("start", "startDate"), ("end", "endDate"), ("complete", "completeDate")):
            if _none(r.get(k)) is not None:
                out[jk] = _iso_z(r[k])
        return out

    def sprint_ids(value):
        """Event value (sprint ids, or names, joined by ", ") -> (ids, names) as Jira's changelog writes them."""
        if not value:
            return None, None
        ids = []
        for part in (p.strip() for p in str(value).split(",")):
            ids.append(part if part in tb.sprints else str(name_to_sprint.get(part, part)))
        names = [str(tb.sprints[i]["name"]) if i in tb.sprints else i for i in ids]
        return ", ".join(ids), ", ".join(names)

    histories: dict[str, list] = {}
    ev = backlog.events
    if len(ev):
        ev = ev.sort_values(["key", "at"], kind="stable")
        grouped: dict[tuple, list] = {}
        for key, at, field, frm, to, author in zip(ev["key"].tolist(), ev["at"].tolist(), ev["field"].tolist(),
                                                   ev["from"].tolist(), ev["to"].tolist(), ev["author"].tolist()):
            frm, to, author = _none(frm), _none(to), _none(author)
            if field == "status":
                item = {"field": "status", "fieldtype": "jira",
                        "from": _status_id(frm), "fromString": frm, "to": _status_id(to), "toString": to}
            elif field == "sprint":
                fi, fs = sprint_ids(frm)
                ti, ts = sprint_ids(to)
                item = {"field": "Sprint", "fieldtype": "custom", "fieldId": _SPRINT_FIELD,
                        "from": fi, "fromString": fs, "to": ti, "toString": ts}
            elif field == "assignee":
                item = {"field": "assignee", "fieldtype": "jira",
                        "from": frm, "fromString": tb.person_name(frm) or None, "to": to, "toString": tb.person_name(to) or None}
            elif field == "story_points":
                item = {"field": "Story Points", "fieldtype": "custom", "fieldId": _POINTS_FIELD,
                        "from": None, "fromString": frm, "to": None, "toString": to}
            else:
                item = {"field": field, "fieldtype": "jira", "from": None, "fromString": frm, "to": None, "toString": to}
            grouped.setdefault((key, at, author), []).append(item)
        n = 0
        for (key, at, author), items in grouped.items():
            n += 1
            histories.setdefault(key, []).append({"id": str(100000 + n), "author": user(author),
                                                  "created": _iso(at), "items": items})

    issues = []
    for i in range(tb.n):
        key = c["key"][i]
        proj = _none(c["project"][i]) or ""
        cat = _none(c["status_category"][i])
        cid, ckey, cname = _CATEGORY_JSON.get(cat, (1, "undefined", "No Category"))
        parent = _none(c["parent_key"][i])
        sp = _none(c["story_points"][i])
        links = []
        for lt, targets in tb.outward.get(key, {}).items():
            out_p, in_p = tb.link_labels[lt]
            for t in targets:
                links.append({"id": str(20000 + len(links)), "type": {"name": lt, "inward": in_p, "outward": out_p},
                              "outwardIssue": {"id": tb.ids.get(t, ""), "key": t,
                                               "fields": {"summary": tb.summary.get(t)}}})
        for lt, sources in tb.inward.get(key, {}).items():
            out_p, in_p = tb.link_labels[lt]
            for s in sources:
                links.append({"id": str(20000 + len(links)), "type": {"name": lt, "inward": in_p, "outward": out_p},
                              "inwardIssue": {"id": tb.ids.get(s, ""), "key": s,
                                              "fields": {"summary": tb.summary.get(s)}}})
        comments = [{"id": str(30000 + j), "author": user(who), "body": body, "created": _iso(at)}
                    for j, (at, who, body) in enumerate(tb.comments.get(key, []))]
        fields = {
            "summary": c["summary"][i],
            "issuetype": {"name": c["type"][i], "subtask": c["type"][i] == "Sub-task"},
            "status": {"name": c["status"][i], "id": _status_id(c["status"][i]),
                       "statusCategory": {"id": cid, "key": ckey, "name": cname}},
            "project": {"key": proj, "name": tb.project_names.get(proj, proj), "projectTypeKey": "software"},
            "priority": {"name": _none(c["priority"][i])} if _none(c["priority"][i]) else None,
            "description": _none(c["description"][i]),
            "labels": list(c["labels"][i]),
            "components": [{"name": v} for v in c["components"][i]],
            "fixVersions": [{"name": v} for v in c["fix_versions"][i]],
            "assignee": user(c["assignee"][i]),
            "reporter": user(c["reporter"][i]),
            "created": _iso(c["created"][i]),
            "updated": _iso(c["updated"][i]),
            "resolutiondate": _iso(_none(c["resolved"][i])),
            "resolution": {"name": "Done"} if _none(c["resolved"][i]) is not None else None,
            "issuelinks": links,
            _SPRINT_FIELD: [sprint_obj(s) for s in c["sprints"][i]] or None,
            _POINTS_FIELD: None if sp is None else float(sp),
            _TEAM_FIELD: ({"id": _team_id(c["team"][i]), "name": c["team"][i]} if _none(c["team"][i]) else None),
            "comment": {"comments": comments, "maxResults": len(comments), "total": len(comments), "startAt": 0},
            "watches": {"watchCount": len(c["watchers"][i]), "isWatching": False},
        }
        if parent:
            fields["parent"] = {"id": tb.ids.get(parent, ""), "key": parent,
                                "fields": {"summary": tb.summary.get(parent), "issuetype": {"name": tb.type.get(parent)}}}
        hist = histories.get(key, [])
        issues.append({"expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
                       "id": tb.ids[key], "self": f"{_SITE}/rest/api/2/issue/{tb.ids[key]}", "key": key,
                       "changelog": {"startAt": 0, "maxResults": len(hist), "total": len(hist), "histories": hist},
                       "fields": fields})
    values = [{k: v for k, v in sprint_obj(sid).items() if k != "boardId"} | {"originBoardId": board(r)}
              for sid, r in tb.sprints.items()]
    return issues, values


def _iso_z(ts) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def _int_or_str(v):
    s = str(v)
    return int(s) if s.isdigit() else s


def _status_id(name):
    if name is None:
        return None
    return _STATUS_IDS[_STATUSES.index(name)] if name in _STATUSES else str(10100 + zlib.crc32(str(name).encode()) % 9000)


def _team_id(team) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"attn-team:{team}"))


def _board_id(sprint_row) -> int:
    team = _none(sprint_row.get("team"))
    if team is None:
        return 1
    names = [t[0] for t in TEAMS]
    return names.index(team) + 1 if team in names else 1 + sum(map(ord, team)) % 97


def _toml_str(s: str) -> str:
    return json.dumps(str(s), ensure_ascii=False)


def write_teams_file(org_or_backlog, path) -> Path:
    """Write a TOML teams file: ``[rules]``, ``[components]`` -> team and ``[people]`` -> team.

    For a :class:`SyntheticOrg` the mapping is the generator's own; for a plain
    :class:`Backlog`, people keep the team of the ``people`` table and each
    component goes to the team that uses it most.

    Parameters
    ----------
    org_or_backlog : SyntheticOrg or Backlog
    path : str or Path

    Returns
    -------
    Path
        ``path``, readable by :func:`attn_team.io.load_team_rules` (``teams=path``).
    """
    backlog, extras = _parts(org_or_backlog)
    comps = extras.get("team_components")
    people = extras.get("team_people")
    if comps is None:
        it = backlog.items[["components", "team"]].explode("components").dropna()
        comps = {} if it.empty else it.groupby("components")["team"].agg(lambda s: s.value_counts().index[0]).to_dict()
    if people is None:
        pp = backlog.people.dropna(subset=["team"])
        people = dict(zip(pp["display_name"].tolist(), pp["team"].tolist()))
    lines = [
        "# attn_team teams file: which team an item belongs to.",
        "# An item's first component found in [components] decides; then Jira's Team field; then the project.",
        "# [people] gives each person's home team (used for the people table and the 'mapping_person' rule).",
        "",
        "[rules]",
        'order = ["mapping_component", "team_field", "project"]',
        "",
        "[components]",
    ]
    lines += [f"{_toml_str(k)} = {_toml_str(v)}" for k, v in sorted(comps.items())]
    lines += ["", "[people]"]
    lines += [f"{_toml_str(k)} = {_toml_str(v)}" for k, v in sorted(people.items())]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def truth_json(org: SyntheticOrg) -> str:
    """The ground truth of ``org`` as a JSON document (what ``sample_data/truth.json`` holds)."""
    t = org.truth
    doc = {
        "generator": "attn_team.synthetic.generate",
        "params": org.extras.get("params", {}),
        "now": _iso(org.extras["now"]) if org.extras.get("now") is not None else None,
        "teams": t["teams"],
        "coupled_pairs": [list(p) for p in t["coupled_pairs"]],
        "coordination_gap": list(t["coordination_gap"]),
        "planted_pairs": [list(p) for p in t["planted_pairs"]],
        "linked_cross_team": [list(p) for p in t["linked_cross_team"]],
        "sprint_truth_definitions": {
            "counted": "standard issues (Story, Task, Bug); epics and sub-tasks left out",
            "committed": "in the sprint when it started",
            "added": "added after the start, before the close",
            "removed": "removed after the start, before the close",
            "completed": "in the sprint at its close (now, for the active sprint) and done then",
            "carried_over": "in the sprint at its close, not done, moved to the next sprint",
            "points": "story points as estimated at sprint start (never changed during a sprint); missing = 0",
        },
        "sprint_truth": t["sprint_truth"],
        "waiting_cost": {**t["waiting_cost"], "waiting": [list(p) for p in t["waiting_cost"]["waiting"]]},
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


