"""Flow metrics and forecasts: hand-checked on small changelogs, recovered on the generated organisation.

The small organisation (clock: 2026-01-20 00:00 UTC), teams X and Y, statuses To Do (todo),
Selected for Development (todo -> committed), In Progress / In Review (in_progress), Done (done):

- X-1 created 01-01; In Progress 01-03; Done 01-06: cycle 3, lead 5.
- X-2 created 01-01; In Progress 01-02; back to To Do 01-04; In Progress 01-08; Done 01-10:
  backward move keeps the first start: cycle 8.
- X-3 created 01-01; To Do -> Done 01-05 (skips in progress): cycle 0.
- X-4 created 01-01; In Progress 01-02; Done 01-04; reopened (In Progress) 01-06; Done 01-09:
  end is the last entry into done: cycle 7.
- X-5 created 01-01; In Progress 01-02; Done 01-03; reopened 01-05, still in progress: open, ages from 01-02.
- X-6 created 01-02 straight into In Progress (first change In Progress -> Done on 01-05): cycle 3.
- X-7 created 01-01; Selected for Development 01-03 (committed); In Progress 01-11, still open (age 9).
- Y-1 created 01-01; In Progress 01-04; In Review 01-06; Done 01-15: cycle 11.
- Y-2 created 01-01, To Do, never touched.
- Links: X-7 is blocked by Y-1 (unfinished at X-7's start on 01-11: X-7 waited);
  X-1 is blocked by Y-2 (open: X-1 waited); X-4 depends on Y-1 (X-4 started 01-02, Y-1 not done then: waited).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from attn_team.insights._flow import ALL_TEAMS, bootstrap_difference, bootstrap_medians, flow_metrics, load_stages, stage_map
from attn_team.insights._forecast import forecast
from attn_team.model import Backlog

NOW = pd.Timestamp("2026-01-20", tz="UTC")
D = pd.Timedelta(days=1)


def _backlog(links=True) -> Backlog:
    items = pd.DataFrame([
        ("X-1", "X", "Done", "done", "2026-01-01"), ("X-2", "X", "Done", "done", "2026-01-01"),
        ("X-3", "X", "Done", "done", "2026-01-01"), ("X-4", "X", "Done", "done", "2026-01-01"),
        ("X-5", "X", "In Progress", "in_progress", "2026-01-01"), ("X-6", "X", "Done", "done", "2026-01-02"),
        ("X-7", "X", "In Progress", "in_progress", "2026-01-01"), ("Y-1", "Y", "Done", "done", "2026-01-01"),
        ("Y-2", "Y", "To Do", "todo", "2026-01-01"),
    ], columns=["key", "team", "status", "status_category", "created"])
    items["type"] = "Story"
    items["summary"] = "<b>" + items["key"] + "</b>"
    ev = [
        ("X-1", "2026-01-03", "To Do", "In Progress"), ("X-1", "2026-01-06", "In Progress", "Done"),
        ("X-2", "2026-01-02", "To Do", "In Progress"), ("X-2", "2026-01-04", "In Progress", "To Do"),
        ("X-2", "2026-01-08", "To Do", "In Progress"), ("X-2", "2026-01-10", "In Progress", "Done"),
        ("X-3", "2026-01-05", "To Do", "Done"),
        ("X-4", "2026-01-02", "To Do", "In Progress"), ("X-4", "2026-01-04", "In Progress", "Done"),
        ("X-4", "2026-01-06", "Done", "In Progress"), ("X-4", "2026-01-09", "In Progress", "Done"),
        ("X-5", "2026-01-02", "To Do", "In Progress"), ("X-5", "2026-01-03", "In Progress", "Done"),
        ("X-5", "2026-01-05", "Done", "In Progress"),
        ("X-6", "2026-01-05", "In Progress", "Done"),
        ("X-7", "2026-01-03", "To Do", "Selected for Development"),
        ("X-7", "2026-01-11", "Selected for Development", "In Progress"),
        ("Y-1", "2026-01-04", "To Do", "In Progress"), ("Y-1", "2026-01-06", "In Progress", "In Review"),
        ("Y-1", "2026-01-15", "In Review", "Done"),
    ]
    events = pd.DataFrame(ev, columns=["key", "at", "from", "to"]).assign(field="status", origin="changelog")
    lk = pd.DataFrame([("Y-1", "X-7", "Blocks", "dependency", "blocks"),
                       ("Y-2", "X-1", "Blocks", "dependency", "blocks"),
                       ("X-4", "Y-1", "Depends", "dependency", "depends on")],
                      columns=["source_key", "target_key", "link_type", "category", "label"])
    return Backlog(items=items, events=events, links=lk if links else None)


@pytest.fixture(scope="module")
def fm():
    return flow_metrics(_backlog(), now=NOW)


class TestStages:
    def test_default_from_category_and_name(self):
        m = dict(zip(*stage_map(_backlog())[["status", "stage"]].T.to_numpy()))
        assert m == {"To Do": "backlog", "Selected for Development": "committed", "In Progress": "in_progress",
                     "In Review": "in_progress", "Done": "done"}

    def test_user_mapping_overrides(self, tmp_path):
        p = tmp_path / "teams.toml"
        p.write_text('[components]\n"a" = "X"\n\n[stages]\n"In Review" = "done"\n', encoding="utf-8")
        assert load_stages(p) == {"In Review": "done"}
        f = flow_metrics(_backlog(), stages=p, now=NOW)
        y1 = f.cycle_times.set_index("key").loc["Y-1"]
        assert y1["end"] == pd.Timestamp("2026-01-06", tz="UTC") and y1["cycle_time_days"] == 2.0
        assert f.stages.set_index("status").loc["In Review", "rule"] == "mapping"

    def test_unknown_stage_is_an_error(self):
        with pytest.raises(ValueError, match="unknown stage"):
            flow_metrics(_backlog(), stages={"Done": "shipped"})


class TestCycleTimes:
    @pytest.mark.parametrize("key, start, end, cycle", [
        ("X-1", "2026-01-03", "2026-01-06", 3.0),
        ("X-2", "2026-01-02", "2026-01-10", 8.0),  # backward move keeps the first start
        ("X-3", "2026-01-05", "2026-01-05", 0.0),  # skipped stage: entered with the later one
        ("X-4", "2026-01-02", "2026-01-09", 7.0),  # reopened: last entry into done
        ("X-6", "2026-01-02", "2026-01-05", 3.0),  # created straight into in progress
        ("Y-1", "2026-01-04", "2026-01-15", 11.0),
    ])
    def test_by_hand(self, fm, key, start, end, cycle):
        r = fm.cycle_times.set_index("key").loc[key]
        assert r["start"] == pd.Timestamp(start, tz="UTC") and r["end"] == pd.Timestamp(end, tz="UTC")
        assert r["cycle_time_days"] == cycle
        assert r["lead_time_days"] == (pd.Timestamp(end) - pd.Timestamp(_backlog().item(key)["created"].date())) / D
        assert r["basis"] == "changelog"

    def test_open_items(self, fm):
        ct = fm.cycle_times.set_index("key")
        assert ct.loc["X-5", "stage"] == "in_progress" and pd.isna(ct.loc["X-5", "end"])  # reopened, open again
        assert ct.loc["X-7", "start"] == pd.Timestamp("2026-01-11", tz="UTC")
        assert pd.isna(ct.loc["Y-2", "start"]) and ct.loc["Y-2", "stage"] == "backlog"

    def test_percentiles(self, fm):
        p = fm.percentiles.set_index("team")
        x = [3.0, 8.0, 0.0, 7.0, 3.0]
        assert p.loc["X", "n_done"] == 5 and p.loc["X", "cycle_p50"] == np.percentile(x, 50)
        assert p.loc["X", "cycle_p85"] == pytest.approx(np.percentile(x, 85))
        assert p.loc[ALL_TEAMS, "cycle_p95"] == pytest.approx(np.percentile(x + [11.0], 95))

    def test_no_history_uses_dates(self):
        b = _backlog().replace(events=None)
        b = b.replace(items=b.items.assign(resolved=[*["2026-01-05"] * 4, None, "2026-01-07", None, None, None]))
        f = flow_metrics(b, now=NOW)
        assert any("no changelog" in n for n in f.notes)
        ct = f.cycle_times.set_index("key")
        assert ct.loc["X-1", "cycle_time_days"] == 4.0 and ct.loc["X-1", "basis"] == "dates"
        assert ct.loc["X-6", "cycle_time_days"] == 5.0
        assert pd.isna(ct.loc["Y-1", "end"])  # done without a resolution date or an update: unknown end
        assert ct.loc["X-5", "start"] == pd.Timestamp("2026-01-01", tz="UTC")  # in progress: from creation


    def test_snapshot_events(self):
        b = _backlog()
        f = flow_metrics(b.replace(events=b.events.assign(origin="snapshot")), now=NOW)
        ct = f.cycle_times.set_index("key")
        assert ct.loc["X-2", "basis"] == "snapshots" and ct.loc["X-2", "cycle_time_days"] == 8.0
        assert f.has_history and ct.loc["Y-2", "basis"] == "dates"


class TestDailyFigures:
    def _day(self, df, team, day):
        return df[(df["team"] == team) & (df["date"] == pd.Timestamp(day, tz="UTC"))].iloc[0]

    def test_cfd_by_hand(self, fm):
        # end of 01-05, team X: X-1 in progress; X-2 backlog (moved back 01-04); X-3 done; X-4 in progress
        # (reopened 01-06? no: done 01-04); X-5 in progress (reopened 01-05); X-6 done; X-7 committed
        r = self._day(fm.cfd, "X", "2026-01-05")
        assert (r["backlog"], r["committed"], r["in_progress"], r["done"]) == (1, 1, 2, 3)
        r = self._day(fm.cfd, "X", "2026-01-01")  # X-6 is created on 01-02
        assert (r["backlog"], r["committed"], r["in_progress"], r["done"]) == (6, 0, 0, 0)
        r = self._day(fm.cfd, "X", "2026-01-19")
        assert (r["backlog"], r["committed"], r["in_progress"], r["done"]) == (0, 0, 2, 5)
        tot = fm.cfd[["backlog", "committed", "in_progress", "done"]].sum(axis=1)
        last = fm.cfd[fm.cfd["date"] == fm.cfd["date"].max()]
        assert int(tot[last.index].groupby(last["team"]).sum()[ALL_TEAMS]) == 9

    def test_wip_is_in_progress(self, fm):
        assert self._day(fm.wip, "Y", "2026-01-10")["wip"] == 1
        assert self._day(fm.wip, "X", "2026-01-12")["wip"] == 2

    def test_throughput(self, fm):
        tp = fm.throughput
        x = tp[tp["team"] == "X"].set_index("date")["items"]
        assert x.sum() == 5 and x[pd.Timestamp("2026-01-05", tz="UTC")] == 2
        wk = fm.throughput_weekly
        assert wk[wk["team"] == ALL_TEAMS]["items"].sum() == 6
        y = wk[(wk["team"] == "Y")].set_index("week")["items"]
        assert y[pd.Timestamp("2026-01-12", tz="UTC")] == 1 and y.sum() == 1  # Y-1 on Thursday 01-15

    def test_net_flow(self, fm):
        nf = fm.net_flow[fm.net_flow["team"] == "X"].set_index("week")
        # week of Monday 2025-12-29: starts, X-6 (created in progress) on 01-02, X-1 on 01-03;
        # nothing ends for good (X-4 and X-5 are reopened later)
        wk1 = nf.loc[pd.Timestamp("2025-12-29", tz="UTC")]
        assert wk1["arrivals"] == 5 and wk1["departures"] == 0 and wk1["net_flow"] == 5
        assert nf["departures"].sum() == 5

    def test_aging_wip(self, fm):
        a = fm.aging_wip.set_index("key")
        assert set(a.index) == {"X-5", "X-7"}
        assert a.loc["X-5", "age_days"] == 18.0 and a.loc["X-7", "age_days"] == 9.0
        assert a.loc["X-5", "band"] == "above p95" and a.loc["X-7", "band"] == "above p95"
        assert list(fm.aging_wip["key"]) == ["X-5", "X-7"]  # oldest first

    def test_team_filter(self):
        f = flow_metrics(_backlog(), team="Y", now=NOW)
        assert set(f.cycle_times["team"]) == {"Y"} and set(f.cfd["team"]) == {"Y"}
        with pytest.raises(KeyError, match="no team 'Z'"):
            flow_metrics(_backlog(), team="Z")

    def test_empty_backlog(self):
        f = flow_metrics(Backlog())
        assert len(f.cycle_times) == 0 and len(f.throughput) == 0 and len(f.aging_wip) == 0
        assert forecast(Backlog(), items=3, random_state=0)["days"].isna().all()


class TestDependencyCost:
    def test_who_waited(self, fm):
        ct = fm.cycle_times.set_index("key")
        assert set(ct.index[ct["waited"]]) == {"X-1", "X-4", "X-7"}
        assert ct.loc["X-7", "waited_on"] == ["Y-1"] and ct.loc["X-1", "waited_via"] == "link"

    def test_resolved_blocker_does_not_count(self):
        b = _backlog()
        lk = pd.concat([b.links, pd.DataFrame([("Y-1", "X-2", "Blocks", "dependency", "blocks")],
                                              columns=b.links.columns)])
        ct = flow_metrics(b.replace(links=lk), now=NOW).cycle_times.set_index("key")
        assert ct.loc["X-2", "waited"]  # Y-1 was done on 01-15, after X-2's start on 01-02
        ev = b.events.copy()
        ev.loc[ev["key"] == "X-2", "at"] = ev.loc[ev["key"] == "X-2", "at"] + pd.Timedelta(days=15)
        ct = flow_metrics(b.replace(links=lk, events=ev), now=NOW + 10 * D).cycle_times.set_index("key")
        assert not ct.loc["X-2", "waited"]  # now X-2 starts 01-17, after Y-1 was done

    def test_cost_by_hand(self, fm):
        c = fm.dependency_cost.set_index("team").loc["X"]
        # finished X items: waited X-1 (3), X-4 (7); not waited X-2 (8), X-3 (0), X-6 (3)
        assert c["via"] == "link" and (c["n_waited"], c["n_not_waited"]) == (2, 3)
        assert c["difference_days"] == np.median([3, 7]) - np.median([8, 0, 3])
        assert c["mean_difference_days"] == pytest.approx(5 - 11 / 3)
        assert c["ci_low"] <= c["difference_days"] <= c["ci_high"]
        assert any("by link only" in n for n in fm.notes)

    def test_with_attention_edges(self):
        edges = pd.DataFrame({"source": ["X-2", "X-1"], "target": ["Y-1", "X-3"], "weight": [0.9, 0.8],
                              "score": [5.0, 4.0]})
        f = flow_metrics(_backlog(), attention=edges, now=NOW)
        ct = f.cycle_times.set_index("key")
        assert ct.loc["X-2", "waited"] and ct.loc["X-2", "waited_via"] == "attention"
        assert not ct.loc["X-2", "waited_by_link"]
        assert set(f.dependency_cost["via"]) == {"link", "link or attention"}

    @pytest.mark.parametrize("values", [[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0], [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]])
    def test_bootstrap_medians_match_resampling(self, values):
        # the O(runs) draw has the distribution of the median of actual resamples
        x = np.array(values)
        rng = np.random.default_rng(0)
        brute = np.median(x[rng.integers(0, len(x), size=(40_000, len(x)))], axis=1)
        fast = bootstrap_medians(x, 40_000, np.random.default_rng(1))
        support = np.union1d(np.unique(brute), np.unique(fast))
        p_brute = np.array([(brute == v).mean() for v in support])
        p_fast = np.array([(fast == v).mean() for v in support])
        assert np.abs(p_brute - p_fast).max() < 0.012
        possible = set(x) if len(x) % 2 else {(a + b) / 2 for a in x for b in x}
        assert set(np.unique(fast)) <= possible

    def test_bootstrap(self):
        rng = np.random.default_rng(1)
        a, b = rng.normal(10, 1, 200), rng.normal(6, 1, 200)
        d, lo, hi = bootstrap_difference(a, b, random_state=0)
        assert d == pytest.approx(np.median(a) - np.median(b)) and lo < d < hi and lo > 3.5 and hi < 4.5
        assert bootstrap_difference(a, b, random_state=0) == (d, lo, hi)
        assert np.isnan(bootstrap_difference(a[:1], b)[1]) and np.isnan(bootstrap_difference([], b)[0])


def _steady(n_days=30, per_day=2, waiting=0, wait_cycle=20.0):
    """Items finished ``per_day`` each day for ``n_days`` up to NOW (no history: dates), plus open items."""
    rows = []
    for d in range(n_days):
        for j in range(per_day):
            rows.append((f"A-{d}-{j}", "A", "Done", "done", NOW - (n_days - d) * D + 0.5 * D - 2 * D,
                         NOW - (n_days - d) * D + 0.5 * D))
    for i in range(10):
        rows.append((f"A-open-{i}", "A", "To Do", "todo", NOW - D, None))
    for i in range(waiting):  # past waiting items: cycle wait_cycle days, blocked by B-0 until they started
        rows.append((f"A-w-{i}", "A", "Done", "done", NOW - 60 * D, NOW - 60 * D + wait_cycle * D))
    items = pd.DataFrame(rows, columns=["key", "team", "status", "status_category", "created", "resolved"])
    items = pd.concat([items, pd.DataFrame([("B-0", "B", "To Do", "todo", NOW - 90 * D, None)], columns=items.columns[:6])])
    items["type"] = "Task"
    return items


class TestForecast:
    def test_constant_throughput_by_hand(self):
        b = Backlog(items=_steady())
        f = forecast(b, items=10, window=28, random_state=0, now=NOW)
        assert f["question"].tolist() == ["when"] * 3 and f["days"].tolist() == [5.0, 5.0, 5.0]
        assert f["date"].iloc[0] == NOW + 5 * D
        h = forecast(b, until=NOW + 7 * D, window=28, random_state=0, now=NOW)
        assert h["items"].tolist() == [14.0, 14.0, 14.0] and h["question"].iloc[0] == "how many"
        assert forecast(b, window=28, random_state=0, now=NOW).attrs["n_items"] == 11  # the open items (B-0 too)

    def test_seeded_and_percentiles_ordered(self):
        b = _backlog()
        f1 = forecast(b, items=6, random_state=7, now=NOW, window=20)
        f2 = forecast(b, items=6, random_state=7, now=NOW, window=20)
        pd.testing.assert_frame_equal(f1, f2)
        assert f1["days"].is_monotonic_increasing
        h = forecast(b, until=NOW + 30 * D, random_state=7, now=NOW, window=20)
        assert h["items"].is_monotonic_decreasing  # 95% sure of fewer items than 50% sure
        assert sum(f1.attrs["histogram"]["runs"]) == 10_000

    def test_waiting_items_use_their_own_cycle_times(self):
        items = _steady(waiting=6, wait_cycle=20.0)
        items = pd.concat([items, pd.DataFrame([("A-now", "A", "In Progress", "in_progress", NOW - 5 * D, None, "Task")],
                                               columns=items.columns)])
        keys = [f"A-w-{i}" for i in range(6)] + ["A-now"]
        lk = pd.DataFrame({"source_key": keys, "target_key": ["B-0"] * len(keys), "link_type": "Blocks",
                           "category": "dependency", "label": "is blocked by"})
        b = Backlog(items=items, links=lk)
        f = forecast(b, items=["A-now", "A-open-0"], window=28, random_state=0, now=NOW)
        assert f.attrs["n_waiting"] == 1
        assert f["days"].tolist() == [15.0, 15.0, 15.0]  # 20-day waiting cycle, 5 days already spent
        plain = forecast(b.replace(links=None), items=["A-now", "A-open-0"], window=28, random_state=0, now=NOW)
        assert plain.attrs["n_waiting"] == 0 and plain["days"].max() == 1.0

    def test_waiting_draws_keep_only_the_maximum_per_run(self):
        """The waiting items' draws, as a runs x items table of the same random stream, maximised per run."""
        from attn_team.insights._forecast import _remaining_max

        rng = np.random.default_rng(3)
        past = rng.gamma(2.0, 5.0, size=40)
        ages = np.array([0.0, 3.0, 12.5, past.max() + 1.0, 7.0])  # one older than every past cycle time
        runs = 500
        got = _remaining_max(np.random.default_rng(11), past, ages, runs)
        ref_rng, srt = np.random.default_rng(11), np.sort(past)
        table = np.empty((runs, len(ages)))
        for j, age in enumerate(ages):
            longer = srt[srt > age]
            table[:, j] = ref_rng.random(runs) if not len(longer) else longer[ref_rng.integers(0, len(longer), runs)] - age
        np.testing.assert_array_equal(got, table.max(axis=1))
        assert got.shape == (runs,) and (got > 0).all()

    def test_epic_and_fix_version(self):
        items = _steady()
        items["epic_key"] = [None] * (len(items) - 11) + ["E-1"] * 4 + [None] * 7
        items["fix_versions"] = [[] for _ in range(len(items) - 11)] + [["v2"]] * 6 + [[]] * 5
        b = Backlog(items=pd.concat([items, pd.DataFrame([{"key": "E-1", "type": "Epic", "team": "A",
                                                          "status": "To Do", "status_category": "todo",
                                                          "created": NOW - 9 * D}])]))
        assert forecast(b, items="E-1", window=28, random_state=0, now=NOW).attrs["n_items"] == 4
        assert forecast(b, items="v2", window=28, random_state=0, now=NOW).attrs["n_items"] == 6
        with pytest.raises(KeyError, match="no epic, item or fix version"):
            forecast(b, items="nope")

    def test_errors(self):
        b = _backlog()
        with pytest.raises(ValueError, match="runs"):
            forecast(b, items=3, runs=0)
        with pytest.raises(ValueError, match="before now"):
            forecast(b, until="2020-01-01")
        with pytest.raises(KeyError, match="unknown"):
            forecast(b, items=["X-1", "NOPE-1"])

    def test_ten_thousand_runs_are_quick(self):
        # a smoke check that the runs are vectorised (speed itself is measured in benchmarks/)
        b = Backlog(items=_steady())
        t = time.perf_counter()
        forecast(b, items=200, window=28, random_state=0, now=NOW)
        assert time.perf_counter() - t < 30


