"""A tiny hand-built organisation with hand-checkable sprint answers, and fake attention tables.

Teams: Pay (P-1..P-4, people p1 p2), Id (I-1..I-3, people i1 i2), Solo (S-1, person s1).
Sprints 1 (closed), 2 (closed), 3 (active), 4 (future).

Sprint 1 by hand: committed P-1 P-2 P-3; added I-1 I-2; removed P-3; completed P-1 I-1;
not completed P-2 I-2; carried over P-2 I-2 (I-2 moved to sprint 2 *at* the close, not removed).
Sprint 2: committed P-2 I-2; added S-1; completed I-2; not completed P-2 S-1; carried over S-1.
"""

from __future__ import annotations

import pandas as pd
import pytest

from attn_team.model import Backlog

T = pd.Timestamp


def _items():
    rows = [
        # key, team, assignee, status, cat, points, created, resolved, sprints, commenters, summary
        ("P-1", "Pay", "p1", "Done", "done", 3, "2026-01-01", "2026-01-10", ["1"], ["i1"], "Refresh payment tokens"),
        ("P-2", "Pay", "p2", "In Progress", "in_progress", 5, "2026-01-01", None, ["1", "2"], [], "Retry failed charges"),
        ("P-3", "Pay", "p1", "To Do", "todo", 2, "2026-01-01", None, [], [], "Refund report"),
        ("P-4", "Pay", "p2", "In Progress", "in_progress", 3, "2026-01-20", None, ["3"], [], "Checkout uses new login"),
        ("I-1", "Id", "i1", "Done", "done", 1, "2026-01-02", "2026-01-15", ["1"], [], "Token refresh endpoint"),
        ("I-2", "Id", "i2", "Done", "done", 8, "2026-01-02", "2026-01-25", ["2"], [], "Password reset flow"),
        ("I-3", "Id", "i1", "In Progress", "in_progress", 5, "2026-01-20", None, [], [], "New login service"),
        ("S-1", "Solo", "s1", "In Progress", "in_progress", 2, "2026-01-18", None, ["2", "3"], [], "Audit log export"),
    ]
    cols = ["key", "team", "assignee", "status", "status_category", "story_points", "created", "resolved", "sprints",
            "commenters", "summary"]
    df = pd.DataFrame(rows, columns=cols)
    df["project"] = df["key"].str[0]
    df["reporter"] = df["assignee"]
    df["team_rule"] = "project"
    return df


def _events():
    ev = [
        ("P-1", "2026-01-04 09:00", "sprint", None, "1"),
        ("P-2", "2026-01-03 09:00", "sprint", None, "1"),
        ("P-3", "2026-01-04 09:00", "sprint", None, "1"),
        ("P-3", "2026-01-12 09:00", "sprint", "1", None),
        ("I-1", "2026-01-08 09:00", "sprint", None, "1"),
        ("I-2", "2026-01-09 09:00", "sprint", None, "1"),
        ("P-2", "2026-01-19 10:00", "sprint", "1", "1, 2"),  # carried over: Jira keeps the closed sprint
        ("I-2", "2026-01-19 10:00", "sprint", "1", "2"),  # moved on at the close
        ("S-1", "2026-01-20 09:00", "sprint", None, "2"),
        ("S-1", "2026-02-02 10:00", "sprint", "2", "2, 3"),
        ("P-4", "2026-02-01 09:00", "sprint", None, "3"),
        ("P-1", "2026-01-10 09:00", "status", "To Do", "Done"),
        ("I-1", "2026-01-15 09:00", "status", "To Do", "Done"),
        ("I-2", "2026-01-25 09:00", "status", "To Do", "Done"),
        ("P-2", "2026-01-06 09:00", "status", "To Do", "In Progress"),
    ]
    return pd.DataFrame(ev, columns=["key", "at", "field", "from", "to"]).assign(origin="changelog")


def _sprints():
    return pd.DataFrame([
        ("1", "Sprint 1", "closed", "2026-01-05 09:00", "2026-01-19 09:00", "2026-01-19 10:00"),
        ("2", "Sprint 2", "closed", "2026-01-19 10:00", "2026-02-02 09:00", "2026-02-02 10:00"),
        ("3", "Sprint 3", "active", "2026-02-02 10:00", "2026-02-16 09:00", None),
        ("4", "Sprint 4", "future", "2026-02-16 10:00", "2026-03-02 09:00", None),
    ], columns=["sprint_id", "name", "state", "start", "end", "complete"])


def _people():
    return pd.DataFrame([("p1", "Pat", "Pay"), ("p2", "Pia", "Pay"), ("i1", "Ida", "Id"), ("i2", "Ivo", "Id"),
                         ("s1", "Sol", "Solo")], columns=["person", "display_name", "team"])


def _links():
    return pd.DataFrame([("P-4", "I-3", "Blocks", "dependency", "is blocked by")],
                        columns=["source_key", "target_key", "link_type", "category", "label"])


def _teams():
    return pd.DataFrame([("Pay", "project", 4), ("Id", "project", 3), ("Solo", "project", 1)],
                        columns=["team", "rule", "n_items"])


NOW = T("2026-02-05 12:00", tz="UTC")


@pytest.fixture
def tiny() -> Backlog:
    return Backlog(items=_items(), people=_people(), teams=_teams(), sprints=_sprints(), links=_links(),
                   events=_events()).validate()


def edges(rows, heads=("text", "structure", "people", "time")):
    df = pd.DataFrame(rows, columns=["source", "target", "weight"])
    df["score"] = df["weight"] * 2
    for i, h in enumerate(heads):
        df[h] = df["score"] * (0.4 if i == 0 else 0.2)
    df["reason"] = [f"reason {s}->{t}" for s, t in zip(df["source"], df["target"])]
    return df


@pytest.fixture
def item_edges():
    return edges([("P-4", "I-3", 0.5), ("P-1", "I-1", 0.4), ("I-1", "P-1", 0.3), ("P-2", "P-3", 0.6),
                  ("S-1", "I-3", 0.35), ("P-4", "S-1", 0.05)])


@pytest.fixture
def member_edges():
    return edges([("P-1", "i1", 0.5), ("P-1", "p2", 0.3), ("P-1", "s1", 0.1), ("P-2", "p1", 0.9)])


@pytest.fixture
def history_edges():
    return edges([("P-4", "P-1", 0.4), ("P-4", "I-2", 0.3), ("P-2", "P-1", 0.5)])


@pytest.fixture
def fake_attention(item_edges, member_edges, history_edges):
    return {"items": item_edges, "members": member_edges, "history": history_edges}


@pytest.fixture(scope="session")
def generated_org():
    """The generator's sample organisation (2,000 items) with its ground truth."""
    from attn_team.synthetic import generate

    return generate(random_state=0)


@pytest.fixture(scope="session")
def fitted_org(generated_org, embed_cache):
    """The sample organisation with item attention from a CrossAttention fitted on it (the real model, once a session).

    The fitted mixture itself (``selection_fraction=0``: no choice against the untrained weights), so
    the planted-signal tests measure what fitting learns; the default choice is checked apart
    (``test_dependencies.test_default_choice_finds_as_many_planted_pairs_as_untrained``).
    """
    pytest.importorskip("torch")
    from attn_team.attention._model import CrossAttention

    model = CrossAttention(random_state=0, cache=embed_cache, selection_fraction=0.0).fit(generated_org.backlog)
    return generated_org, model, model.attend(generated_org.backlog, to="items", k=20)
