"""A deterministic, seeded generator of a realistic Jira organisation, and writers for Jira's formats.

:func:`generate` simulates several agile teams over a series of two-week sprints:
epics, stories, tasks, bugs and sub-tasks written from per-team topic templates;
sprint planning, scope added and removed after sprint start, carry-over of
unfinished work into the next sprint; status, sprint, assignee and story-point
changelogs; typed links (Blocks, Depends, Relates, Duplicate, Cloners), some of
them across teams. It also plants a known set of **related but unlinked**
cross-team pairs (the ground truth for dependency discovery) and one
**coordination gap**: two teams whose work is coupled through planted pairs but
who share no links and no people.

The writers produce what Jira itself exports, so the importers can be tested on
them: :func:`write_jira_csv` (Jira Cloud "Export CSV (all fields)"),
:func:`write_jira_json_pages` (REST v2 search pages with ``expand=changelog``, a
fields list and an Agile sprints list) and :func:`write_teams_file` (TOML).

``python -m attn_team.io.synthetic sample_data`` regenerates the shipped
``sample_data/`` folder byte for byte.

Sprint truth definitions (``SyntheticOrg.truth["sprint_truth"]``), counted over
standard issues (Story, Task, Bug; epics and sub-tasks are left out, as in
Jira's sprint report), with story points as estimated when the sprint started
(estimates never change while an item is in a sprint):

- ``committed``: in the sprint when it started;
- ``added``: added after the start (and before the close);
- ``removed``: removed after the start (and before the close);
- ``completed``: in the sprint at its close (``now`` for the active sprint) and done then;
- ``carried_over``: in the sprint at its close and not done, moved to the next sprint.

For future sprints only ``committed`` (planned so far) is filled.
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import json
import logging
import sys
import uuid
import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model import Backlog
from ._assemble import RawExport, assemble

__all__ = ["SyntheticOrg", "generate", "write_jira_csv", "write_jira_json_pages", "write_teams_file", "write_sample_data"]

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# word lists (per-team components, topics, labels; cross-team topics)
# ---------------------------------------------------------------------------

#: name, project key, components, {component: topics}, labels
TEAMS = [
    ("Payments", "PAY", {
        "checkout": ["checkout page", "cart totals", "promo code validation", "guest checkout", "order confirmation email"],
        "billing": ["invoice PDF generation", "subscription renewals", "proration of plan changes", "tax calculation", "dunning emails"],
        "payouts": ["merchant payouts", "payout reconciliation", "bank transfer batching", "payout schedule settings"],
        "fraud": ["fraud scoring rules", "chargeback handling", "velocity checks", "3-D Secure challenge flow"],
    }, ["pci", "revenue", "checkout-v3", "finance-request", "tech-debt"]),
    ("Identity", "IDN", {
        "auth": ["password reset flow", "login rate limiting", "MFA enrolment", "session management"],
        "sso": ["SAML SSO for enterprise tenants", "OIDC provider configuration", "SCIM user provisioning"],
        "accounts": ["account deletion", "email verification", "profile settings page", "account merge"],
        "permissions": ["role-based access control", "API key scopes", "audit log of admin actions"],
    }, ["security", "gdpr", "enterprise", "tech-debt", "customer-request"]),
    ("Mobile", "MOB", {
        "ios-app": ["iOS onboarding screens", "iOS widget", "App Store release checklist", "SwiftUI migration"],
        "android-app": ["Android onboarding screens", "Play Store rollout", "Jetpack Compose migration", "Android deep links"],
        "push": ["push notification preferences", "silent push for sync", "notification grouping"],
        "offline-sync": ["offline mode", "background sync", "conflict resolution for offline edits"],
    }, ["ios", "android", "release-blocker", "ux", "crash"]),
    ("Data", "DAT", {
        "pipelines": ["nightly ETL jobs", "Airflow DAG retries", "CDC ingestion from Postgres", "late-arriving events"],
        "warehouse": ["warehouse schema", "dbt models", "partitioning of fact tables", "warehouse cost monitoring"],
        "reporting": ["revenue dashboard", "weekly KPI report", "self-serve reporting", "cohort analysis"],
        "ml-features": ["feature store", "churn model features", "training data snapshots"],
    }, ["analytics", "dbt", "data-quality", "tech-debt", "kpi"]),
    ("Platform", "PLT", {
        "api-gateway": ["API gateway routing", "request throttling", "gateway TLS termination", "API versioning policy"],
        "ci-cd": ["build pipeline", "deployment rollbacks", "flaky test quarantine", "release train automation"],
        "observability": ["distributed tracing", "alerting runbooks", "log retention", "SLO dashboards"],
        "k8s": ["cluster autoscaling", "Helm chart upgrades", "node pool migration", "secrets management"],
    }, ["infra", "reliability", "cost", "on-call", "tech-debt"]),
    ("Web", "WEB", {
        "storefront": ["product listing page", "product detail page", "wishlist", "store locator"],
        "design-system": ["button components", "form validation components", "dark mode theme", "icon set"],
        "seo": ["sitemap generation", "structured data markup", "canonical URLs"],
        "web-perf": ["Core Web Vitals", "image lazy loading", "bundle size budget", "server-side rendering"],
    }, ["frontend", "accessibility", "a11y", "seo", "tech-debt"]),
    ("Search", "SRC", {
        "indexing": ["product search index", "incremental reindexing", "index mapping changes"],
        "ranking": ["search ranking signals", "synonym dictionary", "typo tolerance"],
        "autocomplete": ["query autocomplete", "recent searches", "trending queries"],
    }, ["relevance", "search-quality", "tech-debt", "latency"]),
    ("Growth", "GRO", {
        "experiments": ["A/B test framework", "experiment assignment", "holdout groups"],
        "referrals": ["referral program", "invite links", "referral rewards"],
        "lifecycle": ["welcome email sequence", "win-back campaign", "in-app messages"],
    }, ["experiment", "marketing", "activation", "retention"]),
]

STORY_VERBS = ["Add", "Support", "Improve", "Redesign", "Introduce", "Extend", "Simplify", "Rework", "Enable", "Polish"]
STORY_SUFFIX = [
    "", "", "", " for returning customers", " behind a feature flag", " (phase 2)", " for EU tenants",
    " on small screens", " for admins", " in the new flow", " for enterprise accounts", " v2",
]
TASK_TEMPLATES = [
    "Refactor {t} module", "Add metrics for {t}", "Write runbook for {t}", "Upgrade dependencies used by {t}",
    "Clean up dead code in {t}", "Add integration tests for {t}", "Document {t} API", "Spike: options for {t}",
    "Remove legacy path in {t}", "Load test {t}",
]
BUG_TEMPLATES = [
    "{T} returns 500 for some users", "{T} fails intermittently", "{T} shows wrong totals", "Timeout in {t}",
    "{T} broken after last release", "{T} slow on first load", "Typo and layout glitch in {t}",
    "{T} ignores user locale", "Race condition in {t}", "{T} crashes on empty input",
]
EPIC_WORDS = ["revamp", "v2", "foundations", "hardening", "migration", "launch", "improvements"]
SUBTASK_TEMPLATES = [
    "Backend changes", "Frontend changes", "Unit tests", "QA verification", "Update documentation",
    "Code review follow-ups", "Database migration", "Analytics events",
]
CONTEXT_SENTENCES = [
    "Customers have asked about {t} several times this quarter.",
    "Today {t} is handled by an old code path in {c} that nobody likes touching.",
    "Support tickets mention {t} as a recurring pain point.",
    "This is part of the {c} roadmap for the next release.",
    "We agreed in refinement to keep the scope of {t} small.",
    "The current behaviour of {t} is inconsistent between environments.",
    "Product wants {t} measured before and after the change.",
]
CRITERIA = [
    "- works for existing and new accounts",
    "- covered by automated tests",
    "- metrics visible on the team dashboard",
    "- no change to the public contract",
    "- feature flag can switch it off",
    "- documented in the team wiki",
    "- reviewed by a second engineer",
]
BUG_SENTENCES = [
    "Steps to reproduce: open {t} and repeat the action twice.",
    "Seen in production since the last deploy; {n} reports so far.",
    "Expected the request to succeed, got an error instead.",
    "Only happens for a subset of tenants, logs attached in the comment.",
]
COMMENTS = [
    "Picked this up, will update by end of day.",
    "Blocked on review, can someone take a look?",
    "Moved to the next sprint, we ran out of time.",
    "Deployed to staging, please verify.",
    "Looks good to me.",
    "Added a note to the runbook.",
    "Do we still need this after the last change?",
    "Pairing on this tomorrow.",
]
PRIORITIES = [("Highest", 0.04), ("High", 0.18), ("Medium", 0.58), ("Low", 0.16), ("Lowest", 0.04)]
FIRST_NAMES = [
    "Amara", "Bruno", "Chen", "Dana", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Maya",
    "Nikhil", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tomas", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoe",
    "Aisha", "Ben", "Carla", "Dmitri", "Eva", "Felix", "Gabriel", "Hana", "Ivan", "Julia", "Kofi", "Lena", "Marco",
    "Nadia", "Oscar", "Priya", "Rafael", "Sofia", "Theo", "Valentina", "Will", "Yara", "Arjun", "Beatriz",
]
LAST_NAMES = [
    "Okafor", "Silva", "Wang", "Levi", "Yilmaz", "Haddad", "Larsen", "Tanaka", "Moreau", "Weber", "Adeyemi", "Rossi",
    "Cohen", "Sharma", "Ivanova", "Gomez", "Murphy", "Diaz", "Nieminen", "Novak", "Patel", "Petrov", "Li", "Herrera",
    "Demir", "Fischer", "Khan", "Brooks", "Mendes", "Sokolov", "Berg", "Keller", "Costa", "Suzuki", "Horvat",
    "Jansen", "Mensah", "Vogel", "Bianchi", "Nowak", "Lindqvist", "Iyer", "Ortega", "Papadopoulos", "Dubois",
]

#: Cross-team technical topics: (provider wording, consumer wording, label).  Both
#: wordings share a specific phrase so the pair is findable by text, but the
#: sentences around it differ.
CROSS_TOPICS = [
    ("refresh token rotation", "rotating refresh tokens on every login", "token-rotation"),
    ("idempotency keys for webhook retries", "duplicate webhook deliveries without idempotency keys", "idempotency"),
    ("event schema versioning", "consumers breaking on a new event schema version", "event-schema"),
    ("PII masking in application logs", "personal data leaking into logs without PII masking", "pii"),
    ("rate limits on the public API", "clients hitting API rate limits (HTTP 429)", "rate-limit"),
    ("currency rounding for multi-currency totals", "totals off by one cent after currency rounding", "currency"),
    ("feature flag cleanup", "stale feature flags still evaluated at runtime", "feature-flags"),
    ("CDN cache invalidation", "stale content served until the CDN cache is purged", "cdn"),
    ("GDPR data export", "including our records in the GDPR data export archive", "gdpr-export"),
    ("timezone handling of timestamps", "timestamps shifted by the timezone offset", "timezone"),
    ("OAuth scopes for partner apps", "partner app requests that need new OAuth scopes", "oauth"),
    ("retry with exponential backoff", "thundering herd because retries have no exponential backoff", "retries"),
    ("TLS certificate rotation", "handshake failures after the TLS certificate rotation", "tls"),
    ("deep link routing", "deep links opening the wrong screen after routing changes", "deep-links"),
    ("audit trail events", "missing entries in the audit trail for these events", "audit"),
    ("session expiry on token revocation", "users kept logged in after token revocation", "sessions"),
    ("schema migration of the orders table", "queries failing during the orders table schema migration", "migration"),
    ("Kafka topic partitioning", "consumer lag after the Kafka topic partition change", "kafka"),
    ("locale-aware number formatting", "numbers formatted with the wrong locale separators", "i18n"),
    ("soft delete of customer records", "soft-deleted customer records still showing up", "soft-delete"),
    ("pagination cursor format", "pagination breaking after the cursor format change", "pagination"),
    ("consent banner choices", "tracking fired before the consent banner choice is stored", "consent"),
    ("image resizing service", "thumbnails missing from the image resizing service", "images"),
    ("email deliverability (SPF/DKIM)", "transactional emails landing in spam because of SPF/DKIM", "email"),
    ("search index freshness", "stale results until the search index is refreshed", "search-index"),
    ("mobile app version gating", "old app versions blocked by version gating", "app-version"),
    ("refund status webhooks", "refund status not updated because webhooks are dropped", "refunds"),
    ("user ID format change to UUIDs", "joins failing after user IDs became UUIDs", "user-id"),
]
CODENAMES = [
    "Atlas", "Borealis", "Cobalt", "Dynamo", "Ember", "Falcon", "Granite", "Helix", "Iris", "Juniper", "Kestrel",
    "Lumen", "Meridian", "Nimbus", "Onyx", "Pioneer", "Quasar", "Raven", "Sierra", "Tundra", "Umbra", "Vega",
    "Willow", "Xenon", "Yukon", "Zephyr", "Aurora", "Beacon", "Cedar", "Delta",
]
PROVIDER_SUMMARY = [
    "Implement {p} in {c}", "Ship {p} for {x}", "{P}: design and rollout", "Expose {p} to other teams for {x}",
    "Harden {p} before {x}",
]
CONSUMER_SUMMARY = [
    "Fix {q} in {x}", "Investigate {q}", "Handle {q} in {c}", "Prepare {x} for {q}", "{Q} - follow-up for {x}",
]
PROVIDER_DESC = [
    "We own {p} for {x}. The change lands in {c} and other teams will need to adapt.",
    "Needed for {x}: {p}. Plan: implement it in {c}, announce the date, keep the old behaviour for one release.",
]
CONSUMER_DESC = [
    "For {x} we see {q}. Our {c} code assumes the old behaviour.",
    "With {x} we expect {q}; {c} has to handle it before the release.",
]

# ---------------------------------------------------------------------------
# generator
# ---------------------------------------------------------------------------

_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_DEFAULT_NOW = datetime(2025, 11, 5, 14, 0, tzinfo=_UTC)
_DAY = 24 * 60  # minutes
_SPRINT = 14 * _DAY
_STATUSES = ("To Do", "In Progress", "In Review", "Done")
_STATUS_IDS = ("10000", "3", "10001", "10002")
_JIRA_CATEGORY = ("To Do", "In Progress", "In Progress", "Done")
_POINT_LIST = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0]
_POINT_P_LIST = [0.12, 0.22, 0.26, 0.22, 0.13, 0.05]
#: link type -> (outward phrase, inward phrase), as Jira names them
LINK_TYPES = {
    "Blocks": ("blocks", "is blocked by"),
    "Depends": ("depends on", "is depended on by"),
    "Relates": ("relates to", "relates to"),
    "Duplicate": ("duplicates", "is duplicated by"),
    "Cloners": ("clones", "is cloned by"),
}
_STANDARD = ("Story", "Task", "Bug")
_PRIORITY_RANK = {"Highest": 0, "High": 1, "Medium": 2, "Low": 3, "Lowest": 4}


@dataclasses.dataclass(frozen=True, eq=False)
class SyntheticOrg:
    """A generated organisation: the backlog and what the generator knows about it.

    Attributes
    ----------
    backlog : Backlog
        Built through :func:`attn_team.io.assemble`, so it obeys the data model.
    truth : dict
        ``planted_pairs`` (list of ``(key_a, key_b)``: related, cross-team, not linked),
        ``linked_cross_team`` (list of ``(source_key, target_key, link_type)``),
        ``coordination_gap`` (``(team_a, team_b)``), ``sprint_truth`` (sprint name ->
        counts and story points, see the module docstring), ``teams`` (team ->
        project, components, people), ``coupled_pairs`` (team pairs that share links and people).
    extras : dict
        Details Jira exports but the data model does not keep: ``comments``
        (list of ``(key, at, author, body)``), ``issue_ids`` (key -> numeric id),
        ``now``.
    """

    backlog: Backlog
    truth: dict
    extras: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(eq=False)
class _Item:
    team: int
    type: str
    created: int
    summary: str = ""
    description: str = ""
    components: list = dataclasses.field(default_factory=list)
    labels: list = dataclasses.field(default_factory=list)
    priority: str = "Medium"
    points: float | None = None
    assignee: str | None = None
    reporter: str | None = None
    watchers: list = dataclasses.field(default_factory=list)
    comments: list = dataclasses.field(default_factory=list)
    parent: Any = None
    epic: Any = None
    sprints: list = dataclasses.field(default_factory=list)
    level: int = 0
    events: list = dataclasses.field(default_factory=list)
    resolved: int | None = None
    fix_versions: list = dataclasses.field(default_factory=list)
    key: str = ""
    preferred: int | None = None
    in_progress_at: int | None = None
    refined: bool = False
    cur: int | None = None  # sprint index the item is in now (simulation state)


def _minutes(ts: datetime) -> int:
    return int((ts - _EPOCH).total_seconds() // 60)


def _ts(m: int | None) -> datetime | None:
    return None if m is None else _EPOCH + timedelta(minutes=int(m))


class _Gen:
    """State of one generation run (private; :func:`generate` is the interface)."""

    def __init__(self, n_items, n_teams, n_people, n_sprints, random_state, now):
        if not 4 <= n_teams <= len(TEAMS):
            raise ValueError(f"n_teams must be between 4 and {len(TEAMS)}, got {n_teams}")
        if n_people < 2 * n_teams:
            raise ValueError(f"n_people must be at least 2 per team ({2 * n_teams}), got {n_people}")
        if n_sprints < 3:
            raise ValueError(f"n_sprints must be at least 3 (closed, active, future), got {n_sprints}")
        if n_items < 20 * n_teams:
            raise ValueError(f"n_items must be at least {20 * n_teams} for {n_teams} teams, got {n_items}")
        self.rng = np.random.default_rng(random_state)
        self._buf: list[float] = []
        self._i = 0
        self.n_items, self.T, self.n_people, self.S = int(n_items), int(n_teams), int(n_people), int(n_sprints)
        now = _DEFAULT_NOW if now is None else pd.Timestamp(now).to_pydatetime()
        if now.tzinfo is None:
            now = now.replace(tzinfo=_UTC)
        self.now = _minutes(now.astimezone(_UTC))
        self.teams = TEAMS[: self.T]
        self.items: list[_Item] = []
        self.links: list[tuple] = []  # (source item, target item, link type)
        self.truth_linked: list[tuple] = []
        self.truth_planted: list[tuple] = []

    # -- helpers ---------------------------------------------------------------
    # Uniforms are drawn from the Generator in blocks: per-call numpy overhead would
    # dominate at 100,000 items.
    def r(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self.rng.random(1 << 15).tolist()
            self._i = 0
        v = self._buf[self._i]
        self._i += 1
        return v

    def u(self, a, b) -> int:
        """Integer in [a, b) (``a`` when the range is empty)."""
        a, b = int(a), int(b)
        return a if b <= a + 1 else a + int(self.r() * (b - a))

    def uni(self, a, b) -> float:
        return a + self.r() * (b - a)

    def choice(self, seq):
        return seq[int(self.r() * len(seq))]

    def wchoice(self, values, probs):
        x, acc = self.r() * sum(probs), 0.0
        for v, w in zip(values, probs):
            acc += w
            if x < acc:
                return v
        return values[-1]

    def sample(self, n, k) -> list[int]:
        """``k`` distinct indexes out of ``range(n)``."""
        k = min(k, n)
        if k * 3 > n:
            return [int(i) for i in self.rng.permutation(n)[:k]]
        out: dict[int, None] = {}
        while len(out) < k:
            out[int(self.r() * n)] = None
        return list(out)

    def p(self, prob) -> bool:
        return self.r() < prob

    # -- organisation ----------------------------------------------------------
    def people(self):
        rng = self.rng
        combos = [(f, l) for f in FIRST_NAMES for l in LAST_NAMES]
        order = rng.permutation(len(combos))
        self.display: dict[str, str] = {}
        self.members: list[list[str]] = [[] for _ in range(self.T)]
        self.home: dict[str, int] = {}
        for i in range(self.n_people):
            f, l = combos[int(order[i % len(combos)])]
            name = f"{f} {l}" if i < len(combos) else f"{f} {l} {i // len(combos) + 1}"
            pid = "712020:" + str(uuid.UUID(bytes=rng.bytes(16), version=4))
            self.display[pid] = name
            t = i % self.T
            self.members[t].append(pid)
            self.home[pid] = t
        # ring of coupled teams; the gap pair is not on the ring
        self.ring = [tuple(sorted((t, (t + 1) % self.T))) for t in range(self.T)]
        self.gap = (0, self.T // 2)
        self.visitors: list[list[str]] = [[] for _ in range(self.T)]
        # teams each person works in; nobody may ever work in both teams of the gap
        self.reach: dict[str, set] = {p: {self.home[p]} for p in self.display}
        for a, b in self.ring:
            shared = self.members[a][-1]
            self.visitors[b].append(shared)
            self.reach[shared].add(b)

    def worker(self, t) -> str:
        if self.visitors[t] and self.p(0.1):
            return self.choice(self.visitors[t])
        return self.choice(self.members[t])

    def sprints(self):
        S = self.S
        day0 = datetime.fromtimestamp(self.now * 60, _UTC).replace(hour=9, minute=0)
        active_start = _minutes(day0) - 9 * _DAY
        self.sprint_rows = []
        self.sp = []  # [team][k] -> dict(start, end, complete, name, id)
        for t, (team, key, *_rest) in enumerate(self.teams):
            row = []
            for k in range(S):
                start = active_start - (S - 2 - k) * _SPRINT
                end = start + _SPRINT
                state = "closed" if k < S - 2 else ("active" if k == S - 2 else "future")
                complete = end - self.u(10, 180) if state == "closed" else None
                sp = {
                    "sprint_id": str(1 + t * S + k),
                    "name": f"{key} Sprint {k + 1}",
                    "state": state,
                    "start": start if state != "future" else None,
                    "end": end if state != "future" else None,
                    "complete": complete,
                    "team": team,
                    "goal": f"{team}: {self.choice(list(self.teams[t][2]))} work" if self.p(0.7) else None,
                    "_start": start, "_end": end,
                }
                row.append(sp)
            self.sp.append(row)
        self.t0 = self.sp[0][0]["_start"] - 60 * _DAY

    def sprint_names(self, item: _Item) -> str:
        """The item's sprints as Jira's changelog ``from``/``to`` holds them: ids joined by ", "."""
        return ", ".join(self.sp[item.team][k]["sprint_id"] for k in item.sprints)

    # -- text -----------------------------------------------------------------
    def topic(self, t):
        comps = self.teams[t][2]
        c = self.choice(list(comps))
        return c, self.choice(comps[c])

    def describe(self, t, c, topic, kind):
        parts = []
        if kind == "Bug":
            parts.append(self.choice(BUG_SENTENCES).format(t=topic, n=self.u(2, 40)))
            parts.append(self.choice(CONTEXT_SENTENCES).format(t=topic, c=c))
        else:
            for s in self.sample(len(CONTEXT_SENTENCES), self.u(1, 3)):
                parts.append(CONTEXT_SENTENCES[s].format(t=topic, c=c))
            crit = [CRITERIA[i] for i in self.sample(len(CRITERIA), self.u(2, 4))]
            parts.append("Acceptance criteria:\n" + "\n".join(crit))
        return "\n\n".join(parts)

    def new_item(self, t, kind, created, c=None, topic=None) -> _Item:
        if c is None:
            c, topic = self.topic(t)
        if kind == "Story":
            summary = f"{self.choice(STORY_VERBS)} {topic}{self.choice(STORY_SUFFIX)}"
        elif kind == "Task":
            summary = self.choice(TASK_TEMPLATES).format(t=topic)
        elif kind == "Bug":
            summary = self.choice(BUG_TEMPLATES).format(t=topic, T=topic[0].upper() + topic[1:])
        else:  # Epic
            summary = f"{topic[0].upper() + topic[1:]} {self.choice(EPIC_WORDS)}"
        labels = []
        if self.p(0.45):
            labels.append(self.choice(self.teams[t][3]))
        it = _Item(team=t, type=kind, created=created, summary=summary,
                   description=self.describe(t, c, topic, kind), components=[c], labels=labels,
                   priority=self.priority())
        it.reporter = self.choice(self.members[t][:3]) if self.p(0.6) else self.choice(self.members[t])
        if kind != "Epic" and self.p(0.45):
            it.points = self.points() if kind != "Bug" or self.p(0.6) else None
        if kind != "Epic" and self.p(0.4):
            it.assignee = self.worker(t)
        self.items.append(it)
        return it

    def priority(self):
        return self.wchoice([n for n, _ in PRIORITIES], [w for _, w in PRIORITIES])

    def points(self) -> float:
        return float(self.wchoice(_POINT_LIST, _POINT_P_LIST))

    # -- cross-team pairs -------------------------------------------------------
    def cross_pairs(self):
        T, S = self.T, self.S
        n_planted = max(6, self.n_items // 50)
        n_linked = max(6, self.n_items // 40)
        pairs_all = [(a, b) for a in range(T) for b in range(a + 1, T)]
        others = [pr for pr in pairs_all if pr != self.gap]
        combos = [(ti, ci) for ci in range(len(CODENAMES)) for ti in range(len(CROSS_TOPICS))]
        order = self.rng.permutation(len(combos))
        self._combo_i = 0

        def next_combo():
            ti, ci = combos[int(order[self._combo_i % len(combos)])]
            rnd = self._combo_i // len(combos)
            self._combo_i += 1
            name = CODENAMES[ci] + (f" {rnd + 1}" if rnd else "")
            return CROSS_TOPICS[ti], name

        for i in range(n_planted):
            pr = self.gap if i < int(0.4 * n_planted) else others[int(self.rng.integers(len(others)))]
            a, b = (pr if self.p(0.5) else pr[::-1])
            ia, ib = self.pair_items(a, b, *next_combo(), linked=False)
            self.truth_planted.append((ia, ib))
        for i in range(n_linked):
            pr = self.ring[i % len(self.ring)]
            a, b = (pr if self.p(0.5) else pr[::-1])
            ia, ib = self.pair_items(a, b, *next_combo(), linked=True)
            lt = "Blocks" if self.p(0.5) else ("Depends" if self.p(0.7) else "Relates")
            if lt == "Depends":  # the consumer depends on the provider
                self.links.append((ib, ia, lt))
                self.truth_linked.append((ib, ia, lt))
            else:
                self.links.append((ia, ib, lt))
                self.truth_linked.append((ia, ib, lt))
            # the teams coordinate: someone of the provider team watches / comments the consumer item
            gap = set(self.gap)
            fits = [p for p in self.members[a] if not gap <= (self.reach[p] | {b})]
            visitor = self.choice(fits)  # never empty: a member of ``a`` reaches ``a`` and b, a ring pair
            self.reach[visitor].add(b)
            ib.watchers.append(visitor)
            ib.comments.append((None, visitor, f"{self.teams[a][0]} will pick up their side of this."))

    def pair_items(self, a, b, topic, codename, *, linked):
        S = self.S
        k = int(self.rng.integers(1, S - 1))  # a closed or the active sprint
        start = self.sp[a][k]["_start"]
        created = start - self.u(8 * _DAY, 25 * _DAY)
        prov, cons, label = topic
        use_code = self.p(0.6)
        x = codename if use_code else self.choice(["the next release", "the Q4 launch", "the new onboarding", "the partner rollout"])
        ca, ta = self.topic(a)
        cb, tb = self.topic(b)
        ia = self.new_item(a, "Story" if self.p(0.6) else "Task", created, ca, ta)
        ib = self.new_item(b, "Story" if self.p(0.5) else "Task", created + self.u(60, 5 * _DAY), cb, tb)
        fmt = dict(p=prov, P=prov[0].upper() + prov[1:], q=cons, Q=cons[0].upper() + cons[1:], x=x)
        ia.summary = self.choice(PROVIDER_SUMMARY).format(c=ca, **fmt)
        ib.summary = self.choice(CONSUMER_SUMMARY).format(c=cb, **fmt)
        ia.description = self.choice(PROVIDER_DESC).format(c=ca, **fmt) + "\n\n" + ia.description
        ib.description = self.choice(CONSUMER_DESC).format(c=cb, **fmt) + "\n\n" + ib.description
        if self.p(0.7):
            for it in (ia, ib):
                it.labels = [label] + [v for v in it.labels if v != label]
        if self.p(0.5):
            ib.components = [cb, ca] if ca != cb else [cb]
        for it in (ia, ib):
            it.preferred = k
            if it.points is None:
                it.points = float(self.choice(_POINT_LIST[:5]))
        return ia, ib

    # -- per-team items --------------------------------------------------------
    def team_items(self):
        T = self.T
        w = self.rng.uniform(0.8, 1.2, size=T)
        counts = np.floor(w / w.sum() * self.n_items).astype(int)
        counts[: self.n_items - counts.sum()] += 1
        already = [sum(1 for it in self.items if it.team == t) for t in range(T)]
        span = self.now - 60 - self.t0
        for t in range(T):
            n = int(counts[t]) - already[t]
            n_epics = max(2, round(counts[t] * 0.035))
            n_sub = int(round((n - n_epics) * 0.16))
            n_std = n - n_epics - n_sub
            epics = []
            for _ in range(n_epics):
                e = self.new_item(t, "Epic", self.t0 - 30 * _DAY + self.u(0, 0.8 * (span + 30 * _DAY)))
                epics.append(e)
            self.epics_of = getattr(self, "epics_of", {})
            self.epics_of[t] = epics
            kinds = self.rng.choice(3, size=n_std, p=[0.55, 0.25, 0.20])
            team_std = [it for it in self.items if it.team == t and it.type in _STANDARD]
            for j in range(n_std):
                created = self.t0 + self.u(0, span)
                kind = _STANDARD[int(kinds[j])]
                if team_std and self.p(0.01):  # a clone of an earlier item
                    src = self.choice(team_std)
                    it = self.new_item(t, src.type, max(created, src.created + 60))
                    it.summary, it.description = "CLONE - " + src.summary, src.description
                    it.components, it.labels = list(src.components), list(src.labels)
                    self.links.append((it, src, "Cloners"))
                else:
                    it = self.new_item(t, kind, created)
                team_std.append(it)
            epics.sort(key=lambda e: e.created)
            epic_times = [e.created for e in epics]
            for it in team_std:
                n_before = bisect.bisect_left(epic_times, it.created)
                if n_before and self.p(0.8):
                    it.epic = epics[int(self.r() * n_before)]
                    if it.epic.components[0] not in it.components and self.p(0.5):
                        it.components = [it.epic.components[0]] + it.components
            self.std_of = getattr(self, "std_of", {})
            self.std_of[t] = team_std
            self.sub_budget = getattr(self, "sub_budget", {})
            self.sub_budget[t] = n_sub

    # -- simulation -------------------------------------------------------------
    def event(self, it, at, field, frm, to, author):
        it.events.append((int(at), field, frm, to, author))

    def refine(self, it, before):
        """Estimate (or re-estimate) story points some time before ``before``."""
        if it.refined:
            return
        it.refined = True
        lo = it.created + 30
        if before - 60 <= lo:
            return
        at = self.u(max(lo, before - 5 * _DAY), before - 60)
        lead = self.members[it.team][0]
        if it.points is None and (it.type != "Bug" or self.p(0.7)):
            it.points = self.points()
            self.event(it, at, "story_points", None, _fmt_points(it.points), lead)
        elif it.points is not None and self.p(0.12):
            new = self.points()
            if new != it.points:
                self.event(it, at, "story_points", _fmt_points(it.points), _fmt_points(new), lead)
                it.points = new

    def join(self, it, k, at, author):
        before = self.sprint_names(it)
        it.sprints.append(k)
        it.cur = k
        self.event(it, at, "sprint", before or None, self.sprint_names(it), author)

    def leave(self, it, k, at, author):
        before = self.sprint_names(it)
        it.sprints.remove(k)
        it.cur = None
        self.event(it, at, "sprint", before, self.sprint_names(it) or None, author)

    def progress(self, it, a, b, target):
        """Move ``it`` through the workflow up to level ``target`` between minutes ``a`` and ``b``."""
        if target <= it.level or b - a < 4:
            return
        times = sorted(self.u(a + 1, b) for _ in range(target - it.level))
        for tm in times:
            if it.level == 0:
                if it.assignee is None:
                    who = self.worker(it.team)
                    self.event(it, tm, "assignee", None, who, who)
                    it.assignee = who
                elif self.p(0.05):
                    who = self.worker(it.team)
                    if who != it.assignee:
                        self.event(it, tm, "assignee", it.assignee, who, self.members[it.team][0])
                        it.assignee = who
                it.in_progress_at = tm
            self.event(it, tm, "status", _STATUSES[it.level], _STATUSES[it.level + 1], it.assignee)
            it.level += 1
            if it.level == 3:
                it.resolved = tm

    def simulate_team(self, t):
        S, rng = self.S, self.rng
        std = sorted(self.std_of[t], key=lambda i: i.created)
        sm = self.members[t][0]  # scrum master / lead moves sprint scope
        per_sprint = max(3, round(len(std) * 0.72 / (S - 1)))
        self.truth_rows = getattr(self, "truth_rows", {})
        carried: list[_Item] = []
        for k in range(S):
            sp = self.sp[t][k]
            start, end = sp["_start"], sp["_end"]
            name = sp["name"]
            if sp["state"] == "future":
                pool = [it for it in std if it.cur is None and it.level < 3 and it.created < self.now - 2 * _DAY]
                n = min(len(pool), max(1, int(per_sprint * rng.uniform(0.4, 0.8))))
                chosen = [pool[i] for i in self.sample(len(pool), n)]
                for it in chosen:
                    at = self.u(max(it.created + 120, self.now - 4 * _DAY), self.now - 30)
                    self.refine(it, at)
                    self.join(it, k, at, sm)
                self.truth_rows[name] = _truth_row(chosen, [], [], [], [])
                continue
            closed = sp["state"] == "closed"
            stop = sp["complete"] if closed else self.now
            # planning: carried-over items are already in; fill up from the backlog pool
            committed = list(carried)
            pool = [it for it in std if it.cur is None and it.level < 3 and it.created < start - 2 * _DAY]
            preferred = [it for it in pool if it.preferred == k]
            rest = [it for it in pool if it.preferred != k]
            rest = [rest[int(i)] for i in rng.permutation(len(rest))]
            rest.sort(key=lambda i: _PRIORITY_RANK[i.priority] + self.r() * 2.5)
            want = int(per_sprint * rng.uniform(0.85, 1.15)) - len(carried)
            chosen = preferred + rest[: max(0, want - len(preferred))]
            for it in chosen:
                at = self.u(max(it.created + 120, start - 3 * _DAY), start - 10)
                self.refine(it, at)
                self.join(it, k, at, sm)
                committed.append(it)
            # scope added after the start
            late = [it for it in std if it.cur is None and it.level < 3 and start + 60 < it.created < stop - 2 * _DAY]
            late += [it for it in pool if it.cur is None and it.preferred is None]
            n_add = min(len(late), int(len(committed) * rng.uniform(0.05, 0.25)))
            added = []
            seen = set()
            for i in rng.permutation(len(late)):
                it = late[int(i)]
                if len(added) >= n_add or id(it) in seen:
                    continue
                seen.add(id(it))
                lo = max(start + 60, it.created + 60)
                if lo >= stop - 2 * _DAY:
                    continue
                at = self.u(lo, stop - 2 * _DAY)
                self.refine(it, at)
                self.join(it, k, at, sm)
                added.append((it, at))
            # scope removed after the start (back to the backlog)
            carried_ids = {id(it) for it in carried}
            movable = [it for it in committed if it.preferred is None and id(it) not in carried_ids]
            n_rem = min(len(movable), int(len(committed) * rng.uniform(0.03, 0.15)))
            removed = []
            for i in self.sample(len(movable), n_rem):
                it = movable[int(i)]
                at = self.u(start + _DAY, max(start + _DAY + 1, min(stop, start + 9 * _DAY)))
                if at >= stop:
                    continue
                self.leave(it, k, at, sm)
                removed.append(it)
            # work happens
            removed_ids = {id(it) for it in removed}
            active = [(it, start) for it in committed if id(it) not in removed_ids] + added
            frac = 1.0 if closed else min(1.0, (self.now - start) / _SPRINT)
            for it, a in active:
                p_done = (0.9 if len(it.sprints) > 1 else 0.78) * (1.0 if closed else frac)
                target = 3 if self.p(p_done) else self.u(it.level, 3)
                self.progress(it, a, stop - 1, target)
            in_sprint = [it for it, _ in active]
            completed = [it for it in in_sprint if it.level == 3]
            carried = []
            if closed:
                for it in in_sprint:
                    if it.level < 3:
                        self.join(it, k + 1, sp["complete"], sm)
                        carried.append(it)
                for it in completed:
                    it.cur = None
            self.truth_rows[name] = _truth_row(committed, [it for it, _ in added], removed, completed, carried)
        for it in std:
            if not it.refined and it.points is None and self.p(0.3) and it.created < self.now - 2 * _DAY:
                self.refine(it, self.now - 60)

    def subtasks(self, t):
        budget = self.sub_budget[t]
        parents = [it for it in self.std_of[t] if it.type in ("Story", "Task")]
        order = self.rng.permutation(len(parents))
        made = 0
        for i in order:
            if made >= budget:
                break
            par = parents[int(i)]
            for _ in range(self.u(1, 4)):
                if made >= budget:
                    break
                c = par.components[0]
                st = _Item(team=t, type="Sub-task", created=par.created + self.u(1, 30),
                           summary=f"{self.choice(SUBTASK_TEMPLATES)}: {par.summary}",
                           description="", components=[c], labels=[], priority=par.priority)
                st.parent, st.epic = par, par.epic
                st.reporter = par.reporter
                st.assignee = par.assignee
                st.sprints = list(par.sprints)
                st.events = [e for e in par.events if e[1] == "sprint"]
                if par.level > 0 and par.in_progress_at is not None:
                    end = par.resolved if par.level == 3 else self.now
                    target = 3 if par.level == 3 else self.u(0, 4)
                    if end - par.in_progress_at > 10:
                        st.assignee = par.assignee
                        self.progress(st, par.in_progress_at, end - 1, target)
                self.items.append(st)
                made += 1

    def epics(self, t):
        kids_of: dict[int, list] = {}
        for it in self.std_of[t]:
            if it.epic is not None:
                kids_of.setdefault(id(it.epic), []).append(it)
        for e in self.epics_of[t]:
            kids = kids_of.get(id(e), [])
            starts = [it.in_progress_at for it in kids if it.in_progress_at is not None]
            if not starts:
                continue
            lead = e.reporter
            e.assignee = e.reporter
            first = min(starts)
            self.event(e, first, "status", "To Do", "In Progress", lead)
            e.level = 1
            if all(it.level == 3 for it in kids):
                done = max(it.resolved for it in kids) + self.u(60, 2 * _DAY)
                if done < self.now:
                    self.event(e, done, "status", "In Progress", "Done", lead)
                    e.level, e.resolved = 3, done

    def team_links(self, t):
        std = self.std_of[t]
        n = len(std)
        by_epic: dict[int, list] = {}
        for it in std:
            if it.epic is not None:
                by_epic.setdefault(id(it.epic), []).append(it)
        groups = [g for g in by_epic.values() if len(g) > 1]
        for _ in range(int(n * 0.05)):
            if not groups:
                break
            g = self.choice(groups)
            a, b = sorted([g[i] for i in self.sample(len(g), 2)], key=lambda i: i.created)
            self.links.append((a, b, "Blocks"))
        for _ in range(int(n * 0.03)):
            a, b = [std[i] for i in self.sample(n, 2)]
            self.links.append((a, b, "Relates"))
        bugs = sorted([it for it in std if it.type == "Bug"], key=lambda i: i.created)
        for _ in range(int(n * 0.015)):
            if len(bugs) < 2:
                break
            i, j = sorted(self.sample(len(bugs), 2))
            self.links.append((bugs[j], bugs[i], "Duplicate"))

    def people_on_items(self):
        for it in self.items:
            t = it.team
            w = [it.reporter] if it.reporter else []
            if it.assignee and it.assignee not in w:
                w.append(it.assignee)
            for _ in range(self.u(0, 3)):
                p = self.worker(t)
                if p not in w:
                    w.append(p)
            it.watchers = w + [p for p in it.watchers if p not in w]
            lo = it.created + 30
            hi = max(lo + 1, min(self.now - 1, (it.resolved or self.now) + _DAY))
            comments = []
            for _ in range(self.u(0, 4) if it.type != "Sub-task" else 0):
                who = self.worker(t) if not it.assignee or self.p(0.5) else it.assignee
                comments.append((self.u(lo, hi), who, self.choice(COMMENTS)))
            for tm, who, body in it.comments:  # planted ones (no time yet)
                comments.append((self.u(lo, hi), who, body))
            it.comments = sorted(comments, key=lambda c: c[0])
            if it.level == 3 and it.type in _STANDARD and self.p(0.7):
                d = datetime.fromtimestamp(it.resolved * 60, _UTC)
                it.fix_versions = [f"{self.teams[t][1]} {d.year}.{d.month}"]

    def run(self):
        self.people()
        self.sprints()
        self.cross_pairs()
        self.team_items()
        for t in range(self.T):
            self.simulate_team(t)
            self.subtasks(t)
            self.epics(t)
            self.team_links(t)
        self.people_on_items()
        # keys in creation order per project, issue ids in global creation order
        order = sorted(range(len(self.items)), key=lambda i: (self.items[i].created, i))
        counters = [0] * self.T
        self.issue_ids = {}
        for n, i in enumerate(order):
            it = self.items[i]
            counters[it.team] += 1
            it.key = f"{self.teams[it.team][1]}-{counters[it.team]}"
            self.issue_ids[it.key] = str(10000 + n)
        self.items = [self.items[i] for i in order]
        return self


def _fmt_points(v) -> str | None:
    if v is None:
        return None
    return str(int(v)) if float(v).is_integer() else str(v)


def _truth_row(committed, added, removed, completed, carried) -> dict:
    def pts(items):
        return float(sum(it.points or 0.0 for it in items))

    return {
        "committed": len(committed), "committed_points": pts(committed),
        "added": len(added), "added_points": pts(added),
        "removed": len(removed), "removed_points": pts(removed),
        "completed": len(completed), "completed_points": pts(completed),
        "carried_over": len(carried), "carried_over_points": pts(carried),
    }


def _build(g: _Gen) -> SyntheticOrg:
    """Turn the simulation into a RawExport, assemble it, and collect the truth."""
    teams = g.teams
    issues, events, links, comments = [], [], [], []
    for it in g.items:
        team, project = teams[it.team][0], teams[it.team][1]
        parent = it.parent if it.parent is not None else it.epic
        last = max([it.created] + [e[0] for e in it.events] + [c[0] for c in it.comments])
        issues.append({
            "key": it.key,
            "project": project,
            "type": it.type,
            "status": _STATUSES[it.level],
            "status_category": _JIRA_CATEGORY[it.level],
            "priority": it.priority,
            "summary": it.summary,
            "description": it.description or None,
            "labels": list(it.labels),
            "components": list(it.components),
            "fix_versions": list(it.fix_versions),
            "assignee": it.assignee,
            "reporter": it.reporter,
            "watchers": list(it.watchers),
            "commenters": list(dict.fromkeys(c[1] for c in it.comments)),
            "parent_key": parent.key if parent is not None else None,
            "epic_key": (it.epic.key if it.epic is not None else None),
            "story_points": it.points,
            "created": _ts(it.created),
            "updated": _ts(last),
            "resolved": _ts(it.resolved),
            "sprints": [g.sp[it.team][k]["sprint_id"] for k in it.sprints],
            "team_field": team,
        })
        for at, field, frm, to, author in sorted(it.events, key=lambda e: e[0]):
            events.append({"key": it.key, "at": _ts(at), "field": field, "from": frm, "to": to,
                           "author": author, "origin": "changelog"})
        for at, who, body in it.comments:
            comments.append((it.key, _ts(at), who, body))
    for a, b, lt in g.links:
        links.append({"source_key": a.key, "target_key": b.key, "link_type": lt, "label": LINK_TYPES[lt][0]})
    sprints = []
    for row in g.sp:
        for sp in row:
            sprints.append({k: (_ts(v) if k in ("start", "end", "complete") else v)
                            for k, v in sp.items() if not k.startswith("_")})
    raw = RawExport(source="synthetic", issues=issues, sprints=sprints, links=links, events=events,
                    people=dict(g.display))
    backlog = assemble(raw, teams={"people": {g.display[p]: teams[g.home[p]][0] for p in g.display},
                                   "components": {c: t[0] for t in teams for c in t[2]},
                                   "rules": {"order": ["mapping_component", "team_field", "project"]}})
    truth = {
        "planted_pairs": [(a.key, b.key) for a, b in g.truth_planted],
        "linked_cross_team": [(a.key, b.key, lt) for a, b, lt in g.truth_linked],
        "coordination_gap": (teams[g.gap[0]][0], teams[g.gap[1]][0]),
        "coupled_pairs": [(teams[a][0], teams[b][0]) for a, b in g.ring],
        "sprint_truth": dict(g.truth_rows),
        "teams": {
            t[0]: {
                "project": t[1],
                "components": list(t[2]),
                "people": sorted(g.display[p] for p in g.members[i]),
            }
            for i, t in enumerate(teams)
        },
    }
    extras = {
        "comments": comments,
        "issue_ids": dict(g.issue_ids),
        "now": _ts(g.now),
        "project_names": {t[1]: t[0] for t in teams},
        "team_people": {g.display[p]: teams[g.home[p]][0] for p in g.display},
        "team_components": {c: t[0] for t in teams for c in t[2]},
    }
    return SyntheticOrg(backlog=backlog, truth=truth, extras=extras)


def generate(*, n_items: int = 2000, n_teams: int = 6, n_people: int = 48, n_sprints: int = 12,
             random_state: int | None = 0, now=None) -> SyntheticOrg:
    """Generate a realistic, deterministic Jira organisation.

    Parameters
    ----------
    n_items : int, default=2000
        Number of work items (epics, stories, tasks, bugs, sub-tasks).
    n_teams : int, default=6
        Number of teams (4 to 8), each with its own project, components and vocabulary.
    n_people : int, default=48
        Number of people; each belongs to one team, a few also work for a neighbouring team.
    n_sprints : int, default=12
        Two-week sprints per team: all closed but the last two (one active, one future).
    random_state : int or None, default=0
        Seed of the ``numpy.random.Generator``; the same seed gives the same organisation.
    now : datetime-like, optional
        The moment the export is taken (default 2025-11-05 14:00 UTC); the active sprint contains it.

    Returns
    -------
    SyntheticOrg

    Examples
    --------
    >>> from attn_team.io.synthetic import generate
    >>> org = generate(n_items=300, n_people=24, random_state=1)
    >>> org.backlog.n_items
    300
    >>> len(org.truth["planted_pairs"]) > 0
    True
    """
    g = _Gen(n_items, n_teams, n_people, n_sprints, random_state, now).run()
    return _build(g)


# ---------------------------------------------------------------------------
# writers
# ---------------------------------------------------------------------------

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
    """
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    backlog, extras = _parts(org_or_backlog)
    tb = _Tables(backlog, extras)
    c = tb.cols
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name_to_sprint = {str(r["name"]): sid for sid, r in tb.sprints.items()}

    def user(pid):
        pid = _none(pid)
        if pid is None:
            return None
        return {"accountId": pid, "displayName": tb.person_name(pid)}

    def sprint_obj(sid):
        r = tb.sprints.get(sid, {"name": sid})
        out = {"id": _int_or_str(sid), "name": r.get("name"), "state": _none(r.get("state")) or "future",
               "boardId": _board_id(r)}
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
    written = []
    total = len(issues)
    n_pages = max(1, -(-total // page_size))
    for p in range(n_pages):
        page = {"expand": "names,schema", "startAt": p * page_size, "maxResults": page_size, "total": total,
                "issues": issues[p * page_size:(p + 1) * page_size]}
        path = folder / f"search-{p + 1:03d}.json"
        _dump(page, path)
        written.append(path)
    fields_doc = [
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
    path = folder / "fields.json"
    _dump(fields_doc, path)
    written.append(path)
    values = [{k: v for k, v in sprint_obj(sid).items() if k != "boardId"} | {"originBoardId": _board_id(r)}
              for sid, r in tb.sprints.items()]
    path = folder / "sprints.json"
    _dump({"maxResults": max(50, len(values)), "startAt": 0, "isLast": True, "values": values}, path)
    written.append(path)
    log.info("wrote %d issues in %d page(s) to %s", total, n_pages, folder)
    return written


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
        "generator": "attn_team.io.synthetic.generate",
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
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


_README = """\
# Sample data: a generated organisation

Everything here is **synthetic** (no real people or companies) and is regenerated,
byte for byte, by

    python -m attn_team.io.synthetic sample_data

(`attn_team.io.synthetic.generate(random_state=0)`; a test checks the files match).

## What is inside

| file | what |
|---|---|
| `jira-export.csv` | Jira Cloud "Export CSV (all fields)": repeated `Labels`, `Components`, `Fix versions`, `Watchers`, `Sprint`, `Comment` columns, `Inward/Outward issue link (<type>)` columns, `Parent`/`Parent key`, `Custom field (Story Points)`, `Custom field (Team)`, dates like `05/Nov/25 2:00 PM` (UTC) |
| `jira-json/search-*.json` | the same issues as REST v2 search pages (`startAt`/`total`, {page_size} per page) with `expand=changelog` histories (status, Sprint, assignee, Story Points changes) |
| `jira-json/fields.json` | `/rest/api/2/field` list naming the sprint (`customfield_10020`, gh-sprint), story-point (`customfield_10016`) and Team (`customfield_10001`) fields |
| `jira-json/sprints.json` | Agile API sprint list with start, end and complete dates |
| `teams.toml` | teams file: components and people -> team |
| `truth.json` | what the generator planted: related-but-unlinked cross-team pairs, existing cross-team links, the coordination gap, and per-sprint committed / added / removed / completed / carried-over counts and points |

The organisation: {n_teams} teams ({team_list}), {n_people} people, {n_sprints} two-week sprints
per team ({n_closed} closed, 1 active, 1 future; "now" is {now}), {n_items} items
({types}), {n_links} links ({link_types}), {n_events} changelog events,
{n_planted} planted cross-team pairs and {n_linked} linked cross-team pairs. The
coordination gap is {gap}: their work is coupled through planted pairs, but they
share no links and no people.

## How to import it

```python
import attn_team

backlog = attn_team.read_jira("sample_data/jira-export.csv", teams="sample_data/teams.toml")
backlog = attn_team.read_jira("sample_data/jira-json", teams="sample_data/teams.toml")  # with changelogs

with attn_team.Workspace("demo.duckdb") as ws:
    ws.import_files(["sample_data/jira-json"], teams="sample_data/teams.toml")
    backlog = ws.backlog()
```

or `attn-team import sample_data/jira-json --teams sample_data/teams.toml`.

Import `jira-export.csv` or `jira-json/` (or both: the same issues, sprints are
matched by name), not the whole folder: `truth.json` is the answer key, not an export.

`truth.json` is what evaluations compare against: `planted_pairs` (related work in
two teams that nobody linked; a good dependency finder ranks each partner high),
`linked_cross_team` (the links that exist), `coordination_gap` and
`sprint_truth` (the definitions are in the file).
"""


def write_sample_data(folder, *, page_size: int = 500, **params) -> list[Path]:
    """Generate an organisation and write the sample-data folder.

    Parameters
    ----------
    folder : str or Path
        Created if missing; ``jira-export.csv``, ``jira-json/``, ``teams.toml``,
        ``truth.json`` and ``README.md`` are (over)written.
    page_size : int, default=500
        Issues per REST search page.
    **params
        Passed to :func:`generate` (defaults give the shipped ``sample_data/``).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    org = generate(**params)
    org.extras["params"] = {k: (str(v) if k == "now" else v) for k, v in params.items()}
    files = [write_jira_csv(org, folder / "jira-export.csv")]
    files += write_jira_json_pages(org, folder / "jira-json", page_size=page_size)
    files.append(write_teams_file(org, folder / "teams.toml"))
    (folder / "truth.json").write_text(truth_json(org), encoding="utf-8")
    files.append(folder / "truth.json")
    b = org.backlog
    s = b.summary()
    types = b.items["type"].value_counts()
    ltypes = b.links["link_type"].value_counts()
    sprints = b.sprints
    text = _README.format(
        page_size=page_size,
        n_teams=len(org.truth["teams"]),
        team_list=", ".join(org.truth["teams"]),
        n_people=s["people"],
        n_sprints=int((sprints["team"] == sprints["team"].iloc[0]).sum()),
        n_closed=int((sprints["team"] == sprints["team"].iloc[0]).sum()) - 2,
        now=_iso(org.extras["now"]),
        n_items=f"{s['items']:,}",
        types=", ".join(f"{n} {t}" for t, n in types.items()),
        n_links=s["links"],
        link_types=", ".join(f"{n} {t}" for t, n in ltypes.items()),
        n_events=f"{s['events']:,}",
        n_planted=len(org.truth["planted_pairs"]),
        n_linked=len(org.truth["linked_cross_team"]),
        gap=" and ".join(org.truth["coordination_gap"]),
    )
    (folder / "README.md").write_text(text, encoding="utf-8")
    files.append(folder / "README.md")
    return files


def _main(argv: Sequence[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m attn_team.io.synthetic",
                                 description="Write the generated sample organisation into FOLDER.")
    ap.add_argument("folder", help="output folder, e.g. sample_data")
    ap.add_argument("--n-items", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    params = {}
    if args.n_items != 2000:
        params["n_items"] = args.n_items
    if args.seed != 0:
        params["random_state"] = args.seed
    files = write_sample_data(args.folder, **params)
    for f in files:
        sys.stdout.write(f"{f}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