@pytest.fixture(scope="module")
def org():
    from attn_team.synthetic import generate

    return generate()


class TestGeneratedOrganisation:
    def test_true_cycle_times(self, org):
        ct = flow_metrics(org.backlog).cycle_times.set_index("key")
        true = pd.Series(org.extras["cycle_times"])
        assert len(true) > 800
        np.testing.assert_allclose(ct.loc[true.index, "cycle_time_days"].to_numpy(float), true.to_numpy(), atol=1e-9)
        assert ct["cycle_time_days"].notna().sum() == len(true)  # nothing else is finished

    def test_planted_waiting_cost_is_recovered(self, org):
        planted = org.truth["waiting_cost"]
        fm = flow_metrics(org.backlog)
        ct = fm.cycle_times.set_index("key")
        waiting = {w for w, _ in planted["waiting"]}
        assert len(waiting) >= 20 and waiting <= set(ct.index[ct["waited"]])
        org_row = fm.dependency_cost.set_index("team").loc[ALL_TEAMS]
        assert org_row["ci_low"] <= planted["days"] <= org_row["ci_high"]
        assert abs(org_row["difference_days"] - planted["days"]) < 2.0


def test_every_real_export(shared_data):
    import attn_team

    files = sorted(p for p in (shared_data / "jira-exports").rglob("*") if p.suffix in (".csv", ".json", ".xml")
                   and "LICENSE" not in p.name)
    assert files
    ran = 0
    for path in files:
        try:
            b = attn_team.read_jira(path)
        except attn_team.JiraFormatError:
            continue  # not an issue export (a fields or boards list alone)
        f = flow_metrics(b)
        assert len(f.cycle_times) <= b.n_items
        if path.suffix == ".csv":
            assert any("no changelog" in n for n in f.notes) or not len(f.cycle_times)
        fc = forecast(b, random_state=0)
        assert list(fc["percentile"]) == [50, 85, 95]
        ran += 1
    assert ran >= 8


def test_flow_reads_the_item_attention_already_computed_at_another_k(monkeypatch):
    """Like the report: a result computed at k=4 (as one reloaded from a workspace kept at k=4) is read,
    not computed again at the default k."""
    from fakes import attention_kept_at

    b, res, calls = attention_kept_at(4, monkeypatch)
    fm = flow_metrics(b, attention=res)
    assert calls == []
    assert fm.cycle_times["waited_via"].str.contains("attention").any()  # the k=4 edges were used
