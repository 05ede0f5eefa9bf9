"""The simulation of teams, sprints and items (:class:`_Gen`) and the generated organisation."""

from __future__ import annotations

import bisect
import logging
import uuid
from datetime import datetime

import numpy as np
import pandas as pd

from ._catalogue import (
    _DAY,
    _DEFAULT_NOW,
    _POINT_LIST,
    _POINT_P_LIST,
    _PRIORITY_RANK,
    _SPRINT,
    _STANDARD,
    _STATUSES,
    _UTC,
    BUG_SENTENCES,
    BUG_TEMPLATES,
    CODENAMES,
    COMMENTS,
    CONSUMER_DESC,
    CONSUMER_SUMMARY,
    CONTEXT_SENTENCES,
    CRITERIA,
    CROSS_TOPICS,
    EPIC_WORDS,
    FIRST_NAMES,
    LAST_NAMES,
    PRIORITIES,
    PROVIDER_DESC,
    PROVIDER_SUMMARY,
    STORY_SUFFIX,
    STORY_VERBS,
    SUBTASK_TEMPLATES,
    TASK_TEMPLATES,
    TEAMS,
)

from ._types import WAIT_DAYS, SyntheticOrg, _fmt_points, _Item, _minutes, _truth_row, _ts  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

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
        self.sprint_base = 0  # first sprint id - 1 (a division of a large organisation moves it)

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
                    "sprint_id": str(1 + self.sprint_base + t * S + k),
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

    def plant_waiting(self):
        """Items that wait on another team's unfinished item take :data:`WAIT_DAYS` longer.

        For each cross-team Blocks / Depends link, the waiting item (blocked, or depending) starts
        ``WAIT_DAYS`` earlier: it sits in progress, blocked, before its own work. It counts as
        waiting only when the item it waits for is still unfinished at that earlier start and the
        item was created before it; other waiting items are left alone. No random number is drawn,
        so everything else is generated as before.
        """
        shift = WAIT_DAYS * _DAY
        self.truth_waiting = []
        for src, dst, lt in self.truth_linked:
            if lt not in ("Blocks", "Depends"):
                continue
            waiter, blocker = (dst, src) if lt == "Blocks" else (src, dst)
            old = waiter.in_progress_at
            if old is None or old - shift <= waiter.created + 60:
                continue
            new = old - shift
            if blocker.resolved is not None and blocker.resolved <= new:
                continue
            for i, (at, field, frm, to, author) in enumerate(waiter.events):
                if field == "status" and at == old and frm == _STATUSES[0]:
                    waiter.events[i] = (new, field, frm, to, author)
            waiter.in_progress_at = new
            self.truth_waiting.append((waiter, blocker))

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
        self.plant_waiting()
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
